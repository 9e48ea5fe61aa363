"""Sending e-mail over SMTP (aiosmtplib): to the local mail server in `make run` and the tests, to the
agency's relay in production (settings smtp_host/smtp_port, with STARTTLS and a login if set).

Korean arrives intact: the subject and display names become RFC 2047 encoded words, the bodies
UTF-8 in base64, so a relay without 8BITMIME passes them unchanged.
"""

from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import aiosmtplib

from axflow.config import Settings


class MailRefused(Exception):
    """The server refused the message for good (a 5xx answer): sending it again will not help."""


class MailUnavailable(Exception):
    """The server could not be reached or answered 4xx: the message may go through later."""


def sender(settings: Settings) -> Address:
    name, address = parseaddr(settings.smtp_from)
    username, _, domain = address.partition("@")
    return Address(display_name=name, username=username, domain=domain)


def build_message(settings: Settings, *, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    origin = sender(settings)
    message["From"] = origin
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=origin.domain or "axflow.local")
    message.set_content(text, charset="utf-8", cte="base64")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return message


async def send_mail(settings: Settings, *, to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send one message to one address and return its Message-ID. Raises MailRefused when the
    server refuses it for good, MailUnavailable when it may be retried."""
    message = build_message(settings, to=to, subject=subject, text=text, html=html)
    try:
        await aiosmtplib.send(
            message, hostname=settings.smtp_host, port=settings.smtp_port,
            username=settings.smtp_user, password=settings.smtp_password,
            start_tls=settings.smtp_starttls, timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as err:
        permanent = all(refusal.code >= 500 for refusal in err.recipients)
        raise (MailRefused if permanent else MailUnavailable)(f"{to}: {err}") from err
    except aiosmtplib.SMTPResponseException as err:
        raise (MailRefused if err.code >= 500 else MailUnavailable)(f"{to}: {err.code} {err.message}") from err
    except (aiosmtplib.SMTPException, OSError) as err:
        raise MailUnavailable(f"{settings.smtp_host}:{settings.smtp_port}: {err}") from err
    return str(message["Message-ID"])
