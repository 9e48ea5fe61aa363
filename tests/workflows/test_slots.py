"""A selection given up: before any money moved the slot goes to the next 예비 후보 by itself;
after money moved the slot is vacated and the program officer offers it, on the record. The
report tells committed money net of what was released, and money owed back now apart from what
has arrived."""

from typing import Any

from tests.conftest import Stack, wait_until
from tests.flows import FO, PO, match_and_sign, pay, select
from tests.workflows.test_money import Finance


async def _one_slot_and_a_waitlist(stack: Stack) -> tuple[Any, str, str]:
    program = await stack.program(slots=1, budget=80_000_000)
    first, second = await stack.apply(program), await stack.apply(program)
    await select(stack, program, {first: 90, second: 80})
    await stack.wait_phase(first, "selected")
    await stack.wait_phase(second, "waitlisted")
    return program, first, second


async def _report(stack: Stack, program_id: str, **money: int) -> dict[str, Any]:
    """The report once its money figures read as expected (the read model follows the workflow)."""
    return await wait_until(
        lambda: stack.call("GET", f"/programs/{program_id}/report", stack.as_role(PO)),
        lambda report: all(report["money"][key] == value for key, value in money.items()),
        what=f"report money {money}")


def _brn(startup_id: str) -> str:
    return startup_id.rsplit(":", 1)[1]


async def test_a_contracted_startup_that_withdraws_before_payment_frees_its_slot_and_money(stack: Stack) -> None:
    program, first, second = await _one_slot_and_a_waitlist(stack)
    await match_and_sign(stack, first)
    await _report(stack, program.id, committed=80_000_000)

    await stack.act(first, "withdraw", stack.as_startup(_brn(first)), {"reason": "사업 포기"})

    state = await stack.wait_phase(second, "selected")
    assert state["phase"] == "selected"
    status = await stack.call_status(program.id)
    assert status["holding_slots"] == [_brn(second)]
    assert status["reoffers"][0]["released_by"] == _brn(first)
    await _report(stack, program.id, committed=0, released=80_000_000)


async def test_after_money_moved_the_slot_is_offered_by_the_officer_and_the_refund_is_owed_until_it_arrives(
        stack: Stack) -> None:
    finance = Finance(stack)
    program, first, second = await _one_slot_and_a_waitlist(stack)
    await match_and_sign(stack, first)
    await pay(stack, first, "advance")
    await stack.wait_phase(first, "in_poc")
    await finance.faults(collections_arrive=False)
    try:
        await stack.act(first, "withdraw", stack.as_startup(_brn(first)), {"reason": "대표 사임"})
        await stack.wait_until_state(first, lambda s: bool(s["collections"]), "refund owed")

        # Not re-offered by itself: the waitlisted startup waits for the officer's decision.
        status = await stack.call_status(program.id)
        assert status["holding_slots"] == [] and status["vacated"][0]["brn"] == _brn(first)
        assert (await stack.state(second))["phase"] == "waitlisted"
        # 80M committed, the 24M balance never to be paid released; the refund owed, none received.
        await _report(stack, program.id, refund_owed=56_000_000, refunded=0, committed=56_000_000,
                      released=24_000_000)

        http = stack.http
        wrong = await http.post(f"/programs/{program.id}/slots/offer", headers=stack.as_role(PO),
                                json={"brn": _brn(first)})
        assert wrong.status_code == 422 and wrong.json()["error"]["details"]["field"] == "brn"
        refused = await http.post(f"/programs/{program.id}/slots/offer", headers=stack.as_role(FO),
                                  json={"brn": _brn(second)})
        assert refused.status_code == 403
        offered = await http.post(f"/programs/{program.id}/slots/offer", headers=stack.as_role(PO),
                                  json={"brn": _brn(second), "reason": "중도 포기에 따른 추가 선정"})
        assert offered.status_code == 200, offered.text
        again = await http.post(f"/programs/{program.id}/slots/offer", headers=stack.as_role(PO),
                                json={"brn": _brn(second)})
        assert again.status_code in (409, 422)
        await stack.wait_phase(second, "selected")
        reoffer = (await stack.call_status(program.id))["reoffers"][-1]
        assert reoffer["offered_to"] == _brn(second) and reoffer["offered_by"]

        await finance.post(f"/collections/{program.id}:{_brn(first)}:refund/receive")
        await stack.wait_until_state(first, lambda s: s["collections"][0]["status"] == "received", "refund in")
        # refund_due stays the running total of refunds ever owed.
        await _report(stack, program.id, refund_owed=0, refunded=56_000_000, refund_due=56_000_000)
    finally:
        await finance.faults()

