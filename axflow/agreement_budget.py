"""The agreement's budget table (비목별 사업비 계획): what the agreement says about the startup's
plan, so that the document's SHA-256 — what the startup accepts and the officer countersigns —
covers the plan as well. A pure function of the program's budget rules and one plan version; the
plan was checked against the rules (domain/budget.py) before it got here.
"""

from dataclasses import dataclass

from domain.budget import BudgetPlan
from domain.formatting import won_korean
from domain.program import ProgramDefinition


@dataclass(frozen=True)
class BudgetLineTerm:
    name: str
    amount: int
    share: str  # of the grant, to a tenth of a percent: "37.5%"
    condition: str  # the category's cap and approval, in the agreement's words; "" when none


@dataclass(frozen=True)
class BudgetTerms:
    version: int
    plan_sha256: str
    lines: tuple[BudgetLineTerm, ...]
    total: int
    move_tolerance_percent: int
    # The categories money moves into only with the program officer's prior approval.
    approval_categories: tuple[str, ...]
    refund_interest: bool


def share_text(amount: int, grant: int) -> str:
    """`amount` as a share of `grant`, rounded half up to a tenth of a percent, in integer arithmetic."""
    tenths = (amount * 2000 + grant) // (2 * grant)
    return f"{tenths // 10}.{tenths % 10}%"


def budget_terms(program: ProgramDefinition, plan: BudgetPlan | None) -> BudgetTerms | None:
    """The table for this plan under this program's rules; None where either is missing (a program
    from before budgets, or a lifecycle whose plan is not set), and the agreement then has no table."""
    rules = program.budget_rules
    if rules is None or plan is None:
        return None
    lines = []
    for line in plan.lines:
        category = rules.category(line.category)
        name = category.name if category is not None else line.category
        conditions = []
        if category is not None and category.cap_percent is not None:
            conditions.append(f"지원금의 {category.cap_percent}% 이내")
        if category is not None and category.cap_amount is not None:
            conditions.append(f"{won_korean(category.cap_amount)} 이내")
        if category is not None and category.prior_approval:
            conditions.append("증액 시 사전 승인")
        lines.append(BudgetLineTerm(name, line.amount, share_text(line.amount, program.grant_amount),
                                    ", ".join(conditions)))
    return BudgetTerms(
        version=plan.version, plan_sha256=plan.sha256(), lines=tuple(lines),
        total=sum(line.amount for line in plan.lines), move_tolerance_percent=rules.move_tolerance_percent,
        approval_categories=tuple(c.name for c in rules.categories if c.prior_approval),
        refund_interest=rules.refund_interest)
