"""Guessing a company's representative through 대표자 변경: the register's 진위확인 answers whether a
name is right, so a person's refused representative checks count against the limit of the portal's
내 회사 확인 (five refusals a day, counted together): the sixth request is refused before the
register is asked, naming the field and the limit in Korean and English, even with the right name;
each refusal is recorded as the company binding's refusals are, and nothing reaches the lifecycle.

Real HTTP against the shared stack, the tax simulator's register answering."""

from sqlmodel import select

from store.binding_tables import BindingEvent
from store.db import session_scope
from tests.conftest import Stack
from tests.security.test_company_ownership import register

OPENED_ON = "2021-03-02"


async def test_the_sixth_refused_representative_guess_in_a_day_is_not_asked_of_the_register(stack: Stack) -> None:
    program = await stack.program()
    sid = await stack.apply(program)
    await stack.wait_phase(sid, "under_review")  # listed (its row read by the register check) and checked
    brn = sid.rsplit(":", 1)[1]
    me = stack.as_startup(brn)
    await register(stack, brn, "김진짜", OPENED_ON)

    for guess in ("김가나", "김다라", "김마바", "김사아", "김자차"):
        wrong = await stack.act(sid, "request-amendment", me, {
            "kind": "representative", "representative_name": guess, "representative_opened_on": OPENED_ON}, expect=422)
        assert [(d["field"], d["rule"]) for d in wrong["error"]["details"]] == [("representative_name",
                                                                                   "register_mismatch")]
    # The right name now: refused all the same, by the limit, before the register is asked.
    right = {"kind": "representative", "representative_name": "김진짜", "representative_opened_on": OPENED_ON}
    limited = await stack.act(sid, "request-amendment", me, right, expect=429)
    assert limited["error"]["code"] == "too_many_requests"
    assert [(d["field"], d["rule"]) for d in limited["error"]["details"]] == [("representative_name",
                                                                               "register_guesses_limited")]
    message = limited["error"]["message"]
    assert "5번" in message and "24시간" in message and "five times in 24 hours" in message

    user_id = stack.user_id(f"startup-{brn}")
    with session_scope(stack.engine) as session:
        refused = session.exec(select(BindingEvent).where(BindingEvent.user_id == user_id,
                                                          BindingEvent.kind == "refused")).all()
        assert [(e.brn, e.rule) for e in refused] == [(brn, "register_mismatch")] * 5
        assert {e.reason.rsplit(": ", 1)[1] for e in refused} == {"김가나", "김다라", "김마바", "김사아", "김자차"}
    assert not ((await stack.state(sid, me)).get("amendments") or {}).get("requests")
