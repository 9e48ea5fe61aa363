"""Inputs and outputs of workflows, signals and activities (plain pydantic: workflow-safe)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel

from domain.notifications import NotificationEvent
from domain.phases import Phase
from domain.program import ProgramDefinition
from domain.state import Actor, Application, LedgerMove, StartupState, Transition
from domain.state_changes import with_changes

# Activity names: workflows call activities by name so that they never import I/O code.
CHECK_ELIGIBILITY = "check_eligibility"
BUSINESS_DEADLINE = "business_deadline"
HOLIDAY_TABLE = "holiday_table"
REQUEST_PAYMENT = "request_payment"
PAYMENT_STATUS = "payment_status"
SEND_NOTIFICATION = "send_notification"
PROJECT_STARTUP = "project_startup"
RECORD_BAN = "record_ban"
START_LIFECYCLE = "start_lifecycle"
REQUEST_COLLECTION = "request_collection"
COLLECTION_STATUS = "collection_status"
PREPARE_AGREEMENT = "prepare_agreement"


def startup_workflow_id(program_id: str, brn: str) -> str:
    return f"startup:{program_id}:{brn}"


def program_workflow_id(program_id: str) -> str:
    return f"program:{program_id}"


def payment_key(program_id: str, brn: str, tranche: str) -> str:
    """The business idempotency key of a payment (a tranche) or a collection (refund, clawback)."""
    return f"{program_id}:{brn}:{tranche}"


class LifecycleInput(BaseModel):
    program: ProgramDefinition
    application: Application
    applicant: Actor
    applied_at: AwareDatetime
    request_id: str | None = None
    # Set when this lifecycle starts by promotion from an earlier stage's lifecycle.
    promoted_from: str | None = None
    # Sector and region carried over on promotion (the next stage has no task list).
    sector: str | None = None
    region: str | None = None
    # Set on continue-as-new: the state to carry on from.
    resume: StartupState | None = None


class ApplyCommand(BaseModel):
    actor: Actor
    request_id: str | None = None
    application: Application


class ApplyResult(BaseModel):
    startup_id: str
    phase: Phase


class FinalizeCommand(BaseModel):
    actor: Actor
    request_id: str | None = None
    reason: str = ""
    # Filled by the API: the companies (brn) the officer declared a conflict of interest with; an
    # officer who did may not finalize a ranking that includes one of them (domain/conflicts.py).
    conflicts: list[str] = []


class OfferSlotCommand(BaseModel):
    """A program officer offers a free slot to the next waitlisted startup (예비 후보)."""

    actor: Actor
    request_id: str | None = None
    brn: str
    reason: str = ""
    # Filled by the API, as for FinalizeCommand: no slot offered to a company one is conflicted with.
    conflicts: list[str] = []


class SelectionDecision(BaseModel):
    decision: Literal["selected", "waitlisted", "rejected"]
    rank: int | None = None
    reason: str = ""
    # True when a waitlisted startup is offered a slot that another startup released.
    reoffer: bool = False
    # For "selected": the agreement deadline, decided with the selection so that a selected
    # startup is never seen without it. Absent in decisions sent before it was added.
    agreement_due_at: AwareDatetime | None = None
    # For "selected": the instant of the selection notice that deadline is counted from (the
    # program call's clock), so that the two always agree even when the lifecycle hears of it on
    # the other side of a KST midnight. Absent in decisions sent before it was added.
    notified_at: AwareDatetime | None = None
    # Who decided it: the officer who finalized the selection or offered the slot (None when the
    # call decided by itself, a re-offer or the waitlist's expiry, and in decisions sent before it
    # was added). An appeal of the result is not decided by them.
    decided_by: str | None = None


class ApplicantUpdate(BaseModel):
    brn: str
    # The lifecycle's transition count: signals can arrive out of order, and older news is dropped.
    version: int
    phase: Phase
    average_score: float | None
    score_count: int
    # A selection appeal of this applicant waits on the panel (patch tell-call-of-appeals): the call
    # does not end meanwhile, since an upheld one comes back to it to be ranked again.
    selection_appeal_pending: bool = False
    # Back in review after an upheld selection appeal (same patch): how many of its selection appeals
    # were upheld, so that the call notes it to rank again even when this news, with scores already
    # given, overtakes the news of the return itself (and not again for a round it has ranked).
    rescoring: int = 0


class SlotReleased(BaseModel):
    brn: str
    reason: str


class PaymentOutcome(BaseModel):
    """News from the finance system: a payment paid or failed, or money owed back received."""

    idempotency_key: str
    payment_id: str
    status: Literal["paid", "failed", "received"]
    reason: str = ""


class EligibilityInput(BaseModel):
    brn: str
    program_id: str
    at: AwareDatetime


class EligibilityResult(BaseModel):
    eligible: bool
    reason: str | None = None


class BusinessDeadlineInput(BaseModel):
    start: AwareDatetime
    business_days: int


class HolidayTableInput(BaseModel):
    first_year: int
    last_year: int


class PaymentRequest(BaseModel):
    idempotency_key: str
    program_id: str
    startup_id: str
    brn: str
    tranche: str
    amount: int
    account: str | None = None


class PaymentResult(BaseModel):
    payment_id: str
    status: Literal["accepted", "paid", "failed"]
    reason: str = ""


class CollectionRequest(BaseModel):
    idempotency_key: str
    program_id: str
    startup_id: str
    brn: str
    kind: Literal["refund", "clawback"]
    amount: int
    due_at: AwareDatetime


class CollectionResult(BaseModel):
    collection_id: str
    status: Literal["open", "received"]


class Notification(BaseModel):
    key: str
    startup_id: str
    to: str
    kind: str
    subject: str
    body: str = ""


class Projection(BaseModel):
    """One projection with the whole state: what the lifecycle sent the projection activity
    before ProjectedChanges, and what the activity and the trail rebuild from those."""

    state: StartupState
    transitions: list[Transition] = []
    ledger: list[LedgerMove] = []
    # Notification events (patch notify-outbox): recorded with the change, delivered by the
    # worker's dispatcher off the lifecycle's path.
    events: list[NotificationEvent] = []


class ProjectedChanges(BaseModel):
    """What the lifecycle sends the projection activity: the state's top-level fields that changed
    since its previous projection in this run, as compact JSON (domain/state_changes.py), with the
    transitions, ledger moves and events to record. The run's first projection carries every
    field (`base_version` None); a later one the changes since the state of version
    `base_version`, which the read model's row holds (the activity merges them onto it)."""

    startup_id: str
    version: int
    base_version: int | None
    fields: dict[str, Any]
    transitions: list[Transition] = []
    ledger: list[LedgerMove] = []
    events: list[NotificationEvent] = []

    def on(self, base: dict[str, Any]) -> Projection:
        """The whole projection, with `base` the JSON of the state of version `base_version`
        (ignored for a projection that carries every field)."""
        state = with_changes({} if self.base_version is None else base, self.fields)
        return Projection(state=state, transitions=self.transitions, ledger=self.ledger, events=self.events)


# The projection activity's input: ProjectedChanges, or a Projection in histories from before it.
ProjectionInput = Projection | ProjectedChanges

# Raised (as an ApplicationError's type) by the projection activity when the read model's row does
# not hold the state the changes are relative to (a row deleted or restored from an older copy):
# the lifecycle sends the whole state instead.
PROJECTION_BASE_MISSING = "projection_base_missing"


class BanInput(BaseModel):
    brn: str
    program_id: str
    startup_id: str
    years: int
    reason: str
    at: datetime


class AgreementInput(BaseModel):
    """What the agreement document is generated from: the program and the startup as matched
    (the same input gives the same bytes; see axflow/agreement.py)."""

    program: ProgramDefinition
    state: StartupState
