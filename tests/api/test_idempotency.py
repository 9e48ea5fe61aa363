"""An HTTP retry never applies an action twice: the Idempotency-Key header is the Temporal Update id.
Through HTTP, against the real stack."""

import asyncio
from typing import Any

from sqlalchemy import update

from domain.phases import Role
from store.db import session_scope
from store.idempotency import IdempotentRequest
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import PO, drive

AUDITOR = Role.AUDITOR


def _match(region: str = "강원") -> dict[str, Any]:
    return {"partners": [{"name": "강원 정밀 SME", "brn": new_brn(), "region": region}], "reason": "수요 일치"}


async def _post(stack: Stack, startup_id: str, action: str, body: dict[str, Any], key: str | None,
                headers: dict[str, str] | None = None) -> Any:
    sent = dict(headers or stack.as_role(PO))
    if key is not None:
        sent["Idempotency-Key"] = key
    return await stack.http.post(f"/startups/{startup_id}/actions/{action}", json=body, headers=sent)


async def _trail(stack: Stack, startup_id: str) -> list[dict[str, Any]]:
    """The readable trail once it holds every transition the lifecycle has made (it is read from the
    projections in Temporal's history, which are published just after the Update answers)."""
    made = (await stack.state(startup_id))["transition_count"]
    history = await wait_until(
        lambda: stack.call("GET", f"/startups/{startup_id}/history", stack.as_role(AUDITOR)),
        lambda h: len(h["entries"]) >= made, what=f"{made} transitions in the trail")
    return list(history["entries"])


async def _recorded(stack: Stack, startup_id: str, action: str) -> int:
    return sum(entry["action"] == action for entry in await _trail(stack, startup_id))


async def test_the_same_request_twice_with_one_key_is_applied_once_and_answered_the_same(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    body = _match()
    first = await _post(stack, startup.id, "match", body, "match-once-1")
    again = await _post(stack, startup.id, "match", body, "match-once-1")
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.json() == first.json()
    assert await _recorded(stack, startup.id, "match") == 1
    # The audit table (the projection of the same history) agrees once it holds every transition.
    made = len(await _trail(stack, startup.id))
    rows = await wait_until(lambda: stack.audit_rows(startup.id), lambda r: len(r) >= made,
                            what="audit rows of every transition")
    assert sum(r.action == "match" for r in rows) == 1


async def test_concurrent_duplicates_with_one_key_yield_one_transition(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    body = _match()
    answers = await asyncio.gather(*(_post(stack, startup.id, "match", body, "match-race") for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert await _recorded(stack, startup.id, "match") == 1


async def test_a_retry_whose_answer_was_never_stored_is_deduplicated_by_the_update_id(stack: Stack) -> None:
    """As if the API died between the Update and storing its answer: Temporal itself must refuse to
    run the same Update id twice."""
    startup = await drive(stack, "selected")
    body = _match()
    first = await _post(stack, startup.id, "match", body, "match-lost-answer")
    assert first.status_code == 200, first.text
    with session_scope(stack.engine) as session:
        session.exec(update(IdempotentRequest).where(IdempotentRequest.key == "match-lost-answer")  # type: ignore[call-overload]
                     .values(answer=None))
        session.commit()
    again = await _post(stack, startup.id, "match", body, "match-lost-answer")
    assert again.status_code == 200, again.text
    assert again.json()["partners"] == first.json()["partners"]
    assert await _recorded(stack, startup.id, "match") == 1


async def test_a_key_reused_for_another_body_or_action_is_refused_in_korean_and_english(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    assert (await _post(stack, startup.id, "match", _match("강원"), "reused-key")).status_code == 200
    other_body = await _post(stack, startup.id, "match", _match("부산"), "reused-key")
    assert other_body.status_code == 422, other_body.text
    error = other_body.json()["error"]
    assert error["code"] == "validation_error"
    assert "Idempotency-Key" in error["message"] and "다른 요청" in error["message"]
    assert error["details"][0]["field"] == "Idempotency-Key"
    assert error["details"][0]["rule"] == "idempotency_key_reused"
    other_action = await _post(stack, startup.id, "extend-deadline",
                               {"deadline": "agreement", "new_due_on": "2099-01-01"}, "reused-key")
    assert other_action.status_code == 422, other_action.text
    assert other_action.json()["error"]["details"][0]["first_action"] == "match"
    assert await _recorded(stack, startup.id, "match") == 1
    # Refused attempts are kept for auditors like every refusal.
    history = await stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(AUDITOR))
    assert any(r["details"] and r["details"][0].get("rule") == "idempotency_key_reused" for r in history["refused"])


async def test_keys_are_scoped_to_their_caller_and_startup(stack: Stack) -> None:
    one, two = await drive(stack, "selected"), await drive(stack, "selected")
    body = _match()
    assert (await _post(stack, one.id, "match", body, "shared-key")).status_code == 200
    assert (await _post(stack, two.id, "match", body, "shared-key")).status_code == 200
    colleague = stack.as_role(PO, "officer.colleague")
    assert (await _post(stack, one.id, "match", body, "shared-key", colleague)).status_code == 200
    assert await _recorded(stack, one.id, "match") == 2
    assert await _recorded(stack, two.id, "match") == 1


async def test_without_a_key_each_submission_is_a_new_action_as_before(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    body = _match()
    for _ in range(2):
        assert (await _post(stack, startup.id, "match", body, None)).status_code == 200
    assert await _recorded(stack, startup.id, "match") == 2


async def test_a_malformed_key_is_refused_naming_the_header(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    response = await _post(stack, startup.id, "match", _match(), "x" * 256)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "Idempotency-Key"
    assert await _recorded(stack, startup.id, "match") == 0
