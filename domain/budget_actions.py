"""The budget plan and the execution ledger as lifecycle actions: the rules the Update validators
check (every refusal here, so a refused action leaves no history) and the records the handlers
keep, built the same way in both.

The state keeps the ledger compact (`domain.state.BudgetState`: an entry-id map with each entry's
category and grant expense, per-category totals and the running hash); the read model keeps the
entries in full from the transitions' details. `StateLedgerContext` lets `domain.ledger.check_entry`
run on that compact form.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.budget import BudgetMove, BudgetPlan, MoveKind, check_move, check_plan, classify_move
from domain.commands import (
    CancelExpenseBody,
    Command,
    DecideBudgetChangeBody,
    RecordExpenseBody,
    RequestBudgetChangeBody,
    ReviewExpenseBody,
    SubmitBudgetPlanBody,
)
from domain.expense_review import ReviewDecision, check_review_of
from domain.ledger import (
    Cancellation,
    EvidenceRef,
    LedgerContext,
    LedgerEntry,
    check_cancellable,
    check_entry,
    grant_expense,
)
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.state import BudgetChangeRequest, BudgetState, ExpenseMark, PlanVersion, StartupState
from domain.timeutil import kst_date
from domain.violation import RuleViolation


@dataclass(frozen=True)
class StateLedgerContext(LedgerContext):
    """A ledger context whose entries are the state's compact marks instead of full entries."""

    marks: dict[str, ExpenseMark] = field(default_factory=dict)

    def line_used(self, category: str, leaving_out: str | None = None) -> int:
        return sum(m.amount - m.disallowed for entry_id, m in self.marks.items()
                   if m.category == category and not m.cancelled and entry_id != leaving_out)

    def knows(self, entry_id: str) -> bool:
        return entry_id in self.marks

    def is_cancelled(self, entry_id: str) -> bool:
        mark = self.marks.get(entry_id)
        return mark is not None and mark.cancelled


def _unavailable(state: StartupState, program: ProgramDefinition) -> None:
    if not state.budget_ledger or program.budget_rules is None:
        raise RuleViolation("conflict", "this lifecycle keeps no budget by category: its settlement is typed lines "
                            "(이 협약은 비목별 사업비 관리 대상이 아닙니다)", {"rule": RuleId.BUDGET_LEDGER})


def submit_budget_plan_rule(state: StartupState, cmd: Command[SubmitBudgetPlanBody], now: datetime,
                            program: ProgramDefinition) -> None:
    """A plan that fits the program's rules, before the startup has accepted the agreement."""
    _unavailable(state, program)
    if state.agreement_acceptance is not None:
        raise RuleViolation("conflict", "the agreement is already accepted; its plan changes only by a budget change "
                            "(이미 동의한 협약의 사업비 계획은 비목 변경으로만 바꿉니다)",
                            {"rule": RuleId.PLAN_BEFORE_ACCEPTANCE})
    assert program.budget_rules is not None
    check_plan(BudgetPlan(lines=cmd.body.lines), program.budget_rules, state.grant_amount)


def next_entry_id(budget: BudgetState) -> str:
    """Entries are numbered in order of entry (E0001, …); a correction is a new entry too."""
    return f"E{len(budget.entries) + 1:04d}"


def expense_entry(state: StartupState, cmd: Command[RecordExpenseBody]) -> LedgerEntry:
    """The ledger entry the command records: its body, its evidence pinned by the documents the API
    resolved (in the body's order, each with the SHA-256 of its bytes), and the next entry id."""
    assert state.budget is not None
    body = cmd.body
    refs = {ref.id: ref for ref in cmd.documents}
    evidence = [EvidenceRef(kind=e.kind, document=refs[e.document]) for e in body.evidence if e.document in refs]
    if len(evidence) != len(body.evidence):
        raise RuleViolation("validation_error", "an evidence document was not resolved to its hash "
                            "(증빙 문서를 확인할 수 없습니다)", {"field": "evidence", "rule": RuleId.EVIDENCE_PINNED})
    return LedgerEntry(id=next_entry_id(state.budget), spent_on=body.spent_on, category=body.category,
                       vendor_name=body.vendor_name, vendor_brn=body.vendor_brn, description=body.description,
                       supply_amount=body.supply_amount, vat=body.vat, payment_method=body.payment_method,
                       evidence=evidence, cancels=body.cancels)


