"""A program's rules for grant money by 비목 (expense category): program data, not code.

The program names its categories with their caps (a share of the grant, or a fixed amount), whether
moving money into them needs the program officer's prior approval, and the evidence each expense
must carry; and, for the whole program, the tolerance for moves between categories that are only a
notice, the payment methods accepted, and the thresholds the risk flags use. Definitions written
before budgets existed (and the histories of workflows started with them) have no `budget_rules`:
their lifecycles keep the typed settlement.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.text import Line

CategoryKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]

# The kinds of evidence (증빙) an expense carries, each a kept document with its hash.
EvidenceKind = Literal[
    "tax_invoice",        # 전자세금계산서
    "card_slip",          # 카드 매출전표
    "transfer_receipt",   # 이체확인증
    "contract",           # 계약서
    "quote",              # 견적서
    "inspection_report",  # 검수조서
    "payroll",            # 급여명세서·근로계약서
    "travel_report",      # 출장보고서
]
EVIDENCE_NAMES: dict[str, str] = {
    "tax_invoice": "전자세금계산서", "card_slip": "카드 매출전표", "transfer_receipt": "이체확인증",
    "contract": "계약서", "quote": "견적서", "inspection_report": "검수조서", "payroll": "급여명세서",
    "travel_report": "출장보고서",
}
# Cash is a method people try; the rules refuse it by name rather than the schema not knowing it.
PaymentMethod = Literal["account_transfer", "card", "cash"]
PAYMENT_NAMES: dict[str, str] = {"account_transfer": "사업비 계좌 이체", "card": "사업비 카드", "cash": "현금"}

# One requirement: any one of these kinds satisfies it (a tax invoice or a card slip).
EvidenceGroup = Annotated[list[EvidenceKind], Field(min_length=1)]
Percent = Annotated[int, Field(gt=0, le=100)]
Won = Annotated[int, Field(gt=0, le=100_000_000_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BudgetCategory(_Strict):
    key: CategoryKey
    name: Line  # the Korean name people read: 인건비
    # At most this share of the grant, and/or at most this many won (the lower one binds).
    cap_percent: Percent | None = None
    cap_amount: Won | None = None
    # Money moved into this category needs the program officer's prior approval, whatever the size.
    prior_approval: bool = False
    # The evidence this category's expenses carry instead of the program's `evidence` (인건비:
    # 급여명세서, not a tax invoice; 외주용역비: a tax invoice and a contract); None: the program's.
    evidence: list[EvidenceGroup] | None = None

    def cap(self, grant: int) -> int | None:
        """The most this category's line may hold, in won, for a grant of `grant` won."""
        caps = [c for c in (grant * self.cap_percent // 100 if self.cap_percent else None, self.cap_amount)
                if c is not None]
        return min(caps) if caps else None


class BudgetRules(_Strict):
    categories: Annotated[list[BudgetCategory], Field(min_length=1)]
    # A move between two categories of at most this share of the smaller line (as agreed) is a
    # notice (통보); a larger one is a request the program officer decides (승인).
    move_tolerance_percent: Annotated[int, Field(ge=0, le=100)] = 20
    # Evidence every expense carries, and what each payment method adds.
    evidence: list[EvidenceGroup] = [["tax_invoice", "card_slip"]]
    payment_evidence: dict[PaymentMethod, list[EvidenceGroup]] = {
        "account_transfer": [["transfer_receipt"]], "card": [["card_slip"]]}
    payment_methods: Annotated[list[PaymentMethod], Field(min_length=1)] = ["account_transfer", "card"]
    # Interest earned on the grant account is returned with the refund.
    refund_interest: bool = True
    # Whether the grantees reclaim the VAT they pay (the usual case for a 사업화 grant's companies):
    # their VAT is then not a grant expense, and VAT paid from the grant account comes back in the
    # refund. False for a program whose grantees cannot reclaim it (a tax-exempt business).
    vat_reclaimable: bool = True
    # Whether the startup must submit its budget plan before it accepts the agreement (the plan is
    # then always part of what it accepts, and its settlement always comes from the ledger).
    plan_required: bool = False
    # Risk flags (a closer look, never a refusal): purchases from one vendor in one category within
    # `split_window_days` that each stay under `split_limit` but together reach it; amounts that are
    # a multiple of `round_unit`; a vendor paid by `shared_vendor_startups` or more startups of the
    # program; a vendor founded at most `new_vendor_days` before the payment.
    split_limit: Won = 5_000_000
    split_window_days: Annotated[int, Field(gt=0, le=365)] = 30
    round_unit: Won = 1_000_000
    shared_vendor_startups: Annotated[int, Field(ge=2, le=1000)] = 3
    new_vendor_days: Annotated[int, Field(gt=0, le=3650)] = 90

    @model_validator(mode="after")
    def _coherent(self) -> "BudgetRules":
        keys = [c.key for c in self.categories]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate budget category key")
        if "cash" in self.payment_methods:
            raise ValueError("cash is not a payment method a grant accepts")
        return self

    def category(self, key: str) -> BudgetCategory | None:
        return next((c for c in self.categories if c.key == key), None)

    def required_evidence(self, category: str, method: str) -> list[list[str]]:
        """Every requirement an expense in `category` paid by `method` must meet (each: any one kind)."""
        found = self.category(category)
        own = found.evidence if found is not None and found.evidence is not None else self.evidence
        by_method = next((groups for m, groups in self.payment_evidence.items() if m == method), [])
        return [list(g) for g in [*own, *by_method]]
