"""End-to-end checks of three lifecycle fixes and one allowed-actions fix, over HTTP against the real
stack: a collection the finance system refuses becomes a recorded failure a finance officer retries
(it used to stay "requested" for ever); two concurrent promotions promote exactly once (both used to
be recorded); a revision never ends before the milestone's own due date; and a program officer is
not offered `request-disbursement` once every tranche is paid."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.phases import Role
from domain.timeutil import kst_date
from tests.conftest import Stack, wait_until
from tests.flows import FO, PO, Startup, drive, pay, stack_tranche


class FinanceFaults:
    """The finance simulator's fault switch (PUT /_faults replaces every fault at once)."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.settings.finance_url

    async def set(self, **faults: Any) -> None:
        async with httpx.AsyncClient(base_url=self.url) as http:
            (await http.put("/_faults", json=faults)).raise_for_status()

    async def clear(self) -> None:
        await self.set()


@pytest.fixture
async def finance(stack: Stack) -> AsyncIterator[FinanceFaults]:
    faults = FinanceFaults(stack)
    try:
        yield faults
    finally:
        await faults.clear()  # a healthy finance system for whoever runs next


def collection(state: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in state["collections"] if c["kind"] == kind)


async def history(stack: Stack, startup_id: str) -> list[dict[str, Any]]:
    trail = await stack.call("GET", f"/startups/{startup_id}/history", stack.as_role(Role.AUDITOR))
    return trail["entries"]


async def refused_then_retried(stack: Stack, finance: FinanceFaults, startup: Startup, kind: str) -> dict[str, Any]:
    """The collection of `kind` is refused by the finance system (the fault is already set): it
    is recorded as failed, offered for retry, and retried once the fault is gone."""
    state = await stack.wait_until_state(startup.id, lambda s: collection(s, kind)["status"] == "failed",
                                         f"{kind} request failed")
    owed = collection(state, kind)
    assert owed["failure"], owed
    entries = await wait_until(lambda: history(stack, startup.id),
                               lambda e: any(x["action"] == f"{kind}_request_failed" for x in e),
                               what=f"{kind}_request_failed in the history")
    failed = [x for x in entries if x["action"] == f"{kind}_request_failed"]
    assert len(failed) == 1 and failed[0]["actor"] == "system:finance", failed
    seen_by_finance = await stack.state(startup.id, stack.as_role(FO))
    assert "retry-collection" in seen_by_finance["allowed_actions"]
    # Nothing to retry for a program officer (wrong role) and nothing was recorded in the simulator.
    assert "retry-collection" not in (await stack.state(startup.id))["allowed_actions"]
    recorded = await _finance_get(stack, "/collections")
    assert not any(c["brn"] == startup.brn and c["kind"] == kind for c in recorded)

    await finance.clear()
    state = await stack.act(startup.id, "retry-collection", stack.as_role(FO), {"kind": kind, "reason": "가상계좌 재발급"})
    assert collection(state, kind)["status"] in ("requested", "received")
    assert "retry-collection" not in state["allowed_actions"]
    # A second retry of a collection no longer refused is itself refused.
    again = await stack.act(startup.id, "retry-collection", stack.as_role(FO), {"kind": kind}, expect=None)
    assert again["error"]["code"] in ("conflict", "invalid_transition"), again
    entries = await wait_until(lambda: history(stack, startup.id),
                               lambda e: any(x["action"] == "retry-collection" for x in e),
                               what="retry-collection in the history")
    retry = [x for x in entries if x["action"] == "retry-collection"]
    assert len(retry) == 1 and retry[0]["role"] == "finance_officer", retry
    return state


async def _finance_get(stack: Stack, path: str) -> Any:
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        return (await http.get(path)).json()


async def test_a_refused_refund_request_is_recorded_and_retried_to_completion(stack: Stack,
                                                                             finance: FinanceFaults) -> None:
    startup = await drive(stack, "settlement")
    await finance.set(refused_collection_brns=[startup.brn])
    await stack.act(startup.id, "submit-settlement", startup.me(stack),
                    {"lines": [{"item": "인건비", "amount": 40_000_000}]})
    state = await stack.act(startup.id, "approve-settlement", stack.as_role(FO))
    assert collection(state, "refund")["amount"] == 16_000_000

    await refused_then_retried(stack, finance, startup, "refund")
    state = await stack.wait_phase(startup.id, "completed")
    owed = collection(state, "refund")
    assert owed["status"] == "received" and owed["failure"] is None
    # The history is the read model: it may hold the completion a moment after the state does.
    entries = await wait_until(lambda: history(stack, startup.id),
                               lambda e: any(x["action"] == "refund_received" for x in e),
                               what="refund_received in the history")
    assert [x["action"] for x in entries].count("refund_received") == 1


async def test_a_refused_clawback_request_is_recorded_and_retried_until_collected(stack: Stack,
                                                                                 finance: FinanceFaults) -> None:
    startup = await drive(stack, "in_poc")
    await finance.set(refused_collection_brns=[startup.brn])
    state = await stack.act(startup.id, "terminate", stack.as_role(PO),
                            {"cause": "misuse", "clawback_amount": 20_000_000, "reason": "목적외 사용"})
    assert state["phase"] == "terminated"

    await refused_then_retried(stack, finance, startup, "clawback")
    # The lifecycle stayed open while the clawback was owed and ends once it arrives.
    await stack.client.get_workflow_handle(startup.id).result()
    state = await stack.wait_until_state(startup.id, lambda s: collection(s, "clawback")["status"] == "received",
                                         "clawback received")
    assert state["phase"] == "terminated"


