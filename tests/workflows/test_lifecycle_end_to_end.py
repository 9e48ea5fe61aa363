"""One startup's whole life through the HTTP API, against the real Temporal server, worker,
database and simulators: every phase from application to promotion."""

from datetime import datetime, timedelta

import httpx
from sqlmodel import select

from domain.phases import Role
from domain.timeutil import kst_date
from store.db import session_scope
from store.tables import LedgerEntry, StartupRow
from tests.conftest import Stack, wait_until
from tests.flows import EV, FO, PO, Startup, pay, sign, stack_tranche
from tests.flows import select as run_selection


async def assert_ledger_invariants(stack: Stack, program_id: str, budget: int, grant: int) -> None:
    """paid ≤ grant per startup, paid ≤ budget per program, and the ledger's payments are exactly
    the finance system's payments."""
    with session_scope(stack.engine) as session:
        paid = session.exec(select(LedgerEntry).where(LedgerEntry.program_id == program_id,
                                                      LedgerEntry.kind == "paid")).all()
    per_startup: dict[str, int] = {}
    for entry in paid:
        per_startup[entry.startup_id] = per_startup.get(entry.startup_id, 0) + entry.amount
    assert all(total <= grant for total in per_startup.values())
    assert sum(per_startup.values()) <= budget
    in_ledger = {f"{program_id}:{e.brn}:{e.tranche}": e.amount for e in paid}
    async with httpx.AsyncClient() as http:
        payments = (await http.get(f"{stack.settings.finance_url}/payments")).json()
    at_finance = {p["idempotency_key"]: p["amount"] for p in payments
                  if p["program_id"] == program_id and p["status"] == "paid"}
    assert in_ledger == at_finance


