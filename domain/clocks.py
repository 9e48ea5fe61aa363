"""Clocks as data: the deadlines running against a startup, and what a clock will do next.

`clock_schedule` is the one description of a startup's clocks. The state query and the read model
take `deadlines` from it (`next_deadline`, `AxNextDeadline`); the workflow's run loop takes
`events` from it (when to wake, and what fell due). Everything here is a pure function of the
state and the program's deadline policy, so it is unit-tested without a server.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.calendar import business_deadline
from domain.phases import Phase
from domain.program import ClockKind, DeadlinePolicy
from domain.state import Deadline, StartupState
from domain.timeutil import add_calendar_days


class ClockEventKind(StrEnum):
    AGREEMENT_REMINDER = "agreement_reminder"
    AGREEMENT_LAPSE = "agreement_lapse"
    MILESTONE_REMINDER = "milestone_reminder"
    MILESTONE_OVERDUE = "milestone_overdue"
    MILESTONE_SUSPEND = "milestone_suspend"
    REVIEW_LATE = "review_late"
    APPROVAL_LATE = "approval_late"
    AMENDMENT_LATE = "amendment_late"
    SETTLEMENT_REMINDER = "settlement_reminder"
    SETTLEMENT_OVERDUE = "settlement_overdue"
    COLLECTION_REMINDER = "collection_reminder"
    COLLECTION_OVERDUE = "collection_overdue"
    PROMOTION_WINDOW_CLOSE = "promotion_window_close"


@dataclass(frozen=True)
class ClockEvent:
    """Something a clock does at `at`. Events due at the same instant run in `order` (reminders,
    then "overdue", then consequences), and otherwise in the order they were listed.
    `subject` names what the clock runs for: a milestone or tranche key, or a collection kind."""

    kind: ClockEventKind
    at: datetime
    order: int = 0
    subject: str | None = None


class ClockFeatures(Protocol):
    """Clocks that came with a workflow patch. Asking records the patch marker in a workflow, so
    each is asked only when a clock of its kind could run, exactly where it always was asked."""

    def staff_deadlines(self) -> bool: ...

    def settlement_reminders(self) -> bool: ...


class AllClocks:
    """Every patched clock on: for new lifecycles, unit tests, and readers that take only deadlines."""

    def staff_deadlines(self) -> bool:
        return True

    def settlement_reminders(self) -> bool:
        return True


def due_instant(policy: DeadlinePolicy, kind: ClockKind, start: datetime, holiday_table: list[date] | None,
                days: int | None = None) -> datetime:
    """When a clock of `kind` started at `start` falls due, in its rule's unit. Business days count
    on the lifecycle's recorded holiday table, never on the holidays package."""
    clock = policy.clock(kind)
    length = clock.days if days is None else days
    if length is None:
        raise ValueError(f"a {kind} clock needs a length")
    if clock.unit == "business":
        if holiday_table is None:
            raise ValueError("business-day clocks need the recorded holiday table")
        return business_deadline(start, length, table=frozenset(holiday_table))
    if kind in ("review", "approval"):
        return start + timedelta(days=length)  # staff clocks run from the very instant
    return add_calendar_days(start, length)


def reminder_instants(reminder_days: list[int], due_at: datetime, sent: list[int]) -> list[datetime]:
    return [due_at - timedelta(days=d) for d in reminder_days if d not in sent]


def take_reminder(reminder_days: list[int], due_at: datetime, sent: list[int], now: datetime) -> tuple[int | None, list[int]]:
    """The reminder to send now (the nearest of those whose instant has passed; older missed ones
    are not repeated) and the updated list of days already covered. None when none is left."""
    passed = [d for d in reminder_days if d not in sent and due_at - timedelta(days=d) <= now]
    if not passed:
        return None, sent
    return min(passed), sorted(set(sent) | set(passed), reverse=True)


def running_deadlines(state: StartupState) -> list[Deadline]:
    """Every deadline running against the startup now, earliest first."""
    found: list[Deadline] = []
    if state.phase in (Phase.SELECTED, Phase.MATCHED) and state.agreement_due_at:
        found.append(Deadline(kind="agreement", at=state.agreement_due_at))
    if state.phase in (Phase.CONTRACTED, Phase.IN_POC):
        for m in state.milestones:
            if m.open:
                found.append(Deadline(kind="milestone", at=m.due_at, subject=m.key))
    # Changing what counts here changes AxNextDeadline upserts (workflow commands): patch first.
    if state.phase is Phase.SETTLEMENT and state.settlement and state.settlement.due_at:
        found.append(Deadline(kind="settlement_report", at=state.settlement.due_at))
    for c in state.collections:
        if c.status == "requested":
            found.append(Deadline(kind=c.kind, at=c.due_at))
    return sorted(found, key=lambda d: d.at)


