"""The words of notifications and the outbox's promise: every kind has Korean and English words,
one language per message, that name only facts its events carry, and a message claimed but never marked (a crash between
sending and recording) is not sent again by email, while an SMS is (the gateway drops duplicates)."""

import pytest

from axflow.notices import has_template, render, render_digest
from domain.notifications import KINDS
from store import outbox
from store.db import session_scope
from tests.conftest import Stack, new_brn

# Every fact some event carries (publishing.emit's common facts and the call sites' own).
FACTS = {
    "company_name": "테스트AI", "program_name": "AI 지역 2025", "phase": "in_poc",
    "agreement_due_at": "2026-12-01T14:59:59+00:00", "reason": "서류 미비", "days": 3,
    "due_at": "2026-12-01T14:59:59+00:00", "since": "2026-11-20T01:00:00+00:00", "milestone": "중간 보고",
    "tranche": "선급금", "amount": 56_000_000, "deadline": "agreement", "new_due_on": "2026-12-10",
    "spent": 76_000_000, "refund_due": 4_000_000, "target_program": "초격차 2026",
    "decision": "approve", "from_category": "재료비", "to_category": "기계장치", "version": 3,
    "kind_name": "사업 기간", "type": "approval", "decision_due_at": "2026-12-01T14:59:59+00:00",
}


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


# Facts a workflow sends as Korean words (names, reasons); every other Korean letter is the template's.
KOREAN_FACTS = [str(v) for v in FACTS.values() if isinstance(v, str) and _has_hangul(v)] + ["홍길동"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_own_words_in_one_language_each(kind: str) -> None:
    assert has_template(kind)
    link = "http://axflow.test/portal/my"
    korean = render(kind, FACTS, recipient_name="홍길동", link=link, strict=True)
    assert korean.subject.startswith("[axflow] ") and " / " not in korean.subject and korean.language == "ko"
    assert korean.text.startswith("홍길동 님, 안녕하세요.") and "Dear" not in korean.text
    assert "{{" not in korean.text and "None" not in korean.text
    assert korean.text.count(link) == 1 and korean.sms
    english = render(kind, FACTS, recipient_name="홍길동", link=link, language="en", strict=True)
    assert english.text.startswith("Dear 홍길동,") and english.language == "en" and english.text.count(link) == 1
    for text in (english.subject, english.text, english.sms):
        for fact in KOREAN_FACTS:
            text = text.replace(fact, "")
        assert not _has_hangul(text), text


@pytest.mark.parametrize("kind", ["amendment_requested", "amendment_decided", "amendment_overdue"])
def test_an_amendments_kind_is_named_in_the_readers_language(kind: str) -> None:
    """The lifecycle sends the agreement's Korean word for the kind; an English notice translates it."""
    for korean, english in (("사업 기간", "PoC period"), ("대표자", "Representative"),
                            ("사업비 (비목 변경)", "Budget (move between categories)")):
        facts = FACTS | {"kind_name": korean}
        words = render(kind, facts, recipient_name="Kim", link="L", language="en", strict=True)
        assert english in words.text and korean not in words.text + words.subject
        assert korean in render(kind, facts, recipient_name="김", link="L", strict=True).text


def test_amounts_and_instants_are_written_for_people() -> None:
    words = render("refund_due", FACTS, recipient_name="김", link="L")
    assert "56,000,000원" in words.text and "KRW" not in words.text
    assert "KRW 56,000,000" in render("refund_due", FACTS, recipient_name="Kim", link="L", language="en").text
    assert "2026-12-01 23:59 KST" in words.text  # the UTC instant, in Korean time
    assert words.sms == "[axflow] 반납금 56,000,000원, 2026-12-01까지 납부"


def test_a_kind_without_words_and_a_missing_fact_still_make_a_message() -> None:
    words = render("brand_new_kind", {"company_name": "테스트AI"}, recipient_name="김", link="L")
    assert "brand_new_kind" in words.subject and "테스트AI" in words.text
    sparse = render("payment_received", {"company_name": "테스트AI"}, recipient_name="김", link="L")
    assert "- 지원금 - -이(가) 테스트AI에 지급되었습니다." in sparse.text  # a dash for each fact missing


def test_the_digest_lists_each_item_with_its_korean_time() -> None:
    items = [{"at": "2026-11-01T01:00:00+00:00", "subject": "[axflow] 하나"},
             {"at": "2026-11-01T02:30:00+00:00", "subject": "[axflow] 둘"}]
    digest = render_digest(items, recipient_name="박재무", link="L", day="2026-11-02")
    assert digest.subject == "[axflow] 일일 요약 2026-11-02: 알림 2건"
    assert "1. 2026-11-01 10:00 KST  [axflow] 하나" in digest.text
    assert "2. 2026-11-01 11:30 KST  [axflow] 둘" in digest.text and "Dear" not in digest.text
    english = render_digest(items, recipient_name="Park", link="L", day="2026-11-02", language="en")
    assert english.subject == "[axflow] Daily digest 2026-11-02: 2 notification(s)"
    assert english.text.startswith("Dear Park, 2 notification(s)") and "요약" not in english.text


async def test_a_claim_left_by_a_crash_is_not_sent_again_by_email_but_is_by_sms(stack: Stack) -> None:
    key = f"outbox-test:{new_brn()}:n1"

    def claim(channel: str, resend_stale: bool = False) -> outbox.Claim | None:
        return outbox.claim(stack.engine, event_key=key, user_id="u-outbox", channel=channel, address="x",
                            message_id=f"<{channel}@axflow.test>", resend_stale=resend_stale)

    def status(channel: str) -> tuple[str, int]:
        with session_scope(stack.engine) as session:
            row = next(r for r in outbox.deliveries_of(session, key) if r.channel == channel)
            return row.status, row.attempts

    first = claim("email")
    assert first is not None and first.message_id == "<email@axflow.test>"
    # ... the attempt sends, then dies before finish(): the next attempt must not send again.
    assert claim("email") is None
    assert status("email") == ("unconfirmed", 1)
    assert claim("email") is None

    # A failure known not to have delivered releases the claim; the retry sends under the same id.
    assert (sms := claim("sms", resend_stale=True)) is not None
    outbox.finish(stack.engine, sms.row_id, outbox.RETRY, "gateway answered 503")
    assert claim("sms", resend_stale=True) is not None and status("sms") == ("claimed", 2)
    # A stale SMS claim is sent again: the gateway's idempotency key keeps it to one message.
    again = claim("sms", resend_stale=True)
    assert again is not None and status("sms") == ("claimed", 3)
    outbox.finish(stack.engine, again.row_id, outbox.SENT, "ok")
    assert claim("sms", resend_stale=True) is None and status("sms") == ("sent", 3)
