"""Money: disbursements under four eyes, payment outcomes, and money owed back (settlement
refunds and clawbacks) collected, waived or retried after a refusal."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.commands import Command, DisbursementBody, RequestDisbursementBody, RetryCollectionBody, WaiveClawbackBody
    from domain.formatting import won
    from domain.io import (
        COLLECTION_STATUS,
        PAYMENT_STATUS,
        REQUEST_COLLECTION,
        REQUEST_PAYMENT,
        CollectionRequest,
        CollectionResult,
        PaymentOutcome,
        PaymentRequest,
        PaymentResult,
        payment_key,
    )
    from domain.notifications import COLLECTION_NOTICES, NoticeKind
    from domain.phases import Action, Phase
    from domain.state import SYSTEM_FINANCE, CollectionState, TrancheState

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import activity_failure, move_money, notify, record, transition
from workflows.lifecycle.retries import (
    COLLECTION_REQUEST_RETRY,
    FIRST_POLL,
    LONGEST_POLL,
    OWN_WORK_RETRY,
    PAYMENT_RETRY,
)

# ------------------------------------------------------------------------- disbursements


def request_disbursement(ctx: LifecycleContext, cmd: Command[RequestDisbursementBody]) -> None:
    s = ctx.state
    tranche = s.require_tranche(cmd.body.tranche)
    retry = tranche.status == "payment_failed"
    tranche.status, tranche.requested_by, tranche.requested_at = "requested", cmd.actor.id, workflow.now()
    tranche.approved_by = tranche.approved_at = tranche.failure = None
    if cmd.body.account:
        s.bank_account = cmd.body.account
    move_money(ctx, "requested", tranche.amount, tranche.key)
    record(ctx, cmd, Action.REQUEST_DISBURSEMENT, tranche=tranche.key, amount=tranche.amount, retry=retry,
           account=s.bank_account)
    notify(ctx, "finance_officer", NoticeKind.DISBURSEMENT_REQUESTED, f"{s.company_name}: {tranche.label} requested",
           tranche=tranche.label, amount=tranche.amount)


def approve_disbursement(ctx: LifecycleContext, cmd: Command[DisbursementBody]) -> None:
    tranche = ctx.state.require_tranche(cmd.body.tranche)
    tranche.status, tranche.approved_by, tranche.approved_at = "approved", cmd.actor.id, workflow.now()
    move_money(ctx, "approved", tranche.amount, tranche.key)
    record(ctx, cmd, Action.APPROVE_DISBURSEMENT, tranche=tranche.key, amount=tranche.amount,
           requested_by=tranche.requested_by)
    ctx.spawn(_pay(ctx, tranche))


async def _pay(ctx: LifecycleContext, tranche: TrancheState) -> None:
    s = ctx.state
    tranche.status = "paying"
    ctx.mark_changed()
    request = PaymentRequest(
        idempotency_key=payment_key(s.program_id, s.brn, tranche.key),
        program_id=s.program_id, startup_id=s.startup_id, brn=s.brn,
        tranche=tranche.key, amount=tranche.amount, account=s.bank_account,
    )
    try:
        result: PaymentResult = await workflow.execute_activity(
            REQUEST_PAYMENT, request, result_type=PaymentResult,
            # A lost worker is noticed after this long; the retry then meets the same key.
            start_to_close_timeout=timedelta(seconds=10), retry_policy=PAYMENT_RETRY,
        )
    except ActivityError as err:
        payment_failed(ctx, tranche, activity_failure(err))
        return
    tranche.payment_id = tranche.payment_id or result.payment_id
    if result.status == "paid":
        paid(ctx, tranche, result.payment_id)
    elif result.status == "failed":
        payment_failed(ctx, tranche, result.reason)

    # Accepted: the outcome comes by the finance webhook, or by asking when none comes.
    async def ask() -> None:
        polled: PaymentResult = await workflow.execute_activity(
            PAYMENT_STATUS, request, result_type=PaymentResult,
            start_to_close_timeout=timedelta(seconds=30), retry_policy=OWN_WORK_RETRY,
        )
        if polled.status == "paid":
            paid(ctx, tranche, polled.payment_id)
        elif polled.status == "failed":
            payment_failed(ctx, tranche, polled.reason)

    await _await_finance(lambda: tranche.status != "paying", ask)


async def _await_finance(settled: Callable[[], bool], ask: Callable[[], Awaitable[None]]) -> None:
    """Wait for the finance system's news, asking it ourselves ever less often while none comes."""
    interval = FIRST_POLL
    while not settled():
        try:
            await workflow.wait_condition(settled, timeout=interval)
        except TimeoutError:
            await ask()
            interval = min(interval * 2, LONGEST_POLL)


