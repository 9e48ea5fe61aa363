"""What happens when a clock fires. `domain.clocks` says which events are due; each kind of event
has one handler here, looked up in `HANDLERS`. A handler re-checks that its event still applies
(an earlier event of the same turn may have changed the state) and does nothing otherwise."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.clocks import ClockEvent, ClockEventKind, take_reminder
    from domain.formatting import won
    from domain.notifications import COLLECTION_NOTICES, NoticeKind
    from domain.phases import Phase
    from domain.program import ClockKind
    from domain.state import SYSTEM_TIMER

from workflows.lifecycle.amendments import amendment_late
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.milestones import suspend
from workflows.lifecycle.publishing import escalate, notify, release_slot, transition

AGREEMENT_PHASES = (Phase.SELECTED, Phase.MATCHED)
POC_PHASES = (Phase.CONTRACTED, Phase.IN_POC)


# domain/clocks.py sets a clock only from the date it counts from, so a handler finds it set.
SET_FROM_DUE_DATE = "a clock runs only from a date that is set"


class WakeTimer:
    """The one timer the run loop sleeps on (patch KEEP_WAKE_TIMER): kept across the loop's turns
    while the instant it waits for stays the same, so an Update that does not move a deadline
    neither cancels it nor starts another (each of those is a history event)."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self._sleep: asyncio.Task[None] | None = None

    def wait_for(self, at: datetime | None) -> None:
        """Wake at `at` (None: no clock to wait for); the running timer is kept if it waits for it."""
        if at == self.at and self._sleep is not None and not self._sleep.done():
            return
        self.stop()
        self.at = at
        if at is not None:
            self._sleep = asyncio.create_task(workflow.sleep(max(at - workflow.now(), timedelta(0))))

    def rang(self) -> bool:
        return self._sleep is not None and self._sleep.done()

    def stop(self) -> None:
        if self._sleep is not None and not self._sleep.done():
            self._sleep.cancel()
        self._sleep = None


def fire_due_clocks(ctx: LifecycleContext) -> None:
    now = workflow.now()
    for event in ctx.clocks().due_events(ctx.clock_features, now):
        HANDLERS[event.kind](ctx, event, now)


