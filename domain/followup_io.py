"""What goes into and out of the FollowUp workflow (workflows/followup.py): its input (carried over
continue-as-new from year to year), its state as the query answers it, the Updates' bodies, the
notice it asks an activity to deliver, and the record it ends with. Plain pydantic: workflow-safe."""

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel

from domain.documents import DocumentRef
from domain.followup import FiguresCheck, MismatchFlag, RevenueCheck, SurveyAnswer, SurveySchedule, YearRecord
from domain.outcome_rules import FollowUpPolicy
from domain.phases import Stage
from domain.state import Actor
from domain.text import Text
from domain.timeutil import KST

FOLLOWUP_NOTICE = "followup_notice"
# The activity a lifecycle that completed (or was promoted) asks to start its company's follow-up,
# or to move a running one on to this later stage.
START_FOLLOWUP = "start_followup"
# The activity that writes a recorded year into the read model (patch followup-projection).
PROJECT_FOLLOWUP_YEAR = "project_followup_year"
# Asks the public registers (the employment-insurance register, the tax authority's business status
# and, with the company's consent, its tax filing) for a year's figures.
CHECK_FOLLOWUP_FIGURES = "check_followup_figures"


def followup_workflow_id(brn: str) -> str:
    """One follow-up per company, whatever stage it completed last (so a company is counted once)."""
    return f"followup:{brn}"


class FollowUpInput(BaseModel):
    brn: str
    company_name: str
    program_id: str
    program_name: str
    stage: Stage
    completed_at: AwareDatetime
    # The program's follow-up as it was when the company completed: a later change of the program
    # does not move a running follow-up's dates.
    policy: FollowUpPolicy
    # Which follow-up year this run is; each year is one run (continue-as-new).
    year: int = 1
    # The years before this run, carried over (at most policy.years small records).
    records: list[YearRecord] = []


class Closure(BaseModel):
    """The company was closed (폐업): its follow-up ends with a record."""

    closed_on: date  # the KST day the register gives
    source: Literal["tax_authority", "program_officer"]
    reason: Text = ""


class CloseCompany(BaseModel):
    actor: Actor
    closure: Closure


class StageCompleted(BaseModel):
    """The company completed a later stage (초격차, Beyond): it is followed on by that program, from
    its own completion, with the years already recorded kept (one follow-up per company)."""

    actor: Actor
    program_id: str
    program_name: str
    stage: Stage
    completed_at: AwareDatetime
    policy: FollowUpPolicy


class SurveySubmission(BaseModel):
    actor: Actor
    answer: SurveyAnswer
    # The answer's evidence ids as the API resolved them: each with the SHA-256 of its bytes, so
    # that the history pins what was shown (api/services/followup.py).
    documents: list[DocumentRef] = []


SurveyStatus = Literal["waiting", "asking", "answered", "answered_late", "unanswered", "closed"]


class FollowUpState(BaseModel):
    brn: str
    program_id: str
    year: int
    years: int
    status: SurveyStatus
    schedule: SurveySchedule
    asked_at: AwareDatetime | None = None
    reminders_sent: int = 0
    escalated: bool = False
    answer: SurveyAnswer | None = None
    answered_at: AwareDatetime | None = None
    answered_by: str | None = None
    evidence: list[DocumentRef] = []
    # The answer checked against the public registers (patch followup-checked-figures).
    flags: list[MismatchFlag] = []
    figures_check: FiguresCheck | None = None
    # The answer's revenue against the tax filing, with the company's consent (followup-revenue-check).
    revenue_check: RevenueCheck | None = None
    records: list[YearRecord] = []
    closure: Closure | None = None


class FiguresQuery(BaseModel):
    """What the check asks a register: the company and the fiscal year its answer is for."""

    brn: str
    fiscal_year: int
    # Whether to ask for the insured head count (an answer's employees to compare); the business
    # status is asked every time.
    insured: bool = True
    # Whether to read the filed revenue (부가세/법인세 신고 매출): only when the company consented.
    revenue: bool = False


class FollowUpNotice(BaseModel):
    """Something for people to hear of: the survey opened, a reminder, the officer told it is late."""

    key: str  # "followup:<brn>:<year>:<kind>:<serial>", unique per notice
    kind: Literal["followup_survey_open", "followup_survey_reminder", "followup_survey_overdue",
                  "followup_survey_closed"]
    recipients: list[str]
    brn: str
    program_id: str
    year: int
    fiscal_year: int
    due_at: AwareDatetime
    at: AwareDatetime


class FollowUpResult(BaseModel):
    brn: str
    program_id: str
    ended: Literal["completed", "closed"]
    ended_at: AwareDatetime
    records: list[YearRecord]
    closure: Closure | None = None


class FollowUpYearProjection(BaseModel):
    """One recorded year for the read model (store/followup_tables.py): the company, the program it
    completed and when (its cohort), and the year's record; written again unchanged on a retry."""

    brn: str
    company_name: str
    stage: Stage
    completed_at: AwareDatetime
    record: YearRecord
    recorded_at: AwareDatetime

    def cohort(self) -> str:
        """The KST year of completion: the companies whose surveys open together."""
        return str(self.completed_at.astimezone(KST).year)
