"""Milestones: deliverables submitted and reviewed, deadlines extended, and the PoC suspended and
resumed with every clock keeping the time it had left."""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Command, ExtendDeadlineBody, ReviewMilestoneBody, SubmitMilestoneBody
    from domain.notifications import REVIEW_NOTICES, NoticeKind
    from domain.phases import Action, Phase
    from domain.state import Actor
    from domain.timeutil import end_of_kst_day

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import notify, record, transition


def submit(ctx: LifecycleContext, cmd: Command[SubmitMilestoneBody]) -> None:
    m, now = ctx.state.require_milestone(cmd.body.milestone), workflow.now()
    m.status, m.deliverable, m.submitted_at = "submitted", cmd.body.deliverable, now
    m.documents = list(cmd.documents)
    m.submissions += 1
    # The documents' ids and hashes go into the history with the action: it alone proves which
    # bytes were submitted.
    pinned: dict[str, Any] = {"documents": [ref.model_dump(mode="json") for ref in cmd.documents]} if cmd.documents else {}
    record(ctx, cmd, Action.SUBMIT_MILESTONE, milestone=m.key, deliverable=m.deliverable,
           submission=m.submissions, on_time=now <= m.due_at, **pinned)
    notify(ctx, "program_officer", NoticeKind.MILESTONE_SUBMITTED, f"{ctx.state.company_name}: {m.title} submitted",
           milestone=m.title)


def review(ctx: LifecycleContext, cmd: Command[ReviewMilestoneBody]) -> None:
    s, now = ctx.state, workflow.now()
    m = s.require_milestone(cmd.body.milestone)
    m.reviewed_by, m.review_note = cmd.actor.id, cmd.body.reason
    if cmd.body.decision == "accept":
        m.status, m.accepted_at, m.overdue = "accepted", now, False
        unlocked = [t.key for t in s.tranches if t.trigger == m.key and t.status == "locked"]
        for t in s.tranches:
            if t.key in unlocked:
                t.status = "due"
        done = all(x.status == "accepted" for x in s.milestones)
        record(ctx, cmd, Action.REVIEW_MILESTONE, Phase.FINAL_REVIEW if done else None, milestone=m.key,
               decision="accept", on_time=(m.submitted_at or now) <= m.due_at, tranches_due=unlocked)
    else:
        if cmd.body.revise_due_on:
            revised_due = end_of_kst_day(cmd.body.revise_due_on)
        else:
            revised_due = ctx.due("revision", now)
            # A deliverable sent early and sent back keeps at least the milestone's own time.
            if revised_due < m.due_at and patches.in_force(patches.REVISION_KEEPS_TIME):
                revised_due = m.due_at
        before = m.due_at
        m.status, m.due_at, m.overdue, m.reminders_sent = "revision_requested", revised_due, False, []
        record(ctx, cmd, Action.REVIEW_MILESTONE, milestone=m.key, decision="revise",
               due_from=before.isoformat(), due_to=m.due_at.isoformat())
    notify(ctx, "startup", REVIEW_NOTICES[cmd.body.decision], f"{m.title}: {cmd.body.decision}", cmd.body.reason,
           milestone=m.title, due_at=m.due_at)


def extend_deadline(ctx: LifecycleContext, cmd: Command[ExtendDeadlineBody]) -> None:
    s = ctx.state
    new_due = end_of_kst_day(cmd.body.new_due_on)
    if cmd.body.deadline == "agreement":
        before = s.agreement_due_at
        assert before is not None, "the validator extends only a running agreement deadline"
        s.agreement_due_at = new_due
        moved = {"agreement": [before.isoformat(), new_due.isoformat()]}
    else:
        m = s.require_milestone(cmd.body.deadline)
        before, shift = m.due_at, new_due - m.due_at
        moved = {}
        for other in s.milestones:
            later = other.open and other.due_at > before and cmd.body.shift_later
            if other is m or later:
                old = other.due_at
                other.due_at = new_due if other is m else other.due_at + shift
                other.overdue, other.reminders_sent = False, []
                moved[other.key] = [old.isoformat(), other.due_at.isoformat()]
                if s.phase is Phase.SUSPENDED:
                    other.set_while_suspended = True
    record(ctx, cmd, Action.EXTEND_DEADLINE, deadline=cmd.body.deadline, moved=moved)
    notify(ctx, "startup", NoticeKind.DEADLINE_EXTENDED, f"{cmd.body.deadline}: due {cmd.body.new_due_on}",
           deadline=cmd.body.deadline, new_due_on=cmd.body.new_due_on.isoformat())


def suspend(ctx: LifecycleContext, actor: Actor, action: str, reason: str, request_id: str | None,
            **details: Any) -> None:
    s = ctx.state
    s.suspended_at, s.suspended_from = workflow.now(), s.phase
    transition(ctx, actor, action, Phase.SUSPENDED, reason=reason, request_id=request_id, **details)
    notify(ctx, "startup", NoticeKind.SUSPENDED, "사업 중지 (suspended)", reason)


def resume(ctx: LifecycleContext, cmd: Command[Any]) -> None:
    s = ctx.state
    assert s.suspended_at is not None, "only a suspended startup resumes (the validator checks the phase)"
    paused = workflow.now() - s.suspended_at
    # Every clock restarts with the time it had left when the startup was suspended, except a
    # due date an officer set during the suspension: that one is meant as written.
    for m in s.milestones:
        if m.open and not m.set_while_suspended:
            m.due_at += paused
        m.set_while_suspended = False
    back_to = s.suspended_from or Phase.IN_POC
    s.suspended_at = s.suspended_from = None
    record(ctx, cmd, Action.RESUME, back_to, paused_seconds=int(paused.total_seconds()))
