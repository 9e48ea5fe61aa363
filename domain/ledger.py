"""The execution ledger (집행 내역): each expense with its evidence, checked as it is entered.

Nothing is edited in place: a correction is a new entry that cancels an old one, and an entry
withdrawn without replacement is cancelled by a `Cancellation`; both stay in the ledger. Amounts are
integer won. The grant expense of an entry is its supply amount, plus its VAT only where the
company cannot reclaim VAT (a reclaimable VAT paid from the grant account is returned through the
settlement's refund, since it is never accepted).
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.brn import normalize_brn
from domain.budget import BudgetPlan, known_category
from domain.budget_rules import EVIDENCE_NAMES, PAYMENT_NAMES, BudgetRules, CategoryKey, EvidenceKind, PaymentMethod
from domain.documents import DocumentRef
from domain.formatting import won
from domain.rule_ids import RuleId
from domain.text import SINGLE_LINE, Line
from domain.violation import RuleViolation

EntryId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Brn = Annotated[str, SINGLE_LINE, AfterValidator(normalize_brn)]


class EvidenceRef(BaseModel):
    """One piece of evidence: what kind it is, and the kept document (its id and hash)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: EvidenceKind
    document: DocumentRef


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: EntryId
    spent_on: date  # the payment's date in Korea (KST)
    category: CategoryKey
    vendor_name: Line
    vendor_brn: Brn
    description: Line
    supply_amount: Annotated[int, Field(gt=0, le=100_000_000_000)]
    vat: Annotated[int, Field(ge=0, le=10_000_000_000)] = 0
    payment_method: PaymentMethod
    evidence: list[EvidenceRef] = []
    # The entry this one corrects (it replaces it in every total from now on).
    cancels: EntryId | None = None


