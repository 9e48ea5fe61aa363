"""Sending e-mail over SMTP (aiosmtplib): to the local mail server in `make run` and the tests, to the
agency's relay in production (settings smtp_host/smtp_port, with STARTTLS and a login if set).

Korean arrives intact: the subject and display names become RFC 2047 encoded words, the bodies
UTF-8 in base64, so a relay without 8BITMIME passes them unchanged. The message is built with
email.mime and email.header: the newer EmailMessage API, folding a long Korean subject, drops
the space at the fold between two encoded words ("지역 주력산업" arrives as "지역주력산업"),
which a test of the received subject caught.
"""

from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr

import aiosmtplib

from axflow.config import Settings


class MailRefused(Exception):
    """The server refused the message for good (a 5xx answer): sending it again will not help."""


class MailUnavailable(Exception):
    """The server could not be reached or answered 4xx: the message may go through later."""


def _address(value: str) -> str:
    """ "홍길동 <a@b.kr>" with the name as an encoded word."""
    [(name, address)] = getaddresses([value]) or [("", value)]
    return formataddr((name, address), charset="utf-8")


def new_message_id(settings: Settings) -> str:
    domain = parseaddr(settings.smtp_from)[1].partition("@")[2]
    return make_msgid(domain=domain or "axflow.local")


def build_message(settings: Settings, *, to: str, subject: str, text: str, html: str | None = None,
                  message_id: str | None = None, language: str | None = None) -> Message:
    message: Message = MIMEText(text, "plain", "utf-8")  # base64 for UTF-8
    if html is not None:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
    message["From"] = _address(settings.smtp_from)
    message["To"] = _address(to)
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # email takes a Header; its stubs say str
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or new_message_id(settings)
    if language:  # a notice is written in one language, its reader's (RFC 3282)
        message["Content-Language"] = language
    return message


async def send_mail(settings: Settings, *, to: str, subject: str, text: str, html: str | None = None,
                    message_id: str | None = None, language: str | None = None) -> str:
    """Send one message to one address and return its Message-ID (`message_id` when given: the
    outbox chooses it before sending). Raises MailRefused when the server refuses it for good,
    MailUnavailable when it may be retried."""
    message = build_message(settings, to=to, subject=subject, text=text, html=html, message_id=message_id,
                            language=language)
    try:
        await aiosmtplib.send(
            message, hostname=settings.smtp_host, port=settings.smtp_port,
            # Unset or empty (a compose file's blank default): no login.
            username=settings.smtp_user or None, password=settings.smtp_password or None,
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
