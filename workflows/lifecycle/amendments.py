"""Agreement amendments (협약 변경) in the lifecycle (patch agreement-amendments).

A request names one kind of change. The program says whether its kind is a notice (통보 사항: made
at once) or needs approval (승인 사항: nothing changes until the program officer approves). An
approval makes the agreement's next version (변경 1, 변경 2 …): the change is made in the state, the
agreement is generated again from it (its own document and hash, the amendment's section naming
the version and every change so far), and the startup accepts those bytes with its password typed
again, through accept-agreement as it accepted the first. Moving a milestone's due date moves its
clocks: they are computed from the state (domain.clocks), so the run loop wakes at the new time.
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.amendment_rules import change_of
    from domain.amendments import (
        KIND_NAMES,
        AgreementVersion,
        AmendmentChange,
        AmendmentRequest,
        AmendmentState,
        BudgetMoveRecord,
        new_due_days,
    )
    from domain.change_commands import DecideAmendmentBody, RequestAmendmentBody
    from domain.clocks import ClockEvent
    from domain.commands import AcceptAgreementBody, Command, DecideBudgetChangeBody
    from domain.money import split_exact
    from domain.notifications import NoticeKind
    from domain.phases import Action, Phase
    from domain.state import SYSTEM_TIMER, BudgetChangeRequest, Partner
    from domain.timeutil import end_of_kst_day, kst_date

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import escalate, notify, record, transition
from workflows.lifecycle.selection import prepare_agreement


def decide_amendments(ctx: LifecycleContext) -> None:
    """Asked once, as a new two-step lifecycle starts (the amended versions are accepted the way
    the first agreement was): whether its agreement may be amended. Kept in the state for the
    validators, which cannot ask `patched`."""
    if ctx.state.agreement_two_step and patches.in_force(patches.AGREEMENT_AMENDMENTS):
        ctx.state.amendments = AmendmentState()


def _amendments(ctx: LifecycleContext) -> AmendmentState:
    amendments = ctx.state.amendments
    assert amendments is not None  # the validator refuses an amendment to a lifecycle without them
    return amendments


def request(ctx: LifecycleContext, cmd: Command[RequestAmendmentBody]) -> None:
    amendments, now = _amendments(ctx), workflow.now()
    change = change_of(cmd.body, cmd.register_answer)
    kind_type = ctx.program.amendments.type_of(change.kind)
    entry = AmendmentRequest(number=len(amendments.requests) + 1, change=change, type=kind_type,
                             requested_by=cmd.actor.id, requested_by_role=cmd.actor.role.value, requested_at=now,
                             reason=cmd.body.reason)
    amendments.requests.append(entry)
    details: dict[str, Any] = {"request": entry.number, "kind": change.kind, "type": kind_type,
                               "change": change.model_dump(mode="json", exclude_defaults=True)}
    if kind_type == "notice":
        entry.status = "effective"
        record(ctx, cmd, Action.REQUEST_AMENDMENT, **details, status=entry.status, moved=_apply(ctx, change))
    else:
        # It waits in the officer's inbox; the decision is due after the program's days.
        entry.decision_due_at = end_of_kst_day(kst_date(now + timedelta(days=ctx.program.amendments.decision_days)))
        record(ctx, cmd, Action.REQUEST_AMENDMENT, **details, status=entry.status,
               decision_due_at=entry.decision_due_at.isoformat())
    notify(ctx, "program_officer", NoticeKind.AMENDMENT_REQUESTED, f"{ctx.state.company_name}: amendment {change.kind}",
           cmd.body.reason, kind_name=KIND_NAMES[change.kind], type=kind_type, decision_due_at=entry.decision_due_at)


async def decide(ctx: LifecycleContext, cmd: Command[DecideAmendmentBody]) -> None:
    amendments, now = _amendments(ctx), workflow.now()
    entry = amendments.pending
    assert entry is not None  # the handler has just checked the rule again (decide_amendment_rule)
    entry.decided_by, entry.decided_at, entry.decision_reason = cmd.actor.id, now, cmd.body.reason
    details: dict[str, Any] = {"request": entry.number, "kind": entry.change.kind, "decision": cmd.body.decision,
                               "requested_by": entry.requested_by}
    if cmd.body.decision == "reject":
        entry.status = "rejected"
        record(ctx, cmd, Action.DECIDE_AMENDMENT, **details)
        notify(ctx, "startup", NoticeKind.AMENDMENT_DECIDED, "협약 변경 반려 (amendment rejected)", cmd.body.reason,
               decision="reject", kind_name=KIND_NAMES[entry.change.kind])
        return
    entry.status = "approved"
    moved = _apply(ctx, entry.change)
    version = AgreementVersion(version=len(amendments.versions) + 1, request=entry.number, kind=entry.change.kind,
                               approved_by=cmd.actor.id, approved_at=now,
                               approved_by_name=cmd.actor.name)
    amendments.versions.append(version)
    entry.version = version.version
    # The agreement again, from the amended state: its own document and hash (a request or an
    # acceptance meanwhile is refused: the version waits for its document).
    version.document = await prepare_agreement(ctx)
    record(ctx, cmd, Action.DECIDE_AMENDMENT, **details, moved=moved, version=version.version, label=version.label,
           agreement=version.document.model_dump(mode="json"))
    notify(ctx, "startup", NoticeKind.AMENDMENT_DECIDED, "협약 변경 승인 (amendment approved)", cmd.body.reason,
           decision="approve", kind_name=KIND_NAMES[entry.change.kind], version=version.version)


def budget_decided(ctx: LifecycleContext, cmd: Command[DecideBudgetChangeBody], pending: BudgetChangeRequest,
                   plan_version: int | None) -> AgreementVersion | None:
    """A budget move beyond its tolerance (비목 변경), asked and decided through the budget's own
    Updates (the one path that moves money), kept here as an amendment of kind `budget`: the request
    with its decision, and for an approval the agreement's next version (변경 N), whose document the
    caller sets (the plan version's). Patch budget-amendment-version."""
    amendments, now = _amendments(ctx), workflow.now()
    move = BudgetMoveRecord(from_category=pending.from_category, to_category=pending.to_category,
                            amount=pending.amount, plan_version=plan_version)
    entry = AmendmentRequest(number=len(amendments.requests) + 1, change=AmendmentChange(kind="budget", budget_move=move),
                             type="approval", requested_by=pending.requested_by, requested_by_role="startup",
                             requested_at=pending.requested_at, reason=pending.reason,
                             status="approved" if plan_version is not None else "rejected", decided_by=cmd.actor.id,
                             decided_at=now, decision_reason=cmd.body.reason)
    amendments.requests.append(entry)
    if plan_version is None:
        return None
    version = AgreementVersion(version=len(amendments.versions) + 1, request=entry.number, kind="budget",
                               approved_by=cmd.actor.id, approved_at=now, approved_by_name=cmd.actor.name)
    amendments.versions.append(version)
    entry.version = version.version
    return version


def amendment_late(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    """A request past its decision day is escalated once, to whom the program's review clock names
    (the program manager by default), like a deliverable waiting for review."""
    waiting = ctx.state.amendments.pending if ctx.state.amendments else None
    if not (waiting and str(waiting.number) == event.subject and not waiting.escalated):
        return
    waiting.escalated = True
    transition(ctx, SYSTEM_TIMER, "amendment_overdue", request=waiting.number, kind=waiting.change.kind,
               requested_at=waiting.requested_at.isoformat())
    escalate(ctx, "review", NoticeKind.AMENDMENT_OVERDUE,
             f"{ctx.state.company_name}: amendment {waiting.number} waits for a decision",
             kind_name=KIND_NAMES[waiting.change.kind], since=waiting.requested_at)


def accept_version(ctx: LifecycleContext, cmd: Command[AcceptAgreementBody]) -> None:
    """The startup's acceptance of the newest amended version (its password was checked by the API)."""
    version = _amendments(ctx).to_accept
    assert version is not None and version.document is not None  # checked again by the handler
    version.accepted_by_id, version.accepted_by_name, version.accepted_at = cmd.actor.id, cmd.actor.name, workflow.now()
    record(ctx, cmd, Action.ACCEPT_AGREEMENT, version=version.version, label=version.label,
           documents=[version.document.model_dump(mode="json")], sha256=version.document.sha256)


def _apply(ctx: LifecycleContext, change: AmendmentChange) -> dict[str, Any]:
    """Make the change in the state; what moved, for the history."""
    s = ctx.state
    if change.kind == "task_content":
        _amendments(ctx).task_content = change.task_content
        return {"task_content": True}
    if change.kind == "representative":
        # 대표자 변경: a kind only requests made since it exists carry, so no earlier history meets this.
        _amendments(ctx).representative = change.representative_name
        return {"representative": change.representative_name}
    if change.kind == "sme_partner":
        s.partners = [Partner(**p.model_dump()) for p in change.partners]
        s.consortium = len(s.partners) > 1
        _split_unpaid_tranches(ctx)
        return {"partners": [p.name for p in s.partners]}
    plan_order = [m.key for m in s.milestones]
    open_dues = {m.key: kst_date(m.due_at) for m in s.milestones if m.open}
    moved: dict[str, list[str]] = {}
    for key, day in new_due_days(change, plan_order, open_dues).items():
        m = s.require_milestone(key)
        before = m.due_at
        # A new due date starts its clocks afresh: reminders again, no longer overdue.
        m.due_at, m.overdue, m.reminders_sent = end_of_kst_day(day), False, []
        if s.phase is Phase.SUSPENDED:
            m.set_while_suspended = True
        moved[key] = [before.isoformat(), m.due_at.isoformat()]
    return moved


def _split_unpaid_tranches(ctx: LifecycleContext) -> None:
    """A consortium splitting by shares: the tranches not yet asked for divide between the new members."""
    s = ctx.state
    members = [p for p in s.partners if p.share_percent]
    for t in s.tranches:
        if t.status in ("locked", "due"):
            t.splits = (dict(zip([p.brn for p in members], split_exact(t.amount, [p.share_percent or 0 for p in members]),
                                 strict=True)) if s.consortium and members else {})
