"""Recording and publishing: transitions and ledger moves kept until the next publish, search
attributes, the read model, notifications and the signals that keep the program call current."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.commands import Command
    from domain.io import (
        PROJECT_STARTUP,
        PROJECTION_BASE_MISSING,
        SEND_NOTIFICATION,
        ApplicantUpdate,
        Notification,
        ProjectedChanges,
        SlotReleased,
        program_workflow_id,
    )
    from domain.notifications import DELIVER_NOTIFICATION, NoticeKind, NotificationEvent, event_data
    from domain.phases import Action, Phase
    from domain.program import ClockKind
    from domain.state import Actor, AuditAnchor, LedgerMove, Transition
    from domain.state_changes import changed_fields, compact_json, fingerprints

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.retries import NOTIFICATION_RETRY, OWN_WORK_RETRY
from workflows.search_attributes import (
    AX_NEXT_DEADLINE,
    AX_OVERDUE,
    AX_PHASE,
    AX_PROGRAM,
    AX_REGION,
    AX_SECTOR,
    AX_STAGE,
)

# The projection activity heartbeats every second while it writes.
PROJECTION_HEARTBEAT = timedelta(seconds=5)


def activity_failure(err: ActivityError) -> str:
    """What the outside system said, for a person to read."""
    cause = err.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or err)


def transition(ctx: LifecycleContext, actor: Actor, action: str, to_phase: Phase | None = None, *,
               reason: str = "", request_id: str | None = None, **details: Any) -> None:
    """Record one change of state (with the phase it moves to, if any) for the audit trail."""
    state = ctx.state
    before = state.phase
    if to_phase is not None:
        state.phase = to_phase
    state.transition_count += 1
    ctx.pending_transitions.append(Transition(
        seq=state.transition_count, at=workflow.now(), actor_id=actor.id, actor_name=actor.name, role=actor.role,
        action=action, reason=reason, from_phase=before, to_phase=state.phase, request_id=request_id,
        details=details,
    ))
    ctx.mark_changed()


def record(ctx: LifecycleContext, cmd: Command[Any], action: Action, to_phase: Phase | None = None, /,
           **details: Any) -> None:
    """Record an action taken by a person, with the reason they gave."""
    transition(ctx, cmd.actor, action.value, to_phase, reason=cmd.body.reason, request_id=cmd.request_id, **details)


def move_money(ctx: LifecycleContext, kind: str, amount: int, tranche: str | None = None) -> None:
    # One key per movement (a retried tranche is requested, and may fail, more than once).
    ctx.state.ledger_moves += 1
    key = f"{ctx.state.startup_id}:m{ctx.state.ledger_moves}"
    ctx.pending_ledger.append(LedgerMove(key=key, kind=kind, amount=amount, tranche=tranche, at=workflow.now()))


def notify(ctx: LifecycleContext, to: str, kind: NoticeKind, subject: str, body: str = "", **data: Any) -> None:
    """Tell `to` (a role, a desk or "startup") that `kind` happened, with the facts in `data`.

    `subject` and `body` are the words lifecycles started before NOTIFY_PEOPLE still send; the
    others emit an event, and the notification activity finds the people and the words."""
    if patches.in_force(patches.NOTIFY_PEOPLE):
        emit(ctx, kind, [to], reason=body, **data)
        return
    ctx.state.notifications_sent += 1
    note = Notification(key=f"{ctx.state.startup_id}:n{ctx.state.notifications_sent}",
                        startup_id=ctx.state.startup_id, to=to, kind=kind, subject=subject, body=body)
    ctx.spawn(_send_notification(note))


def escalate(ctx: LifecycleContext, kind: ClockKind, event: NoticeKind, subject: str, body: str = "", **data: Any) -> None:
    """Tell everyone the program's policy names for a deadline of this kind."""
    recipients: list[str] = list(ctx.program.policy.clock(kind).escalate_to)
    if patches.in_force(patches.NOTIFY_PEOPLE):
        if recipients:
            emit(ctx, event, recipients, reason=body, **data)
        return
    for to in recipients:
        notify(ctx, to, event, subject, body)


def emit(ctx: LifecycleContext, kind: NoticeKind, recipients: list[str], reason: str = "", **data: Any) -> None:
    """One event for the notification activity: what happened and to whom, never the wording."""
    s = ctx.state
    s.notifications_sent += 1
    facts = {"company_name": s.company_name, "program_name": s.program_name, "phase": s.phase.value,
             "agreement_due_at": s.agreement_due_at, **({"reason": reason} if reason else {}), **data}
    event = NotificationEvent(
        key=f"{s.startup_id}:n{s.notifications_sent}", kind=kind, recipients=recipients,
        startup_id=s.startup_id, program_id=s.program_id, brn=s.brn, at=workflow.now(),
        data={name: event_data(value) for name, value in facts.items() if value is not None},
    )
    if patches.in_force(patches.NOTIFY_OUTBOX):
        # Recorded by the next projection with the change that caused it; the worker's dispatcher
        # delivers it. The run loop publishes when woken, so an event never waits for a later change.
        ctx.pending_events.append(event)
        ctx.changed = True
        return
    ctx.spawn(_deliver(event))


async def _deliver(event: NotificationEvent) -> None:
    try:
        await workflow.execute_activity(
            DELIVER_NOTIFICATION, event, start_to_close_timeout=timedelta(seconds=60),
            retry_policy=NOTIFICATION_RETRY,
        )
    except ActivityError as err:
        workflow.logger.warning("notification %s not delivered: %s", event.key, activity_failure(err))