def ledger_context(state: StartupState, program: ProgramDefinition) -> StateLedgerContext:
    """The ledger as the state knows it, against the current plan and the agreement's period: from
    the countersignature's day to the last milestone's due day (KST, both included)."""
    budget, plan = state.budget, state.budget.current if state.budget else None
    if budget is None or plan is None or state.agreement_signed_at is None:
        raise RuleViolation("conflict", "the agreement carries no budget plan, so no expense can be recorded "
                            "(협약에 사업비 계획이 없어 집행을 등록할 수 없습니다)", {"rule": RuleId.BUDGET_PLAN_AGREED})
    assert program.budget_rules is not None
    last_due = max((m.due_at for m in state.milestones), default=state.agreement_signed_at)
    return StateLedgerContext(
        rules=program.budget_rules, plan=plan.plan(), period_start=kst_date(state.agreement_signed_at),
        period_end=kst_date(last_due), startup_brn=state.brn,
        partner_brns=frozenset(p.brn for p in state.partners),
        vat_reclaimable=program.budget_rules.vat_reclaimable,
        marks=dict(budget.entries))


def record_expense_rule(state: StartupState, cmd: Command[RecordExpenseBody], now: datetime,
                        program: ProgramDefinition) -> None:
    _unavailable(state, program)
    context = ledger_context(state, program)
    check_entry(expense_entry(state, cmd), context)


def cancel_expense_rule(state: StartupState, cmd: Command[CancelExpenseBody], now: datetime,
                        program: ProgramDefinition) -> None:
    _unavailable(state, program)
    check_cancellable(cmd.body.entry, ledger_context(state, program), field="entry")


def expense_cancellation(cmd: Command[CancelExpenseBody]) -> Cancellation:
    return Cancellation(cancels=cmd.body.entry, reason=cmd.body.reason)


def ledger_details(record: LedgerEntry | Cancellation, budget: BudgetState) -> dict[str, Any]:
    """What the transition carries: the record in full (the read model's ledger is written from it)
    and the ledger's running hash after it."""
    return {"entry": record.model_dump(mode="json"), "ledger_sha256": budget.ledger_sha256}


def _agreed_budget(state: StartupState) -> tuple[BudgetState, PlanVersion]:
    budget = state.budget
    if budget is None or budget.current is None or budget.plans[0].approved_at is None:
        raise RuleViolation("conflict", "the agreement carries no budget plan to change "
                            "(협약에 변경할 사업비 계획이 없습니다)", {"rule": RuleId.BUDGET_PLAN_AGREED})
    return budget, budget.current


def move_of(change: RequestBudgetChangeBody | BudgetChangeRequest) -> BudgetMove:
    return BudgetMove(from_category=change.from_category, to_category=change.to_category, amount=change.amount)


def move_kind(state: StartupState, program: ProgramDefinition, move: BudgetMove) -> MoveKind:
    """A notice (within the tolerance of the agreed plan) or a request for the officer's approval."""
    budget, current = _agreed_budget(state)
    assert program.budget_rules is not None
    return classify_move(move, program.budget_rules, budget.plans[0].plan(), current.plan())


def request_budget_change_rule(state: StartupState, cmd: Command[RequestBudgetChangeBody], now: datetime,
                               program: ProgramDefinition) -> None:
    """A move no approval could allow is refused; one change waits for a decision at a time."""
    _unavailable(state, program)
    budget, current = _agreed_budget(state)
    if budget.pending_change is not None:
        raise RuleViolation("conflict", "a budget change is waiting for the program officer's decision "
                            "(결정을 기다리는 비목 변경이 있습니다)", {"rule": RuleId.ONE_CHANGE_AT_A_TIME})
    assert program.budget_rules is not None
    check_move(current.plan(), move_of(cmd.body), program.budget_rules, state.grant_amount, budget.executed)


