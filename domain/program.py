"""A program definition: the data that makes one program differ from another.

Slots, money, the application window, the tranche schedule, the milestone plan and the deadline
policy are all data, so a new program (or the next stage) needs no code.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from domain.amendments import AmendmentPolicy
from domain.appeals import AppealPolicy
from domain.budget_rules import BudgetRules
from domain.money import split_exact
from domain.outcome_rules import FollowUpPolicy
from domain.phases import Stage
from domain.regions import normalize_region
from domain.text import SINGLE_LINE, Line

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]

# 비수도권: a regional SME is outside Seoul, Incheon and Gyeonggi.
CAPITAL_AREA = frozenset({"서울", "인천", "경기"})
REGIONS = frozenset(
    {"서울", "인천", "경기", "강원", "충북", "충남", "대전", "세종", "전북", "전남", "광주",
     "경북", "경남", "대구", "울산", "부산", "제주"}
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Task(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Z]{2}-\d{2}$")]
    sector: Key
    title: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
    # The title in English, for English pages only: the Korean title is the task's name everywhere
    # else (the agreement, a legal Korean document, included). Empty: English pages show the title.
    title_en: Annotated[str, Field(max_length=200), SINGLE_LINE] = ""
    sme_region: Line

    @field_validator("sme_region", mode="before")
    @classmethod
    def _spelled_out(cls, region: object) -> object:
        return normalize_region(region)  # 경상남도 is 경남

    @model_validator(mode="after")
    def _region_known(self) -> "Task":
        if self.sme_region not in REGIONS:
            raise ValueError(f"sme_region {self.sme_region!r} is not a Korean region")
        return self


class TrancheRule(Strict):
    key: Key
    label: Line
    # Share of the grant in percent; amounts are derived by an exact split.
    share_percent: Annotated[int, Field(gt=0, le=100)]
    # "agreement" (after the agreement is signed) or the key of a milestone that must be accepted.
    trigger: Line


class MilestoneRule(Strict):
    key: Key
    title: Line
    days_after_agreement: Annotated[int, Field(gt=0, le=3650)]


ClockKind = Literal["agreement", "milestone", "revision", "review", "approval", "settlement_report", "refund"]
# Who can be told: the startup, or a staff desk (the notification system routes each to people).
Recipient = Literal["startup", "program_officer", "program_manager", "finance_officer", "finance_lead"]
Days = Annotated[int, Field(gt=0, le=365)]
ReminderDays = Annotated[int, Field(gt=0, le=60)]


class ClockRule(Strict):
    """How one kind of deadline runs. A field left out keeps the policy's default for that kind."""

    # Its length; a milestone's comes from its own `days_after_agreement` instead.
    days: Days | None = None
    # Calendar days, or Korean business days (weekends, public and substitute holidays and the
    # configured ad-hoc holidays skipped).
    unit: Literal["calendar", "business"] | None = None
    reminder_days_before: list[ReminderDays] | None = None
    # Who is told when it passes.
    escalate_to: list[Recipient] | None = None
    # Milestones only: what happens once it has been overdue for `grace_days`.
    grace_days: Annotated[int, Field(ge=0, le=365)] | None = None
    consequence: Literal["suspend", "none"] | None = None


class Clock(BaseModel):
    """A clock rule with every default filled in."""

    kind: ClockKind
    days: int | None
    unit: Literal["calendar", "business"]
    reminder_days_before: list[int]
    escalate_to: list[Recipient]
    grace_days: int | None = None
    consequence: Literal["suspend", "none", "cancel_selection"] = "none"


