"""Response models of the API (requests are the domain's strict command bodies)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain.program import ProgramDefinition
from domain.state import StartupState
from domain.text import Text


class ProgramPublic(BaseModel):
    id: str
    name: str
    stage: str
    definition: ProgramDefinition
    created_at: datetime
    created_by: str
    counts_by_phase: dict[str, int] = {}
    call: dict[str, Any] | None = None


class ApplicationCreated(BaseModel):
    startup_id: str
    phase: str


class SelectionRequest(BaseModel):
    model_config = {"extra": "forbid"}
    reason: Text = ""


class StartupSummary(BaseModel):
    startup_id: str
    program_id: str
    brn: str
    company_name: str
    stage: str
    phase: str
    sector: str | None
    region: str | None
    task_id: str | None
    overdue: bool
    next_deadline_at: datetime | None
    average_score: float | None
    paid_total: int
    updated_at: datetime


class StartupPage(BaseModel):
    items: list[StartupSummary]
    next_cursor: str | None


class StartupPublic(StartupState):
    allowed_actions: list[str]


class HistoryEntry(BaseModel):
    startup_id: str
    stage: str
    seq: int
    at: datetime
    at_kst: str
    actor: str
    actor_name: str
    role: str
    action: str
    reason: str
    from_phase: str
    to_phase: str
    request_id: str | None
    details: dict[str, Any]


class RefusedEntry(BaseModel):
    at: datetime
    at_kst: str
    startup_id: str | None
    actor: str
    role: str
    action: str
    code: str
    message: str
    details: Any = None
    request_id: str | None


class History(BaseModel):
    startup_id: str
    previous_startup_id: str | None
    next_startup_id: str | None
    # Every stage's lifecycle of this startup, earliest first (promotions link them).
    stages: list[str]
    runs: int
    entries: list[HistoryEntry]
    # Refused attempts: not in Temporal history, recorded by the API.
    refused: list[RefusedEntry]


class WaitingItem(BaseModel):
    startup_id: str
    company_name: str
    waiting_for: str
    since: datetime
    waiting_days: float


class AppealReport(BaseModel):
    """A program's appeals (이의신청): how many were filed, how they were decided, how long it took."""

    filed: int = 0
    upheld: int = 0
    dismissed: int = 0
    pending: int = 0
    # Closed without a decision: the startup was selected from the waitlist while its appeal waited.
    moot: int = 0
    # Calendar days from filing to decision, of the decided ones (None before any decision).
    mean_days_to_decide: float | None = None
    longest_days_to_decide: float | None = None


class AmendmentReport(BaseModel):
    """A program's agreement amendments (협약 변경), every kind (the budget beyond its tolerance
    included): how many were asked, how they ended, how long the approval-type ones took to decide."""

    requested: int = 0
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    # Notice-type changes (통보 사항), made at once.
    effective: int = 0
    # Calendar days from the request to the decision, of the decided ones (None before any decision).
    mean_days_to_decide: float | None = None
    longest_days_to_decide: float | None = None


class Report(BaseModel):
    program_id: str
    stage: str
    slots: int
    budget: int
    counts_by_phase: dict[str, int]
    startups: int
    money: dict[str, int]
    milestones_accepted: int
    milestones_on_time: int
    on_time_rate: float | None
    overdue: int
    # Work waiting on staff (reviews, approvals), longest waiting first.
    waiting_on_staff: list[WaitingItem]
    appeals: AppealReport = AppealReport()
    amendments: AmendmentReport = AmendmentReport()
