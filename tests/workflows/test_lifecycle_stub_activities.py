"""StartupLifecycle on the real Temporal dev server with stub activities.

A worker runs only the lifecycle workflow on a task queue of its own; every activity it calls is a
plain `@activity.defn` stub that records what it received and answers as the test configures it
(the finance system refusing a payment or a refund request, the money arriving later). The tests
drive the lifecycle as the API would, by Updates carrying `Command` envelopes and by the program
call's `selection_decided` signal (the program call itself does not run: the lifecycle's signals to
it fail harmlessly). They wait on conditions, and skip time with the dev server's time skipping.
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import TimeSkipper, WorkflowEnvironment
from temporalio.worker import Worker

from axflow.programs import sample_definitions
from domain.commands import (
    AcceptAgreementBody,
    Body,
    Command,
    DisbursementBody,
    MatchBody,
    PartnerBody,
    RequestDisbursementBody,
    RetryCollectionBody,
    SignAgreementBody,
    TerminateBody,
)
from domain.documents import DocumentKind, DocumentRef
from domain.io import (
    BUSINESS_DEADLINE,
    CHECK_ELIGIBILITY,
    COLLECTION_STATUS,
    HOLIDAY_TABLE,
    PAYMENT_STATUS,
    PREPARE_AGREEMENT,
    PROJECT_STARTUP,
    RECORD_BAN,
    REQUEST_COLLECTION,
    REQUEST_PAYMENT,
    START_LIFECYCLE,
    AgreementInput,
    BanInput,
    BusinessDeadlineInput,
    CollectionRequest,
    CollectionResult,
    EligibilityInput,
    EligibilityResult,
    HolidayTableInput,
    LifecycleInput,
    PaymentRequest,
    PaymentResult,
    Projection,
    ProjectionInput,
    SelectionDecision,
    startup_workflow_id,
)
from domain.notifications import DELIVER_NOTIFICATION, NotificationEvent
from domain.phases import Phase, Role
from domain.program import ProgramDefinition
from domain.state import Actor, Application, LedgerMove, StartupState, Transition
from tests.builders import typed_settlement_allowed
from tests.conftest import new_brn, wait_until
from workflows.lifecycle import StartupLifecycle

PO = Actor(id="user:po-kim", name="김담당", role=Role.PROGRAM_OFFICER)
FO = Actor(id="user:fo-lee", name="이재무", role=Role.FINANCE_OFFICER)
# The program officer again, holding a finance role too: four-eyes compares people, not roles.
PO_AS_FO = Actor(id=PO.id, name=PO.name, role=Role.FINANCE_OFFICER)
GOOD_ACCOUNT = "국민 123456-01-234567"
ADVANCE = 56_000_000  # 70% of the sample program's ₩80,000,000
REFUND_REFUSED = "finance system answered 422: unknown payer (납부자 정보 불일치)"


# ----------------------------------------------------------------------------- the stubs


@dataclass(frozen=True)
class Told:
    kind: str
    to: str
    data: dict[str, Any]


class Systems:
    """Everything outside the workflow, as stubs: what each activity received, and how it answers."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Any]] = defaultdict(list)
        self.transitions: list[Transition] = []
        self.ledger: list[LedgerMove] = []
        self.projected: StartupState | None = None
        # How each answers; a test replaces one to make it refuse or wait.
        self.eligibility: Callable[[EligibilityInput], EligibilityResult] = lambda _: EligibilityResult(eligible=True)
        self.payment: Callable[[PaymentRequest], PaymentResult] = (
            lambda r: PaymentResult(payment_id=f"pay-{r.tranche}", status="paid"))
        self.payment_status_answer: Callable[[PaymentRequest], PaymentResult] = (
            lambda r: PaymentResult(payment_id=f"pay-{r.tranche}", status="paid"))
        self.collection: Callable[[CollectionRequest], CollectionResult] = (
            lambda r: CollectionResult(collection_id=f"col-{r.kind}", status="received"))
        self.collection_status_answer: Callable[[CollectionRequest], CollectionResult] = (
            lambda r: CollectionResult(collection_id=f"col-{r.kind}", status="received"))
        # A business-deadline answer that takes its time (None: at once).
        self.slow_business_deadline: Callable[[BusinessDeadlineInput], Awaitable[datetime]] | None = None

    def activities(self) -> list[Callable[..., Any]]:
        calls = self.calls

        @activity.defn(name=CHECK_ELIGIBILITY)
        async def check_eligibility(inp: EligibilityInput) -> EligibilityResult:
            calls[CHECK_ELIGIBILITY].append(inp)
            return self.eligibility(inp)

        @activity.defn(name=HOLIDAY_TABLE)
        async def holiday_table(inp: HolidayTableInput) -> list[date]:
            calls[HOLIDAY_TABLE].append(inp)
            return []

        @activity.defn(name=BUSINESS_DEADLINE)
        async def business_deadline(inp: BusinessDeadlineInput) -> datetime:
            calls[BUSINESS_DEADLINE].append(inp)
            if self.slow_business_deadline is not None:
                return await self.slow_business_deadline(inp)
            return inp.start + timedelta(days=14)

        rows: dict[str, dict[str, Any]] = {}  # each startup's projected state, as the read model's row

        @activity.defn(name=PROJECT_STARTUP)
        async def project_startup(sent: ProjectionInput) -> None:
            # The changes merged onto the state the stub projected before, as the read model does.
            projection = sent if isinstance(sent, Projection) else sent.on(rows.get(sent.startup_id, {}))
            rows[projection.state.startup_id] = projection.state.model_dump(mode="json")
            calls[PROJECT_STARTUP].append(projection)
            self.transitions.extend(projection.transitions)
            self.ledger.extend(projection.ledger)
            self.projected = projection.state
            # Under patch notify-outbox the events ride on the projection, for the dispatcher.
            calls[DELIVER_NOTIFICATION].extend(projection.events)

        @activity.defn(name=DELIVER_NOTIFICATION)
        async def deliver_notification(event: NotificationEvent) -> int:
            calls[DELIVER_NOTIFICATION].append(event)
            return 0

        @activity.defn(name=REQUEST_PAYMENT)
        async def request_payment(request: PaymentRequest) -> PaymentResult:
            calls[REQUEST_PAYMENT].append(request)
            return self.payment(request)

        @activity.defn(name=PAYMENT_STATUS)
        async def payment_status(request: PaymentRequest) -> PaymentResult:
            calls[PAYMENT_STATUS].append(request)
            return self.payment_status_answer(request)

        @activity.defn(name=REQUEST_COLLECTION)
        async def request_collection(request: CollectionRequest) -> CollectionResult:
            calls[REQUEST_COLLECTION].append(request)
            return self.collection(request)

        @activity.defn(name=COLLECTION_STATUS)
        async def collection_status(request: CollectionRequest) -> CollectionResult:
            calls[COLLECTION_STATUS].append(request)
            return self.collection_status_answer(request)

        @activity.defn(name=START_LIFECYCLE)
        async def start_lifecycle(inp: LifecycleInput) -> str:
            calls[START_LIFECYCLE].append(inp)
            return startup_workflow_id(inp.program.id, inp.application.brn)

        @activity.defn(name=RECORD_BAN)
        async def record_ban(inp: BanInput) -> None:
            calls[RECORD_BAN].append(inp)

        @activity.defn(name=PREPARE_AGREEMENT)
        async def prepare_agreement(inp: AgreementInput) -> DocumentRef:
            calls[PREPARE_AGREEMENT].append(inp)
            # One document per match the stub saw (the real one is named by its bytes' hash).
            n = len(calls[PREPARE_AGREEMENT])
            return DocumentRef(id=f"agreement-{n}", sha256=f"{n:064x}", kind=DocumentKind.AGREEMENT,
                               filename="협약서.html")

        return [check_eligibility, holiday_table, business_deadline, project_startup, deliver_notification,
                request_payment, payment_status, request_collection, collection_status, start_lifecycle,
                record_ban, prepare_agreement]

    # ---- what the stubs saw
    def actions(self) -> list[str]:
        return [t.action for t in self.transitions]

    def ledger_kinds(self) -> list[str]:
        return [m.kind for m in self.ledger]

    def notified(self, kind: str) -> list[Told]:
        """Who was told of `kind`: one entry per recipient an event named (a role, a desk or "startup")."""
        return [Told(e.kind, to, e.data) for e in self.calls[DELIVER_NOTIFICATION] if e.kind == kind
                for to in e.recipients]