class Cancellation(BaseModel):
    """An entry withdrawn without a replacement (entered in error, refunded by the vendor)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    cancels: EntryId
    reason: Line


# The running hash of an empty ledger.
LEDGER_GENESIS = "0" * 64


def record_sha256(record: LedgerEntry | Cancellation) -> str:
    """One entry or cancellation's hash: SHA-256 of its canonical JSON (evidence hashes included)."""
    canonical = json.dumps({"type": type(record).__name__, **record.model_dump(mode="json")}, ensure_ascii=False,
                           sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_ledger(previous: str, record: LedgerEntry | Cancellation) -> str:
    """The ledger's running hash after `record`: what the workflow state keeps instead of the
    entries, so the read model's full ledger can be checked against the history."""
    return hashlib.sha256(f"{previous}:{record_sha256(record)}".encode("ascii")).hexdigest()


def grant_expense(entry: LedgerEntry, vat_reclaimable: bool) -> int:
    """What the entry asks the grant to bear: VAT the company reclaims from the tax office is not."""
    return entry.supply_amount + (0 if vat_reclaimable else entry.vat)


def cancelled_ids(entries: Sequence[LedgerEntry], cancellations: Sequence[Cancellation] = ()) -> set[str]:
    return {e.cancels for e in entries if e.cancels} | {c.cancels for c in cancellations}


def active_entries(entries: Sequence[LedgerEntry], cancellations: Sequence[Cancellation] = ()) -> list[LedgerEntry]:
    """The entries that count: every entry not cancelled by a correction or a cancellation."""
    gone = cancelled_ids(entries, cancellations)
    return [e for e in entries if e.id not in gone]


@dataclass(frozen=True)
class LedgerContext:
    """What an entry is checked against: the program's rules, the current plan, the agreement's
    period (KST dates, both included), who the company and its SME partners are, whether the company
    reclaims VAT, the ledger so far, and how much of each active entry the finance officer disallowed."""

    rules: BudgetRules
    plan: BudgetPlan
    period_start: date
    period_end: date
    startup_brn: str
    partner_brns: frozenset[str] = frozenset()
    vat_reclaimable: bool = True
    entries: tuple[LedgerEntry, ...] = ()
    cancellations: tuple[Cancellation, ...] = ()
    disallowed: dict[str, int] = field(default_factory=dict)

    def line_used(self, category: str, leaving_out: str | None = None) -> int:
        """What the category's line already carries: active entries, accepted or pending, less what
        was disallowed (a disallowed expense is the company's own cost, not the line's)."""
        return sum(grant_expense(e, self.vat_reclaimable) - self.disallowed.get(e.id, 0)
                   for e in active_entries(self.entries, self.cancellations)
                   if e.category == category and e.id != leaving_out)

    def knows(self, entry_id: str) -> bool:
        return any(e.id == entry_id for e in self.entries)

    def is_cancelled(self, entry_id: str) -> bool:
        return entry_id in cancelled_ids(self.entries, self.cancellations)


def _refuse(field: str, rule: str, message: str, code: str = "validation_error", **details: object) -> RuleViolation:
    return RuleViolation(code, message, {"field": field, "rule": rule, **details})


def check_entry(entry: LedgerEntry, ctx: LedgerContext) -> None:
    """Refuse an entry the rules do not allow, naming the field and the rule (Korean and English)."""
    _check_identity(entry, ctx)
    if not ctx.period_start <= entry.spent_on <= ctx.period_end:
        raise _refuse("spent_on", RuleId.WITHIN_AGREEMENT_PERIOD,
                      f"{entry.spent_on} is outside the agreement period {ctx.period_start} – {ctx.period_end} "
                      f"(협약 기간 밖의 집행입니다)", period=[str(ctx.period_start), str(ctx.period_end)])
    category = known_category(ctx.rules, entry.category, "category")
    if entry.payment_method not in ctx.rules.payment_methods:
        raise _refuse("payment_method", RuleId.PAYMENT_METHOD_ACCEPTED,
                      f"{PAYMENT_NAMES[entry.payment_method]} is not accepted; pay from the grant account or card "
                      f"({PAYMENT_NAMES[entry.payment_method]} 집행은 인정되지 않습니다)",
                      accepted=list(ctx.rules.payment_methods))
    if entry.vendor_brn == ctx.startup_brn:
        raise _refuse("vendor_brn", RuleId.VENDOR_NOT_SELF, "the company cannot pay itself from the grant "
                      "(자기 회사와의 거래는 집행할 수 없습니다)")
    if entry.vendor_brn in ctx.partner_brns:
        raise _refuse("vendor_brn", RuleId.VENDOR_NOT_PARTNER, "the SME partner cannot be paid from the grant "
                      "(수요기업과의 거래는 집행할 수 없습니다)")
    missing = missing_evidence(entry, ctx.rules)
    if missing:
        names = " · ".join("/".join(EVIDENCE_NAMES[k] for k in group) for group in missing)
        raise _refuse("evidence", RuleId.EVIDENCE_REQUIRED,
                      f"{category.name} paid by {entry.payment_method} needs evidence: {names} (증빙이 부족합니다: {names})",
                      missing=missing)
    line = ctx.plan.amount(entry.category)
    used = ctx.line_used(entry.category, leaving_out=entry.cancels)
    expense = grant_expense(entry, ctx.vat_reclaimable)
    if used + expense > line:
        raise _refuse("supply_amount", RuleId.WITHIN_CATEGORY_LINE,
                      f"{category.name}: {won(expense)} would bring the line to {won(used + expense)}, "
                      f"over its {won(line)} (비목 잔액({won(max(line - used, 0))})을 넘습니다)",
                      line=line, used=used, available=max(line - used, 0))


def _check_identity(entry: LedgerEntry, ctx: LedgerContext) -> None:
    """A new id; a correction cancels an entry that exists and still counts."""
    if ctx.knows(entry.id):
        raise _refuse("id", RuleId.ENTRY_ID_UNIQUE, f"entry {entry.id} exists already (이미 있는 집행 번호입니다)", "conflict")
    if entry.cancels is not None:
        check_cancellable(entry.cancels, ctx, field="cancels")


def check_cancellable(entry_id: str, ctx: LedgerContext, field: str = "cancels") -> None:
    if not ctx.knows(entry_id):
        raise _refuse(field, RuleId.KNOWN_ENTRY, f"no entry {entry_id} to cancel (취소할 집행 내역이 없습니다)")
    if ctx.is_cancelled(entry_id):
        raise _refuse(field, RuleId.CANCEL_ONCE, f"entry {entry_id} is already cancelled (이미 취소된 집행 내역입니다)",
                      "conflict")


def missing_evidence(entry: LedgerEntry, rules: BudgetRules) -> list[list[str]]:
    """The requirements no piece of the entry's evidence meets (each: any one of these kinds)."""
    kinds = {e.kind for e in entry.evidence}
    return [group for group in rules.required_evidence(entry.category, entry.payment_method)
            if not kinds.intersection(group)]
