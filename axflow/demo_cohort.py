"""Where `make demo` leaves each selected company: one goal per company, reached through the same
HTTP actions people take (axflow/demo.py runs them).

The goals, in rank order, are chosen so that every screen has something on it: the first company
is promoted to the next stage, the second is settled, the others stop along the way, each waiting
on somebody (the company, officer.kim, finance.lee, an evaluator) or on a clock."""

from typing import TYPE_CHECKING, Any

from axflow.demo_budget import record_expenses, settle_from_ledger, submit_plan
from domain.program import CAPITAL_AREA, ProgramDefinition

if TYPE_CHECKING:
    from axflow.demo import Demo

# One per selected company, best first; the program copy has a slot for each.
GOALS = ["promoted", "completed", "settlement", "final_review", "overdue", "overdue", "review_waiting",
         "suspended", "terminated", "contracted", "matched", "withdrawn"]
# Where each goal leaves the lifecycle.
PHASE_OF_GOAL = {"overdue": "in_poc", "review_waiting": "in_poc"}
MILESTONES = ("kickoff", "midterm", "poc_complete", "final_report")
OFFICER, FINANCE, EVALUATOR = "officer.kim", "finance.lee", "evaluator.park"


def partners_for(program: ProgramDefinition, task_id: str, n: int, make_brn: Any) -> list[dict[str, Any]]:
    """An SME outside the capital area in the task's region (a consortium for the second company)."""
    task = program.task(task_id)
    assert task is not None, f"the demo program has task {task_id}"
    region = task.sme_region
    region = region if region not in CAPITAL_AREA else "강원"
    partners = [{"name": f"{region} 제조 SME {n + 1}", "brn": make_brn(100 + n), "region": region}]
    if n == 1:
        partners.append({"name": "충남 부품 SME", "brn": make_brn(200), "region": "충남", "role": "member"})
    return partners


async def sign(demo: "Demo", sid: str, brn: str, n: int, partners: list[dict[str, Any]]) -> None:
    """The budget plan submitted, matched, the agreement accepted by the company (its password typed
    again) and countersigned."""
    await submit_plan(demo, sid, brn)
    matched = await demo.act(OFFICER, sid, "match", {"partners": partners})
    if matched["agreement_two_step"]:
        await demo.act(brn, sid, "accept-agreement", {"agreement_sha256": matched["agreement_document"]["sha256"],
                                                     "password": demo.startup_password})
    await demo.act(OFFICER, sid, "sign-agreement", {"agreement_no": f"AX-{demo.stamp}-{n + 1:02d}"})


async def pay(demo: "Demo", sid: str, tranche: str) -> None:
    await demo.act(OFFICER, sid, "request-disbursement", {"tranche": tranche})
    await demo.act(FINANCE, sid, "approve-disbursement", {"tranche": tranche})
    await demo.wait_for(sid, lambda s: any(t["key"] == tranche and t["status"] == "paid" for t in s["tranches"]),
                        f"the {tranche} payment")


async def deliver(demo: "Demo", sid: str, brn: str, key: str, revise: bool = False) -> None:
    await demo.act(brn, sid, "submit-milestone", {"milestone": key, "deliverable": f"{key}.pdf"})
    if revise:  # one revision asked for, and given
        await demo.act(OFFICER, sid, "review-milestone", {"milestone": key, "decision": "revise",
                                                          "reason": "실증 데이터 보완"})
        await demo.act(brn, sid, "submit-milestone", {"milestone": key, "deliverable": f"{key}-v2.pdf"})
    await demo.act(OFFICER, sid, "review-milestone", {"milestone": key, "decision": "accept"})


async def reach(demo: "Demo", goal: str, sid: str, brn: str, n: int, partners: list[dict[str, Any]]) -> str:
    """Drive one selected company to its goal; a line saying where it stands."""
    if goal == "withdrawn":  # before any money moved: its slot goes to the first on the waitlist
        await demo.act(brn, sid, "withdraw", {"reason": "대표자 사정으로 포기 (demo)"})
        return "withdrew before the agreement: its slot is offered to the waitlist"
    if goal == "matched":
        await submit_plan(demo, sid, brn)
        await demo.act(OFFICER, sid, "match", {"partners": partners})
        return "matched: the generated agreement waits for the company to accept it on its portal"
    await sign(demo, sid, brn, n, partners)
    if goal == "contracted":
        await demo.act(OFFICER, sid, "request-disbursement", {"tranche": "advance"})
        return "agreement signed: the advance waits for finance.lee's approval"
    await pay(demo, sid, "advance")
    await demo.wait_for(sid, lambda s: s["phase"] == "in_poc", "the PoC to start")
    if goal == "overdue":
        moved = await demo.clock.move(sid, days=33)  # past the kickoff report's due date, inside the grace
        if not moved:
            return "in its PoC (its clock could not be moved: see above)"
        await demo.wait_for(sid, lambda s: s["overdue"], "the kickoff report to fall overdue")
        return "kickoff report overdue (its clock moved 33 days ahead): reminded, escalated, flagged"
    if goal == "review_waiting":
        await demo.act(brn, sid, "submit-milestone", {"milestone": "kickoff", "deliverable": "kickoff.pdf"})
        return "in its PoC: the kickoff report waits for officer.kim's review"
    if goal == "suspended":
        await demo.act(OFFICER, sid, "suspend", {"reason": "현장 점검 결과 보완 필요 (demo)"})
        return "suspended by officer.kim: every clock paused"
    if goal == "terminated":
        await demo.act(OFFICER, sid, "terminate", {"cause": "abandonment", "reason": "연락 두절 (demo)"})
        await demo.wait_for(sid, lambda s: s["closed_at"], "the clawback to arrive")
        return "terminated: the advance clawed back"
    # During the PoC: a few expenses in the ledger with their evidence (집행 내역).
    entries = await record_expenses(demo, sid, brn) if demo.budget_rules else []
    for key in MILESTONES:
        await deliver(demo, sid, brn, key, revise=n == 0 and key == "midterm")
        if key == "midterm":
            await pay(demo, sid, "balance")
    if goal == "final_review":
        return "every milestone accepted: the final evaluation waits for an evaluator or officer.kim"
    grade = "S" if n == 0 else "A"
    await demo.act(EVALUATOR, sid, "final-evaluation", {"score": 95 - n * 3, "grade": grade})
    if goal == "settlement":
        return f"final evaluation {grade}: the settlement report waits for the company"
    if demo.budget_rules:  # the statement computed from the ledger (정산보고서)
        await settle_from_ledger(demo, sid, brn, entries)
    else:
        spent = 77_500_000 if n == 0 else 79_000_000
        lines = [{"item": "인건비 (personnel)", "amount": spent // 2},
                 {"item": "실증 장비 (PoC equipment)", "amount": spent - spent // 2}]
        await demo.act(brn, sid, "submit-settlement", {"lines": lines})
        await demo.act(FINANCE, sid, "approve-settlement", {})
    # A settlement with unspent money completes when the refund (반납) arrives.
    state = await demo.wait_for(sid, lambda s: s["phase"] == "completed", "the refund")
    report = state["settlement"]
    settled = f"settled: spent ₩{report['spent']:,}, refunded ₩{report['refund_due']:,}"
    if goal == "completed":
        return settled
    promoted = await demo.act(OFFICER, sid, "promote", {"target_program_id": demo.next_program_id,
                                                        "reason": "우수 성과"})
    await demo.wait_for(sid, lambda s: s["closed_at"], "the promotion")
    return f"{settled}; promoted to 초격차 as {promoted['next_startup_id']}"