async def _raw_promote(stack: Stack, startup_id: str, target_program_id: str) -> httpx.Response:
    return await stack.http.post(f"/startups/{startup_id}/actions/promote", headers=stack.as_role(PO),
                                 json={"target_program_id": target_program_id, "reason": "후속 연계"})


async def test_two_concurrent_promotions_promote_exactly_once(stack: Stack) -> None:
    target = await stack.next_stage_program()
    startups = await asyncio.gather(*(drive(stack, "completed") for _ in range(3)))
    for startup in startups:
        assert (await stack.state(startup.id))["final_grade"] == "A"
        answers = await asyncio.gather(_raw_promote(stack, startup.id, target.id),
                                       _raw_promote(stack, startup.id, target.id))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [(a.status_code, a.text) for a in answers]
        refused = next(a for a in answers if a.status_code == 409).json()["error"]
        assert refused["code"] in ("conflict", "invalid_transition"), refused
        if refused["code"] == "conflict":
            assert refused["details"]["rule"] == "promote_once", refused
        promoted = next(a for a in answers if a.status_code == 200).json()
        child_id = promoted["next_startup_id"]
        assert child_id == f"startup:{target.id}:{startup.brn}"

        # The trail is the projection's: wait for the promotion to be published, then count it.
        entries = await wait_until(lambda startup=startup: history(stack, startup.id),
                                   lambda rows: any(x["action"] == "promote" for x in rows), what="the promote entry")
        promotes = [x for x in entries if x["action"] == "promote"]
        assert len(promotes) == 1, promotes
        state = await stack.wait_phase(startup.id, "promoted")
        assert state["next_startup_id"] == child_id

    # Exactly one next-stage lifecycle per promoted startup.
    async def next_stage() -> list[dict[str, Any]]:
        page = await stack.call("GET", f"/startups?program_id={target.id}&limit=200", stack.as_role(PO))
        return page["items"]

    items = await wait_until(next_stage, lambda rows: len(rows) >= len(startups), what="next-stage lifecycles")
    assert sorted(row["brn"] for row in items) == sorted(s.brn for s in startups)
    for startup in startups:
        child = await stack.state(f"startup:{target.id}:{startup.brn}")
        assert child["previous_startup_id"] == startup.id


async def test_a_revision_never_shortens_a_deadline(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    state = await stack.state(startup.id)
    midterm = next(m for m in state["milestones"] if m["key"] == "midterm")
    due_before = datetime.fromisoformat(midterm["due_at"])
    assert due_before - datetime.now(UTC) > timedelta(days=21), midterm  # weeks away

    # Sent early, sent back without a date: the revision keeps at least the milestone's own time.
    await stack.act(startup.id, "submit-milestone", startup.me(stack), {"milestone": "midterm", "deliverable": "m.pdf"})
    state = await stack.act(startup.id, "review-milestone", stack.as_role(PO),
                            {"milestone": "midterm", "decision": "revise", "reason": "보완"})
    midterm = next(m for m in state["milestones"] if m["key"] == "midterm")
    assert midterm["status"] == "revision_requested"
    assert datetime.fromisoformat(midterm["due_at"]) >= due_before, (midterm["due_at"], due_before)

    # A revision date earlier than the milestone's due date is refused, naming the field.
    kickoff = next(m for m in state["milestones"] if m["key"] == "kickoff")
    kickoff_due = datetime.fromisoformat(kickoff["due_at"])
    early = kst_date(datetime.now(UTC)) + timedelta(days=3)
    assert early < kst_date(kickoff_due), kickoff
    await stack.act(startup.id, "submit-milestone", startup.me(stack), {"milestone": "kickoff", "deliverable": "k.pdf"})
    error = await stack.act(startup.id, "review-milestone", stack.as_role(PO),
                            {"milestone": "kickoff", "decision": "revise", "revise_due_on": early.isoformat()},
                            expect=422)
    assert error["error"]["code"] == "validation_error"
    details = error["error"]["details"]
    assert details["field"] == "revise_due_on" and details["rule"] == "revision_keeps_time", details
    state = await stack.state(startup.id)
    kickoff = next(m for m in state["milestones"] if m["key"] == "kickoff")
    assert kickoff["status"] == "submitted" and datetime.fromisoformat(kickoff["due_at"]) == kickoff_due

    # A date on or after the milestone's due date is taken as written.
    later = kst_date(kickoff_due) + timedelta(days=7)
    state = await stack.act(startup.id, "review-milestone", stack.as_role(PO),
                            {"milestone": "kickoff", "decision": "revise", "revise_due_on": later.isoformat()})
    kickoff = next(m for m in state["milestones"] if m["key"] == "kickoff")
    assert kst_date(datetime.fromisoformat(kickoff["due_at"])) == later


async def test_request_disbursement_is_not_offered_once_every_tranche_is_paid(stack: Stack) -> None:
    startup = await drive(stack, "settlement")
    state = await stack.state(startup.id)
    assert stack_tranche(state, "balance")["status"] == "due"
    assert "request-disbursement" in state["allowed_actions"]
    await pay(stack, startup.id, "balance")
    state = await stack.wait_until_state(startup.id, lambda s: all(t["status"] == "paid" for t in s["tranches"]),
                                         "every tranche paid")
    assert state["phase"] == "settlement"
    assert "request-disbursement" not in state["allowed_actions"], state["allowed_actions"]
    assert "approve-disbursement" not in (await stack.state(startup.id, stack.as_role(FO)))["allowed_actions"]