def refuse(message: str, error_type: str) -> Callable[[Any], Any]:
    """A stub answer: the finance system's final refusal (a 4xx), which no retry changes."""
    def answer(_: Any) -> Any:
        raise ApplicationError(message, type=error_type, non_retryable=True)
    return answer


# ----------------------------------------------------------------------------- running one lifecycle


@dataclass
class Run:
    client: Client
    handle: WorkflowHandle[Any, Any]
    systems: Systems
    program: ProgramDefinition
    brn: str

    @property
    def startup(self) -> Actor:
        return Actor(id=f"user:startup-{self.brn}", name="대표", role=Role.STARTUP, brn=self.brn)

    async def state(self) -> StartupState:
        return await self.handle.query("state", result_type=StartupState)

    async def until(self, check: Callable[[StartupState], bool], what: str, timeout: float = 30) -> StartupState:
        return await wait_until(self.state, check, timeout, f"{self.handle.id}: {what}")

    async def phase(self, phase: Phase, timeout: float = 30) -> StartupState:
        return await self.until(lambda s: s.phase is phase, f"phase {phase.value}", timeout)

    async def act(self, action: str, actor: Actor, body: Body) -> StartupState:
        command = Command[type(body)](actor=actor, body=body, request_id=f"req-{uuid.uuid4().hex[:8]}")
        return await self.handle.execute_update(action, command, result_type=StartupState)

    async def stubs_saw(self, check: Callable[[Systems], bool], what: str, timeout: float = 30) -> None:
        async def current() -> Systems:
            return self.systems
        await wait_until(current, check, timeout, f"{self.handle.id}: the stubs to see {what}")

    async def accepted_updates(self) -> int:
        history = await self.handle.fetch_history()
        return sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED for e in history.events)