@dataclass
class ClockSchedule:
    """A startup's clocks at one moment. `events` is a method, not a field: listing them asks
    the patched features, which a reader of deadlines alone must not do."""

    state: StartupState
    policy: DeadlinePolicy
    deadlines: list[Deadline]

    @property
    def next_deadline(self) -> Deadline | None:
        return self.deadlines[0] if self.deadlines else None

    @property
    def overdue(self) -> bool:
        return any(m.open and m.overdue for m in self.state.milestones)

    def events(self, features: ClockFeatures) -> list[ClockEvent]:
        """Everything a clock will do next, in the order it is to happen."""
        s, policy = self.state, self.policy
        events: list[ClockEvent] = []

        def reminders(kind: ClockKind, event: ClockEventKind, due_at: datetime, sent: list[int],
                      subject: str | None = None) -> None:
            for at in reminder_instants(policy.clock(kind).reminder_days_before, due_at, sent):
                events.append(ClockEvent(event, at, 0, subject))

        K = ClockEventKind
        if s.phase in (Phase.SELECTED, Phase.MATCHED) and s.agreement_due_at:
            reminders("agreement", K.AGREEMENT_REMINDER, s.agreement_due_at, s.agreement_reminders_sent)
            events.append(ClockEvent(K.AGREEMENT_LAPSE, s.agreement_due_at))
        if s.phase in (Phase.CONTRACTED, Phase.IN_POC):
            milestone = policy.clock("milestone")
            for m in s.milestones:
                if not m.open:
                    continue
                reminders("milestone", K.MILESTONE_REMINDER, m.due_at, m.reminders_sent, m.key)
                if not m.overdue:
                    events.append(ClockEvent(K.MILESTONE_OVERDUE, m.due_at, 1, m.key))
                if milestone.consequence == "suspend" and milestone.grace_days is not None:
                    events.append(ClockEvent(K.MILESTONE_SUSPEND, m.due_at + timedelta(days=milestone.grace_days),
                                             2, m.key))
        if features.staff_deadlines():
            for m in s.milestones:
                if m.status == "submitted" and m.submitted_at and not m.review_escalated:
                    events.append(ClockEvent(K.REVIEW_LATE, self._due("review", m.submitted_at), 1, m.key))
            for t in s.tranches:
                if t.status == "requested" and t.requested_at and not t.approval_escalated:
                    events.append(ClockEvent(K.APPROVAL_LATE, self._due("approval", t.requested_at), 1, t.key))
            # An amendment waiting for the officer's decision (lifecycles under agreement-amendments).
            pending = s.amendments.pending if s.amendments else None
            if pending and pending.decision_due_at and not pending.escalated:
                events.append(ClockEvent(K.AMENDMENT_LATE, pending.decision_due_at, 1, str(pending.number)))
        report = s.settlement
        if s.phase is Phase.SETTLEMENT and report and report.due_at and report.submitted_at is None \
                and features.settlement_reminders():
            reminders("settlement_report", K.SETTLEMENT_REMINDER, report.due_at, report.reminders_sent)
            if not report.overdue:
                events.append(ClockEvent(K.SETTLEMENT_OVERDUE, report.due_at, 1))
        for c in s.collections:
            if c.status != "requested":
                continue
            reminders("refund", K.COLLECTION_REMINDER, c.due_at, c.reminders_sent, c.kind)
            if not c.overdue:
                events.append(ClockEvent(K.COLLECTION_OVERDUE, c.due_at, 1, c.kind))
        if s.phase is Phase.COMPLETED and s.closed_at:
            events.append(ClockEvent(K.PROMOTION_WINDOW_CLOSE,
                                     s.closed_at + timedelta(days=policy.promotion_window_days)))
        # A stable sort: events at one instant and order keep the order they were listed in.
        return sorted(events, key=lambda e: (e.at, e.order))

    def due_events(self, features: ClockFeatures, now: datetime) -> list[ClockEvent]:
        return [e for e in self.events(features) if e.at <= now]

    def _due(self, kind: ClockKind, start: datetime) -> datetime:
        return due_instant(self.policy, kind, start, self.state.holiday_table)


def clock_schedule(state: StartupState, policy: DeadlinePolicy) -> ClockSchedule:
    """The startup's running deadlines now, with the events its clocks will fire."""
    return ClockSchedule(state=state, policy=policy, deadlines=running_deadlines(state))