def paid(ctx: LifecycleContext, tranche: TrancheState, payment_id: str) -> None:
    if tranche.status == "paid":
        return
    tranche.status, tranche.payment_id, tranche.paid_at = "paid", payment_id, workflow.now()
    move_money(ctx, "paid", tranche.amount, tranche.key)
    starts_poc = ctx.state.phase is Phase.CONTRACTED
    transition(ctx, SYSTEM_FINANCE, "payment_received", Phase.IN_POC if starts_poc else None,
               tranche=tranche.key, amount=tranche.amount, payment_id=payment_id)
    notify(ctx, "startup", NoticeKind.PAYMENT_RECEIVED, f"{tranche.label} paid: {won(tranche.amount)}",
           tranche=tranche.label, amount=tranche.amount)


def payment_failed(ctx: LifecycleContext, tranche: TrancheState, reason: str) -> None:
    tranche.status, tranche.failure = "payment_failed", reason
    move_money(ctx, "failed", tranche.amount, tranche.key)
    transition(ctx, SYSTEM_FINANCE, "payment_failed", reason=reason, tranche=tranche.key, amount=tranche.amount)
    notify(ctx, "program_officer", NoticeKind.PAYMENT_FAILED, f"{ctx.state.company_name}: {tranche.label} failed", reason,
           tranche=tranche.label, amount=tranche.amount)


def payment_outcome(ctx: LifecycleContext, outcome: PaymentOutcome) -> None:
    """News from the finance system's webhook: a payment made or refused, or money received."""
    s = ctx.state
    if outcome.status == "received":
        owed = next((c for c in s.collections
                     if payment_key(s.program_id, s.brn, c.kind) == outcome.idempotency_key), None)
        if owed is not None:
            received(ctx, owed, outcome.payment_id)
        return
    tranche = next((t for t in s.tranches
                    if payment_key(s.program_id, s.brn, t.key) == outcome.idempotency_key), None)
    if tranche is None or tranche.status not in ("approved", "paying"):
        return  # unknown, late or repeated news: the ledger already holds the truth
    if outcome.status == "paid":
        paid(ctx, tranche, outcome.payment_id)
    else:
        payment_failed(ctx, tranche, outcome.reason or "refused by the finance system")

# ------------------------------------------------------------------------- money owed back


def owe(ctx: LifecycleContext, kind: str, amount: int, opened_by: str, waiver: bool = False) -> None:
    """Open a collection of money owed back: asked of the finance system at once, or first put
    to a finance officer when it may be waived."""
    owed = CollectionState(
        kind=kind, amount=amount, status="waiver_requested" if waiver else "requested", opened_by=opened_by,
        due_at=ctx.due("refund", workflow.now()),
    )
    ctx.state.collections.append(owed)
    move_money(ctx, f"{kind}_due", amount)
    if not waiver:
        ctx.spawn(_collect(ctx, owed))
        notify(ctx, "startup", COLLECTION_NOTICES[kind].due, f"{won(amount)} {kind} due by {owed.due_at:%Y-%m-%d} (반납/환수)",
               amount=amount, due_at=owed.due_at)


