"""Applications: bad input gets an error naming the field and the rule, and leaves nothing behind:
no workflow started, no row written. Plus the participation ban that makes a startup ineligible."""

from datetime import date, timedelta

import pytest
from sqlmodel import select
from temporalio.service import RPCError

from domain.phases import Role
from domain.timeutil import kst_date
from store.db import session_scope
from store.tables import StartupRow
from tests.conftest import Stack, new_brn
from tests.flows import PO, drive


def body(brn: str, **changes: object) -> dict[str, object]:
    return {"brn": brn, "company_name": "테스트AI", "founded_on": "2021-01-04", "task_id": "SF-01",
            "representative": "홍길동", "email": "ceo@test.kr", "proposal_title": "AI PoC", **changes}


async def assert_nothing_created(stack: Stack, program_id: str, brn: str) -> None:
    with pytest.raises(RPCError):
        await stack.client.get_workflow_handle(f"startup:{program_id}:{brn}").describe()
    with session_scope(stack.engine) as session:
        assert session.exec(select(StartupRow).where(StartupRow.brn == brn)).first() is None


async def test_bad_applications_name_the_field_and_rule_and_create_nothing(stack: Stack) -> None:
    program = await stack.program()
    closes = kst_date(program.application_closes_at)
    officer = stack.as_role(PO)
    brn = new_brn()
    cases = [
        ({"brn": brn}, "company_name", None),
        (body("12-34-5"), "brn", "10 digits"),
        (body(brn[:9] + str((int(brn[9]) + 1) % 10)), "brn", "check digit"),
        (body(brn, founded_on=(closes.replace(year=closes.year - 10) - timedelta(days=1)).isoformat()), "founded_on",
         "within 10 years"),
        (body(brn, founded_on=(date.today() + timedelta(days=30)).isoformat()), "founded_on", "future"),
        (body(brn, task_id="XX-99"), "task_id", None),
        (body(brn, email="not-an-email"), "email", None),
        (body(brn, amount=1), "amount", None),
    ]
    for payload, field, words in cases:
        error = await stack.call("POST", f"/programs/{program.id}/applications", officer, payload, 422)
        assert error["error"]["code"] == "validation_error"
        fields = [d["field"] for d in error["error"]["details"]]
        assert field in fields, (payload, error)
        if words:
            assert words in str(error["error"]), error
    await assert_nothing_created(stack, program.id, brn)
    # Exactly on the limit is still within 10 years.
    ok = await stack.call("POST", f"/programs/{program.id}/applications", officer,
                          body(brn, founded_on=closes.replace(year=closes.year - 10).isoformat()), 201)
    assert ok["phase"] == "applied"


async def test_one_application_per_program(stack: Stack) -> None:
    program = await stack.program()
    brn = new_brn()
    first = await stack.apply(program, brn)
    error = await stack.call("POST", f"/programs/{program.id}/applications", stack.as_startup(brn), body(brn), 409)
    assert error["error"]["details"]["rule"] == "one_application_per_program"
    assert error["error"]["details"]["startup_id"] == first
    await stack.wait_phase(first, "under_review")  # listed before its checks ran: its row is in the read model
    with session_scope(stack.engine) as session:
        assert len(session.exec(select(StartupRow).where(StartupRow.brn == brn)).all()) == 1


async def test_roles_and_ownership_at_the_door(stack: Stack) -> None:
    program = await stack.program()
    brn, other = new_brn(), new_brn()
    path = f"/programs/{program.id}/applications"
    assert (await stack.call("POST", path, {}, body(brn), 401))["error"]["code"] == "unauthorized"
    assert (await stack.call("POST", path, {"Authorization": "Bearer axf_nope"}, body(brn), 401))
    assert (await stack.call("POST", path, stack.as_role(Role.EVALUATOR), body(brn), 403))["error"]["code"] == \
        "forbidden"
    error = await stack.call("POST", path, stack.as_startup(other), body(brn), 403)
    assert error["error"]["details"]["rule"] == "own_records"
    assert (await stack.call("POST", "/programs/no-such-program/applications", stack.as_startup(brn), body(brn),
                             404))["error"]["code"] == "not_found"
    await assert_nothing_created(stack, program.id, brn)


async def test_a_startup_sees_only_its_own_records(stack: Stack) -> None:
    program = await stack.program()
    mine, theirs = await stack.apply(program), await stack.apply(program)
    my_brn = mine.rsplit(":", 1)[1]
    me = stack.as_startup(my_brn)
    await stack.wait_phase(mine, "under_review")
    await stack.act(mine, "score", stack.as_role(Role.EVALUATOR), {"round": "document", "score": 77})
    view = await stack.call("GET", f"/startups/{mine}", me)
    assert view["scores"] == [] and view["allowed_actions"] == ["withdraw"]
    for path in (f"/startups/{theirs}", f"/startups/startup:{program.id}:0000000000", "/startups/garbage"):
        assert (await stack.call("GET", path, me, expect=404))["error"]["code"] == "not_found"
    assert (await stack.act(theirs, "withdraw", me, {}, expect=404))["error"]["code"] == "not_found"
    listed = await stack.call("GET", f"/startups?program_id={program.id}", me)
    assert [s["startup_id"] for s in listed["items"]] == [mine]
    assert (await stack.call("GET", f"/startups/{mine}/history", me, expect=403))["error"]["code"] == "forbidden"


async def test_a_program_without_a_window_takes_no_applications(stack: Stack) -> None:
    program = await stack.next_stage_program()
    brn = new_brn()
    error = await stack.call("POST", f"/programs/{program.id}/applications", stack.as_startup(brn), body(brn), 409)
    assert error["error"]["details"]["rule"] == "application_window"


async def test_a_banned_company_is_ineligible_everywhere_naming_the_ban(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    state = await stack.act(startup.id, "terminate", stack.as_role(PO),
                            {"cause": "misuse", "ban_years": 3, "reason": "사업비 목적 외 사용"})
    assert state["phase"] == "terminated"
    assert state["termination"]["clawback_amount"] == 56_000_000
    later = await stack.program()
    again = await stack.apply(later, startup.brn)
    state = await stack.wait_phase(again, "ineligible")
    assert "참여제한" in state["ineligible_reason"] and "misuse" in state["ineligible_reason"]
    assert str(date.today().year + 3) in state["ineligible_reason"]
