"""The settlement statement (정산보고서): a pure function of the plan, the ledger, the reviews, the
money paid and the interest earned on the grant account.

Per category: the budget (the plan's current version), the executed (grant expense of the entries
that count), the disallowed (불인정), the accepted, and the refund (반납). In total the refund is the
grant paid minus the accepted expenses, plus the interest where the program returns it. So that
every line adds up on its own as well (paid = accepted + refund), the money paid is attributed to
the categories: each keeps its accepted expenses, and the rest of the refund is shared in proportion
to what each line left unused (budget − accepted), by an exact split. Accepted expenses beyond the
money paid (the company's own money) are never recognised: they show as `beyond_paid`.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from domain.budget import BudgetPlan
from domain.budget_rules import BudgetRules
from domain.expense_review import ReviewDecision, current_decisions, disallowed_amounts
from domain.ledger import Cancellation, LedgerEntry, active_entries, grant_expense
from domain.money import split_exact
from domain.rule_ids import RuleId
from domain.violation import RuleViolation


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryStatement(_Frozen):
    category: str
    name: str
    budget: int
    executed: int
    disallowed: int
    accepted: int
    beyond_paid: int  # accepted by review but more than the money paid: not the grant's
    paid: int  # the share of the money paid attributed to this line: accepted + refund
    refund: int


class SettlementStatement(_Frozen):
    plan_version: int
    plan_sha256: str
    lines: tuple[CategoryStatement, ...]
    paid: int
    executed: int
    disallowed: int
    accepted: int
    interest: int  # interest returned with the refund (0 where the program does not ask for it)
    refund: int  # paid − accepted + interest
    # VAT paid from the grant account that the company reclaims: never accepted, so refunded.
    vat_not_grant_expense: int
    # Active entries without a decision: counted as accepted until the finance officer decides.
    undecided: tuple[str, ...]

    def sha256(self) -> str:
        """The statement's hash: SHA-256 of its canonical JSON (what a submission and an approval pin)."""
        canonical = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def settlement_statement(plan: BudgetPlan, rules: BudgetRules, entries: Sequence[LedgerEntry],
                         cancellations: Sequence[Cancellation], reviews: Sequence[ReviewDecision], *,
                         paid: int, interest: int = 0, vat_reclaimable: bool = True) -> SettlementStatement:
    """The statement from the ledger in full (the read model's entries and the reviews)."""
    counted = active_entries(entries, cancellations)
    disallowed_by_entry = disallowed_amounts(entries, cancellations, reviews, vat_reclaimable)
    executed: dict[str, int] = {}
    disallowed: dict[str, int] = {}
    for e in counted:
        executed[e.category] = executed.get(e.category, 0) + grant_expense(e, vat_reclaimable)
        disallowed[e.category] = disallowed.get(e.category, 0) + disallowed_by_entry.get(e.id, 0)
    decided = current_decisions(reviews)
    return statement_from_totals(
        plan, rules, executed, disallowed, paid=paid, interest=interest,
        vat_not_grant_expense=sum(e.vat for e in counted) if vat_reclaimable else 0,
        undecided=tuple(e.id for e in counted if e.id not in decided))


def statement_from_totals(plan: BudgetPlan, rules: BudgetRules, executed: Mapping[str, int],
                          disallowed: Mapping[str, int], *, paid: int, interest: int = 0,
                          vat_not_grant_expense: int = 0, undecided: Sequence[str] = ()) -> SettlementStatement:
    """The statement from per-category totals of the entries that count: what the lifecycle's state
    keeps (domain.state.BudgetState), so the workflow computes the same statement as the ledger in full."""
    if paid < 0 or interest < 0:
        raise ValueError("paid and interest are never negative")
    spent = {key for key, amount in executed.items() if amount}
    order = [line.category for line in plan.lines]
    order += [c.key for c in rules.categories if c.key not in order and c.key in spent]
    order += sorted(spent - set(order))  # a category the rules no longer know
    budget = [plan.amount(key) for key in order]
    executed_by_line = [executed.get(key, 0) for key in order]
    disallowed_by_line = [disallowed.get(key, 0) for key in order]
    reviewed = [x - d for x, d in zip(executed_by_line, disallowed_by_line, strict=True)]
    accepted = reviewed if sum(reviewed) <= paid else split_exact(paid, reviewed)
    refund_base = paid - sum(accepted)
    unused = [max(b - a, 0) for b, a in zip(budget, accepted, strict=True)]
    # Nothing unused while money is left over only when more was paid than the plan holds.
    refunds = split_exact(refund_base, unused if sum(unused) else [1] * len(order))
    returned_interest = interest if rules.refund_interest else 0
    lines = tuple(
        CategoryStatement(category=key, name=_name(rules, key), budget=budget[i], executed=executed_by_line[i],
                          disallowed=disallowed_by_line[i], accepted=accepted[i],
                          beyond_paid=reviewed[i] - accepted[i], paid=accepted[i] + refunds[i], refund=refunds[i])
        for i, key in enumerate(order))
    return SettlementStatement(
        plan_version=plan.version, plan_sha256=plan.sha256(), lines=lines, paid=paid, executed=sum(executed_by_line),
        disallowed=sum(disallowed_by_line), accepted=sum(accepted), interest=returned_interest,
        refund=refund_base + returned_interest, vat_not_grant_expense=vat_not_grant_expense,
        undecided=tuple(undecided))


def _name(rules: BudgetRules, key: str) -> str:
    category = rules.category(key)
    return category.name if category is not None else key


def check_statement_final(statement: SettlementStatement) -> None:
    """The finance officer approves a statement only once every expense is decided."""
    if statement.undecided:
        raise RuleViolation("conflict", f"{len(statement.undecided)} expenses are not reviewed yet "
                            f"(검토하지 않은 집행 내역이 {len(statement.undecided)}건 있습니다)",
                            {"rule": RuleId.REVIEW_EVERY_EXPENSE, "undecided": list(statement.undecided)})
