"""The running lifecycle's working set: its state, the program it runs under, what is waiting to
be published, and the background tasks it has started. Every business-area module works on one."""

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.clocks import ClockSchedule, clock_schedule, due_instant
    from domain.io import LifecycleInput, startup_workflow_id
    from domain.notifications import NotificationEvent
    from domain.program import ClockKind, ProgramDefinition
    from domain.state import LedgerMove, StartupState, Transition

from workflows.lifecycle import patches


class PatchedClocks:
    """The clocks that came with a patch, asked once each (asking records the patch marker)."""

    def __init__(self) -> None:
        self._staff: bool | None = None
        self._settlement: bool | None = None

    def staff_deadlines(self) -> bool:
        # Added while lifecycles were open: their histories have no such timers.
        if self._staff is None:
            self._staff = patches.in_force(patches.STAFF_DEADLINES)
        return self._staff

    def settlement_reminders(self) -> bool:
        # Reminders and escalation of the settlement report came after lifecycles were open.
        if self._settlement is None:
            self._settlement = patches.in_force(patches.SETTLEMENT_CLOCK)
        return self._settlement


def initial_state(inp: LifecycleInput) -> StartupState:
    program, app = inp.program, inp.application
    task = program.task(app.task_id)
    return StartupState(
        startup_id=startup_workflow_id(program.id, app.brn),
        program_id=program.id,
        program_name=program.name,
        stage=program.stage,
        brn=app.brn,
        company_name=app.company_name,
        founded_on=app.founded_on,
        task_id=app.task_id if task else None,
        sector=task.sector if task else inp.sector,
        region=task.sme_region if task else inp.region,
        grant_amount=program.grant_amount,
        applied_at=inp.applied_at,
        proposal_title=app.proposal_title,
        proposal=app.proposal,
        previous_startup_id=inp.promoted_from,
    )


class LifecycleContext:
    def __init__(self, inp: LifecycleInput) -> None:
        self.inp = inp
        self.program: ProgramDefinition = inp.program
        self.state: StartupState = inp.resume or initial_state(inp)
        # Recorded but not yet written to the read model, the audit table and the ledger.
        self.pending_transitions: list[Transition] = []
        self.pending_ledger: list[LedgerMove] = []
        # Notification events for the next projection to record (patch NOTIFY_OUTBOX).
        self.pending_events: list[NotificationEvent] = []
        self.projected_version = -1
        # The state the run last projected, one fingerprint per top-level field (None before its
        # first projection): the next projection carries only the fields that differ from it.
        self.projected_marks: dict[str, bytes] | None = None
        # Set by every change; the run loop wakes on it and publishes.
        self.changed = False
        self.search_attributes_set: tuple[Any, ...] | None = None
        self.promotion_window_over = False
        self.clock_features = PatchedClocks()
        self._tasks: set[asyncio.Task[Any]] = set()

    def mark_changed(self) -> None:
        self.state.version += 1
        self.changed = True

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run work in the background (a payment, a collection, a notification, a signal); the
        lifecycle does not continue-as-new or end while any is running."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def busy(self) -> bool:
        return bool(self._tasks)

    def money_owed(self) -> bool:
        return any(c.outstanding for c in self.state.collections)

    def due(self, kind: ClockKind, start: datetime, days: int | None = None) -> datetime:
        return due_instant(self.program.policy, kind, start, self.state.holiday_table, days)

    def clocks(self) -> ClockSchedule:
        return clock_schedule(self.state, self.program.policy)

    def state_now(self) -> StartupState:
        """The state with its next deadline and overdue flag as the clocks stand now: the run loop
        stores them when it publishes, which is after an Update has answered."""
        schedule = self.clocks()
        return self.state.model_copy(update={"next_deadline": schedule.next_deadline, "overdue": schedule.overdue})

    @property
    def promoted_in(self) -> bool:
        """A lifecycle started by a promotion: the next stage has no program call to tell."""
        return bool(self.inp.promoted_from)
