"""`axflow mail serve|list|show|digest`: the local mail server of `make run`, reading what it kept,
and running the daily digest now."""

import asyncio
import signal
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated

import typer

from axflow.config import get_settings

mail_app = typer.Typer(help="E-mail: the local SMTP server and the mail it kept.", no_args_is_help=True)


@mail_app.command("serve")
def serve() -> None:
    """Run the local SMTP server (make run starts it): every message is kept under the mail folder."""
    from axflow.mailbox import MailServer

    settings = get_settings()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with MailServer(settings.mail_path(), host=settings.smtp_host, port=settings.smtp_port):
        typer.echo(f"SMTP on {settings.smtp_host}:{settings.smtp_port}, mail kept in {settings.mail_path()}/")
        stop.wait()


def _when(value: str | None) -> str:
    from domain.formatting import kst_minute

    try:
        return kst_minute(parsedate_to_datetime(value or ''))
    except (TypeError, ValueError):
        return "-"


@mail_app.command("list")
def list_(
    to: Annotated[str | None, typer.Option(help="only mail delivered to this address")] = None,
    last: Annotated[int, typer.Option(help="the newest this many")] = 50,
) -> None:
    """The kept messages, numbered oldest first (the number is what `axflow mail show` takes)."""
    from axflow.mailbox import message_files, read_message, recipients

    files = message_files(get_settings().mail_path())
    shown = 0
    for number, path in list(enumerate(files, start=1))[-last:] if last > 0 else []:
        message = read_message(path)
        if to and to.strip().lower() not in recipients(message):
            continue
        shown += 1
        typer.echo(f"{number:>5}  {_when(message['Date'])}  {', '.join(recipients(message)):32}  {message['Subject']}")
    if not shown:
        typer.echo(f"no mail in {get_settings().mail_path()}/")


@mail_app.command("show")
def show(number: Annotated[int, typer.Argument(help="the message's number in `axflow mail list`")]) -> None:
    """One message: its headers and its text, decoded."""
    from axflow.mailbox import body_text, message_files, read_message

    files = message_files(get_settings().mail_path())
    if not 1 <= number <= len(files):
        raise typer.BadParameter(f"no message {number} (there are {len(files)})")
    message = read_message(files[number - 1])
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        typer.echo(f"{header}: {message[header]}")
    typer.echo("")
    typer.echo(body_text(message))


@mail_app.command("digest")
def digest(day: Annotated[str | None, typer.Option(help="the KST day (YYYY-MM-DD); default today")] = None) -> None:
    """Send the daily digest now (the worker's schedule sends it each morning)."""
    from axflow.temporal import connect
    from domain.notifications import DigestRequest
    from domain.timeutil import kst_date
    from workflows.digest import DailyDigest

    settings = get_settings()
    chosen = day or kst_date(datetime.now(UTC)).isoformat()

    async def run() -> int:
        client = await connect(settings)
        return await client.execute_workflow(DailyDigest.run, DigestRequest(day=chosen), id=f"daily-digest-{chosen}",
                                             task_queue=settings.task_queue)

    typer.echo(f"{asyncio.run(run())} digest(s) sent for {chosen}")
