"""Request bodies of the actions, and the envelope that carries one into a workflow Update.

Bodies are strict (unknown fields refused, integers that are really integers) because they are
what staff and startups type. The envelope adds who is acting, taken from the token by the API.
"""

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from domain.amendments import RegisterAnswer
from domain.brn import normalize_brn
from domain.budget import PlanLine
from domain.budget_rules import CategoryKey, EvidenceKind, PaymentMethod
from domain.documents import DocumentRef
from domain.expense_review import DisallowReason
from domain.program import CAPITAL_AREA, REGIONS, Key, ProgramDefinition, Slug
from domain.regions import normalize_region
from domain.rule_ids import RuleId
from domain.state import Actor
from domain.text import NFC, SINGLE_LINE, Line, Name, Text

# Ids of documents uploaded first (POST /startups/{id}/documents) that an action relies on.
DocumentIds = Annotated[list[Annotated[str, Field(min_length=1, max_length=64), SINGLE_LINE]],
                        Field(max_length=50, description="ids of documents uploaded with POST "
                              "/startups/{startup_id}/documents")]


Won = Annotated[int, Field(strict=True, ge=0, le=100_000_000_000)]
BRN = Annotated[str, SINGLE_LINE, AfterValidator(normalize_brn)]


class Body(BaseModel):
    """Only a reason (사유): the body of suspend, resume, approve-settlement and withdraw."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[Text, Field(description="Why (사유), free text, may be empty; recorded in the history with "
                                              "the authenticated actor.",
                                  examples=["현장 점검 결과 반영"])] = ""


class ApplicationBody(BaseModel):
    """What a startup submits to apply (신청)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brn: BRN
    company_name: Name
    founded_on: date
    task_id: Annotated[str, Field(min_length=1, max_length=10), SINGLE_LINE]
    representative: Name
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254), SINGLE_LINE]
    proposal_title: Name
    proposal_document: Annotated[Annotated[str, Field(max_length=64), SINGLE_LINE] | None, Field(
        description="the proposal (사업계획서), uploaded first as a document of kind "
                                   "\"proposal\"; pinned by its SHA-256 in the application")] = None


class ScoreBody(Body):
    """An evaluator's score for one evaluation round (서면평가 or 발표평가)."""

    round: Annotated[Literal["document", "presentation"], Field(
        description="document: 서면평가; presentation: 발표평가")]
    score: Annotated[int, Field(strict=True, ge=0, le=100, description="0 to 100, an integer", examples=[85])]


class PartnerBody(BaseModel):
    """A regional SME (수요기업) the startup is matched with, alone or in a consortium."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[Name, Field(description="company name", examples=["㈜경남정밀"])]
    brn: Annotated[BRN, Field(description="business registration number (사업자등록번호), 10 digits, "
                                          "dashes allowed", examples=["613-81-00014"])]
    region: Annotated[Line, Field(description="시·도 outside the capital area (비수도권), e.g. 경남, 부산, 대구",
                                 examples=["경남"])]
    role: Annotated[Literal["lead", "member"], Field(
        description="exactly one partner is the lead (주관기업)")] = "lead"
    # A consortium may split each tranche between its members by fixed shares (all or none).
    share_percent: Annotated[int | None, Field(
        strict=True, gt=0, le=100,
        description="this partner's share of every tranche; given for all partners (adding up to 100) or none")] = None

    @field_validator("region", mode="before")
    @classmethod
    def _spelled_out(cls, region: object) -> object:
        return normalize_region(region)  # 경상남도 is 경남

    @field_validator("region")
    @classmethod
    def _regional(cls, region: str) -> str:
        if region not in REGIONS:
            raise PydanticCustomError(RuleId.KNOWN_REGION, "unknown region; one of {regions}",
                                     {"regions": ", ".join(sorted(REGIONS))})
        if region in CAPITAL_AREA:
            raise PydanticCustomError(RuleId.REGIONAL_PARTNER, "the SME partner must be outside the capital area (비수도권)")
        return region


class MatchBody(Body):
    """The SME partner (or consortium) the startup runs its PoC with (매칭)."""

    partners: Annotated[list[PartnerBody], Field(min_length=1, max_length=10,
                                                 description="1 to 10 partners, exactly one with role lead")]

    @model_validator(mode="after")
    def _one_lead(self) -> "MatchBody":
        if sum(p.role == "lead" for p in self.partners) != 1:
            raise PydanticCustomError(RuleId.ONE_LEAD_PARTNER, "exactly one partner must have role 'lead'")
        if len({p.brn for p in self.partners}) != len(self.partners):
            raise PydanticCustomError(RuleId.DISTINCT_PARTNERS, "a partner appears twice")
        shares = [p.share_percent for p in self.partners if p.share_percent is not None]
        if shares and (len(shares) != len(self.partners) or sum(shares) != 100):
            raise PydanticCustomError(RuleId.SHARES_ADD_UP, "share_percent must be given for every partner and add up to 100")
        return self


class AcceptAgreementBody(Body):
    """The startup's acceptance (협약 동의) of the agreement the system generated, with its
    password re-entered: accepting is a signature, so the person proves it is them at that moment."""

    agreement_sha256: Annotated[str, Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the agreement as read (shown beside it, and the state's "
                    "agreement_document.sha256); refused when the agreement has changed since",
        examples=["9f2c4e0b7a1d3c5e8f6a2b4d0c1e3f5a7b9d2c4e6f8a0b1c3d5e7f9a2b4c6d8e"])]
    # Checked by the API against the user's own password and never sent on: excluded from the
    # Update payload, and so from Temporal's history.
    password: Annotated[str | None, Field(
        max_length=256, exclude=True,
        description="the startup user's password, re-entered (본인 확인); checked, never recorded")] = None


class SignAgreementBody(Body):
    """The signed agreement (협약): its number. For a lifecycle whose startup accepts first, the
    program officer's countersignature (서명) of the agreement the startup accepted."""

    agreement_no: Annotated[str, Field(min_length=1, max_length=64, description="the agreement's number (협약번호)",
                                       examples=["2025-AI-0001"]), SINGLE_LINE]
    # The signed agreement, uploaded first as a document of kind "agreement".
    documents: DocumentIds = []