async def _collect(ctx: LifecycleContext, owed: CollectionState) -> None:
    s = ctx.state
    request = CollectionRequest(
        idempotency_key=payment_key(s.program_id, s.brn, owed.kind), program_id=s.program_id,
        startup_id=s.startup_id, brn=s.brn, kind=owed.kind, amount=owed.amount, due_at=owed.due_at,
    )
    try:
        result: CollectionResult = await workflow.execute_activity(
            REQUEST_COLLECTION, request, result_type=CollectionResult,
            start_to_close_timeout=timedelta(seconds=30), retry_policy=COLLECTION_REQUEST_RETRY,
        )
    except ActivityError as err:
        # Before this patch a refusal was left as an error in this background task, and the
        # collection stayed "requested" for ever.
        if not patches.in_force(patches.COLLECTION_REFUSAL):
            raise
        _collection_failed(ctx, owed, activity_failure(err))
        return
    owed.payment_id = result.collection_id
    if result.status == "received":
        received(ctx, owed, result.collection_id)

    async def ask() -> None:
        polled: CollectionResult = await workflow.execute_activity(
            COLLECTION_STATUS, request, result_type=CollectionResult,
            start_to_close_timeout=timedelta(seconds=30), retry_policy=OWN_WORK_RETRY,
        )
        if polled.status == "received":
            received(ctx, owed, polled.collection_id)

    await _await_finance(lambda: owed.status != "requested", ask)


def _collection_failed(ctx: LifecycleContext, owed: CollectionState, reason: str) -> None:
    owed.status, owed.failure = "failed", reason
    transition(ctx, SYSTEM_FINANCE, f"{owed.kind}_request_failed", reason=reason, amount=owed.amount)
    notify(ctx, "finance_officer", COLLECTION_NOTICES[owed.kind].request_failed,
           f"{ctx.state.company_name}: {won(owed.amount)} {owed.kind} 요청 거절 (request refused)", reason,
           amount=owed.amount)


def retry_collection(ctx: LifecycleContext, cmd: Command[RetryCollectionBody]) -> None:
    owed = ctx.state.require_collection(cmd.body.kind)
    refused_for = owed.failure
    owed.status, owed.failure = "requested", None
    record(ctx, cmd, Action.RETRY_COLLECTION, kind=owed.kind, amount=owed.amount, refused_for=refused_for)
    ctx.spawn(_collect(ctx, owed))


def received(ctx: LifecycleContext, owed: CollectionState, payment_id: str) -> None:
    s = ctx.state
    if owed.status != "requested":
        return
    owed.status, owed.received_at, owed.payment_id = "received", workflow.now(), payment_id
    move_money(ctx, "refunded" if owed.kind == "refund" else "clawed_back", owed.amount)
    settles = owed.kind == "refund" and s.phase is Phase.SETTLEMENT
    if settles:
        s.closed_at = workflow.now()
    transition(ctx, SYSTEM_FINANCE, f"{owed.kind}_received", Phase.COMPLETED if settles else None,
               amount=owed.amount, payment_id=payment_id)
    notify(ctx, "finance_officer", COLLECTION_NOTICES[owed.kind].received, f"{s.company_name}: {won(owed.amount)} received",
           amount=owed.amount)


def waive_clawback(ctx: LifecycleContext, cmd: Command[WaiveClawbackBody]) -> None:
    owed = ctx.state.require_collection("clawback")
    owed.decided_by = cmd.actor.id
    if cmd.body.decision == "approve":
        owed.status = "waived"
        move_money(ctx, "waived", owed.amount)
        record(ctx, cmd, Action.WAIVE_CLAWBACK, decision="approve", amount=owed.amount)
    else:
        owed.status = "requested"
        record(ctx, cmd, Action.WAIVE_CLAWBACK, decision="reject", amount=owed.amount)
        ctx.spawn(_collect(ctx, owed))
        notify(ctx, "startup", NoticeKind.CLAWBACK_DUE, f"{won(owed.amount)} clawback due by {owed.due_at:%Y-%m-%d}",
               amount=owed.amount, due_at=owed.due_at)
