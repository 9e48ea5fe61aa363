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

from domain.budget import BudgetPlan, check_plan
from domain.commands import CancelExpenseBody, Command, RecordExpenseBody, SubmitBudgetPlanBody
from domain.ledger import Cancellation, EvidenceRef, LedgerContext, LedgerEntry, check_cancellable, check_entry
from domain.program import ProgramDefinition
from domain.state import BudgetState, ExpenseMark, StartupState
from domain.timeutil import kst_date
from domain.violation import RuleViolation

# Whether the companies reclaim the VAT they pay (the usual case for a 사업화 grant's startups): their
# VAT is then not a grant expense. Program data once a program needs otherwise.
VAT_RECLAIMABLE = True


@dataclass(frozen=True)
class StateLedgerContext(LedgerContext):
    """A ledger context whose entries are the state's compact marks instead of full entries."""

    marks: dict[str, ExpenseMark] = field(default_factory=dict)

    def line_used(self, category: str, leaving_out: str | None = None) -> int:
        return sum(m.amount for entry_id, m in self.marks.items()
                   if m.category == category and not m.cancelled and entry_id != leaving_out)

    def knows(self, entry_id: str) -> bool:
        return entry_id in self.marks

    def is_cancelled(self, entry_id: str) -> bool:
        mark = self.marks.get(entry_id)
        return mark is not None and mark.cancelled


def _unavailable(state: StartupState, program: ProgramDefinition) -> None:
    if not state.budget_ledger or program.budget_rules is None:
        raise RuleViolation("conflict", "this lifecycle keeps no budget by category: its settlement is typed lines "
                            "(이 협약은 비목별 사업비 관리 대상이 아닙니다)", {"rule": "budget_ledger"})


def submit_budget_plan_rule(state: StartupState, cmd: Command[SubmitBudgetPlanBody], now: datetime,
                            program: ProgramDefinition) -> None:
    """A plan that fits the program's rules, before the startup has accepted the agreement."""
    _unavailable(state, program)
    if state.agreement_acceptance is not None:
        raise RuleViolation("conflict", "the agreement is already accepted; its plan changes only by a budget change "
                            "(이미 동의한 협약의 사업비 계획은 비목 변경으로만 바꿉니다)", {"rule": "plan_before_acceptance"})
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
                            "(증빙 문서를 확인할 수 없습니다)", {"field": "evidence", "rule": "evidence_pinned"})
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
                            "(협약에 사업비 계획이 없어 집행을 등록할 수 없습니다)", {"rule": "budget_plan_agreed"})
    assert program.budget_rules is not None
    last_due = max((m.due_at for m in state.milestones), default=state.agreement_signed_at)
    return StateLedgerContext(
        rules=program.budget_rules, plan=plan.plan(), period_start=kst_date(state.agreement_signed_at),
        period_end=kst_date(last_due), startup_brn=state.brn,
        partner_brns=frozenset(p.brn for p in state.partners), vat_reclaimable=VAT_RECLAIMABLE,
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