def sample_program() -> ProgramDefinition:
    sample = typed_settlement_allowed(next(d for d in sample_definitions() if d.id == "ai-regional-2025"))
    return sample.model_copy(update={"id": f"lw{uuid.uuid4().hex[:12]}"})


@asynccontextmanager
async def lifecycle(temporal_env: WorkflowEnvironment, systems: Systems | None = None) -> AsyncIterator[Run]:
    """A worker with StartupLifecycle and the stubs on a task queue of its own, and one started
    lifecycle of a fresh applicant to the sample program; terminated afterwards if still open."""
    client = temporal_env.client
    systems = systems or Systems()
    program, brn = sample_program(), new_brn()
    queue = f"lifecycle-worker-{uuid.uuid4().hex[:8]}"
    application = Application(brn=brn, company_name=f"스텁AI {brn[-4:]}", founded_on=date(2020, 3, 2),
                              task_id="SF-01", representative="홍길동", email="ceo@stub-ai.kr",
                              proposal_title="AI 사출 불량 검출 PoC")
    inp = LifecycleInput(program=program, application=application,
                         applicant=Actor(id=f"user:startup-{brn}", name="홍길동", role=Role.STARTUP, brn=brn),
                         applied_at=datetime.now(UTC), request_id="req-apply")
    async with Worker(client, task_queue=queue, workflows=[StartupLifecycle], activities=systems.activities(),
                      graceful_shutdown_timeout=timedelta(seconds=2)):
        handle = await client.start_workflow(StartupLifecycle.run, inp, id=startup_workflow_id(program.id, brn),
                                             task_queue=queue)
        run = Run(client, handle, systems, program, brn)
        try:
            yield run
        finally:
            if (await handle.describe()).status.name == "RUNNING":
                await handle.terminate("test over")


async def contract(run: Run) -> StartupState:
    """Eligible → selected (by the program call's signal) → matched (the agreement generated) →
    accepted by the startup → countersigned by the officer."""
    await run.phase(Phase.UNDER_REVIEW)
    await run.handle.signal("selection_decided", SelectionDecision(decision="selected", rank=1, reason="위원회"))
    await run.until(lambda s: s.phase is Phase.SELECTED and s.agreement_due_at is not None, "agreement deadline")
    partner = PartnerBody(name="경북정밀", brn=new_brn(), region="경북")
    state = await run.act("match", PO, MatchBody(partners=[partner], reason="수요기업 확정"))
    assert state.phase is Phase.MATCHED and state.agreement_two_step and state.agreement_document is not None
    state = await run.act("accept-agreement", run.startup,
                          AcceptAgreementBody(agreement_sha256=state.agreement_document.sha256))
    assert state.phase is Phase.MATCHED and state.agreement_acceptance is not None
    state = await run.act("sign-agreement", PO, SignAgreementBody(agreement_no="AX-2025-001"))
    assert state.phase is Phase.CONTRACTED
    return state


