"""E-mail over SMTP: what the local SMTP server receives is Korean intact, properly MIME-encoded."""

from axflow.mail import send_mail
from axflow.mailbox import ENVELOPE_TO, body_text
from tests.conftest import Stack


async def test_a_korean_email_arrives_intact_and_mime_encoded(stack: Stack) -> None:
    subject = "[axflow] 협약 체결 기한 안내 / Agreement due soon"
    text = "홍길동 님, 협약을 2026-12-01까지 체결해 주세요.\nPlease sign the agreement by 2026-12-01.\n"
    message_id = await send_mail(stack.settings, to="홍길동 <mail.smoke@test-ai.kr>", subject=subject, text=text)

    received = await stack.wait_for_mail("mail.smoke@test-ai.kr", lambda m: m["Message-ID"] == message_id)
    assert received["Subject"] == subject
    assert received["To"].addresses[0].display_name == "홍길동"
    assert received[ENVELOPE_TO] == "mail.smoke@test-ai.kr"
    assert body_text(received) == text
    # On the wire: encoded words and base64, nothing a 7-bit relay could mangle.
    raw = received.as_bytes()
    assert raw.isascii()
    assert b"=?utf-8?b?" in raw
    assert received.get_content_charset() == "utf-8" and received["Content-Transfer-Encoding"] == "base64"
