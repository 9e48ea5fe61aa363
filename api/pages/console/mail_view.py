"""The embedded stack's mailbox as people read it: each kept message (axflow/mailbox.py) with its
subject and body decoded (MIME-encoded Korean becomes Korean again) and its date in KST. Only the
plain-text body is shown: an HTML part is never rendered inside the console."""

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from axflow.mailbox import ENVELOPE_TO, body_text, message_files, read_message
from domain.formatting import kst_second

MESSAGES_PER_PAGE = 50
# A message's id on the page is its file's name without .eml, as the mail server wrote it.
MESSAGE_ID = re.compile(r"^[0-9]{1,24}-[0-9]{1,10}-[0-9]{1,10}$")


@dataclass(frozen=True)
class MailView:
    id: str
    subject: str
    sender: str
    recipients: str
    sent_kst: str
    text: str
    has_html: bool


def view(message_id: str, message: EmailMessage) -> MailView:
    sent = _date(message)
    return MailView(
        id=message_id,
        subject=str(message.get("Subject", "") or ""),  # the page says when there is none
        sender=str(message.get("From", "")),
        recipients=str(message.get(ENVELOPE_TO, "") or message.get("To", "")),
        sent_kst=kst_second(sent),
        text=body_text(message),
        has_html=message.get_body(preferencelist=("html",)) is not None,
    )


def _date(message: EmailMessage) -> datetime | None:
    try:
        sent = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        return None
    return sent if sent.tzinfo else None


def newest_first(folder: Path, page: int) -> tuple[list[MailView], int]:
    """One page of the mailbox, newest first, and how many messages it holds. Only the page's
    messages are read."""
    files = list(reversed(message_files(folder)))
    start = max(page - 1, 0) * MESSAGES_PER_PAGE
    return [view(path.stem, read_message(path)) for path in files[start:start + MESSAGES_PER_PAGE]], len(files)


def one(folder: Path, message_id: str) -> MailView | None:
    """The message with this id, or None (an id not of the mail server's making is never a path)."""
    if not MESSAGE_ID.match(message_id):
        return None
    path = folder / f"{message_id}.eml"
    return view(message_id, read_message(path)) if path.is_file() else None