async def pay_advance(run: Run) -> StartupState:
    await run.act("request-disbursement", PO, RequestDisbursementBody(tranche="advance", account=GOOD_ACCOUNT))
    await run.act("approve-disbursement", FO, DisbursementBody(tranche="advance"))
    return await run.phase(Phase.IN_POC)


def tranche(state: StartupState, key: str = "advance") -> Any:
    found = state.tranche(key)
    assert found is not None, key
    return found


# ----------------------------------------------------------------------------- the tests


async def test_selection_to_paid_advance_starts_the_poc(temporal_env: WorkflowEnvironment) -> None:
    async with lifecycle(temporal_env) as run:
        s = run.systems
        state = await contract(run)
        [eligibility] = s.calls[CHECK_ELIGIBILITY]
        assert (eligibility.brn, eligibility.program_id) == (run.brn, run.program.id)
        [deadline] = s.calls[BUSINESS_DEADLINE]
        assert deadline.business_days == run.program.policy.agreement_business_days
        assert deadline.start == state.selection_notice_at
        assert state.agreement_due_at == deadline.start + timedelta(days=14)  # what the stub answered
        assert tranche(state).status == "due" and tranche(state, "balance").status == "locked"

        requested = await run.act("request-disbursement", PO,
                                  RequestDisbursementBody(tranche="advance", account=GOOD_ACCOUNT))
        assert tranche(requested).status == "requested" and tranche(requested).requested_by == PO.id
        await run.act("approve-disbursement", FO, DisbursementBody(tranche="advance"))
        state = await run.phase(Phase.IN_POC)
        assert tranche(state).status == "paid" and tranche(state).payment_id == "pay-advance"
        assert tranche(state).approved_by == FO.id

        [payment] = s.calls[REQUEST_PAYMENT]
        assert (payment.tranche, payment.amount, payment.account, payment.brn) == (
            "advance", ADVANCE, GOOD_ACCOUNT, run.brn)
        assert payment.idempotency_key == f"{run.program.id}:{run.brn}:advance"
        assert not s.calls[PAYMENT_STATUS]  # paid at once: nothing to ask after

        await run.stubs_saw(lambda sy: "payment_received" in sy.actions(), "the payment transition")
        assert s.actions() == ["apply", "eligibility_check", "selection", "match", "accept-agreement",
                               "sign-agreement", "request-disbursement", "approve-disbursement", "payment_received"]
        assert [t.seq for t in s.transitions] == list(range(1, len(s.transitions) + 1))
        assert s.transitions[-1].actor_id == "system:finance"
        assert (s.transitions[-1].from_phase, s.transitions[-1].to_phase) == (Phase.CONTRACTED, Phase.IN_POC)
        assert s.transitions[2].actor_id == "system:program" and s.transitions[2].to_phase is Phase.SELECTED
        assert s.transitions[4].actor_id == run.startup.id and s.transitions[5].actor_id == PO.id
        assert s.transitions[4].details["sha256"] == s.transitions[5].details["sha256"] == f"{1:064x}"
        assert s.transitions[6].actor_id == PO.id and s.transitions[7].actor_id == FO.id
        assert s.ledger_kinds() == ["committed", "requested", "approved", "paid"]
        assert [m.amount for m in s.ledger] == [80_000_000, ADVANCE, ADVANCE, ADVANCE]
        assert len({m.key for m in s.ledger}) == 4
        assert s.projected is not None and s.projected.phase is Phase.IN_POC

        await run.stubs_saw(lambda sy: sy.notified("payment_received") and sy.notified("agreement_signed"),
                            "the notifications")
        assert [n.to for n in s.notified("disbursement_requested")] == ["finance_officer"]
        assert not s.calls[HOLIDAY_TABLE]  # the sample program counts only the agreement in business days


