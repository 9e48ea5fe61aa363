"""The settlement from the ledger as the lifecycle computes it: the state's compact bookkeeping of
every record, cancellation and review gives the same statement as the ledger in full, over random
ledgers; and the settlement's rules for lifecycles with and without a budget ledger."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from domain.action_rules import Rule
from domain.budget_actions import ledger_context, mark_cancelled, mark_recorded, mark_reviewed
from domain.commands import AcceptAgreementBody, Command, SubmitSettlementBody
from domain.documents import DocumentKind, DocumentRef
from domain.expense_review import ReviewDecision
from domain.ledger import Cancellation, LedgerEntry
from domain.phases import Phase, Role
from domain.program import ProgramDefinition
from domain.settlement_ledger import (
    accept_agreement_rule,
    approve_settlement_rule,
    ledger_statement,
    submit_settlement_rule,
)
from domain.settlement_statement import settlement_statement, statement_from_totals
from domain.state import Actor, BudgetState, ExpenseMark, PlanVersion, StartupState
from domain.violation import RuleViolation
from tests.budget_support import AGREED, entry, plan, rules
from tests.builders import actor, program, settlement, startup, tranche, utc
from tests.domain.test_settlement_statement import LEDGERS, Drawn, assert_adds_up, ledger_of


def valid_history(drawn: Drawn) -> tuple[list[LedgerEntry], list[Cancellation], list[ReviewDecision]]:
    """The drawn ledger as the validators would have let it happen: a correction or cancellation of
    an entry that still counts, a review of an entry that still counts, at most its expense."""
    entries, cancellations, reviews = ledger_of(drawn)
    kept_entries, kept_cancellations, gone = [], [], set()
    for e in entries:
        cancels = e.cancels if e.cancels not in gone else None
        kept_entries.append(e.model_copy(update={"cancels": cancels}))
        gone |= {cancels} - {None}
    for c in cancellations:
        if c.cancels not in gone:
            kept_cancellations.append(c)
            gone.add(c.cancels)
    supply = {e.id: e.supply_amount for e in kept_entries}
    kept_reviews = [r for r in reviews if r.entry_id not in gone
                    and (r.disallowed_amount or 0) <= supply[r.entry_id]]
    return kept_entries, kept_cancellations, kept_reviews


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LEDGERS)
def test_the_states_bookkeeping_gives_the_statement_of_the_ledger_in_full(drawn: Drawn) -> None:
    entries, cancellations, reviews = valid_history(drawn)
    budget = BudgetState()
    # In the order a lifecycle would see them: the entries (corrections cancel as they come), then
    # the withdrawals, then the reviews (a review of a withdrawn entry was refused above).
    for e in entries:
        mark_recorded(budget, e, vat_reclaimable=True)
    for c in cancellations:
        mark_cancelled(budget, c.cancels)
    for r in reviews:
        mark_reviewed(budget, r)
    paid, interest = drawn[3], drawn[4]
    counted = {i: m for i, m in budget.entries.items() if not m.cancelled}
    from_state = statement_from_totals(plan(), rules(), budget.executed, budget.disallowed, paid=paid,
                                       interest=interest, vat_not_grant_expense=sum(m.vat for m in counted.values()),
                                       undecided=tuple(i for i, m in counted.items() if m.review is None))
    in_full = settlement_statement(plan(), rules(), entries, cancellations, reviews, paid=paid, interest=interest)
    assert from_state == in_full and from_state.sha256() == in_full.sha256()
    assert_adds_up(from_state)


NOW = utc(2026, 3, 10, 3)
STARTUP = actor(Role.STARTUP, "startup-1", brn="1248100998")
FINANCE = actor(Role.FINANCE_OFFICER, "fo-1")


def agreed_versions() -> list[PlanVersion]:
    agreed = plan()
    return [PlanVersion(version=1, sha256=agreed.sha256(), lines=agreed.lines, submitted_by="startup-1",
                        submitted_at=utc(2025, 8, 1), approved_by="po-1", approved_at=utc(2025, 8, 2))]


def ledger_lifecycle(**fields: object) -> StartupState:
    """A lifecycle in settlement whose agreement carried the plan, with two expenses recorded."""
    budget = BudgetState(
        plans=agreed_versions(), executed={"materials": 3_000_000, "personnel": 20_000_000},
        entries={"E0001": ExpenseMark(category="materials", amount=3_000_000, vat=300_000, review="accept"),
                 "E0002": ExpenseMark(category="personnel", amount=20_000_000)})
    values: dict[str, object] = {"budget_ledger": True, "settlement_from_ledger": True, "budget": budget,
                                 "tranches": [tranche("advance", "paid")], "settlement": settlement(due_at=utc(2026, 4, 1))}
    return startup(Phase.SETTLEMENT, **(values | fields))


def submit(body: dict[str, Any], actor_: Actor = STARTUP) -> Command[SubmitSettlementBody]:
    return Command[SubmitSettlementBody].model_validate({"actor": actor_, "body": body, "request_id": "r-1"})


def refused(rule: Rule, state: StartupState, cmd: Command[Any], under: ProgramDefinition | None = None) -> dict[str, Any]:
    with pytest.raises(RuleViolation) as caught:
        rule(state, cmd, NOW, under or program())
    return caught.value.details


def test_a_settlement_from_the_ledger_takes_no_lines_and_is_approved_only_once_every_expense_is_decided() -> None:
    state = ledger_lifecycle()
    lines = {"lines": [{"item": "인건비", "amount": 1}]}
    assert refused(submit_settlement_rule, state, submit(lines)) == {"field": "lines", "rule": "settlement_from_ledger"}
    submit_settlement_rule(state, submit({"interest": 12_345}), NOW, program())
    statement = ledger_statement(state, program(), 12_345)
    assert (statement.accepted, statement.undecided) == (23_000_000, ("E0002",))
    assert statement.refund == 56_000_000 - 23_000_000 + 12_345 and statement.vat_not_grant_expense == 300_000
    assert [line.budget for line in statement.lines] == list(AGREED.values())
    submitted = state.model_copy(update={"settlement": settlement(
        due_at=utc(2026, 4, 1), submitted_by="startup-1", submitted_at=NOW, interest=12_345, statement=statement)})
    approve: Command[Any] = Command.model_validate({"actor": FINANCE, "body": {}, "request_id": "r-2"})
    assert refused(approve_settlement_rule, submitted, approve) == {"rule": "review_every_expense",
                                                                    "undecided": ["E0002"]}
    assert submitted.budget is not None
    submitted.budget.entries["E0002"].review = "accept"
    approve_settlement_rule(submitted, approve, NOW, program())
    no_interest = program().model_copy(update={"budget_rules": rules().model_copy(update={"refund_interest": False})})
    with pytest.raises(RuleViolation) as caught:
        submit_settlement_rule(state, submit({"interest": 1}), NOW, no_interest)
    assert caught.value.details == {"field": "interest", "rule": "program_returns_interest"}


def test_a_lifecycle_without_an_agreed_plan_or_started_before_the_patch_keeps_the_typed_settlement() -> None:
    typed = {"lines": [{"item": "인건비", "amount": 50_000_000}]}
    for state in (ledger_lifecycle(settlement_from_ledger=False), ledger_lifecycle(budget=BudgetState())):
        submit_settlement_rule(state, submit(typed), NOW, program())
        assert refused(submit_settlement_rule, state, submit({})) == {"field": "lines",
                                                                      "rule": "settlement_lines_required"}
        assert refused(submit_settlement_rule, state, submit(typed | {"interest": 5})) == {
            "field": "interest", "rule": "interest_from_ledger"}


AGREEMENT = DocumentRef(id="agreement-1", sha256="a" * 64, kind=DocumentKind.AGREEMENT, filename="협약서.html")


def test_where_the_program_requires_it_the_agreement_is_accepted_only_with_a_plan() -> None:
    state = startup(Phase.MATCHED, agreement_two_step=True, agreement_document=AGREEMENT, budget_ledger=True)
    accept = Command[AcceptAgreementBody].model_validate({"actor": STARTUP, "request_id": "r-3", "body": {
        "agreement_sha256": AGREEMENT.sha256, "password": "not-recorded"}})
    required = program().model_copy(update={"budget_rules": rules().model_copy(update={"plan_required": True})})
    assert refused(accept_agreement_rule, state, accept, required) == {"rule": "budget_plan_required"}
    accept_agreement_rule(state, accept, NOW, program())  # the sample program does not require it (yet)
    planned = state.model_copy(update={"budget": ledger_lifecycle().budget})
    accept_agreement_rule(planned, accept, NOW, required)


def test_vat_is_a_grant_expense_where_the_program_says_its_grantees_cannot_reclaim_it() -> None:
    expense = entry("E0001", "materials", 1_000_000, vat=100_000)
    for reclaimable, amount, vat in ((True, 1_000_000, 100_000), (False, 1_100_000, 0)):
        budget = BudgetState(plans=agreed_versions())
        mark_recorded(budget, expense, reclaimable)
        assert (budget.executed["materials"], budget.entries["E0001"].vat) == (amount, vat)
        sample = program()
        assert sample.budget_rules is not None
        rules_ = sample.budget_rules.model_copy(update={"vat_reclaimable": reclaimable})
        state = ledger_lifecycle(budget=budget, agreement_signed_at=utc(2025, 8, 2))
        context = ledger_context(state, sample.model_copy(update={"budget_rules": rules_}))
        assert context.vat_reclaimable is reclaimable and context.line_used("materials") == amount