class DeadlinePolicy(Strict):
    agreement_business_days: Annotated[int, Field(gt=0, le=120)] = 10
    reminder_days_before: list[ReminderDays] = [7, 3, 1]
    suspension_grace_days: Annotated[int, Field(ge=0, le=365)] = 14
    revision_days: Annotated[int, Field(gt=0, le=180)] = 14
    # Deadlines on staff: reviewing a submitted deliverable (else the program's manager is told),
    # approving a requested disbursement (else the finance lead is told).
    review_days: Annotated[int, Field(gt=0, le=180)] = 14
    approval_days: Annotated[int, Field(gt=0, le=180)] = 5
    settlement_report_days: Annotated[int, Field(gt=0, le=365)] = 30
    refund_days: Annotated[int, Field(gt=0, le=365)] = 30
    # How long a completed lifecycle stays open for a promotion decision.
    promotion_window_days: Annotated[int, Field(gt=0, le=730)] = 90
    # How long the waitlist stays valid after selection is finalized.
    waitlist_valid_days: Annotated[int, Field(gt=0, le=365)] = 60
    # Per kind of deadline: its length and unit, reminders, escalation and consequence, over the
    # defaults above (see `clock`).
    clocks: dict[ClockKind, ClockRule] = {}

    @model_validator(mode="after")
    def _rules_fit_their_kind(self) -> "DeadlinePolicy":
        for kind, rule in self.clocks.items():
            if kind != "milestone" and (rule.grace_days is not None or rule.consequence is not None):
                raise ValueError(f"clocks.{kind}: grace_days and consequence apply to milestones only")
            if kind == "milestone" and rule.days is not None:
                raise ValueError("clocks.milestone: days is set per milestone (days_after_agreement)")
            if kind in ("revision", "review", "approval") and rule.reminder_days_before:
                raise ValueError(f"clocks.{kind}: takes no reminders (a revision runs on its milestone's clock; "
                                 "staff are told when a review or an approval is late)")
            if kind == "revision" and rule.escalate_to:
                raise ValueError("clocks.revision: escalates on its milestone's clock")
        return self

    def clock(self, kind: ClockKind) -> Clock:
        """The rule for one kind of deadline: the program's `clocks` entry over the defaults. Only
        the asked kind's default is built: the workflow asks this for every open milestone on every
        turn of its run loop."""
        rule = self.clocks.get(kind)
        default = self._default_clock(kind)
        if rule is None:
            return default
        return default.model_copy(update=rule.model_dump(exclude_none=True))

    def _default_clock(self, kind: ClockKind) -> Clock:
        match kind:
            case "agreement":
                return Clock(kind=kind, days=self.agreement_business_days, unit="business", reminder_days_before=[],
                             escalate_to=[], consequence="cancel_selection")
            case "milestone":
                return Clock(kind=kind, days=None, unit="calendar", reminder_days_before=self.reminder_days_before,
                             escalate_to=["program_officer"], grace_days=self.suspension_grace_days,
                             consequence="suspend")
            case "revision":
                return Clock(kind=kind, days=self.revision_days, unit="calendar", reminder_days_before=[],
                             escalate_to=[])
            case "review":
                return Clock(kind=kind, days=self.review_days, unit="calendar", reminder_days_before=[],
                             escalate_to=["program_manager"])
            case "approval":
                return Clock(kind=kind, days=self.approval_days, unit="calendar", reminder_days_before=[],
                             escalate_to=["finance_lead"])
            case "settlement_report":
                return Clock(kind=kind, days=self.settlement_report_days, unit="calendar",
                             reminder_days_before=self.reminder_days_before, escalate_to=["program_officer"])
            case "refund":
                return Clock(kind=kind, days=self.refund_days, unit="calendar",
                             reminder_days_before=self.reminder_days_before, escalate_to=["finance_officer"])
        raise KeyError(kind)

    def needs_business_calendar(self) -> bool:
        """Whether a clock other than the agreement (which asks an activity itself) counts business days."""
        return any(self.clock(kind).unit == "business" for kind in self.clocks if kind != "agreement")