async def test_the_requester_cannot_approve_their_own_disbursement(temporal_env: WorkflowEnvironment) -> None:
    async with lifecycle(temporal_env) as run:
        await contract(run)
        await run.act("request-disbursement", PO, RequestDisbursementBody(tranche="advance"))
        before, accepted = await run.state(), await run.accepted_updates()

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await run.act("approve-disbursement", PO_AS_FO, DisbursementBody(tranche="advance"))
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "forbidden"
        assert cause.details and cause.details[0]["rule"] == "four_eyes"

        after = await run.state()
        assert after.transition_count == before.transition_count
        assert tranche(after).status == "requested" and tranche(after).approved_by is None
        assert await run.accepted_updates() == accepted  # refused in the validator: nothing in history
        assert not run.systems.calls[REQUEST_PAYMENT]
        await run.stubs_saw(lambda sy: sy.actions()[-1:] == ["request-disbursement"], "the request published")
        assert "approve-disbursement" not in run.systems.actions()

        # Another person approves, and the money goes.
        await run.act("approve-disbursement", FO, DisbursementBody(tranche="advance"))
        await run.phase(Phase.IN_POC)


async def test_a_refused_payment_fails_the_tranche_and_a_corrected_request_pays(
        temporal_env: WorkflowEnvironment) -> None:
    systems = Systems()

    def bank(request: PaymentRequest) -> PaymentResult:
        if request.account != GOOD_ACCOUNT:
            raise ApplicationError(f"payment refused by the finance system: account {request.account} closed",
                                   type="PaymentRejected", non_retryable=True)
        return PaymentResult(payment_id="pay-2", status="paid")

    systems.payment = bank
    async with lifecycle(temporal_env, systems) as run:
        await contract(run)
        await run.act("request-disbursement", PO, RequestDisbursementBody(tranche="advance", account="신한 999-999"))
        await run.act("approve-disbursement", FO, DisbursementBody(tranche="advance"))
        state = await run.until(lambda s: tranche(s).status == "payment_failed", "payment failed")
        assert state.phase is Phase.CONTRACTED
        assert tranche(state).failure == "payment refused by the finance system: account 신한 999-999 closed"
        assert len(systems.calls[REQUEST_PAYMENT]) == 1  # PaymentRejected is not retried
        await run.stubs_saw(lambda sy: "payment_failed" in sy.actions(), "the failure published")
        failed = next(t for t in systems.transitions if t.action == "payment_failed")
        assert failed.actor_id == "system:finance" and failed.reason == tranche(state).failure
        assert failed.details["tranche"] == "advance"

        # The program officer asks again with the corrected account; a finance officer approves.
        again = await run.act("request-disbursement", PO,
                              RequestDisbursementBody(tranche="advance", account=GOOD_ACCOUNT, reason="계좌 정정"))
        assert again.bank_account == GOOD_ACCOUNT and tranche(again).failure is None
        await run.act("approve-disbursement", FO, DisbursementBody(tranche="advance"))
        state = await run.phase(Phase.IN_POC)
        assert tranche(state).status == "paid" and tranche(state).payment_id == "pay-2"
        assert [r.account for r in systems.calls[REQUEST_PAYMENT]] == ["신한 999-999", GOOD_ACCOUNT]

        await run.stubs_saw(lambda sy: "payment_received" in sy.actions(), "the payment published")
        assert systems.actions()[6:] == ["request-disbursement", "approve-disbursement", "payment_failed",
                                         "request-disbursement", "approve-disbursement", "payment_received"]
        retry = systems.transitions[9]
        assert retry.details["retry"] is True and retry.details["account"] == GOOD_ACCOUNT
        assert systems.ledger_kinds() == ["committed", "requested", "approved", "failed",
                                          "requested", "approved", "paid"]
        assert [n.to for n in systems.notified("payment_failed")] == ["program_officer"]


