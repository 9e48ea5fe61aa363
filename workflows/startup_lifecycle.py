"""StartupLifecycle: the whole life of one startup in one program stage.

Staff and startups act through Updates (one per action); each Update's validator holds every rule,
so a refused action leaves no trace in history. The program call decides selection by signal.
The main loop sleeps until the next clock (agreement deadline, milestone reminders, due dates,
grace periods, the promotion window) or until something changed, then projects the change into
the read model.
"""

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.commands import (
        Body,
        Command,
        DisbursementBody,
        RequestDisbursementBody,
        WaiveClawbackBody,
        ExtendDeadlineBody,
        FinalEvaluationBody,
        MatchBody,
        PromoteBody,
        ReviewMilestoneBody,
        ScoreBody,
        SignAgreementBody,
        SubmitMilestoneBody,
        SubmitSettlementBody,
        TerminateBody,
    )
    from domain.io import (
        BUSINESS_DEADLINE,
        CHECK_ELIGIBILITY,
        HOLIDAY_TABLE,
        COLLECTION_STATUS,
        REQUEST_COLLECTION,
        PAYMENT_STATUS,
        PROJECT_STARTUP,
        RECORD_BAN,
        REQUEST_PAYMENT,
        SEND_NOTIFICATION,
        START_LIFECYCLE,
        ApplicantUpdate,
        BanInput,
        BusinessDeadlineInput,
        CollectionRequest,
        CollectionResult,
        EligibilityInput,
        EligibilityResult,
        HolidayTableInput,
        LifecycleInput,
        Notification,
        PaymentOutcome,
        PaymentRequest,
        PaymentResult,
        Projection,
        SelectionDecision,
        SlotReleased,
        payment_key,
        program_workflow_id,
        startup_workflow_id,
    )
    from domain.calendar import business_deadline
    from domain.money import split_exact
    from domain.phases import FINAL_PHASES, NEXT_STAGE, Action, Phase
    from domain.program import ClockKind, ProgramDefinition
    from domain.rules import RuleViolation, check_action
    from domain.state import (
        SYSTEM_FINANCE,
        SYSTEM_PROGRAM,
        SYSTEM_TIMER,
        SYSTEM_WORKFLOW,
        Actor,
        CollectionState,
        LedgerMove,
        MilestoneState,
        Partner,
        ScoreEntry,
        Settlement,
        SpendLine,
        StartupState,
        Termination,
        TrancheState,
        Transition,
        deadline_list,
    )
    from domain.timeutil import add_calendar_days, end_of_kst_day, kst_date
    from workflows.search_attributes import (
        AX_NEXT_DEADLINE,
        AX_OVERDUE,
        AX_PHASE,
        AX_PROGRAM,
        AX_REGION,
        AX_SECTOR,
        AX_STAGE,
    )

PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5), maximum_attempts=30
)
# 5xx and timeouts are retried with backoff; a refusal by the finance system (4xx) is final.
PAYMENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=2),
    non_retryable_error_types=["PaymentRejected"],
)
# How long to wait for the finance webhook before asking the finance system directly; the wait
# doubles after each answer that says "not yet", up to a day (a refund may take weeks).
FIRST_POLL = timedelta(minutes=5)
LONGEST_POLL = timedelta(days=1)


def refuse(violation: RuleViolation) -> None:
    raise ApplicationError(violation.message, violation.details, type=violation.code, non_retryable=True)


def _activity_failure(err: ActivityError) -> str:
    cause = err.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or err)