class ProgramDefinition(Strict):
    id: Slug
    name: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
    stage: Stage
    slots: Annotated[int, Field(gt=0, le=10_000)]
    grant_amount: Annotated[int, Field(gt=0, le=100_000_000_000)]
    budget: Annotated[int, Field(gt=0)]
    # A program entered only by promotion (초격차, Beyond) has no application window.
    application_opens_at: AwareDatetime | None = None
    application_closes_at: AwareDatetime | None = None
    founded_within_years: Annotated[int, Field(gt=0, le=50)] = 10
    min_score: Annotated[float, Field(ge=0, le=100)] = 60
    evaluators_required: Annotated[int, Field(ge=1, le=20)] = 1
    promotion_grades: list[Line] = ["S", "A"]
    tasks: list[Task] = []
    tranches: list[TrancheRule]
    milestones: list[MilestoneRule]
    policy: DeadlinePolicy = DeadlinePolicy()
    # Grant money by 비목 (domain/budget_rules.py). Absent in definitions (and the saved histories
    # of workflows started with them) from before budgets: those keep the typed settlement.
    budget_rules: BudgetRules | None = None
    # The follow-up after completion (사후관리, domain/outcome_rules.py). Absent in definitions (and
    # the saved histories of workflows started with them) from before follow-up: not followed.
    followup: FollowUpPolicy | None = None
    # Which agreement amendments (협약 변경) need approval and which are notices, and how long a
    # request waits for a decision (domain/amendments.py). Definitions from before amendments get
    # the defaults, so they and the saved histories parse unchanged.
    amendments: AmendmentPolicy = AmendmentPolicy()
    # How long after a result an appeal (이의신청) may be filed (domain/appeals.py). Definitions from
    # before appeals get the default (7 days), so they and the saved histories parse unchanged.
    appeals: AppealPolicy = AppealPolicy()

    # A field validator, not part of the model check below, so that a refusal names `budget`
    # itself (slots and grant_amount are declared before it and are already validated here).
    @field_validator("budget")
    @classmethod
    def _budget_covers_every_slot(cls, budget: int, info: ValidationInfo) -> int:
        slots, grant = info.data.get("slots"), info.data.get("grant_amount")
        if slots is not None and grant is not None and budget < slots * grant:
            raise ValueError(f"budget {budget} is less than slots × grant_amount ({slots} × {grant})")
        return budget

    @model_validator(mode="after")
    def _coherent(self) -> "ProgramDefinition":
        if (self.application_opens_at is None) != (self.application_closes_at is None):
            raise ValueError("application_opens_at and application_closes_at go together")
        if self.application_opens_at and self.application_closes_at and self.application_opens_at >= self.application_closes_at:
            raise ValueError("application_closes_at must be after application_opens_at")
        if self.application_closes_at and not self.tasks:
            raise ValueError("a program with an application window needs at least one task")
        if sum(t.share_percent for t in self.tranches) != 100:
            raise ValueError("tranche share_percent values must add up to 100")
        for name, keys in (
            ("task id", [t.id for t in self.tasks]),
            ("tranche key", [t.key for t in self.tranches]),
            ("milestone key", [m.key for m in self.milestones]),
        ):
            if len(keys) != len(set(keys)):
                raise ValueError(f"duplicate {name}")
        milestone_keys = {m.key for m in self.milestones}
        for t in self.tranches:
            if t.trigger != "agreement" and t.trigger not in milestone_keys:
                raise ValueError(f"tranche {t.key} trigger {t.trigger!r} is not 'agreement' or a milestone key")
        if not self.milestones:
            raise ValueError("at least one milestone is needed")
        if self.budget_rules is not None:
            most = sum(c.cap(self.grant_amount) or self.grant_amount for c in self.budget_rules.categories)
            if most < self.grant_amount:
                raise ValueError("budget_rules: the categories' caps leave no plan that adds up to the grant")
        return self

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def tranche_amounts(self) -> dict[str, int]:
        amounts = split_exact(self.grant_amount, [t.share_percent for t in self.tranches])
        return {t.key: a for t, a in zip(self.tranches, amounts, strict=True)}

    def window_open_at(self, instant: datetime) -> bool:
        if self.application_opens_at is None or self.application_closes_at is None:
            return False
        return self.application_opens_at <= instant < self.application_closes_at
