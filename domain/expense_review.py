"""The finance officer's review of each expense (집행 검토): accepted, or disallowed (불인정) in
whole or in part with a reason from a fixed list. A later decision on the same entry replaces the
earlier one (after an appeal, say); both stay in the history."""

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.formatting import won
from domain.ledger import Cancellation, EntryId, LedgerEntry, active_entries, grant_expense
from domain.rule_ids import RuleId
from domain.text import Line
from domain.violation import RuleViolation

DisallowReason = Literal["insufficient_evidence", "outside_purpose", "outside_period", "related_party",
                         "over_line", "reclaimable_vat", "duplicate", "other"]
DISALLOW_REASONS: dict[str, str] = {
    "insufficient_evidence": "증빙 미비",
    "outside_purpose": "목적 외 사용",
    "outside_period": "기간 외 집행",
    "related_party": "관계사 거래",
    "over_line": "비목 한도 초과",
    "reclaimable_vat": "환급 대상 부가가치세",
    "duplicate": "중복 집행",
    "other": "기타",
}


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    entry_id: EntryId
    decision: Literal["accept", "disallow"]
    reason: DisallowReason | None = None
    # The part disallowed; None disallows the whole grant expense.
    disallowed_amount: Annotated[int, Field(gt=0, le=100_000_000_000)] | None = None
    note: Line = ""


def _refuse(field: str, rule: str, message: str, code: str = "validation_error", **details: object) -> RuleViolation:
    return RuleViolation(code, message, {"field": field, "rule": rule, **details})


def check_review(review: ReviewDecision, entries: Sequence[LedgerEntry], cancellations: Sequence[Cancellation],
                 vat_reclaimable: bool) -> None:
    """Refuse a decision on an entry that does not count, or one whose reason does not fit it."""
    entry = next((e for e in active_entries(entries, cancellations) if e.id == review.entry_id), None)
    check_review_of(review, any(e.id == review.entry_id for e in entries),
                    grant_expense(entry, vat_reclaimable) if entry is not None else None)


def check_review_of(review: ReviewDecision, known: bool, expense: int | None) -> None:
    """`check_review` on what a compact ledger knows of the entry: whether it exists, and its grant
    expense while it still counts (None once cancelled)."""
    if expense is None:
        raise _refuse("entry_id", RuleId.REVIEW_ACTIVE_ENTRY,
                      f"entry {review.entry_id} was cancelled; review its correction (취소된 집행 내역입니다)" if known
                      else f"no entry {review.entry_id} (집행 내역이 없습니다)", "conflict" if known else "not_found")
    if review.decision == "accept":
        if review.reason is not None or review.disallowed_amount is not None:
            raise _refuse("reason", RuleId.ACCEPT_WITHOUT_REASON, "an accepted expense takes no disallowance reason "
                          "or amount (인정 결정에는 불인정 사유와 금액이 없습니다)")
        return
    if review.reason is None:
        raise _refuse("reason", RuleId.DISALLOW_REASON_REQUIRED, "a disallowance needs a reason from the list "
                      "(불인정 사유를 고르십시오)", reasons=list(DISALLOW_REASONS))
    if review.reason == "other" and not review.note:
        raise _refuse("note", RuleId.OTHER_REASON_EXPLAINED, "'other' needs a note saying why (기타 사유를 적으십시오)")
    if review.disallowed_amount is not None and review.disallowed_amount > expense:
        raise _refuse("disallowed_amount", RuleId.DISALLOW_AT_MOST_EXPENSE,
                      f"{won(review.disallowed_amount)} is more than the expense {won(expense)} "
                      f"(불인정액이 집행액보다 큽니다)", expense=expense)


def current_decisions(reviews: Sequence[ReviewDecision]) -> dict[str, ReviewDecision]:
    """The decision that stands for each entry: the latest one."""
    return {r.entry_id: r for r in reviews}


def disallowed_amounts(entries: Sequence[LedgerEntry], cancellations: Sequence[Cancellation],
                       reviews: Sequence[ReviewDecision], vat_reclaimable: bool) -> dict[str, int]:
    """Won disallowed per active entry under the decisions that stand."""
    decisions = current_decisions(reviews)
    found: dict[str, int] = {}
    for entry in active_entries(entries, cancellations):
        decision = decisions.get(entry.id)
        if decision is not None and decision.decision == "disallow":
            expense = grant_expense(entry, vat_reclaimable)
            found[entry.id] = min(decision.disallowed_amount or expense, expense)
    return found
