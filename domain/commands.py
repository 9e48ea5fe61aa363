"""Request bodies of the actions, and the envelope that carries one into a workflow Update.

Bodies are strict (unknown fields refused, integers that are really integers) because they are
what staff and startups type. The envelope adds who is acting, taken from the token by the API.
"""

import unicodedata
from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.brn import normalize_brn
from domain.phases import Action
from domain.program import CAPITAL_AREA, REGIONS, Key, ProgramDefinition, Slug
from domain.state import Actor


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


Text = Annotated[str, Field(max_length=2000), AfterValidator(_nfc)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_nfc)]
Won = Annotated[int, Field(strict=True, ge=0, le=100_000_000_000)]
BRN = Annotated[str, AfterValidator(normalize_brn)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = ""


class ApplicationBody(BaseModel):
    """What a startup submits to apply (신청)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brn: BRN
    company_name: Name
    founded_on: date
    task_id: Annotated[str, Field(min_length=1, max_length=10)]
    representative: Name
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    proposal_title: Name


class ScoreBody(Body):
    round: Literal["document", "presentation"]
    score: Annotated[int, Field(strict=True, ge=0, le=100)]


class PartnerBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    brn: BRN
    region: str
    role: Literal["lead", "member"] = "lead"
    # A consortium may split each tranche between its members by fixed shares (all or none).
    share_percent: Annotated[int | None, Field(strict=True, gt=0, le=100)] = None

    @field_validator("region")
    @classmethod
    def _regional(cls, region: str) -> str:
        if region not in REGIONS:
            raise ValueError(f"unknown region; one of {', '.join(sorted(REGIONS))}")
        if region in CAPITAL_AREA:
            raise ValueError("the SME partner must be outside the capital area (비수도권)")
        return region


class MatchBody(Body):
    partners: Annotated[list[PartnerBody], Field(min_length=1, max_length=10)]

    @model_validator(mode="after")
    def _one_lead(self) -> "MatchBody":
        if sum(p.role == "lead" for p in self.partners) != 1:
            raise ValueError("exactly one partner must have role 'lead'")
        if len({p.brn for p in self.partners}) != len(self.partners):
            raise ValueError("a partner appears twice")
        shares = [p.share_percent for p in self.partners if p.share_percent is not None]
        if shares and (len(shares) != len(self.partners) or sum(shares) != 100):
            raise ValueError("share_percent must be given for every partner and add up to 100")
        return self


class SignAgreementBody(Body):
    agreement_no: Annotated[str, Field(min_length=1, max_length=64)]


class DisbursementBody(Body):
    tranche: Key


class RequestDisbursementBody(DisbursementBody):
    # The receiving bank account, e.g. to correct one the bank refused.
    account: Annotated[str | None, Field(pattern=r"^[0-9가-힣A-Za-z ()-]{4,64}$")] = None


class WaiveClawbackBody(Body):
    decision: Literal["approve", "reject"]


class SubmitMilestoneBody(Body):
    milestone: Key
    deliverable: Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_nfc)]


class ReviewMilestoneBody(Body):
    milestone: Key
    decision: Literal["accept", "revise"]
    # For "revise": the new due date (KST calendar day); defaults to the policy's revision days.
    revise_due_on: date | None = None


class ExtendDeadlineBody(Body):
    # "agreement", or the key of an open milestone.
    deadline: Key
    new_due_on: date
    # Move every later open milestone by the same number of days.
    shift_later: bool = False


class FinalEvaluationBody(Body):
    score: Annotated[int, Field(strict=True, ge=0, le=100)]
    grade: Literal["S", "A", "B", "C", "D"]


class SpendLineBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item: Name
    amount: Won


class SubmitSettlementBody(Body):
    lines: Annotated[list[SpendLineBody], Field(min_length=1, max_length=100)]


class PromoteBody(Body):
    target_program_id: Slug


class TerminateBody(Body):
    cause: Literal["fraud", "misuse", "abandonment", "non_performance"]
    # Defaults to everything paid so far.
    clawback_amount: Won | None = None
    ban_years: Annotated[int, Field(strict=True, ge=0, le=10)] = 0
    # 성실실패: an honest failure; a finance officer may waive the clawback.
    honest_failure: bool = False


ACTION_BODIES: dict[Action, type[Body]] = {
    Action.SCORE: ScoreBody,
    Action.MATCH: MatchBody,
    Action.SIGN_AGREEMENT: SignAgreementBody,
    Action.REQUEST_DISBURSEMENT: RequestDisbursementBody,
    Action.APPROVE_DISBURSEMENT: DisbursementBody,
    Action.SUBMIT_MILESTONE: SubmitMilestoneBody,
    Action.REVIEW_MILESTONE: ReviewMilestoneBody,
    Action.EXTEND_DEADLINE: ExtendDeadlineBody,
    Action.SUSPEND: Body,
    Action.RESUME: Body,
    Action.FINAL_EVALUATION: FinalEvaluationBody,
    Action.SUBMIT_SETTLEMENT: SubmitSettlementBody,
    Action.APPROVE_SETTLEMENT: Body,
    Action.PROMOTE: PromoteBody,
    Action.WITHDRAW: Body,
    Action.TERMINATE: TerminateBody,
    Action.WAIVE_CLAWBACK: WaiveClawbackBody,
}

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