class DisbursementBody(Body):
    """One tranche of the grant (e.g. advance 선금, balance 잔금)."""

    tranche: Annotated[Key, Field(description="the tranche's key in the program's payment schedule",
                                  examples=["advance"])]


class RequestDisbursementBody(DisbursementBody):
    # The receiving bank account, e.g. to correct one the bank refused.
    account: Annotated[str | None, Field(pattern=r"^[0-9가-힣A-Za-z ()-]{4,64}$",
                                         description="the receiving bank account, e.g. to correct one the bank "
                                                     "refused; omitted: the one on file",
                                         examples=["국민 123456-01-234567"])] = None


class WaiveClawbackBody(Body):
    """A finance officer's decision on waiving an honest failure's (성실실패) clawback."""

    decision: Annotated[Literal["approve", "reject"], Field(
        description="approve: the clawback is waived; reject: it stays owed")]


class RetryCollectionBody(Body):
    """Money owed back asked for again after the finance system refused the request."""

    kind: Annotated[Literal["refund", "clawback"], Field(description="refund: 반납; clawback: 환수")]


class SubmitMilestoneBody(Body):
    """A milestone's deliverable (산출물), submitted by the startup."""

    milestone: Annotated[Key, Field(description="the milestone's key in the program's plan", examples=["midterm"])]
    deliverable: Annotated[Annotated[str, Field(min_length=1, max_length=500), SINGLE_LINE, NFC] | None, Field(
                                             description="what was delivered, in words: a title or a link "
                                             "(optional when documents are given)",
                                             examples=["중간보고서 v1 (PoC 1차 결과)"])] = None
    documents: DocumentIds = []

    @model_validator(mode="after")
    def _something_delivered(self) -> "SubmitMilestoneBody":
        if self.deliverable is None and not self.documents:
            raise PydanticCustomError(RuleId.SOMETHING_DELIVERED,
                                     "give the deliverable's documents (documents) or describe it (deliverable)")
        return self


class ReviewMilestoneBody(Body):
    """A program officer's review of a submitted deliverable: accept it, or send it back (보완 요청)."""

    milestone: Annotated[Key, Field(description="the milestone's key in the program's plan", examples=["midterm"])]
    decision: Annotated[Literal["accept", "revise"], Field(
        description="accept: the milestone is done; revise: the startup resubmits by a new due date")]
    # For "revise": the new due date (KST calendar day); defaults to the policy's revision days.
    revise_due_on: Annotated[date | None, Field(
        description="only with decision revise: the resubmission's due date, a KST calendar day (YYYY-MM-DD); "
                    "omitted: the policy's revision clock (14 days by default)",
        examples=["2025-10-15"])] = None