async def test_an_accepted_payment_is_settled_by_asking_when_no_webhook_comes(
        temporal_env: WorkflowEnvironment) -> None:
    systems = Systems()
    systems.payment = lambda r: PaymentResult(payment_id="pay-async", status="accepted")
    systems.payment_status_answer = lambda r: PaymentResult(payment_id="pay-async", status="paid")
    async with lifecycle(temporal_env, systems) as run:
        await contract(run)
        await run.act("request-disbursement", PO, RequestDisbursementBody(tranche="advance"))
        await run.act("approve-disbursement", FO, DisbursementBody(tranche="advance"))
        state = await run.until(lambda s: tranche(s).payment_id == "pay-async", "payment accepted")
        assert tranche(state).status == "paying" and state.phase is Phase.CONTRACTED
        assert not systems.calls[PAYMENT_STATUS]

        # No webhook: after the first poll interval the lifecycle asks the finance system itself.
        await TimeSkipper(run.client).fast_forward(run.handle, timedelta(minutes=6))
        state = await run.phase(Phase.IN_POC)
        assert tranche(state).status == "paid"
        [asked] = systems.calls[PAYMENT_STATUS]
        assert asked.idempotency_key == systems.calls[REQUEST_PAYMENT][0].idempotency_key
        await run.stubs_saw(lambda sy: "payment_received" in sy.actions(), "the payment published")
        assert systems.ledger_kinds() == ["committed", "requested", "approved", "paid"]


async def test_a_refused_refund_request_is_retried_by_a_finance_officer(temporal_env: WorkflowEnvironment) -> None:
    systems = Systems()
    async with lifecycle(temporal_env, systems) as run:
        await contract(run)
        await pay_advance(run)
        systems.collection = refuse(REFUND_REFUSED, "FinanceUnavailable")  # as activities.finance says a 4xx

        state = await run.act("withdraw", run.startup, Body(reason="사업 포기"))
        assert state.phase is Phase.WITHDRAWN
        state = await run.until(lambda s: s.collections and s.collections[0].status == "failed", "refund refused")
        [owed] = state.collections
        assert (owed.kind, owed.amount) == ("refund", ADVANCE)
        assert owed.failure == REFUND_REFUSED
        assert len(systems.calls[REQUEST_COLLECTION]) == 1  # a non-retryable refusal is final
        await run.stubs_saw(lambda sy: "refund_request_failed" in sy.actions(), "the refusal published")
        refusal = next(t for t in systems.transitions if t.action == "refund_request_failed")
        assert refusal.actor_id == "system:finance" and refusal.reason == owed.failure
        assert [n.to for n in systems.notified("refund_request_failed")] == ["finance_officer"]

        # The payer's details are corrected at the finance system; a finance officer asks again.
        systems.collection = lambda r: CollectionResult(collection_id="col-9", status="received")
        retried = await run.act("retry-collection", FO, RetryCollectionBody(kind="refund", reason="납부자 정정"))
        assert retried.collections[0].status in ("requested", "received")
        final: StartupState = await run.handle.result()  # nothing owed: it ends
        [owed] = final.collections
        assert (owed.status, owed.payment_id) == ("received", "col-9")
        assert final.phase is Phase.WITHDRAWN and final.closed_at is not None
        [first, second] = systems.calls[REQUEST_COLLECTION]
        assert first.idempotency_key == second.idempotency_key == f"{run.program.id}:{run.brn}:refund"

        assert systems.actions()[-4:] == ["withdraw", "refund_request_failed", "retry-collection", "refund_received"]
        retry = systems.transitions[-2]
        assert retry.actor_id == FO.id and retry.details["refused_for"] == REFUND_REFUSED
        assert systems.ledger_kinds()[-2:] == ["refund_due", "refunded"]
        assert systems.projected is not None and systems.projected.closed_at is not None