async def _send_notification(note: Notification) -> None:
    try:
        await workflow.execute_activity(
            SEND_NOTIFICATION, note, start_to_close_timeout=timedelta(seconds=15), retry_policy=NOTIFICATION_RETRY
        )
    except ActivityError as err:
        workflow.logger.warning("notification %s not delivered: %s", note.key, activity_failure(err))


def tell_program(ctx: LifecycleContext) -> None:
    """Keep the program call's view of this applicant current (it ranks on it)."""
    if ctx.promoted_in:
        return
    s = ctx.state
    waiting = s.appeals is not None and any(a.kind == "selection" for a in s.appeals.pending) \
        and patches.in_force(patches.TELL_CALL_OF_APPEALS)
    upheld = sum(a.kind == "selection" and a.status == "upheld" for a in s.appeals.appeals) if s.appeals else 0
    rescoring = upheld if s.phase is Phase.UNDER_REVIEW and upheld and patches.in_force(patches.TELL_CALL_OF_APPEALS) \
        else 0
    update = ApplicantUpdate(brn=s.brn, version=s.transition_count, phase=s.phase,
                             average_score=s.average_score, score_count=len(s.scores),
                             selection_appeal_pending=waiting, rescoring=rescoring)
    ctx.spawn(_signal_program(ctx, "applicant_changed", update))


def release_slot(ctx: LifecycleContext, reason: str) -> None:
    if not ctx.promoted_in:
        ctx.spawn(_signal_program(ctx, "slot_released", SlotReleased(brn=ctx.state.brn, reason=reason)))


def vacate_slot(ctx: LifecycleContext, reason: str) -> None:
    """The startup left after money moved: its slot is free, but re-offered only by an officer."""
    if not ctx.promoted_in:
        ctx.spawn(_signal_program(ctx, "slot_vacated", SlotReleased(brn=ctx.state.brn, reason=reason)))


async def _signal_program(ctx: LifecycleContext, name: str, arg: Any) -> None:
    handle = workflow.get_external_workflow_handle(program_workflow_id(ctx.state.program_id))
    try:
        await handle.signal(name, arg)
    except Exception as err:  # the program call may be over; nothing then listens
        workflow.logger.warning("program call did not take %s: %s", name, err)


def _publish_search_attributes(ctx: LifecycleContext) -> None:
    s = ctx.state
    visible = (s.phase, s.next_deadline.at if s.next_deadline else None, s.overdue)
    if visible == ctx.search_attributes_set:
        return
    updates: list[SearchAttributeUpdate[Any]] = [AX_PHASE.value_set(s.phase.value), AX_OVERDUE.value_set(s.overdue)]
    updates.append(AX_NEXT_DEADLINE.value_set(visible[1]) if visible[1] else AX_NEXT_DEADLINE.value_unset())
    if ctx.search_attributes_set is None:
        updates += [AX_PROGRAM.value_set(s.program_id), AX_STAGE.value_set(s.stage.value)]
        if s.sector:
            updates.append(AX_SECTOR.value_set(s.sector))
        if s.region:
            updates.append(AX_REGION.value_set(s.region))
    workflow.upsert_search_attributes(updates)
    ctx.search_attributes_set = visible


async def publish(ctx: LifecycleContext) -> None:
    """Publish the state: search attributes, then the read model, audit rows and ledger moves."""
    clocks = ctx.clocks()
    ctx.state.next_deadline, ctx.state.overdue = clocks.next_deadline, clocks.overdue
    _publish_search_attributes(ctx)
    if (ctx.state.version == ctx.projected_version and not ctx.pending_transitions and not ctx.pending_ledger
            and not ctx.pending_events):
        return
    ctx.state.observed_at = workflow.now()
    # Only what changed since the run's previous projection (its first carries every field): the
    # activity merges it onto the read model's row, which holds that previous state.
    fields = compact_json(ctx.state)
    marks = fingerprints(fields)
    before = ctx.projected_marks
    projection = ProjectedChanges(
        startup_id=ctx.state.startup_id, version=ctx.state.version,
        base_version=None if before is None else ctx.projected_version,
        fields=fields if before is None else changed_fields(fields, marks, before),
        transitions=ctx.pending_transitions, ledger=ctx.pending_ledger, events=ctx.pending_events)
    ctx.pending_transitions, ctx.pending_ledger, ctx.pending_events = [], [], []
    try:
        anchor = await _project(projection)
    except ActivityError as err:
        cause = err.cause
        if not (isinstance(cause, ApplicationError) and cause.type == PROJECTION_BASE_MISSING):
            raise
        # The row no longer holds the state the changes are relative to: the whole state instead.
        anchor = await _project(projection.model_copy(update={"base_version": None, "fields": fields}))
    ctx.projected_version, ctx.projected_marks = projection.version, marks
    # Kept in the state (and so in what the state query answers) without changing its version:
    # the read model gets its copy with the next projection.
    if patches.in_force(patches.AUDIT_ANCHOR) and anchor is not None:
        ctx.state.audit_anchor = AuditAnchor.model_validate(anchor)


async def _project(projection: ProjectedChanges) -> Any:
    return await workflow.execute_activity(
        PROJECT_STARTUP, projection, start_to_close_timeout=timedelta(seconds=30),
        # A projection lost with its worker is retried within seconds of the missed heartbeat.
        heartbeat_timeout=PROJECTION_HEARTBEAT, retry_policy=OWN_WORK_RETRY,
    )