class ExtendDeadlineBody(Body):
    """A deadline moved later (기한 연장): the agreement's or an open milestone's."""

    # "agreement", or the key of an open milestone.
    deadline: Annotated[Key, Field(description='"agreement", or the key of an open milestone',
                                   examples=["midterm"])]
    new_due_on: Annotated[date, Field(description="the new due date, a KST calendar day (YYYY-MM-DD)",
                                      examples=["2025-11-30"])]
    # Move every later open milestone by the same number of days.
    shift_later: Annotated[bool, Field(
        description="also move every later open milestone by the same number of days")] = False


class FinalEvaluationBody(Body):
    """The final evaluation (최종평가) of the PoC."""

    score: Annotated[int, Field(strict=True, ge=0, le=100, description="0 to 100, an integer", examples=[88])]
    grade: Annotated[Literal["S", "A", "B", "C", "D"], Field(description="the grade, S best")]


class SpendLineBody(BaseModel):
    """One budget line of a settlement (정산): what was spent on it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item: Annotated[Name, Field(description="the budget line (비목)", examples=["인건비"])]
    amount: Annotated[Won, Field(description="integer won spent on it", examples=[30_000_000])]
    receipts: Annotated[DocumentIds, Field(description="ids of uploaded receipts (증빙, kind \"receipt\") "
                                           "for this line")] = []


class SubmitSettlementBody(Body):
    """The startup's settlement (정산 보고). Where the agreement carried a budget plan it is computed
    from the execution ledger: no lines, only the interest earned on the grant account. Otherwise
    spending by budget line, at most what was paid."""

    lines: Annotated[list[SpendLineBody], Field(max_length=100, description="1 to 100 budget lines; none "
                                                "where the settlement comes from the ledger")] = []
    interest: Annotated[Won, Field(description="integer won of interest earned on the "
                                   "grant account, returned with the refund where the program says so "
                                   "(settlement from the ledger only)")] = 0


class SubmitBudgetPlanBody(Body):
    """The startup's budget plan (사업비 계획): won per category (비목), adding up to the grant exactly.
    It becomes part of the agreement the startup then accepts (the document shows it; its hash covers it)."""

    lines: Annotated[list[PlanLine], Field(min_length=1, max_length=50,
                                           description="one line per category: its key in the program's "
                                                       "budget_rules and the integer won planned")]


class EvidenceBody(BaseModel):
    """One piece of an expense's evidence (증빙): what kind, and the document uploaded first."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Annotated[EvidenceKind, Field(description="tax_invoice: 세금계산서, card_slip: 카드 매출전표, "
                                                    "transfer_receipt: 이체확인증, contract: 계약서, …")]
    document: Annotated[str, Field(min_length=1, max_length=64, description="the id of a document of kind "
                                   "\"receipt\" uploaded with POST /startups/{startup_id}/documents"), SINGLE_LINE]


class RecordExpenseBody(Body):
    """One expense of the execution ledger (집행 내역), or a correction of an earlier one (cancels)."""

    spent_on: Annotated[date, Field(description="the payment's date in Korea (KST), YYYY-MM-DD")]
    category: Annotated[CategoryKey, Field(description="the budget category's key", examples=["materials"])]
    vendor_name: Annotated[Name, Field(description="the vendor's name (거래처)", examples=["㈜부품상사"])]
    vendor_brn: Annotated[BRN, Field(description="the vendor's business registration number")]
    description: Annotated[Name, Field(description="what was bought", examples=["센서 모듈 20개"])]
    supply_amount: Annotated[int, Field(strict=True, gt=0, le=100_000_000_000, description="공급가액, integer won")]
    vat: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000, description="부가세, integer won")] = 0
    payment_method: Annotated[PaymentMethod, Field(description="account_transfer or card (cash is refused)")]
    evidence: Annotated[list[EvidenceBody], Field(max_length=20, description="the evidence documents")] = []
    cancels: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                         description="the id of the entry this one corrects")] = None


class CancelExpenseBody(Body):
    """An entry withdrawn without a replacement (entered in error, refunded by the vendor)."""

    entry: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the entry's id", examples=["E0001"])]
    reason: Annotated[Name, Field(description="why it is withdrawn (사유)", examples=["거래처 환불"])]


class RequestBudgetChangeBody(Body):
    """Money moved from one category's line to another's (비목 변경): within the program's tolerance a
    notice that applies at once, beyond it (or into a category needing prior approval) a request the
    program officer decides."""

    from_category: Annotated[CategoryKey, Field(description="the category the money leaves", examples=["materials"])]
    to_category: Annotated[CategoryKey, Field(description="the category it goes to", examples=["outsourcing"])]
    amount: Annotated[int, Field(strict=True, gt=0, le=100_000_000_000, description="integer won moved")]


