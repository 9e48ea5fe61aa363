"""The startup's budget plan (사업비 계획) and moves between its categories (비목 변경).

Pure functions in integer won. The plan is checked against the program's rules when it enters the
agreement; a move is classified as a notice (within the tolerance) or a request the program officer
decides (beyond it, or into a category needing prior approval); an approved move makes a new plan
version, and every version keeps its own hash so the agreement's budget table can be pinned.
"""

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.budget_rules import BudgetCategory, BudgetRules, CategoryKey
from domain.formatting import won
from domain.rule_ids import RuleId
from domain.violation import RuleViolation

NonNegativeWon = Annotated[int, Field(ge=0, le=100_000_000_000)]


class PlanLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: CategoryKey
    amount: NonNegativeWon


class BudgetPlan(BaseModel):
    """One version of the plan: version 1 is the agreement's; each approved change adds one."""

    model_config = ConfigDict(extra="forbid")
    version: Annotated[int, Field(ge=1)] = 1
    lines: Annotated[list[PlanLine], Field(min_length=1)]

    def amount(self, category: str) -> int:
        return sum(line.amount for line in self.lines if line.category == category)

    def amounts(self) -> dict[str, int]:
        return {line.category: line.amount for line in self.lines}

    def sha256(self) -> str:
        """The hash of this version's content (canonical JSON), as the history and the agreement pin it."""
        canonical = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _refuse(field: str, rule: str, message: str, **details: object) -> RuleViolation:
    return RuleViolation("validation_error", message, {"field": field, "rule": rule, **details})


def known_category(rules: BudgetRules, key: str, field: str) -> BudgetCategory:
    category = rules.category(key)
    if category is None:
        raise _refuse(field, RuleId.KNOWN_CATEGORY, f"unknown budget category {key!r} (알 수 없는 비목입니다)",
                      known=[c.key for c in rules.categories])
    return category


def check_plan(plan: BudgetPlan, rules: BudgetRules, grant: int) -> None:
    """Refuse a plan that names an unknown or repeated category, breaks a category's cap, or does
    not add up to the grant exactly; the refusal names the line and the rule."""
    seen: set[str] = set()
    for i, line in enumerate(plan.lines):
        field = f"lines[{i}]"
        category = known_category(rules, line.category, f"{field}.category")
        if line.category in seen:
            raise _refuse(f"{field}.category", RuleId.ONE_LINE_PER_CATEGORY,
                          f"{category.name} appears twice in the plan (같은 비목({category.name})이 두 번 있습니다)")
        seen.add(line.category)
        cap = category.cap(grant)
        if cap is not None and line.amount > cap:
            raise _refuse(f"{field}.amount", RuleId.CATEGORY_CAP,
                          f"{category.name} {won(line.amount)} is over its cap {won(cap)} "
                          f"({category.name} 한도({won(cap)})를 넘습니다)", category=line.category, cap=cap)
    total = sum(line.amount for line in plan.lines)
    if total != grant:
        raise _refuse("lines", RuleId.PLAN_ADDS_UP_TO_GRANT,
                      f"the plan adds up to {won(total)}, not the grant {won(grant)} "
                      f"(사업비 계획의 합계({won(total)})가 지원금({won(grant)})과 다릅니다)",
                      total=total, grant=grant)


class BudgetMove(BaseModel):
    """Money moved from one category's line to another's (비목 변경)."""

    model_config = ConfigDict(extra="forbid")
    from_category: CategoryKey
    to_category: CategoryKey
    amount: Annotated[int, Field(gt=0, le=100_000_000_000)]


MoveKind = Literal["notice", "approval"]


def check_move(plan: BudgetPlan, move: BudgetMove, rules: BudgetRules, grant: int, executed: dict[str, int]) -> None:
    """Refuse a move that cannot happen at all, whoever approves it: an unknown category, a move
    onto itself, taking money already spent (accepted or pending) from its line, or pushing the
    receiving line over its cap."""
    source = known_category(rules, move.from_category, "from_category")
    target = known_category(rules, move.to_category, "to_category")
    if move.from_category == move.to_category:
        raise _refuse("to_category", RuleId.MOVE_BETWEEN_CATEGORIES,
                      "a move needs two different categories (서로 다른 비목 사이에서만 변경합니다)")
    left = plan.amount(move.from_category) - move.amount
    spent = executed.get(move.from_category, 0)
    if left < spent:
        raise _refuse("amount", RuleId.MOVE_KEEPS_SPENT_MONEY,
                      f"{source.name} keeps {won(left)} after the move but {won(spent)} is already "
                      f"spent (이미 집행한 금액({won(spent)})보다 적게 남길 수 없습니다)",
                      available=max(plan.amount(move.from_category) - spent, 0))
    cap = target.cap(grant)
    after = plan.amount(move.to_category) + move.amount
    if cap is not None and after > cap:
        raise _refuse("amount", RuleId.CATEGORY_CAP,
                      f"{target.name} would hold {won(after)}, over its cap {won(cap)} "
                      f"({target.name} 한도({won(cap)})를 넘습니다)", category=move.to_category, cap=cap)


def classify_move(move: BudgetMove, rules: BudgetRules, agreed: BudgetPlan, current: BudgetPlan) -> MoveKind:
    """A notice when, after the move, both lines differ from the agreed plan by at most the tolerance
    (a share of the smaller agreed line) and the receiving category needs no prior approval; else a
    request for approval. Comparing with the agreed plan, not the current one, keeps a series of
    small notices from adding up to a large move nobody approved."""
    target = rules.category(move.to_category)
    if target is None or target.prior_approval:
        return "approval"
    smaller = min(agreed.amount(move.from_category), agreed.amount(move.to_category))
    tolerance = smaller * rules.move_tolerance_percent // 100
    moved_out = agreed.amount(move.from_category) - (current.amount(move.from_category) - move.amount)
    moved_in = (current.amount(move.to_category) + move.amount) - agreed.amount(move.to_category)
    return "notice" if abs(moved_out) <= tolerance and abs(moved_in) <= tolerance else "approval"


def apply_move(plan: BudgetPlan, move: BudgetMove) -> BudgetPlan:
    """The next plan version with the move applied (the caller has checked it and, where needed,
    it was approved). A line that did not exist yet is added; the total stays the same."""
    amounts = plan.amounts()
    amounts[move.from_category] = amounts.get(move.from_category, 0) - move.amount
    amounts[move.to_category] = amounts.get(move.to_category, 0) + move.amount
    order = [line.category for line in plan.lines]
    if move.to_category not in order:
        order.append(move.to_category)
    return BudgetPlan(version=plan.version + 1, lines=[PlanLine(category=c, amount=amounts[c]) for c in order])
