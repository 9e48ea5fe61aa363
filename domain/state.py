"""The state of one startup in one program stage, as the workflow holds it and the API shows it."""

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, Field

from domain.amendments import AmendmentState
from domain.appeals import AppealState
from domain.budget import BudgetPlan, PlanLine
from domain.documents import DocumentRef
from domain.phases import Phase, Role, Stage
from domain.settlement_statement import SettlementStatement


class Actor(BaseModel):
    """Who did something: taken from the caller's token, never from a request body."""

    id: str
    name: str
    role: Role
    brn: str | None = None


SYSTEM_TIMER = Actor(id="system:timer", name="deadline timer", role=Role.SYSTEM)
SYSTEM_PROGRAM = Actor(id="system:program", name="program call", role=Role.SYSTEM)
SYSTEM_WORKFLOW = Actor(id="system:workflow", name="lifecycle workflow", role=Role.SYSTEM)
SYSTEM_FINANCE = Actor(id="system:finance", name="finance system", role=Role.SYSTEM)


class Application(BaseModel):
    brn: Annotated[str, Field(pattern=r"^\d{10}$")]
    company_name: str
    founded_on: date
    task_id: str
    representative: str
    email: str
    proposal_title: str
    # The proposal (사업계획서) by id and hash, when one was uploaded: pinned in the apply Update.
    proposal: DocumentRef | None = None


class ScoreEntry(BaseModel):
    evaluator_id: str
    round: Literal["document", "presentation"]
    score: int
    at: AwareDatetime


class Partner(BaseModel):
    name: str
    brn: str
    region: str
    role: Literal["lead", "member"] = "lead"
    share_percent: int | None = None


class AgreementAcceptance(BaseModel):
    """The startup's acceptance of the agreement the system generated: who, when, and which bytes
    (the document with the SHA-256 of its bytes). The officer countersigns only these bytes."""

    document: DocumentRef
    by_id: str
    by_name: str
    at: AwareDatetime


TrancheStatus = Literal["locked", "due", "requested", "approved", "paying", "paid", "payment_failed"]


class TrancheState(BaseModel):
    key: str
    label: str
    amount: int
    trigger: str
    status: TrancheStatus = "locked"
    requested_by: str | None = None
    requested_at: AwareDatetime | None = None
    approved_by: str | None = None
    approved_at: AwareDatetime | None = None
    payment_id: str | None = None
    paid_at: AwareDatetime | None = None
    failure: str | None = None
    # How the tranche divides between consortium members (brn → won), when they split by shares.
    splits: dict[str, int] = {}
    approval_escalated: bool = False


MilestoneStatus = Literal["pending", "submitted", "revision_requested", "accepted"]


class MilestoneState(BaseModel):
    key: str
    title: str
    due_at: AwareDatetime
    original_due_at: AwareDatetime
    status: MilestoneStatus = "pending"
    submissions: int = 0
    deliverable: str | None = None
    # The documents of the latest submission, each with the hash of its bytes.
    documents: list[DocumentRef] = []
    submitted_at: AwareDatetime | None = None
    accepted_at: AwareDatetime | None = None
    reviewed_by: str | None = None
    review_note: str | None = None
    reminders_sent: list[int] = []
    overdue: bool = False
    set_while_suspended: bool = False
    review_escalated: bool = False

    @property
    def open(self) -> bool:
        return self.status in ("pending", "revision_requested")


class SpendLine(BaseModel):
    item: str
    amount: int
    receipts: list[DocumentRef] = []


class Settlement(BaseModel):
    lines: list[SpendLine] = []
    spent: int = 0
    submitted_by: str | None = None
    submitted_at: AwareDatetime | None = None
    approved_by: str | None = None
    approved_at: AwareDatetime | None = None
    refund_due: int = 0
    due_at: AwareDatetime | None = None
    reminders_sent: list[int] = []
    overdue: bool = False
    # A settlement from the ledger (lifecycles with `settlement_from_ledger` and an agreed plan): the
    # interest the startup reports earned on the grant account, and the statement (정산보고서) computed
    # from the budget and the reviews — provisional at submission, final at approval.
    interest: int = 0
    statement: SettlementStatement | None = None


class Termination(BaseModel):
    cause: str
    clawback_amount: int
    ban_years: int
    honest_failure: bool
    at: AwareDatetime


# "failed": the finance system refused the request (a 4xx); a finance officer retries it.
CollectionStatus = Literal["waiver_requested", "requested", "received", "waived", "failed"]