class DecideBudgetChangeBody(Body):
    """The program officer's decision on a pending budget change; a rejection gives its reason."""

    decision: Annotated[Literal["approve", "reject"], Field(
        description="approve: the plan gets a new version with the move; reject: it stays as it is")]


class ReviewExpenseBody(Body):
    """The finance officer's review of one expense (집행 검토): accepted, or disallowed (불인정) in whole
    or in part with a reason from the list; a later decision on the same entry replaces it."""

    entry_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the entry's id",
                                   examples=["E0001"])]
    decision: Annotated[Literal["accept", "disallow"], Field(description="accept, or disallow (불인정)")]
    disallow_reason: Annotated[DisallowReason | None, Field(
        description="with disallow: insufficient_evidence (증빙 미비), outside_purpose (목적 외 사용), outside_period "
                    "(기간 외 집행), related_party (관계사 거래), over_line, reclaimable_vat, duplicate, other")] = None
    disallowed_amount: Annotated[int | None, Field(strict=True, gt=0, le=100_000_000_000, description=(
        "with disallow: the won disallowed; omitted: the whole expense"))] = None
    note: Annotated[str, Field(max_length=500, description="a note; required with disallow_reason other"),
                    SINGLE_LINE, NFC] = ""


class PromoteBody(Body):
    """Promotion to the next stage's program (후속 단계 연계)."""

    target_program_id: Annotated[Slug, Field(description="the next stage's program id",
                                             examples=["chogyeokcha-2026"])]


class TerminateBody(Body):
    """Termination of the agreement (협약 해지), with a clawback (환수) and an optional ban (참여제한)."""

    cause: Annotated[Literal["fraud", "misuse", "abandonment", "non_performance"], Field(
        description="fraud: 부정행위; misuse: 사업비 목적외 사용; abandonment: 사업 포기; non_performance: 수행 불량")]
    # Defaults to everything paid so far.
    clawback_amount: Annotated[Won | None, Field(
        description="integer won to claw back; omitted: everything paid so far")] = None
    ban_years: Annotated[int, Field(strict=True, ge=0, le=10,
                                    description="참여제한: years the company may not apply to any program")] = 0
    # 성실실패: an honest failure; a finance officer may waive the clawback.
    honest_failure: Annotated[bool, Field(
        description="성실실패: an honest failure; a finance officer may then waive the clawback")] = False


class EvaluatorStanding(BaseModel):
    """Where an evaluator stands for one startup, filled by the API on an evaluator's score and
    final evaluation (api/services/evaluator_pool.py): the workflow reads no database, so the fact
    comes in the command, as `conflicts` do. A program with no pool (`pooled` False) keeps the old
    rule: any evaluator may score, unless they recused themselves or were excluded."""

    pooled: bool = False
    member: bool = False
    pledged: bool = False
    # 회피 (by themselves) or 제척 (by staff) from this startup.
    withdrawn: Literal["recused", "excluded"] | None = None
    # The startup's panel: None when it has none (any signed member may score it), else whether
    # this evaluator is on it. Defaults keep older payloads decoding (validators are not replayed).
    assigned: bool | None = None
    # The evaluator's recorded employer (User.employer_brn) is the startup, one of its SME partners
    # or a company that was its partner before: a conflict the system knows without a declaration.
    known_relation: bool = False


B = TypeVar("B", bound=Body)


class Command(BaseModel, Generic[B]):
    """One action as it enters the workflow: the body plus the authenticated actor."""

    actor: Actor
    request_id: str | None = None
    body: B
    # Filled by the API for `promote`: the definition of the program the startup moves into.
    target_program: ProgramDefinition | None = None
    # Filled by the API for evaluators: the companies (brn) the evaluator declared a conflict with.
    conflicts: list[str] = []
    # Filled by the API for an evaluator's score or final evaluation: the pool, the pledge, 회피/제척.
    evaluator_standing: EvaluatorStanding | None = None
    # Filled by the API for decide-appeal: the review panel the program names now (its definition's
    # row, which PUT /programs/{id}/appeals/panel changes while the program runs). None in commands
    # before it: the panel of the definition the lifecycle started with.
    appeal_panel: list[str] | None = None
    # Filled by the API for a representative amendment: the tax register's 진위확인 of the new name.
    register_answer: RegisterAnswer | None = None
    # Filled by the API from the body's document ids: each id with the SHA-256 of its bytes, so
    # the history pins what the action relied on (`documents`; per settlement line, `receipts`).
    documents: list[DocumentRef] = []
    receipts: list[list[DocumentRef]] = []