def decide_budget_change_rule(state: StartupState, cmd: Command[DecideBudgetChangeBody], now: datetime,
                              program: ProgramDefinition) -> None:
    """A pending change, still possible now (money may have been spent since it was asked for);
    a rejection says why."""
    _unavailable(state, program)
    budget, current = _agreed_budget(state)
    pending = budget.pending_change
    if pending is None:
        raise RuleViolation("conflict", "no budget change is waiting for a decision (결정할 비목 변경이 없습니다)",
                            {"rule": RuleId.CHANGE_PENDING})
    if cmd.body.decision == "reject" and not cmd.body.reason:
        raise RuleViolation("validation_error", "a rejection needs its reason (반려 사유를 적어 주십시오)",
                            {"field": "reason", "rule": RuleId.REASON_FOR_REJECTION})
    if cmd.body.decision == "approve":
        assert program.budget_rules is not None
        check_move(current.plan(), move_of(pending), program.budget_rules, state.grant_amount, budget.executed)


def review_of(cmd: Command[ReviewExpenseBody]) -> ReviewDecision:
    body = cmd.body
    return ReviewDecision(entry_id=body.entry_id, decision=body.decision, reason=body.disallow_reason,
                          disallowed_amount=body.disallowed_amount, note=body.note)


def review_expense_rule(state: StartupState, cmd: Command[ReviewExpenseBody], now: datetime,
                        program: ProgramDefinition) -> None:
    _unavailable(state, program)
    if state.settlement and state.settlement.approved_at is not None:
        raise RuleViolation("conflict", "the settlement is approved: its statement is final "
                            "(정산이 승인되어 검토 결과를 바꿀 수 없습니다)", {"rule": RuleId.SETTLEMENT_APPROVED})
    marks = state.budget.entries if state.budget else {}
    mark = marks.get(cmd.body.entry_id)
    try:
        check_review_of(review_of(cmd), mark is not None, mark.amount if mark and not mark.cancelled else None)
    except RuleViolation as violation:
        # The body names the disallowance reason `disallow_reason` (its `reason` is the 사유 every action has).
        if violation.details.get("field") == "reason":
            violation.details["field"] = "disallow_reason"
        raise


# ------------------------------------------------------------------ the compact ledger's bookkeeping
# The state's marks and per-category totals after each record, cancellation and review: the same
# for the workflow's handlers and for the tests that compare them with the ledger in full.


def mark_recorded(budget: BudgetState, entry: LedgerEntry, vat_reclaimable: bool) -> None:
    if entry.cancels is not None:
        mark_cancelled(budget, entry.cancels)
    amount = grant_expense(entry, vat_reclaimable)
    budget.entries[entry.id] = ExpenseMark(category=entry.category, amount=amount,
                                           vat=entry.vat if vat_reclaimable else 0)
    budget.executed[entry.category] = budget.executed.get(entry.category, 0) + amount


def mark_cancelled(budget: BudgetState, entry_id: str) -> None:
    mark = budget.entries[entry_id]
    mark.cancelled = True
    budget.executed[mark.category] -= mark.amount
    if mark.disallowed:  # what was disallowed of it no longer counts either
        budget.disallowed[mark.category] -= mark.disallowed


def mark_reviewed(budget: BudgetState, review: ReviewDecision) -> int:
    """The decision that stands on the entry replaces the earlier one; returns the won it disallows."""
    mark = budget.entries[review.entry_id]
    disallowed = 0 if review.decision == "accept" else review.disallowed_amount or mark.amount
    budget.disallowed[mark.category] = budget.disallowed.get(mark.category, 0) - mark.disallowed + disallowed
    mark.review, mark.disallowed = review.decision, disallowed
    return disallowed