class CollectionState(BaseModel):
    """Money owed back: a settlement refund (반납) or a clawback (환수), tracked to its arrival."""

    kind: Literal["refund", "clawback"]
    amount: int
    status: CollectionStatus
    due_at: AwareDatetime
    opened_by: str
    reminders_sent: list[int] = []
    overdue: bool = False
    payment_id: str | None = None
    received_at: AwareDatetime | None = None
    decided_by: str | None = None
    failure: str | None = None

    @property
    def outstanding(self) -> bool:
        return self.status in ("waiver_requested", "requested", "failed")


class Transition(BaseModel):
    """One recorded change of state: the unit of the audit trail."""

    seq: int
    at: AwareDatetime
    actor_id: str
    actor_name: str
    role: Role
    action: str
    reason: str = ""
    from_phase: Phase
    to_phase: Phase
    request_id: str | None = None
    details: dict[str, Any] = {}


class AuditAnchor(BaseModel):
    """Where a startup's audit chain ended when its last projection was written: how many rows
    (its highest seq) and the last row's keyed hash. The projection activity returns it, so
    Temporal's history holds it where the database's writer cannot reach (store/audit_anchors.py)."""

    count: int
    last_hash: str


class LedgerMove(BaseModel):
    """A money movement to write into the ledger; `key` makes it idempotent."""

    key: str
    # "released": grant no longer committed because the startup left before it was paid.
    kind: Literal["committed", "requested", "approved", "paid", "failed", "refund_due", "refunded",
                  "clawback_due", "clawed_back", "waived", "released"]
    amount: int
    tranche: str | None = None
    at: AwareDatetime


class PlanVersion(BaseModel):
    """One version of the budget plan (사업비 계획) as the state keeps it: version 1 is the one the
    agreement carries (approved when the officer countersigns), each approved change adds one."""

    version: int
    sha256: str
    lines: list[PlanLine]
    submitted_by: str
    submitted_at: AwareDatetime
    approved_by: str | None = None
    approved_at: AwareDatetime | None = None
    # What made it: the agreement (version 1), a move within the tolerance the startup notified
    # (통보, no approval), or a move the program officer approved (승인).
    basis: Literal["agreement", "notice", "approval"] = "agreement"
    # The agreement made again with this version's budget table (an approved change, patch
    # budget-version-document): its own document and hash. Version 1's is the accepted agreement.
    document: DocumentRef | None = None

    def plan(self) -> BudgetPlan:
        return BudgetPlan(version=self.version, lines=self.lines)


class ExpenseMark(BaseModel):
    """What the state keeps of one ledger entry (the read model keeps it in full): enough for the
    validators to check a line's balance and a cancellation without the entries themselves."""

    category: str
    amount: int  # what the entry asks the grant to bear (grant_expense)
    vat: int = 0  # VAT paid that is not a grant expense (the company reclaims it)
    cancelled: bool = False
    # The finance officer's decision that stands (집행 검토), and the won it disallows (불인정).
    review: Literal["accept", "disallow"] | None = None
    disallowed: int = 0


class BudgetChangeRequest(BaseModel):
    """A move between categories (비목 변경) waiting for the program officer's decision."""

    from_category: str
    to_category: str
    amount: int
    requested_by: str
    requested_at: AwareDatetime
    reason: str = ""


class BudgetState(BaseModel):
    """The budget and the execution ledger in compact form: the plan versions, each category's
    executed total, the ledger's running hash (domain.ledger.chain_ledger) and an entry-id map."""

    plans: list[PlanVersion] = []
    executed: dict[str, int] = {}
    ledger_sha256: str = "0" * 64  # domain.ledger.LEDGER_GENESIS
    entries: dict[str, ExpenseMark] = {}
    ledger_records: int = 0
    pending_change: BudgetChangeRequest | None = None
    # Per category, the won disallowed of the entries that still count.
    disallowed: dict[str, int] = {}

    @property
    def current(self) -> PlanVersion | None:
        return self.plans[-1] if self.plans else None


class Deadline(BaseModel):
    kind: str
    at: AwareDatetime
    subject: str | None = None