@workflow.defn(name="StartupLifecycle")
class StartupLifecycle:
    @workflow.init
    def __init__(self, inp: LifecycleInput) -> None:
        self.program: ProgramDefinition = inp.program
        self.inp = inp
        self.s: StartupState = inp.resume or self._initial_state(inp)
        self._pending: list[Transition] = []
        self._ledger: list[LedgerMove] = []
        self._projected_version = -1
        self._wake = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._upserted: tuple[Any, ...] | None = None
        self._promotion_window_over = False
        self._staff_clocks_on: bool | None = None
        self._settlement_clock_on: bool | None = None

    @staticmethod
    def _initial_state(inp: LifecycleInput) -> StartupState:
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
            previous_startup_id=inp.promoted_from,
        )

    # ------------------------------------------------------------------ run

    @workflow.run
    async def run(self, inp: LifecycleInput) -> StartupState:
        if self.program.policy.needs_business_calendar() and self.s.holiday_table is None:
            await self._record_holidays()
        if inp.resume is None:
            await self._enter()
        # A final phase ends the lifecycle once no money is owed any more (a clawback, a refund).
        while (self.s.phase not in FINAL_PHASES or self._money_owed()) and not self._promotion_window_over:
            if self.s.phase is Phase.SELECTED and self.s.agreement_due_at is None:
                await self._plan_agreement_deadline()
            # Clear the wake flag before publishing: a change made while the projection runs
            # sets it again and is published on the next turn.
            self._wake = False
            await self._flush()
            if workflow.info().is_continue_as_new_suggested() and not self._busy():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._flush()
                workflow.continue_as_new(inp.model_copy(update={"resume": self.s}))
            wake_at = self._next_clock()
            timeout = None if wake_at is None else max(wake_at - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(lambda: self._wake, timeout=timeout)
            except asyncio.TimeoutError:
                pass
            self._on_clock()
        if workflow.patched("publish-final-transition"):
            await self._flush()  # the final transition is readable at once, not after notifications
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._busy())
        if self.s.closed_at is None:
            self.s.closed_at = workflow.now()
            self._touch()
        await self._flush()
        return self.s

    async def _enter(self) -> None:
        if self.inp.promoted_from:
            self._transition(
                self.inp.applicant,
                "promoted_in",
                Phase.SELECTED,
                request_id=self.inp.request_id,
                promoted_from=self.inp.promoted_from,
            )
            self.s.selection_notice_at = workflow.now()
            return
        self._transition(self.inp.applicant, "apply", Phase.APPLIED, request_id=self.inp.request_id,
                         task_id=self.s.task_id, company_name=self.s.company_name)
        await self._flush()  # the application is listed at once, before its checks finish
        result: EligibilityResult = await workflow.execute_activity(
            CHECK_ELIGIBILITY,
            EligibilityInput(brn=self.s.brn, program_id=self.s.program_id, at=self.s.applied_at),
            result_type=EligibilityResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PROJECTION_RETRY,
        )
        if result.eligible:
            self._transition(SYSTEM_WORKFLOW, "eligibility_check", Phase.UNDER_REVIEW)
        else:
            self.s.ineligible_reason = result.reason
            self._transition(SYSTEM_WORKFLOW, "eligibility_check", Phase.INELIGIBLE, reason=result.reason or "")
            self._notify("startup", "ineligible", "신청 자격 미달 (application ineligible)", result.reason or "")
        self._tell_program()

    async def _plan_agreement_deadline(self) -> None:
        notice = self.s.selection_notice_at or workflow.now()
        clock = self.program.policy.clock("agreement")
        if clock.unit == "business":
            due = await workflow.execute_activity(
                BUSINESS_DEADLINE,
                BusinessDeadlineInput(start=notice, business_days=clock.days),
                result_type=datetime,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=PROJECTION_RETRY,
            )
        else:
            due = self._due("agreement", notice)
        self.s.agreement_due_at = due
        self._touch()

    async def _record_holidays(self) -> None:
        """The holiday table for this lifecycle's years (six: longer than any stage lasts), asked
        once and kept in the state (and so in history): business days are then counted the same
        way on every replay, whatever the package version."""
        year = kst_date(workflow.now()).year
        self.s.holiday_table = await workflow.execute_activity(
            HOLIDAY_TABLE, HolidayTableInput(first_year=year, last_year=year + 5), result_type=list[date],
            start_to_close_timeout=timedelta(seconds=10), retry_policy=PROJECTION_RETRY)

    def _due(self, kind: ClockKind, start: datetime, days: int | None = None) -> datetime:
        """When a clock of `kind` started at `start` falls due, in its policy's unit."""
        clock = self.program.policy.clock(kind)
        length = clock.days if days is None else days
        assert length is not None, kind
        if clock.unit == "business":
            assert self.s.holiday_table is not None, "business-day clocks need the recorded holiday table"
            return business_deadline(start, length, table=frozenset(self.s.holiday_table))
        if kind in ("review", "approval"):
            return start + timedelta(days=length)  # staff clocks run from the very instant
        return add_calendar_days(start, length)

    # ------------------------------------------------------------ recording

    def _touch(self) -> None:
        self.s.version += 1
        self._wake = True

    def _transition(
        self,
        actor: Actor,
        action: str,
        to_phase: Phase | None = None,
        *,
        reason: str = "",
        request_id: str | None = None,
        **details: Any,
    ) -> None:
        before = self.s.phase
        if to_phase is not None:
            self.s.phase = to_phase
        self.s.transition_count += 1
        self._pending.append(
            Transition(
                seq=self.s.transition_count,
                at=workflow.now(),
                actor_id=actor.id,
                actor_name=actor.name,
                role=actor.role,
                action=action,
                reason=reason,
                from_phase=before,
                to_phase=self.s.phase,
                request_id=request_id,
                details=details,
            )
        )
        self._touch()

    def _record(self, cmd: Command[Any], action: Action, to_phase: Phase | None = None, **details: Any) -> None:
        self._transition(cmd.actor, action.value, to_phase, reason=cmd.body.reason,
                         request_id=cmd.request_id, **details)

    def _money(self, kind: str, amount: int, tranche: str | None = None) -> None:
        # One key per movement (a retried tranche is requested, and may fail, more than once).
        self.s.ledger_moves += 1
        key = f"{self.s.startup_id}:m{self.s.ledger_moves}"
        self._ledger.append(LedgerMove(key=key, kind=kind, amount=amount, tranche=tranche, at=workflow.now()))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _busy(self) -> bool:
        return bool(self._tasks)

    def _money_owed(self) -> bool:
        return any(c.outstanding for c in self.s.collections)

    def _notify(self, to: str, kind: str, subject: str, body: str = "") -> None:
        self.s.notifications_sent += 1
        note = Notification(
            key=f"{self.s.startup_id}:n{self.s.notifications_sent}",
            startup_id=self.s.startup_id,
            to=to,
            kind=kind,
            subject=subject,
            body=body,
        )
        self._spawn(self._send_notification(note))

    async def _send_notification(self, note: Notification) -> None:
        try:
            await workflow.execute_activity(
                SEND_NOTIFICATION, note, start_to_close_timeout=timedelta(seconds=15), retry_policy=NOTIFY_RETRY
            )
        except ActivityError as err:
            workflow.logger.warning("notification %s not delivered: %s", note.key, _activity_failure(err))

    def _tell_program(self) -> None:
        """Keep the program call's view of this applicant current (it ranks on it)."""
        if self.inp.promoted_from:
            return
        update = ApplicantUpdate(brn=self.s.brn, version=self.s.transition_count, phase=self.s.phase,
                                 average_score=self.s.average_score, score_count=len(self.s.scores))
        self._spawn(self._signal_program("applicant_changed", update))

    def _release_slot(self, reason: str) -> None:
        if not self.inp.promoted_from:
            self._spawn(self._signal_program("slot_released", SlotReleased(brn=self.s.brn, reason=reason)))

    async def _signal_program(self, name: str, arg: Any) -> None:
        handle = workflow.get_external_workflow_handle(program_workflow_id(self.s.program_id))
        try:
            await handle.signal(name, arg)
        except Exception as err:  # the program call may be over; nothing then listens
            workflow.logger.warning("program call did not take %s: %s", name, err)

    async def _flush(self) -> None:
        """Publish the state: search attributes, then the read model and audit rows."""
        self._refresh_clocks()
        visible = (self.s.phase, self.s.next_deadline.at if self.s.next_deadline else None, self.s.overdue)
        if visible != self._upserted:
            updates = [AX_PHASE.value_set(self.s.phase.value), AX_OVERDUE.value_set(self.s.overdue)]
            updates.append(AX_NEXT_DEADLINE.value_set(visible[1]) if visible[1] else AX_NEXT_DEADLINE.value_unset())
            if self._upserted is None:
                updates += [AX_PROGRAM.value_set(self.s.program_id), AX_STAGE.value_set(self.s.stage.value)]
                if self.s.sector:
                    updates.append(AX_SECTOR.value_set(self.s.sector))
                if self.s.region:
                    updates.append(AX_REGION.value_set(self.s.region))
            workflow.upsert_search_attributes(updates)
            self._upserted = visible
        if self.s.version == self._projected_version and not self._pending and not self._ledger:
            return
        self.s.observed_at = workflow.now()
        projection = Projection(state=self.s.model_copy(deep=True), transitions=self._pending, ledger=self._ledger)
        self._pending, self._ledger = [], []
        await workflow.execute_activity(
            PROJECT_STARTUP, projection, start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY
        )
        self._projected_version = projection.state.version

    # --------------------------------------------------------------- clocks

    def _refresh_clocks(self) -> None:
        running = deadline_list(self.s)
        self.s.next_deadline = running[0] if running else None
        self.s.overdue = any(m.open and m.overdue for m in self.s.milestones)

    def _clock_events(self) -> list[tuple[Any, int, str, str | None]]:
        """(instant, order, kind, subject) of everything a clock will do next."""
        s, policy = self.s, self.program.policy
        events: list[tuple[Any, int, str, str | None]] = []
        if s.phase in (Phase.SELECTED, Phase.MATCHED) and s.agreement_due_at:
            events += [(at, 0, "agreement_reminder", None)
                       for at in self._reminder_instants("agreement", s.agreement_due_at, s.agreement_reminders_sent)]
            events.append((s.agreement_due_at, 0, "agreement_lapse", None))
        if s.phase in (Phase.CONTRACTED, Phase.IN_POC):
            milestone = policy.clock("milestone")
            for m in s.milestones:
                if not m.open:
                    continue
                events += [(at, 0, "reminder", m.key)
                           for at in self._reminder_instants("milestone", m.due_at, m.reminders_sent)]
                if not m.overdue:
                    events.append((m.due_at, 1, "overdue", m.key))
                if milestone.consequence == "suspend" and milestone.grace_days is not None:
                    events.append((m.due_at + timedelta(days=milestone.grace_days), 2, "suspend", m.key))
        if self._staff_clocks():
            for m in s.milestones:
                if m.status == "submitted" and m.submitted_at and not m.review_escalated:
                    events.append((self._due("review", m.submitted_at), 1, "review_late", m.key))
            for t in s.tranches:
                if t.status == "requested" and t.requested_at and not t.approval_escalated:
                    events.append((self._due("approval", t.requested_at), 1, "approval_late", t.key))
        report = s.settlement
        if s.phase is Phase.SETTLEMENT and report and report.due_at and report.submitted_at is None \
                and self._settlement_clock():
            events += [(at, 0, "settlement_reminder", None)
                       for at in self._reminder_instants("settlement_report", report.due_at, report.reminders_sent)]
            if not report.overdue:
                events.append((report.due_at, 1, "settlement_overdue", None))
        for c in s.collections:
            if c.status != "requested":
                continue
            events += [(at, 0, "collection_reminder", c.kind)
                       for at in self._reminder_instants("refund", c.due_at, c.reminders_sent)]
            if not c.overdue:
                events.append((c.due_at, 1, "collection_overdue", c.kind))
        if s.phase is Phase.COMPLETED and s.closed_at:
            events.append((s.closed_at + timedelta(days=policy.promotion_window_days), 0, "close", None))
        return sorted(events, key=lambda e: (e[0], e[1]))

    def _reminder_instants(self, kind: ClockKind, due_at: datetime, sent: list[int]) -> list[datetime]:
        return [due_at - timedelta(days=d) for d in self.program.policy.clock(kind).reminder_days_before
                if d not in sent]

    def _take_reminder(self, kind: ClockKind, due_at: datetime, sent: list[int], now: datetime) -> int | None:
        """Mark (in `sent`) every reminder whose instant has passed; the nearest one is the one to
        send (older ones that were missed are not repeated). None when none is left."""
        passed = [d for d in self.program.policy.clock(kind).reminder_days_before
                  if d not in sent and due_at - timedelta(days=d) <= now]
        if not passed:
            return None
        sent[:] = sorted(set(sent) | set(passed), reverse=True)
        return min(passed)

    def _escalate(self, kind: ClockKind, event: str, subject: str, body: str = "") -> None:
        for to in self.program.policy.clock(kind).escalate_to:
            self._notify(to, event, subject, body)

    def _settlement_clock(self) -> bool:
        # Reminders and escalation of the settlement report came after lifecycles were open.
        if self._settlement_clock_on is None:
            self._settlement_clock_on = workflow.patched("settlement-clock")
        return self._settlement_clock_on

    def _staff_clocks(self) -> bool:
        # Added while lifecycles were open: their histories have no such timers.
        if self._staff_clocks_on is None:
            self._staff_clocks_on = workflow.patched("staff-deadlines")
        return self._staff_clocks_on

    def _next_clock(self) -> Any:
        events = self._clock_events()
        return events[0][0] if events else None

    def _on_clock(self) -> None:
        now = workflow.now()
        for at, _, kind, subject in self._clock_events():
            if at > now:
                break
            m = self.s.milestone(subject) if subject and kind in ("reminder", "overdue", "suspend") else None
            owed = self.s.collection(subject) if subject and kind.startswith("collection_") else None
            in_poc = self.s.phase in (Phase.CONTRACTED, Phase.IN_POC)
            if kind == "agreement_lapse" and self.s.phase in (Phase.SELECTED, Phase.MATCHED):
                self._transition(SYSTEM_TIMER, "agreement_lapsed", Phase.CANCELLED,
                                 reason="agreement not signed by its deadline",
                                 due_at=self.s.agreement_due_at.isoformat())
                self._notify("startup", "selection_cancelled", "협약 기한 경과로 선정 취소 (selection cancelled)")
                self._escalate("agreement", "agreement_lapsed", f"{self.s.company_name}: agreement lapsed")
                self._release_slot("agreement lapsed")
            elif kind == "agreement_reminder" and self.s.phase in (Phase.SELECTED, Phase.MATCHED):
                days = self._take_reminder("agreement", self.s.agreement_due_at, self.s.agreement_reminders_sent, now)
                if days is None:
                    continue
                self._notify("startup", "agreement_reminder", f"협약 마감 {days}일 전 (agreement due in {days} day(s))")
                self._touch()
            elif kind == "reminder" and m and m.open and in_poc:
                days = self._take_reminder("milestone", m.due_at, m.reminders_sent, now)
                if days is None:
                    continue  # an earlier event of this turn already sent it
                self._notify("startup", "milestone_reminder", f"{m.title}: due in {days} day(s) (마감 {days}일 전)")
                self._touch()
            elif kind == "overdue" and m and m.open and not m.overdue and in_poc:
                m.overdue = True
                self._transition(SYSTEM_TIMER, "milestone_overdue", milestone=m.key, due_at=m.due_at.isoformat())
                self._escalate("milestone", "milestone_overdue", f"{self.s.company_name}: {m.title} overdue")
            elif kind == "suspend" and m and m.open and in_poc:
                self._suspend(SYSTEM_TIMER, "suspend", f"{m.title} overdue past the grace period", None,
                              milestone=m.key)
            elif kind == "review_late" and subject and (late := self.s.milestone(subject)) \
                    and late.status == "submitted" and not late.review_escalated:
                late.review_escalated = True
                self._transition(SYSTEM_TIMER, "review_overdue", milestone=late.key,
                                 submitted_at=late.submitted_at.isoformat())
                self._escalate("review", "review_overdue",
                               f"{self.s.company_name}: {late.title} waits for review since "
                               f"{late.submitted_at:%Y-%m-%d}")
            elif kind == "approval_late" and subject and (waiting := self.s.tranche(subject)) \
                    and waiting.status == "requested" and not waiting.approval_escalated:
                waiting.approval_escalated = True
                self._transition(SYSTEM_TIMER, "approval_overdue", tranche=waiting.key,
                                 requested_at=waiting.requested_at.isoformat())
                self._escalate("approval", "approval_overdue",
                               f"{self.s.company_name}: {waiting.label} waits for approval since "
                               f"{waiting.requested_at:%Y-%m-%d}")
            elif kind == "settlement_reminder" and (report := self.s.settlement) and report.submitted_at is None:
                days = self._take_reminder("settlement_report", report.due_at, report.reminders_sent, now)
                if days is None:
                    continue
                self._notify("startup", "settlement_reminder", f"정산 보고 마감 {days}일 전 (settlement report due "
                             f"in {days} day(s))")
                self._touch()
            elif kind == "settlement_overdue" and (report := self.s.settlement) and report.submitted_at is None \
                    and not report.overdue:
                report.overdue = True
                self._transition(SYSTEM_TIMER, "settlement_report_overdue", due_at=report.due_at.isoformat())
                self._escalate("settlement_report", "settlement_report_overdue",
                               f"{self.s.company_name}: settlement report overdue")
            elif kind == "collection_reminder" and owed and owed.status == "requested":
                days = self._take_reminder("refund", owed.due_at, owed.reminders_sent, now)
                if days is None:
                    continue
                self._notify("startup", f"{owed.kind}_reminder",
                             f"₩{owed.amount:,} {owed.kind} due in {days} day(s) (납부 기한 {days}일 전)")
                self._touch()
            elif kind == "collection_overdue" and owed and owed.status == "requested" and not owed.overdue:
                owed.overdue = True
                self._transition(SYSTEM_TIMER, f"{owed.kind}_overdue", amount=owed.amount,
                                 due_at=owed.due_at.isoformat())
                self._escalate("refund", f"{owed.kind}_overdue",
                               f"{self.s.company_name}: ₩{owed.amount:,} {owed.kind} overdue")
            elif kind == "close":
                self._promotion_window_over = True

    # --------------------------------------------------------------- signals

    @workflow.signal(name="selection_decided")
    def selection_decided(self, decision: SelectionDecision) -> None:
        allowed = {
            Phase.UNDER_REVIEW: {"selected", "waitlisted", "rejected"},
            Phase.WAITLISTED: {"selected", "rejected"},
        }
        if decision.decision not in allowed.get(self.s.phase, set()):
            workflow.logger.warning("selection %s ignored in phase %s", decision.decision, self.s.phase)
            return
        to_phase = {"selected": Phase.SELECTED, "waitlisted": Phase.WAITLISTED, "rejected": Phase.REJECTED}
        if decision.decision == "selected":
            self.s.selection_notice_at = workflow.now()
            self.s.agreement_due_at = None
        self._transition(SYSTEM_PROGRAM, "selection", to_phase[decision.decision], reason=decision.reason,
                         rank=decision.rank, reoffer=decision.reoffer)
        self._notify("startup", f"selection_{decision.decision}", f"선정 결과: {decision.decision}")

    @workflow.signal(name="payment_outcome")
    def payment_outcome(self, outcome: PaymentOutcome) -> None:
        if outcome.status == "received":
            owed = next((c for c in self.s.collections
                         if payment_key(self.s.program_id, self.s.brn, c.kind) == outcome.idempotency_key), None)
            if owed is not None:
                self._received(owed, outcome.payment_id)
            return
        tranche = next((t for t in self.s.tranches
                        if payment_key(self.s.program_id, self.s.brn, t.key) == outcome.idempotency_key), None)
        if tranche is None or tranche.status not in ("approved", "paying"):
            return  # unknown, late or repeated news: the ledger already holds the truth
        if outcome.status == "paid":
            self._paid(tranche, outcome.payment_id)
        else:
            self._payment_failed(tranche, outcome.reason or "refused by the finance system")

    # --------------------------------------------------------------- queries

    @workflow.query(name="state")
    def state(self) -> StartupState:
        running = deadline_list(self.s)
        return self.s.model_copy(update={
            "next_deadline": running[0] if running else None,
            "overdue": any(m.open and m.overdue for m in self.s.milestones),
        })

    # --------------------------------------------------------------- updates
    # Each action: the validator checks role and phase (domain.rules) and then the action's own
    # rules; the handler only applies the change.

    def _check(self, action: Action, cmd: Command[Any]) -> None:
        try:
            check_action(self.s, action, cmd.actor)
            getattr(self, f"_rules_{action.name.lower()}")(cmd)
        except RuleViolation as violation:
            refuse(violation)

    # score
    @workflow.update(name="score")
    async def score(self, cmd: Command[ScoreBody]) -> StartupState:
        self.s.scores.append(ScoreEntry(evaluator_id=cmd.actor.id, round=cmd.body.round,
                                        score=cmd.body.score, at=workflow.now()))
        self.s.average_score = round(sum(e.score for e in self.s.scores) / len(self.s.scores), 2)
        self._record(cmd, Action.SCORE, round=cmd.body.round, score=cmd.body.score)
        self._tell_program()
        return self.s

    @score.validator
    def _v_score(self, cmd: Command[ScoreBody]) -> None:
        self._check(Action.SCORE, cmd)

    def _no_conflict(self, cmd: Command[Any]) -> None:
        involved = {self.s.brn, *(p.brn for p in self.s.partners)}
        if involved & set(cmd.conflicts):
            raise RuleViolation("forbidden", "conflict of interest (이해충돌): this evaluator declared a conflict "
                                "with this startup or its SME partner", {"rule": "conflict_of_interest"})

    def _rules_score(self, cmd: Command[ScoreBody]) -> None:
        self._no_conflict(cmd)
        if any(e.evaluator_id == cmd.actor.id and e.round == cmd.body.round for e in self.s.scores):
            raise RuleViolation("conflict", f"this evaluator already scored the {cmd.body.round} round",
                                {"rule": "one_score_per_round"})

    # match
    @workflow.update(name="match")
    async def match(self, cmd: Command[MatchBody]) -> StartupState:
        self.s.partners = [Partner(**p.model_dump()) for p in cmd.body.partners]
        self.s.consortium = len(self.s.partners) > 1
        self._record(cmd, Action.MATCH, Phase.MATCHED, partners=[p.name for p in self.s.partners],
                     consortium=self.s.consortium)
        return self.s

    @match.validator
    def _v_match(self, cmd: Command[MatchBody]) -> None:
        self._check(Action.MATCH, cmd)

    def _rules_match(self, cmd: Command[MatchBody]) -> None:
        if any(p.brn == self.s.brn for p in cmd.body.partners):
            raise RuleViolation("validation_error", "the startup cannot be its own SME partner",
                                {"field": "partners", "rule": "partner_is_another_company"})

    # sign-agreement
    @workflow.update(name="sign-agreement")
    async def sign_agreement(self, cmd: Command[SignAgreementBody]) -> StartupState:
        now = workflow.now()
        self.s.agreement_signed_at = now
        amounts = self.program.tranche_amounts()
        self.s.tranches = [
            TrancheState(key=t.key, label=t.label, amount=amounts[t.key], trigger=t.trigger,
                         status="due" if t.trigger == "agreement" else "locked", splits=self._splits(amounts[t.key]))
            for t in self.program.tranches
        ]
        self.s.milestones = []
        for rule in self.program.milestones:
            due = self._due("milestone", now, rule.days_after_agreement)
            self.s.milestones.append(MilestoneState(key=rule.key, title=rule.title, due_at=due, original_due_at=due))
        self._money("committed", self.s.grant_amount)
        self._record(cmd, Action.SIGN_AGREEMENT, Phase.CONTRACTED, agreement_no=cmd.body.agreement_no,
                     grant_amount=self.s.grant_amount)
        self._notify("startup", "agreement_signed", "협약 체결 (agreement signed)")
        return self.s

    def _splits(self, amount: int) -> dict[str, int]:
        members = [p for p in self.s.partners if p.share_percent]
        if not self.s.consortium or not members:
            return {}
        return dict(zip([p.brn for p in members], split_exact(amount, [p.share_percent for p in members])))

    @sign_agreement.validator
    def _v_sign_agreement(self, cmd: Command[SignAgreementBody]) -> None:
        self._check(Action.SIGN_AGREEMENT, cmd)

    def _rules_sign_agreement(self, cmd: Command[SignAgreementBody]) -> None:
        pass  # phase `matched` already guarantees a partner

    # request-disbursement
    @workflow.update(name="request-disbursement")
    async def request_disbursement(self, cmd: Command[RequestDisbursementBody]) -> StartupState:
        tranche = self.s.tranche(cmd.body.tranche)
        retry = tranche.status == "payment_failed"
        tranche.status, tranche.requested_by, tranche.requested_at = "requested", cmd.actor.id, workflow.now()
        tranche.approved_by = tranche.approved_at = tranche.failure = None
        if cmd.body.account:
            self.s.bank_account = cmd.body.account
        self._money("requested", tranche.amount, tranche.key)
        self._record(cmd, Action.REQUEST_DISBURSEMENT, tranche=tranche.key, amount=tranche.amount, retry=retry,
                     account=self.s.bank_account)
        self._notify("finance_officer", "disbursement_requested", f"{self.s.company_name}: {tranche.label} requested")
        return self.s

    @request_disbursement.validator
    def _v_request_disbursement(self, cmd: Command[RequestDisbursementBody]) -> None:
        self._check(Action.REQUEST_DISBURSEMENT, cmd)

    def _rules_request_disbursement(self, cmd: Command[RequestDisbursementBody]) -> None:
        tranche = self._known_tranche(cmd.body.tranche)
        if tranche.status == "locked":
            raise RuleViolation("conflict", f"tranche {tranche.key} is not due yet: its trigger "
                                f"({tranche.trigger}) has not happened", {"rule": "tranche_trigger"})
        if tranche.status not in ("due", "payment_failed"):
            raise RuleViolation("conflict", f"tranche {tranche.key} is already {tranche.status}",
                                {"rule": "one_request_per_tranche", "status": tranche.status})

    def _known_tranche(self, key: str) -> TrancheState:
        tranche = self.s.tranche(key)
        if tranche is None:
            raise RuleViolation("validation_error", f"unknown tranche {key!r}",
                                {"field": "tranche", "known": [t.key for t in self.s.tranches]})
        return tranche

    # approve-disbursement
    @workflow.update(name="approve-disbursement")
    async def approve_disbursement(self, cmd: Command[DisbursementBody]) -> StartupState:
        tranche = self.s.tranche(cmd.body.tranche)
        tranche.status, tranche.approved_by, tranche.approved_at = "approved", cmd.actor.id, workflow.now()
        self._money("approved", tranche.amount, tranche.key)
        self._record(cmd, Action.APPROVE_DISBURSEMENT, tranche=tranche.key, amount=tranche.amount,
                     requested_by=tranche.requested_by)
        self._spawn(self._pay(tranche))
        return self.s

    @approve_disbursement.validator
    def _v_approve_disbursement(self, cmd: Command[DisbursementBody]) -> None:
        self._check(Action.APPROVE_DISBURSEMENT, cmd)

    def _rules_approve_disbursement(self, cmd: Command[DisbursementBody]) -> None:
        tranche = self._known_tranche(cmd.body.tranche)
        if tranche.status != "requested":
            raise RuleViolation("conflict", f"tranche {tranche.key} is {tranche.status}, not requested",
                                {"rule": "approve_after_request", "status": tranche.status})
        if tranche.requested_by == cmd.actor.id:
            raise RuleViolation("forbidden", "four-eyes rule: the requester of a disbursement cannot approve it",
                                {"rule": "four_eyes"})

    async def _pay(self, tranche: TrancheState) -> None:
        tranche.status = "paying"
        self._touch()
        request = PaymentRequest(
            idempotency_key=payment_key(self.s.program_id, self.s.brn, tranche.key),
            program_id=self.s.program_id, startup_id=self.s.startup_id, brn=self.s.brn,
            tranche=tranche.key, amount=tranche.amount, account=self.s.bank_account,
        )
        try:
            result: PaymentResult = await workflow.execute_activity(
                REQUEST_PAYMENT, request, result_type=PaymentResult,
                # A lost worker is noticed after this long; the retry then meets the same key.
                start_to_close_timeout=timedelta(seconds=10), retry_policy=PAYMENT_RETRY,
            )
        except ActivityError as err:
            self._payment_failed(tranche, _activity_failure(err))
            return
        tranche.payment_id = tranche.payment_id or result.payment_id
        if result.status == "paid":
            self._paid(tranche, result.payment_id)
        elif result.status == "failed":
            self._payment_failed(tranche, result.reason)
        # Accepted: the outcome comes by the finance webhook, or by asking when none comes.
        async def ask() -> None:
            polled: PaymentResult = await workflow.execute_activity(
                PAYMENT_STATUS, request, result_type=PaymentResult,
                start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY,
            )
            if polled.status == "paid":
                self._paid(tranche, polled.payment_id)
            elif polled.status == "failed":
                self._payment_failed(tranche, polled.reason)

        await self._await_finance(lambda: tranche.status != "paying", ask)

    @staticmethod
    async def _await_finance(settled: Any, ask: Any) -> None:
        interval = FIRST_POLL
        while not settled():
            try:
                await workflow.wait_condition(settled, timeout=interval)
            except asyncio.TimeoutError:
                await ask()
                interval = min(interval * 2, LONGEST_POLL)

    def _paid(self, tranche: TrancheState, payment_id: str) -> None:
        if tranche.status == "paid":
            return
        tranche.status, tranche.payment_id, tranche.paid_at = "paid", payment_id, workflow.now()
        self._money("paid", tranche.amount, tranche.key)
        starts_poc = self.s.phase is Phase.CONTRACTED
        self._transition(SYSTEM_FINANCE, "payment_received", Phase.IN_POC if starts_poc else None,
                         tranche=tranche.key, amount=tranche.amount, payment_id=payment_id)
        self._notify("startup", "payment_received", f"{tranche.label} paid: ₩{tranche.amount:,}")

    def _payment_failed(self, tranche: TrancheState, reason: str) -> None:
        tranche.status, tranche.failure = "payment_failed", reason
        self._money("failed", tranche.amount, tranche.key)
        self._transition(SYSTEM_FINANCE, "payment_failed", reason=reason, tranche=tranche.key, amount=tranche.amount)
        self._notify("program_officer", "payment_failed", f"{self.s.company_name}: {tranche.label} failed", reason)

    def _owe(self, kind: str, amount: int, opened_by: str, waiver: bool = False) -> None:
        """Open a collection of money owed back: asked of the finance system at once, or first put
        to a finance officer when it may be waived."""
        owed = CollectionState(
            kind=kind, amount=amount, status="waiver_requested" if waiver else "requested", opened_by=opened_by,
            due_at=self._due("refund", workflow.now()),
        )
        self.s.collections.append(owed)
        self._money(f"{kind}_due", amount)
        if not waiver:
            self._spawn(self._collect(owed))
            self._notify("startup", f"{kind}_due", f"₩{amount:,} {kind} due by {owed.due_at:%Y-%m-%d} (반납/환수)")

    async def _collect(self, owed: CollectionState) -> None:
        request = CollectionRequest(
            idempotency_key=payment_key(self.s.program_id, self.s.brn, owed.kind), program_id=self.s.program_id,
            startup_id=self.s.startup_id, brn=self.s.brn, kind=owed.kind, amount=owed.amount, due_at=owed.due_at,
        )
        result: CollectionResult = await workflow.execute_activity(
            REQUEST_COLLECTION, request, result_type=CollectionResult,
            start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY,
        )
        owed.payment_id = result.collection_id
        if result.status == "received":
            self._received(owed, result.collection_id)

        async def ask() -> None:
            polled: CollectionResult = await workflow.execute_activity(
                COLLECTION_STATUS, request, result_type=CollectionResult,
                start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY,
            )
            if polled.status == "received":
                self._received(owed, polled.collection_id)

        await self._await_finance(lambda: owed.status != "requested", ask)

    def _received(self, owed: CollectionState, payment_id: str) -> None:
        if owed.status != "requested":
            return
        owed.status, owed.received_at, owed.payment_id = "received", workflow.now(), payment_id
        self._money("refunded" if owed.kind == "refund" else "clawed_back", owed.amount)
        settles = owed.kind == "refund" and self.s.phase is Phase.SETTLEMENT
        if settles:
            self.s.closed_at = workflow.now()
        self._transition(SYSTEM_FINANCE, f"{owed.kind}_received", Phase.COMPLETED if settles else None,
                         amount=owed.amount, payment_id=payment_id)
        self._notify("finance_officer", f"{owed.kind}_received", f"{self.s.company_name}: ₩{owed.amount:,} received")

    # submit-milestone
    @workflow.update(name="submit-milestone")
    async def submit_milestone(self, cmd: Command[SubmitMilestoneBody]) -> StartupState:
        m = self.s.milestone(cmd.body.milestone)
        m.status, m.deliverable, m.submitted_at = "submitted", cmd.body.deliverable, workflow.now()
        m.submissions += 1
        self._record(cmd, Action.SUBMIT_MILESTONE, milestone=m.key, deliverable=m.deliverable,
                     submission=m.submissions, on_time=workflow.now() <= m.due_at)
        self._notify("program_officer", "milestone_submitted", f"{self.s.company_name}: {m.title} submitted")
        return self.s

    @submit_milestone.validator
    def _v_submit_milestone(self, cmd: Command[SubmitMilestoneBody]) -> None:
        self._check(Action.SUBMIT_MILESTONE, cmd)

    def _rules_submit_milestone(self, cmd: Command[SubmitMilestoneBody]) -> None:
        m = self._known_milestone(cmd.body.milestone)
        if not m.open:
            raise RuleViolation("conflict", f"milestone {m.key} is {m.status}; nothing to submit",
                                {"rule": "submit_open_milestone", "status": m.status})

    def _known_milestone(self, key: str) -> MilestoneState:
        m = self.s.milestone(key)
        if m is None:
            raise RuleViolation("validation_error", f"unknown milestone {key!r}",
                                {"field": "milestone", "known": [x.key for x in self.s.milestones]})
        return m

    # review-milestone
    @workflow.update(name="review-milestone")
    async def review_milestone(self, cmd: Command[ReviewMilestoneBody]) -> StartupState:
        m, now = self.s.milestone(cmd.body.milestone), workflow.now()
        m.reviewed_by, m.review_note = cmd.actor.id, cmd.body.reason
        if cmd.body.decision == "accept":
            m.status, m.accepted_at, m.overdue = "accepted", now, False
            unlocked = [t.key for t in self.s.tranches if t.trigger == m.key and t.status == "locked"]
            for t in self.s.tranches:
                if t.key in unlocked:
                    t.status = "due"
            done = all(x.status == "accepted" for x in self.s.milestones)
            self._record(cmd, Action.REVIEW_MILESTONE, Phase.FINAL_REVIEW if done else None, milestone=m.key,
                         decision="accept", on_time=(m.submitted_at or now) <= m.due_at, tranches_due=unlocked)
        else:
            revised_due = end_of_kst_day(cmd.body.revise_due_on) if cmd.body.revise_due_on \
                else self._due("revision", now)
            before = m.due_at
            m.status, m.due_at, m.overdue, m.reminders_sent = "revision_requested", revised_due, False, []
            self._record(cmd, Action.REVIEW_MILESTONE, milestone=m.key, decision="revise",
                         due_from=before.isoformat(), due_to=m.due_at.isoformat())
        self._notify("startup", f"milestone_{cmd.body.decision}", f"{m.title}: {cmd.body.decision}")
        return self.s

    @review_milestone.validator
    def _v_review_milestone(self, cmd: Command[ReviewMilestoneBody]) -> None:
        self._check(Action.REVIEW_MILESTONE, cmd)

    def _rules_review_milestone(self, cmd: Command[ReviewMilestoneBody]) -> None:
        m = self._known_milestone(cmd.body.milestone)
        if m.status != "submitted":
            raise RuleViolation("conflict", f"milestone {m.key} is {m.status}, not submitted",
                                {"rule": "review_submitted_milestone", "status": m.status})
        if cmd.body.revise_due_on and cmd.body.revise_due_on <= kst_date(workflow.now()):
            raise RuleViolation("validation_error", "revise_due_on must be a future date (KST)",
                                {"field": "revise_due_on", "rule": "future_date"})

    # extend-deadline
    @workflow.update(name="extend-deadline")
    async def extend_deadline(self, cmd: Command[ExtendDeadlineBody]) -> StartupState:
        new_due = end_of_kst_day(cmd.body.new_due_on)
        if cmd.body.deadline == "agreement":
            before = self.s.agreement_due_at
            self.s.agreement_due_at = new_due
            moved = {"agreement": [before.isoformat(), new_due.isoformat()]}
        else:
            m = self.s.milestone(cmd.body.deadline)
            before, shift = m.due_at, new_due - m.due_at
            moved = {}
            for other in self.s.milestones:
                later = other.open and other.due_at > before and cmd.body.shift_later
                if other is m or later:
                    old = other.due_at
                    other.due_at = new_due if other is m else other.due_at + shift
                    other.overdue, other.reminders_sent = False, []
                    moved[other.key] = [old.isoformat(), other.due_at.isoformat()]
                    if self.s.phase is Phase.SUSPENDED:
                        other.set_while_suspended = True
        self._record(cmd, Action.EXTEND_DEADLINE, deadline=cmd.body.deadline, moved=moved)
        self._notify("startup", "deadline_extended", f"{cmd.body.deadline}: due {cmd.body.new_due_on}")
        return self.s

    @extend_deadline.validator
    def _v_extend_deadline(self, cmd: Command[ExtendDeadlineBody]) -> None:
        self._check(Action.EXTEND_DEADLINE, cmd)

    def _rules_extend_deadline(self, cmd: Command[ExtendDeadlineBody]) -> None:
        if cmd.body.deadline == "agreement":
            if self.s.phase not in (Phase.SELECTED, Phase.MATCHED) or self.s.agreement_due_at is None:
                raise RuleViolation("conflict", "there is no running agreement deadline",
                                    {"field": "deadline", "rule": "running_deadline"})
            current = self.s.agreement_due_at
        else:
            m = self._known_milestone(cmd.body.deadline)
            if not m.open:
                raise RuleViolation("conflict", f"milestone {m.key} is {m.status}; its deadline is not running",
                                    {"field": "deadline", "rule": "running_deadline"})
            current = m.due_at
        if end_of_kst_day(cmd.body.new_due_on) <= current:
            raise RuleViolation("validation_error", "new_due_on must be later than the current due date",
                                {"field": "new_due_on", "rule": "extension_moves_later",
                                 "current_due_at": current.isoformat()})

    # suspend / resume
    @workflow.update(name="suspend")
    async def suspend(self, cmd: Command[Body]) -> StartupState:
        self._suspend(cmd.actor, Action.SUSPEND.value, cmd.body.reason, cmd.request_id)
        return self.s

    def _suspend(self, actor: Actor, action: str, reason: str, request_id: str | None, **details: Any) -> None:
        self.s.suspended_at, self.s.suspended_from = workflow.now(), self.s.phase
        self._transition(actor, action, Phase.SUSPENDED, reason=reason, request_id=request_id, **details)
        self._notify("startup", "suspended", "사업 중지 (suspended)", reason)

    @suspend.validator
    def _v_suspend(self, cmd: Command[Body]) -> None:
        self._check(Action.SUSPEND, cmd)

    def _rules_suspend(self, cmd: Command[Body]) -> None:
        pass

    @workflow.update(name="resume")
    async def resume(self, cmd: Command[Body]) -> StartupState:
        paused = workflow.now() - self.s.suspended_at
        # Every clock restarts with the time it had left when the startup was suspended, except a
        # due date an officer set during the suspension: that one is meant as written.
        for m in self.s.milestones:
            if m.open and not m.set_while_suspended:
                m.due_at += paused
            m.set_while_suspended = False
        back_to = self.s.suspended_from or Phase.IN_POC
        self.s.suspended_at = self.s.suspended_from = None
        self._record(cmd, Action.RESUME, back_to, paused_seconds=int(paused.total_seconds()))
        return self.s

    @resume.validator
    def _v_resume(self, cmd: Command[Body]) -> None:
        self._check(Action.RESUME, cmd)

    def _rules_resume(self, cmd: Command[Body]) -> None:
        milestone = self.program.policy.clock("milestone")
        if milestone.consequence != "suspend" or milestone.grace_days is None:
            return
        grace = timedelta(days=milestone.grace_days)
        for m in self.s.milestones:
            if m.open and not m.set_while_suspended and m.due_at + grace <= self.s.suspended_at:
                raise RuleViolation("conflict", f"milestone {m.key} is past its grace period: "
                                    "extend its deadline before resuming",
                                    {"rule": "extend_before_resume", "milestone": m.key})

    # final-evaluation
    @workflow.update(name="final-evaluation")
    async def final_evaluation(self, cmd: Command[FinalEvaluationBody]) -> StartupState:
        self.s.final_score, self.s.final_grade = cmd.body.score, cmd.body.grade
        self.s.settlement = Settlement(
            due_at=self._due("settlement_report", workflow.now()))
        self._record(cmd, Action.FINAL_EVALUATION, Phase.SETTLEMENT, score=cmd.body.score, grade=cmd.body.grade)
        self._notify("startup", "settlement_open", "정산 보고 요청 (settlement report due)")
        return self.s

    @final_evaluation.validator
    def _v_final_evaluation(self, cmd: Command[FinalEvaluationBody]) -> None:
        self._check(Action.FINAL_EVALUATION, cmd)

    def _rules_final_evaluation(self, cmd: Command[FinalEvaluationBody]) -> None:
        self._no_conflict(cmd)  # phase `final_review` already means every milestone is accepted

    # submit-settlement
    @workflow.update(name="submit-settlement")
    async def submit_settlement(self, cmd: Command[SubmitSettlementBody]) -> StartupState:
        lines = [SpendLine(item=line.item, amount=line.amount) for line in cmd.body.lines]
        st = self.s.settlement
        st.lines, st.spent = lines, sum(line.amount for line in lines)
        st.submitted_by, st.submitted_at = cmd.actor.id, workflow.now()
        self._record(cmd, Action.SUBMIT_SETTLEMENT, spent=st.spent, lines=len(lines))
        self._notify("finance_officer", "settlement_submitted", f"{self.s.company_name}: settlement submitted")
        return self.s

    @submit_settlement.validator
    def _v_submit_settlement(self, cmd: Command[SubmitSettlementBody]) -> None:
        self._check(Action.SUBMIT_SETTLEMENT, cmd)

    def _rules_submit_settlement(self, cmd: Command[SubmitSettlementBody]) -> None:
        spent = sum(line.amount for line in cmd.body.lines)
        if spent > self.s.paid_total:
            raise RuleViolation("validation_error", f"spent ₩{spent:,} exceeds the ₩{self.s.paid_total:,} paid",
                                {"field": "lines", "rule": "spent_at_most_paid", "paid": self.s.paid_total})

    # approve-settlement
    @workflow.update(name="approve-settlement")
    async def approve_settlement(self, cmd: Command[Body]) -> StartupState:
        st, now = self.s.settlement, workflow.now()
        st.approved_by, st.approved_at = cmd.actor.id, now
        st.refund_due = self.s.paid_total - st.spent
        if st.refund_due and workflow.patched("collect-refunds"):
            # The settlement completes when the refund (반납) arrives, not when it is approved.
            self._record(cmd, Action.APPROVE_SETTLEMENT, spent=st.spent, refund_due=st.refund_due)
            self._owe("refund", st.refund_due, cmd.actor.id)
            return self.s
        if st.refund_due:
            self._money("refund_due", st.refund_due)
        self.s.closed_at = now
        self._record(cmd, Action.APPROVE_SETTLEMENT, Phase.COMPLETED, spent=st.spent, refund_due=st.refund_due)
        self._notify("startup", "settlement_approved",
                     f"정산 승인; refund due ₩{st.refund_due:,}" if st.refund_due else "정산 승인 (no refund)")
        return self.s

    @approve_settlement.validator
    def _v_approve_settlement(self, cmd: Command[Body]) -> None:
        self._check(Action.APPROVE_SETTLEMENT, cmd)

    def _rules_approve_settlement(self, cmd: Command[Body]) -> None:
        st = self.s.settlement
        if st is None or st.submitted_at is None:
            raise RuleViolation("conflict", "no settlement report has been submitted", {"rule": "report_first"})
        if st.approved_at is not None:
            raise RuleViolation("conflict", "the settlement is approved; its refund is awaited",
                                {"rule": "approve_once"})
        if st.submitted_by == cmd.actor.id:
            raise RuleViolation("forbidden", "four-eyes rule: the submitter cannot approve", {"rule": "four_eyes"})

    # promote
    @workflow.update(name="promote")
    async def promote(self, cmd: Command[PromoteBody]) -> StartupState:
        target = cmd.target_program
        child_id = await workflow.execute_activity(
            START_LIFECYCLE,
            LifecycleInput(
                program=target, application=self.inp.application, applicant=cmd.actor,
                applied_at=workflow.now(), request_id=cmd.request_id, promoted_from=self.s.startup_id,
                sector=self.s.sector, region=self.s.region,
            ),
            result_type=str, start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY,
        )
        self.s.next_startup_id = child_id
        self._record(cmd, Action.PROMOTE, Phase.PROMOTED, target_program_id=target.id, target_stage=target.stage.value,
                     next_startup_id=child_id)
        self._notify("startup", "promoted", f"단계 연계: {target.name}")
        return self.s

    @promote.validator
    def _v_promote(self, cmd: Command[PromoteBody]) -> None:
        self._check(Action.PROMOTE, cmd)

    def _rules_promote(self, cmd: Command[PromoteBody]) -> None:
        target = cmd.target_program
        if target is None or target.id != cmd.body.target_program_id:
            raise RuleViolation("validation_error", "unknown target program",
                                {"field": "target_program_id", "rule": "known_program"})
        if NEXT_STAGE.get(self.s.stage) != target.stage:
            raise RuleViolation("validation_error",
                                f"a {self.s.stage.value} startup moves on to stage "
                                f"{NEXT_STAGE.get(self.s.stage, 'none')}, not {target.stage.value}",
                                {"field": "target_program_id", "rule": "next_stage"})
        if self.s.final_grade not in self.program.promotion_grades:
            raise RuleViolation("conflict", f"grade {self.s.final_grade} does not qualify for promotion "
                                f"(needs one of {', '.join(self.program.promotion_grades)})",
                                {"rule": "promotion_grade"})

    # withdraw / terminate
    @workflow.update(name="withdraw")
    async def withdraw(self, cmd: Command[Body]) -> StartupState:
        held_slot = self.s.phase in (Phase.SELECTED, Phase.MATCHED)
        paid = self.s.paid_total
        self._record(cmd, Action.WITHDRAW, Phase.WITHDRAWN, refund_due=paid)
        if paid and workflow.patched("collect-refunds"):
            self._owe("refund", paid, cmd.actor.id)  # settles like a termination, without a ban
        elif paid:
            self._money("refund_due", paid)
        self._tell_program()
        if held_slot:
            self._release_slot("withdrawn")
        return self.s

    @withdraw.validator
    def _v_withdraw(self, cmd: Command[Body]) -> None:
        self._check(Action.WITHDRAW, cmd)

    def _rules_withdraw(self, cmd: Command[Body]) -> None:
        pass

    @workflow.update(name="terminate")
    async def terminate(self, cmd: Command[TerminateBody]) -> StartupState:
        body, paid = cmd.body, self.s.paid_total
        held_slot = self.s.phase in (Phase.SELECTED, Phase.MATCHED)
        if workflow.patched("collect-clawbacks"):
            # An honest failure (성실실패) owes everything paid unless a finance officer waives it.
            clawback = paid if body.clawback_amount is None or body.honest_failure else body.clawback_amount
            self.s.termination = Termination(cause=body.cause, clawback_amount=clawback, ban_years=body.ban_years,
                                             honest_failure=body.honest_failure, at=workflow.now())
            self._record(cmd, Action.TERMINATE, Phase.TERMINATED, cause=body.cause, clawback=clawback,
                         ban_years=body.ban_years, honest_failure=body.honest_failure)
            if clawback:
                self._owe("clawback", clawback, cmd.actor.id, waiver=body.honest_failure)
            if paid - clawback:
                self._money("waived", paid - clawback)
        else:
            clawback = 0 if body.honest_failure else (paid if body.clawback_amount is None else body.clawback_amount)
            self.s.termination = Termination(cause=body.cause, clawback_amount=clawback, ban_years=body.ban_years,
                                             honest_failure=body.honest_failure, at=workflow.now())
            if clawback:
                self._money("clawback_due", clawback)
            if paid - clawback:
                self._money("waived", paid - clawback)
            self._record(cmd, Action.TERMINATE, Phase.TERMINATED, cause=body.cause, clawback=clawback,
                         ban_years=body.ban_years, honest_failure=body.honest_failure)
        if body.ban_years:
            await workflow.execute_activity(
                RECORD_BAN,
                BanInput(brn=self.s.brn, program_id=self.s.program_id, startup_id=self.s.startup_id,
                         years=body.ban_years, reason=f"{body.cause}: {body.reason}", at=workflow.now()),
                start_to_close_timeout=timedelta(seconds=30), retry_policy=PROJECTION_RETRY,
            )
        self._tell_program()
        if held_slot:
            self._release_slot("terminated")
        self._notify("startup", "terminated", "협약 해지 (agreement terminated)", body.reason)
        return self.s

    @terminate.validator
    def _v_terminate(self, cmd: Command[TerminateBody]) -> None:
        self._check(Action.TERMINATE, cmd)

    def _rules_terminate(self, cmd: Command[TerminateBody]) -> None:
        body = cmd.body
        if body.clawback_amount is not None and body.clawback_amount > self.s.paid_total:
            raise RuleViolation("validation_error",
                                f"clawback ₩{body.clawback_amount:,} exceeds the ₩{self.s.paid_total:,} paid",
                                {"field": "clawback_amount", "rule": "clawback_at_most_paid"})
        if body.honest_failure and body.clawback_amount:
            raise RuleViolation("validation_error", "an honest failure (성실실패) is spared the clawback",
                                {"field": "clawback_amount", "rule": "honest_failure_no_clawback"})

    # waive-clawback
    @workflow.update(name="waive-clawback")
    async def waive_clawback(self, cmd: Command[WaiveClawbackBody]) -> StartupState:
        owed = self.s.collection("clawback")
        owed.decided_by = cmd.actor.id
        if cmd.body.decision == "approve":
            owed.status = "waived"
            self._money("waived", owed.amount)
            self._record(cmd, Action.WAIVE_CLAWBACK, decision="approve", amount=owed.amount)
        else:
            owed.status = "requested"
            self._record(cmd, Action.WAIVE_CLAWBACK, decision="reject", amount=owed.amount)
            self._spawn(self._collect(owed))
            self._notify("startup", "clawback_due", f"₩{owed.amount:,} clawback due by {owed.due_at:%Y-%m-%d}")
        return self.s

    @waive_clawback.validator
    def _v_waive_clawback(self, cmd: Command[WaiveClawbackBody]) -> None:
        self._check(Action.WAIVE_CLAWBACK, cmd)

    def _rules_waive_clawback(self, cmd: Command[WaiveClawbackBody]) -> None:
        owed = self.s.collection("clawback")
        if owed is None or owed.status != "waiver_requested":
            raise RuleViolation("conflict", "no clawback waiver is waiting for a decision",
                                {"rule": "waiver_requested_first"})
        if owed.opened_by == cmd.actor.id:
            raise RuleViolation("forbidden", "four-eyes rule: whoever terminated cannot decide the waiver",
                                {"rule": "four_eyes"})
