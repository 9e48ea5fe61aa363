"""An application sent again gets the first answer, not 409 "already applied" (issue 28's cohort at
concurrency 50: a client's retry after a first attempt that had in fact gone through was refused),
and a program call too busy for another Update answers 503 with Retry-After, so clients back off.
Real HTTP, Temporal and SQLite."""

import asyncio

from sqlmodel import select
from temporalio.service import RPCError, RPCStatusCode

from api.errors import from_rpc_error
from domain.phases import Role
from store.db import session_scope
from store.tables import StartupRow
from tests.conftest import Stack, new_brn, wait_until


def _application(brn: str) -> dict[str, str]:
    return {"brn": brn, "company_name": "재시도AI", "founded_on": "2021-01-04", "task_id": "SF-01",
            "representative": "홍길동", "email": "ceo@retry.kr", "proposal_title": "AI PoC"}


async def test_the_same_application_sent_again_is_one_application_with_the_same_answer(stack: Stack) -> None:
    program = await stack.program()
    brn = new_brn()
    path, me = f"/programs/{program.id}/applications", stack.as_startup(brn)
    at_once = await asyncio.gather(*(stack.http.post(path, json=_application(brn), headers=me) for _ in range(3)))
    again = await stack.http.post(path, json=_application(brn), headers=me)
    answers = [*at_once, again]
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    startup_id = again.json()["startup_id"]
    status = await stack.call_status(program.id)
    assert list(status["applicants"]) == [brn]
    await stack.wait_phase(startup_id, "under_review")
    with session_scope(stack.engine) as session:
        assert len(session.exec(select(StartupRow).where(StartupRow.brn == brn)).all()) == 1
    # Another application of the same company is still the one-per-program refusal.
    other = await stack.http.post(path, json=_application(brn) | {"proposal_title": "다른 과제"}, headers=me)
    assert other.status_code == 409, other.text
    assert other.json()["error"]["details"]["rule"] == "one_application_per_program"
    history = await wait_until(lambda: stack.call("GET", f"/startups/{startup_id}/history", stack.as_role(Role.AUDITOR)),
                               lambda h: len(h["entries"]) >= 1, what="the application in the trail")
    assert [e["action"] for e in history["entries"]].count("apply") == 1


def test_a_call_too_busy_for_another_update_answers_503_with_retry_after() -> None:
    busy = RPCError("limit on number of concurrent in-flight updates has been reached (10)",
                    RPCStatusCode.RESOURCE_EXHAUSTED, b"")
    error = from_rpc_error(busy, "the program's call for applications")
    assert error.status == 503 and error.headers == {"Retry-After": "2"}
    assert "다시 보내십시오" in error.message and "send it again" in error.message
    assert error.details["rule"] == "busy"
    down = from_rpc_error(RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b""), "the program's call")
    assert down.status == 503 and down.headers is not None and "Retry-After" in down.headers