async def test_a_refused_clawback_retried_arrives_by_the_status_poll(temporal_env: WorkflowEnvironment) -> None:
    systems = Systems()
    async with lifecycle(temporal_env, systems) as run:
        await contract(run)
        await pay_advance(run)
        systems.collection = refuse("finance system answered 409: no open account", "FinanceUnavailable")

        state = await run.act("terminate", PO, TerminateBody(cause="misuse", ban_years=2, reason="목적외 사용"))
        assert state.phase is Phase.TERMINATED
        [ban] = systems.calls[RECORD_BAN]
        assert (ban.brn, ban.years, ban.program_id) == (run.brn, 2, run.program.id)
        state = await run.until(lambda s: s.collections and s.collections[0].status == "failed", "clawback refused")
        assert (state.collections[0].kind, state.collections[0].amount) == ("clawback", ADVANCE)
        await run.stubs_saw(lambda sy: "clawback_request_failed" in sy.actions(), "the refusal published")

        # Asked again, the finance system opens the collection; the money arrives later, and the
        # lifecycle learns of it by asking (no webhook comes here).
        systems.collection = lambda r: CollectionResult(collection_id="col-claw", status="open")
        await run.act("retry-collection", FO, RetryCollectionBody(kind="clawback"))
        state = await run.until(lambda s: s.collections[0].payment_id == "col-claw", "collection opened")
        assert state.collections[0].status == "requested"
        await TimeSkipper(run.client).fast_forward(run.handle, timedelta(minutes=6))
        final: StartupState = await run.handle.result()
        assert final.collections[0].status == "received" and final.phase is Phase.TERMINATED
        assert len(systems.calls[COLLECTION_STATUS]) >= 1
        assert systems.actions()[-3:] == ["clawback_request_failed", "retry-collection", "clawback_received"]
        assert systems.ledger_kinds()[-2:] == ["clawback_due", "clawed_back"]


async def test_an_open_milestone_becomes_overdue_by_its_timer(temporal_env: WorkflowEnvironment) -> None:
    async with lifecycle(temporal_env) as run:
        await contract(run)
        state = await pay_advance(run)
        kickoff = state.milestone("kickoff")
        assert kickoff is not None and not kickoff.overdue and not state.overdue
        assert state.next_deadline is not None and state.next_deadline.at == kickoff.due_at

        # Past the due date, inside the suspension grace period.
        await TimeSkipper(run.client).fast_forward(
            run.handle, kickoff.due_at - datetime.now(UTC) + timedelta(days=1))
        state = await run.until(lambda s: s.overdue, "overdue")
        assert state.phase is Phase.IN_POC
        assert state.milestone("kickoff").overdue and not state.milestone("midterm").overdue

        await run.stubs_saw(lambda sy: "milestone_overdue" in sy.actions(), "the overdue transition")
        overdue = next(t for t in run.systems.transitions if t.action == "milestone_overdue")
        assert (overdue.actor_id, overdue.role) == ("system:timer", Role.SYSTEM)
        assert overdue.details["milestone"] == "kickoff" and overdue.at >= kickoff.due_at
        assert overdue.from_phase is overdue.to_phase is Phase.IN_POC
        assert run.systems.actions()[-1] == "milestone_overdue"  # and nothing suspended it yet
        await run.stubs_saw(lambda sy: len(sy.notified("milestone_reminder")) == 3
                            and sy.notified("milestone_overdue"), "reminders and escalation")
        assert [n.to for n in run.systems.notified("milestone_overdue")] == ["program_officer"]


async def test_an_ineligible_applicant_ends_the_lifecycle(temporal_env: WorkflowEnvironment) -> None:
    systems = Systems()
    systems.eligibility = lambda _: EligibilityResult(eligible=False, reason="참여제한 기업")
    async with lifecycle(temporal_env, systems) as run:
        final: StartupState = await run.handle.result()
        assert final.phase is Phase.INELIGIBLE and final.ineligible_reason == "참여제한 기업"
        assert final.closed_at is not None
        assert systems.actions() == ["apply", "eligibility_check"]
        assert systems.transitions[-1].reason == "참여제한 기업"
        assert systems.notified("ineligible")


async def test_a_selection_carrying_its_agreement_deadline_is_never_seen_without_it(
        temporal_env: WorkflowEnvironment) -> None:
    systems = Systems()
    held = asyncio.Event()
    release = asyncio.Event()

    async def slow_deadline(inp: BusinessDeadlineInput) -> datetime:
        held.set()
        await release.wait()
        return inp.start + timedelta(days=14)

    systems.slow_business_deadline = slow_deadline
    async with lifecycle(temporal_env, systems) as run:
        await run.phase(Phase.UNDER_REVIEW)
        due = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
        await run.handle.signal("selection_decided", SelectionDecision(
            decision="selected", rank=1, reason="위원회", agreement_due_at=due))
        state = await run.phase(Phase.SELECTED)
        # The deadline arrived with the selection: no activity asked, no moment without it.
        assert state.agreement_due_at == due
        release.set()
        assert not held.is_set() and systems.calls[BUSINESS_DEADLINE] == []