def _agreement_lapse(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    s = ctx.state
    if s.phase not in AGREEMENT_PHASES:
        return
    assert s.agreement_due_at is not None, SET_FROM_DUE_DATE
    transition(ctx, SYSTEM_TIMER, "agreement_lapsed", Phase.CANCELLED, reason="agreement not signed by its deadline",
               due_at=s.agreement_due_at.isoformat())
    notify(ctx, "startup", NoticeKind.SELECTION_CANCELLED, "협약 기한 경과로 선정 취소 (selection cancelled)")
    escalate(ctx, "agreement", NoticeKind.AGREEMENT_LAPSED, f"{s.company_name}: agreement lapsed", due_at=s.agreement_due_at)
    release_slot(ctx, "agreement lapsed")


def _agreement_reminder(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    s = ctx.state
    if s.phase not in AGREEMENT_PHASES:
        return
    assert s.agreement_due_at is not None, SET_FROM_DUE_DATE
    _remind(ctx, "agreement", s.agreement_due_at, s.agreement_reminders_sent, now, NoticeKind.AGREEMENT_REMINDER,
            lambda days: f"협약 마감 {days}일 전 (agreement due in {days} day(s))")


def _milestone_reminder(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    m = ctx.state.milestone(event.subject)
    if not (m and m.open and ctx.state.phase in POC_PHASES):
        return
    _remind(ctx, "milestone", m.due_at, m.reminders_sent, now, NoticeKind.MILESTONE_REMINDER,
            lambda days: f"{m.title}: due in {days} day(s) (마감 {days}일 전)", milestone=m.title)


def _milestone_overdue(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    m = ctx.state.milestone(event.subject)
    if not (m and m.open and not m.overdue and ctx.state.phase in POC_PHASES):
        return
    m.overdue = True
    transition(ctx, SYSTEM_TIMER, "milestone_overdue", milestone=m.key, due_at=m.due_at.isoformat())
    escalate(ctx, "milestone", NoticeKind.MILESTONE_OVERDUE, f"{ctx.state.company_name}: {m.title} overdue",
             milestone=m.title, due_at=m.due_at)


def _milestone_suspend(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    m = ctx.state.milestone(event.subject)
    if not (m and m.open and ctx.state.phase in POC_PHASES):
        return
    suspend(ctx, SYSTEM_TIMER, "suspend", f"{m.title} overdue past the grace period", None, milestone=m.key)


def _review_late(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    late = ctx.state.milestone(event.subject)
    if not (late and late.status == "submitted" and not late.review_escalated):
        return
    assert late.submitted_at is not None, SET_FROM_DUE_DATE
    late.review_escalated = True
    transition(ctx, SYSTEM_TIMER, "review_overdue", milestone=late.key, submitted_at=late.submitted_at.isoformat())
    escalate(ctx, "review", NoticeKind.REVIEW_OVERDUE,
             f"{ctx.state.company_name}: {late.title} waits for review since {late.submitted_at:%Y-%m-%d}",
             milestone=late.title, since=late.submitted_at)


def _approval_late(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    waiting = ctx.state.tranche(event.subject)
    if not (waiting and waiting.status == "requested" and not waiting.approval_escalated):
        return
    assert waiting.requested_at is not None, SET_FROM_DUE_DATE
    waiting.approval_escalated = True
    transition(ctx, SYSTEM_TIMER, "approval_overdue", tranche=waiting.key,
               requested_at=waiting.requested_at.isoformat())
    escalate(ctx, "approval", NoticeKind.APPROVAL_OVERDUE,
             f"{ctx.state.company_name}: {waiting.label} waits for approval since {waiting.requested_at:%Y-%m-%d}",
             tranche=waiting.label, amount=waiting.amount, since=waiting.requested_at)


def _settlement_reminder(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    report = ctx.state.settlement
    if not (report and report.submitted_at is None):
        return
    assert report.due_at is not None, SET_FROM_DUE_DATE
    _remind(ctx, "settlement_report", report.due_at, report.reminders_sent, now, NoticeKind.SETTLEMENT_REMINDER,
            lambda days: f"정산 보고 마감 {days}일 전 (settlement report due in {days} day(s))")


def _settlement_overdue(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    report = ctx.state.settlement
    if not (report and report.submitted_at is None and not report.overdue):
        return
    assert report.due_at is not None, SET_FROM_DUE_DATE
    report.overdue = True
    transition(ctx, SYSTEM_TIMER, "settlement_report_overdue", due_at=report.due_at.isoformat())
    escalate(ctx, "settlement_report", NoticeKind.SETTLEMENT_REPORT_OVERDUE,
             f"{ctx.state.company_name}: settlement report overdue", due_at=report.due_at)


def _collection_reminder(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    owed = ctx.state.collection(event.subject)
    if not (owed and owed.status == "requested"):
        return
    _remind(ctx, "refund", owed.due_at, owed.reminders_sent, now, COLLECTION_NOTICES[owed.kind].reminder,
            lambda days: f"{won(owed.amount)} {owed.kind} due in {days} day(s) (납부 기한 {days}일 전)", amount=owed.amount)


def _collection_overdue(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    owed = ctx.state.collection(event.subject)
    if not (owed and owed.status == "requested" and not owed.overdue):
        return
    owed.overdue = True
    transition(ctx, SYSTEM_TIMER, f"{owed.kind}_overdue", amount=owed.amount, due_at=owed.due_at.isoformat())
    escalate(ctx, "refund", COLLECTION_NOTICES[owed.kind].overdue,
             f"{ctx.state.company_name}: {won(owed.amount)} {owed.kind} overdue", amount=owed.amount, due_at=owed.due_at)


def _promotion_window_close(ctx: LifecycleContext, event: ClockEvent, now: datetime) -> None:
    ctx.promotion_window_over = True


def _remind(ctx: LifecycleContext, kind: ClockKind, due_at: datetime, sent: list[int], now: datetime,
            event: NoticeKind, subject: Callable[[int], str], **data: Any) -> None:
    """Tell the startup of the nearest reminder that passed, marking (in `sent`, which the state
    holds) every one that did; nothing when an earlier event of this turn already sent it."""
    days, covered = take_reminder(ctx.program.policy.clock(kind).reminder_days_before, due_at, sent, now)
    sent[:] = covered
    if days is not None:
        notify(ctx, "startup", event, subject(days), days=days, due_at=due_at, **data)
        ctx.mark_changed()


Handler = Callable[[LifecycleContext, ClockEvent, datetime], None]
K = ClockEventKind
HANDLERS: dict[ClockEventKind, Handler] = {
    K.AGREEMENT_REMINDER: _agreement_reminder,
    K.AGREEMENT_LAPSE: _agreement_lapse,
    K.MILESTONE_REMINDER: _milestone_reminder,
    K.MILESTONE_OVERDUE: _milestone_overdue,
    K.MILESTONE_SUSPEND: _milestone_suspend,
    K.REVIEW_LATE: _review_late,
    K.APPROVAL_LATE: _approval_late,
    K.AMENDMENT_LATE: amendment_late,
    K.SETTLEMENT_REMINDER: _settlement_reminder,
    K.SETTLEMENT_OVERDUE: _settlement_overdue,
    K.COLLECTION_REMINDER: _collection_reminder,
    K.COLLECTION_OVERDUE: _collection_overdue,
    K.PROMOTION_WINDOW_CLOSE: _promotion_window_close,
}