async def test_a_startup_lives_its_whole_life_through_the_api(stack: Stack) -> None:
    program = await stack.program()
    next_stage = await stack.next_stage_program()
    startup_id = await stack.apply(program, task_id="FM-01")
    me = Startup(startup_id, startup_id.rsplit(":", 1)[1], program)
    assert startup_id == f"startup:{program.id}:{me.brn}"

    state = await stack.wait_phase(startup_id, "under_review")
    assert state["sector"] == "future_mobility" and state["region"] == "울산"
    assert state["allowed_actions"] == ["terminate"]  # an officer can only end it while it is reviewed
    evaluator_view = await stack.state(startup_id, stack.as_role(EV))
    assert evaluator_view["allowed_actions"] == ["score"]

    result = await run_selection(stack, program, {startup_id: 88})
    assert result["selected"] == [startup_id]
    state = await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"], "agreement deadline")
    assert state["phase"] == "selected"
    assert set(state["allowed_actions"]) == {"match", "extend-deadline", "terminate"}

    matched = await stack.act(startup_id, "match", stack.as_role(PO), {"partners": [
        {"name": "울산 배터리 SME", "brn": "1248100998", "region": "울산"},
        {"name": "경남 부품 SME", "brn": "2208162517", "region": "경남", "role": "member"}]})
    state = await sign(stack, startup_id, matched, "AX-2025-001")
    assert state["phase"] == "contracted" and state["consortium"] is True
    assert [(t["key"], t["amount"], t["status"]) for t in state["tranches"]] == [
        ("advance", 56_000_000, "due"), ("balance", 24_000_000, "locked")]
    signed = kst_date(_dt(state["agreement_signed_at"]))
    assert [(m["key"], kst_date(_dt(m["due_at"])) - signed) for m in state["milestones"]] == [
        ("kickoff", timedelta(days=30)), ("midterm", timedelta(days=90)),
        ("poc_complete", timedelta(days=150)), ("final_report", timedelta(days=180))]

    state = await pay(stack, startup_id, "advance")
    assert state["phase"] == "in_poc"

    for key in ("kickoff", "midterm"):
        await stack.act(startup_id, "submit-milestone", me.me(stack), {"milestone": key, "deliverable": f"{key}.pdf"})
        if key == "midterm":
            state = await stack.act(startup_id, "review-milestone", stack.as_role(PO),
                                    {"milestone": key, "decision": "revise", "reason": "데이터 보완"})
            assert next(m for m in state["milestones"] if m["key"] == key)["status"] == "revision_requested"
            await stack.act(startup_id, "submit-milestone", me.me(stack),
                            {"milestone": key, "deliverable": f"{key}-v2.pdf"})
        state = await stack.act(startup_id, "review-milestone", stack.as_role(PO), {"milestone": key,
                                                                                 "decision": "accept"})
    assert stack_tranche(state, "balance")["status"] == "due"
    state = await pay(stack, startup_id, "balance")
    assert sum(t["amount"] for t in state["tranches"] if t["status"] == "paid") == 80_000_000

    for key in ("poc_complete", "final_report"):
        await stack.act(startup_id, "submit-milestone", me.me(stack), {"milestone": key, "deliverable": f"{key}.pdf"})
        state = await stack.act(startup_id, "review-milestone", stack.as_role(PO), {"milestone": key,
                                                                                 "decision": "accept"})
    assert state["phase"] == "final_review"

    state = await stack.act(startup_id, "final-evaluation", stack.as_role(EV), {"score": 96, "grade": "S"})
    assert state["phase"] == "settlement"
    await stack.act(startup_id, "submit-settlement", me.me(stack), {"lines": [
        {"item": "인건비", "amount": 40_000_000}, {"item": "장비", "amount": 38_000_000}]})
    state = await stack.act(startup_id, "approve-settlement", stack.as_role(FO), {"reason": "정산 확인"})
    assert state["phase"] == "settlement" and state["settlement"]["refund_due"] == 2_000_000
    assert [(c["kind"], c["amount"], c["status"]) for c in state["collections"]] == [("refund", 2_000_000, "requested")]
    # The settlement completes when the refund (반납) arrives at the finance system.
    state = await stack.wait_phase(startup_id, "completed")
    assert state["collections"][0]["status"] == "received"

    state = await stack.act(startup_id, "promote", stack.as_role(PO), {"target_program_id": next_stage.id})
    assert state["phase"] == "promoted"
    child_id = f"startup:{next_stage.id}:{me.brn}"
    assert state["next_startup_id"] == child_id
    child = await stack.wait_until_state(child_id, lambda s: s["agreement_due_at"], "next stage deadline")
    assert (child["phase"], child["stage"], child["previous_startup_id"]) == ("selected", "chogyeokcha", startup_id)
    assert child["grant_amount"] == 600_000_000

    # The readable trail, built from Temporal history: every step with the actor who took it.
    history = await wait_until(
        lambda: stack.call("GET", f"/startups/{startup_id}/history", stack.as_role(Role.AUDITOR)),
        lambda h: any(e["action"] == "promote" for e in h["entries"]), what="promotion in the trail")
    assert history["stages"] == [startup_id, child_id]
    trail = [(e["action"], e["actor"], e["to_phase"]) for e in history["entries"] if e["startup_id"] == startup_id]
    next_stage_trail = [(e["stage"], e["action"], e["to_phase"]) for e in history["entries"]
                        if e["startup_id"] == child_id]
    assert next_stage_trail[0] == ("chogyeokcha", "promoted_in", "selected")
    assert trail[0] == ("apply", stack.user_id(f"startup-{me.brn}"), "applied")
    assert ("eligibility_check", "system:workflow", "under_review") in trail
    assert ("selection", "system:program", "selected") in trail
    assert ("approve-disbursement", stack.user_id(Role.FINANCE_OFFICER.value), "contracted") in trail
    assert ("payment_received", "system:finance", "in_poc") in trail
    assert ("refund_received", "system:finance", "completed") in trail
    assert trail[-1] == ("promote", stack.user_id(Role.PROGRAM_OFFICER.value), "promoted")
    assert [e["seq"] for e in history["entries"] if e["startup_id"] == startup_id] == list(range(1, len(trail) + 1))
    assert history["next_startup_id"] == child_id
    assert all(e["at_kst"].endswith("KST") for e in history["entries"])
    raw = await stack.call("GET", f"/startups/{startup_id}/history?format=temporal", stack.as_role(Role.AUDITOR))
    assert raw["events"][0]["eventType"] in ("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "WorkflowExecutionStarted")

    await assert_ledger_invariants(stack, program.id, program.budget, program.grant_amount)
    # The promotion notice is sent by an activity after the Update returns: wait for it.
    await wait_until(lambda: stack.notifications(startup_id),
                     lambda sent: {"selection_selected", "agreement_signed", "payment_received", "milestone_revise",
                                   "promoted"} <= {n["kind"] for n in sent}, what="the notices")

    # The read model and the Temporal search attributes agree on where it ended.
    await wait_until(lambda: _row_phase(stack, startup_id), lambda p: p == "promoted", what="read model")
    listed = await wait_until(
        lambda: _ids(stack, f"AxProgram = '{program.id}' AND AxPhase = 'promoted'"),
        lambda ids: startup_id in ids, what="visibility")
    assert listed == [startup_id]


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _row_phase(stack: Stack, startup_id: str) -> str | None:
    with session_scope(stack.engine) as session:
        row = session.get(StartupRow, startup_id)
        return row.phase if row else None


async def _ids(stack: Stack, query: str) -> list[str]:
    return [wf.id async for wf in stack.client.list_workflows(query)]