class StartupState(BaseModel):
    startup_id: str
    program_id: str
    program_name: str
    stage: Stage
    brn: str
    company_name: str
    founded_on: date
    task_id: str | None
    sector: str | None
    region: str | None
    grant_amount: int
    phase: Phase = Phase.APPLIED
    applied_at: AwareDatetime
    # What the evaluators read first: the proposal's title and its pinned bytes, from the
    # application (empty in lives started before they were kept here).
    proposal_title: str = ""
    proposal: DocumentRef | None = None
    scores: list[ScoreEntry] = []
    average_score: float | None = None
    selection_notice_at: AwareDatetime | None = None
    agreement_due_at: AwareDatetime | None = None
    partners: list[Partner] = []
    consortium: bool = False
    agreement_signed_at: AwareDatetime | None = None
    agreement_documents: list[DocumentRef] = []
    # Set when a lifecycle starts under the agreement-two-step patch: the startup accepts the
    # generated agreement (accept-agreement) before the officer countersigns (sign-agreement).
    # Older lifecycles keep the officer's one-step signature. Kept in the state because the
    # Update validators, which cannot ask `workflow.patched`, decide by it.
    agreement_two_step: bool = False
    # The agreement the system generated from the program and the match (two-step only): made
    # when the startup is matched, made again when it is matched anew.
    agreement_document: DocumentRef | None = None
    agreement_acceptance: AgreementAcceptance | None = None
    # Set when a lifecycle starts under the budget-plan patch with a program that has budget rules:
    # the startup may submit its budget plan before accepting the agreement and keeps an execution
    # ledger during the PoC. Kept in the state for the validators (they cannot ask `patched`).
    budget_ledger: bool = False
    # Whether the settlement is computed from the ledger (patch settlement-from-ledger; decided once at
    # the start, like `budget_ledger`): it is once the agreement carried a budget plan.
    settlement_from_ledger: bool = False
    budget: BudgetState | None = None
    # Agreement amendments (협약 변경): set when a lifecycle starts under the agreement-amendments patch
    # (None before it: the validators refuse an amendment); every request and numbered version.
    amendments: AmendmentState | None = None
    # Appeals (이의신청): set when a lifecycle starts under the appeals patch (None before it: the
    # validators refuse an appeal); the results it may appeal, with who made them, and every appeal.
    appeals: AppealState | None = None
    tranches: list[TrancheState] = []
    milestones: list[MilestoneState] = []
    suspended_at: AwareDatetime | None = None
    suspended_from: Phase | None = None
    final_score: int | None = None
    final_grade: str | None = None
    settlement: Settlement | None = None
    termination: Termination | None = None
    collections: list[CollectionState] = []
    previous_startup_id: str | None = None
    next_startup_id: str | None = None
    ineligible_reason: str | None = None
    next_deadline: Deadline | None = None
    overdue: bool = False
    version: int = 0
    # The workflow's time when this state was published (its clock, which tests can skip ahead).
    observed_at: AwareDatetime | None = None
    transition_count: int = 0
    # The audit chain as the last finished projection left it (patch audit-anchor).
    audit_anchor: AuditAnchor | None = None
    notifications_sent: int = 0
    agreement_reminders_sent: list[int] = []
    # Weekday holidays (public, substitute, ad hoc) recorded once from an activity, for programs
    # whose clocks count business days; the workflow counts on this table, never on the package.
    holiday_table: list[date] | None = None
    ledger_moves: int = 0
    # The account grants are paid into; an officer may correct it when a payment is refused.
    bank_account: str | None = None
    closed_at: AwareDatetime | None = None

    @property
    def paid_total(self) -> int:
        return sum(t.amount for t in self.tranches if t.status == "paid")

    def tranche(self, key: str | None) -> TrancheState | None:
        return next((t for t in self.tranches if t.key == key), None)

    def milestone(self, key: str | None) -> MilestoneState | None:
        return next((m for m in self.milestones if m.key == key), None)

    def collection(self, kind: str | None) -> CollectionState | None:
        return next((c for c in self.collections if c.kind == kind), None)

    # For the workflow's handlers: their validator has already refused a command that names a
    # tranche, milestone or collection the startup does not have, or comes before the settlement.
    def require_tranche(self, key: str) -> TrancheState:
        return _required(self.tranche(key), "tranche", key)

    def require_milestone(self, key: str) -> MilestoneState:
        return _required(self.milestone(key), "milestone", key)

    def require_collection(self, kind: str) -> CollectionState:
        return _required(self.collection(kind), "collection", kind)

    def require_settlement(self) -> Settlement:
        return _required(self.settlement, "settlement", "report")


_Found = TypeVar("_Found")


def _required(found: _Found | None, what: str, key: str) -> _Found:
    if found is None:
        raise LookupError(f"the startup has no {what} {key!r}")
    return found
