"""The local mail server of `make run` and the tests (aiosmtpd): it takes every message sent to it
and keeps it as a .eml file in one folder (`.data/mail/` in make run), where `axflow mail list`,
the console and the tests read them. Nothing is relayed onward.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # aiosmtpd is a development part (the dev extra): production reads kept mail only if a
    # folder exists, and never serves SMTP, so the console's mail pages import this module without it.
    from aiosmtpd.smtp import SMTP, Envelope, Session

# Headers the server adds on top of each kept message: who the SMTP envelope named. A Bcc
# recipient appears only here.
ENVELOPE_FROM = "X-Envelope-From"
ENVELOPE_TO = "X-Envelope-To"


class KeepInFolder:
    """An aiosmtpd handler writing each message to `<folder>/<time>-<n>.eml`; the names sort
    oldest first, and a file appears whole (written aside, then renamed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        # Fault injection for the tests: recipient address → (SMTP code, how many more times).
        self.refusals: dict[str, tuple[int, int]] = {}

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        with self._lock:
            code, times = self.refusals.get(address.lower(), (0, 0))
            if times:
                self.refusals[address.lower()] = (code, times - 1)
        if times:
            return f"{code} {'4.2.1 mailbox busy, try later' if code < 500 else '5.1.1 no such mailbox'} (injected)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        headers = (f"{ENVELOPE_FROM}: {envelope.mail_from}\r\n"
                   f"{ENVELOPE_TO}: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        with self._lock:
            name = f"{time.time_ns():020d}-{os.getpid()}-{next(self._serial):06d}.eml"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(headers + content)
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


class MailServer:
    """The SMTP server on a thread of its own, in the tests or in `axflow mail serve`."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
        from aiosmtpd.controller import Controller

        self.folder = folder
        self.handler = KeepInFolder(folder)
        self.controller = Controller(self.handler, hostname=host, port=port,
                                     # Keep the bytes as sent: the tests check the encoding.
                                     decode_data=False, server_hostname="axflow-mail")

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> None:
        self.controller.start()

    def refuse_next(self, address: str, code: int = 451, times: int = 1) -> None:
        """Answer the next `times` messages to `address` with `code` (4xx: try later; 5xx: never)."""
        with self.handler._lock:
            self.handler.refusals[address.lower()] = (code, times)

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> MailServer:
        self.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()


def message_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def read_message(path: Path) -> EmailMessage:
    with path.open("rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    assert isinstance(message, EmailMessage)
    return message


def read_messages(folder: Path) -> list[EmailMessage]:
    """Every message kept in the folder, oldest first."""
    return [read_message(path) for path in message_files(folder)]


def recipients(message: EmailMessage) -> list[str]:
    """The addresses the message was delivered to (from the SMTP envelope), lower-cased."""
    listed = str(message.get(ENVELOPE_TO, "") or message.get("To", ""))
    return [part.strip().lower() for part in listed.split(",") if part.strip()]


def _envelope_recipients(path: Path) -> list[str]:
    """The envelope's recipients from a kept file's first lines, without parsing the message."""
    with path.open("rb") as file:
        for line in (file.readline(), file.readline()):
            name, _, value = line.decode("ascii", "replace").partition(":")
            if name == ENVELOPE_TO:
                return [part.strip().lower() for part in value.split(",") if part.strip()]
    return []


def messages_to(folder: Path, address: str) -> list[EmailMessage]:
    """The messages kept for one address, oldest first; only those files are parsed (a folder
    of thousands is read in milliseconds)."""
    wanted = address.strip().lower()
    return [read_message(path) for path in message_files(folder) if wanted in _envelope_recipients(path)]


def body_text(message: EmailMessage) -> str:
    """The plain-text body, decoded."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""
