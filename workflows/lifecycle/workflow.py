"""StartupLifecycle: the whole life of one startup in one program stage.

Staff and startups act through Updates (one per action). Each validator checks every rule of the
action (`domain.rules.check_command`), so a refused action leaves no trace in history; each
handler hands the change to the business area it belongs to. The program call decides selection
by signal. The run loop sleeps until the next clock or until something changed, fires the
clocks that fell due and publishes the change.
"""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import (
        AcceptAgreementBody,
        Body,
        Command,
        DisbursementBody,
        ExtendDeadlineBody,
        FinalEvaluationBody,
        MatchBody,
        PromoteBody,
        RequestDisbursementBody,
        RetryCollectionBody,
        ReviewMilestoneBody,
        ScoreBody,
        SignAgreementBody,
        SubmitMilestoneBody,
        SubmitSettlementBody,
        TerminateBody,
        WaiveClawbackBody,
    )
    from domain.io import LifecycleInput, PaymentOutcome, SelectionDecision
    from domain.phases import FINAL_PHASES, Action, Phase
    from domain.state import StartupState
    from domain.state_changes import StateAnswer

from workflows.lifecycle import (
    amendments,
    appeals,
    budget,
    clocks,
    exits,
    followup,
    milestones,
    money,
    patches,
    selection,
    settlement,
)
from workflows.lifecycle.change_updates import ChangeUpdates
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import publish


async def _wait_with_a_new_timer(ctx: LifecycleContext, clock_at: datetime | None,
                                 appeal_window: datetime | None) -> None:
    """How lifecycles started before KEEP_WAKE_TIMER wait: a timer per turn, cancelled by a change."""
    timeout = None if clock_at is None else max(clock_at - workflow.now(), timedelta(0))
    if appeal_window is not None:  # wake when a rejection's appeal window closes
        until_closed = max(appeal_window - workflow.now(), timedelta(0)) + timedelta(seconds=1)
        timeout = until_closed if timeout is None else min(timeout, until_closed)
    try:
        await workflow.wait_condition(lambda: ctx.changed, timeout=timeout)
    except TimeoutError:
        pass


@workflow.defn(name="StartupLifecycle")
class StartupLifecycle(ChangeUpdates):
    @workflow.init
    def __init__(self, inp: LifecycleInput) -> None:
        self.ctx = LifecycleContext(inp)

    @workflow.run
    async def run(self, inp: LifecycleInput) -> StartupState:
        ctx = self.ctx
        # First of all, in the run's first workflow task: a lifecycle started before the patch is
        # replaying there and answers no for the rest of its run (patches.in_force).
        patches.started_under_in_force()
        if inp.resume is None:
            selection.decide_agreement_steps(ctx)
            budget.decide_budget_ledger(ctx)
            amendments.decide_amendments(ctx)
            appeals.decide_appeals(ctx)
        if ctx.program.policy.needs_business_calendar() and ctx.state.holiday_table is None:
            await selection.record_holidays(ctx)
        if inp.resume is None:
            await selection.enter(ctx)
        timer, keep_timer = clocks.WakeTimer(), None
        # A final phase ends the lifecycle once no money is owed any more (a clawback, a refund) and,
        # under the appeals patch, once a rejection's appeal window has closed with no appeal waiting.
        while ((ctx.state.phase not in FINAL_PHASES or ctx.money_owed() or appeals.holds_open(ctx))
               and not ctx.promotion_window_over):
            if ctx.state.phase is Phase.SELECTED and ctx.state.agreement_due_at is None:
                await selection.plan_agreement_deadline(ctx)
            # Clear the flag before publishing: a change made while the projection runs sets it
            # again and is published on the next turn.
            ctx.changed = False
            await publish(ctx)
            if workflow.info().is_continue_as_new_suggested() and not ctx.busy():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await publish(ctx)
                workflow.continue_as_new(inp.model_copy(update={"resume": ctx.state}))
            events = ctx.clocks().events(ctx.clock_features)
            appeal_window = appeals.window_end(ctx) if appeals.holds_open(ctx) else None
            if keep_timer is None:
                keep_timer = patches.in_force(patches.KEEP_WAKE_TIMER)
            if keep_timer:
                if not ctx.changed:  # a change made while publishing: straight round, the timer as it is
                    wake_at = events[0].at if events else None
                    if appeal_window is not None:  # wake when a rejection's appeal window closes
                        closed = max(appeal_window, workflow.now()) + timedelta(seconds=1)
                        wake_at = closed if wake_at is None else min(wake_at, closed)
                    timer.wait_for(wake_at)
                    await workflow.wait_condition(lambda: ctx.changed or timer.rang())
            else:
                await _wait_with_a_new_timer(ctx, events[0].at if events else None, appeal_window)
            clocks.fire_due_clocks(ctx)
        timer.stop()
        if patches.in_force(patches.PUBLISH_FINAL_TRANSITION):
            await publish(ctx)  # the final transition is readable at once, not after notifications
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not ctx.busy())
        if ctx.state.closed_at is None:
            ctx.state.closed_at = workflow.now()
            ctx.mark_changed()
        await publish(ctx)
        await followup.start_followup(ctx)  # patch start-followup: the years after the program begin
        return ctx.state

    # --------------------------------------------------------------- signals and query

    @workflow.signal(name="selection_decided")
    def selection_decided(self, decision: SelectionDecision) -> None:
        before = self.state.phase
        selection.selection_decided(self.ctx, decision)
        appeals.note_selection(self.ctx, before, decision.decided_by)  # a rejection or waitlist place may be appealed

    @workflow.signal(name="payment_outcome")
    def payment_outcome(self, outcome: PaymentOutcome) -> None:
        money.payment_outcome(self.ctx, outcome)

    @workflow.query(name="state")
    def current_state(self) -> StartupState:
        return self.ctx.state_now()

    # --------------------------------------------------------------- updates

    @workflow.update(name="score")
    async def score(self, cmd: Command[ScoreBody]) -> StateAnswer:
        selection.score(self.ctx, cmd)
        return self.answer()

    @score.validator
    def _validate_score(self, cmd: Command[ScoreBody]) -> None:
        self._check(Action.SCORE, cmd)

    @workflow.update(name="match")
    async def match(self, cmd: Command[MatchBody]) -> StateAnswer:
        await selection.match(self.ctx, cmd)
        return self.answer()

    @match.validator
    def _validate_match(self, cmd: Command[MatchBody]) -> None:
        self._check(Action.MATCH, cmd)

    @workflow.update(name="accept-agreement")
    async def accept_agreement(self, cmd: Command[AcceptAgreementBody]) -> StateAnswer:
        # Checked again here: a match handled after the validator ran may have replaced the agreement.
        self._check(Action.ACCEPT_AGREEMENT, cmd)
        if self.state.phase is Phase.MATCHED:
            selection.accept_agreement(self.ctx, cmd)
        else:  # once signed: an amended version (변경 N), lifecycles under agreement-amendments only
            amendments.accept_version(self.ctx, cmd)
        return self.answer()

    @accept_agreement.validator
    def _validate_accept_agreement(self, cmd: Command[AcceptAgreementBody]) -> None:
        self._check(Action.ACCEPT_AGREEMENT, cmd)

    @workflow.update(name="sign-agreement")
    async def sign_agreement(self, cmd: Command[SignAgreementBody]) -> StateAnswer:
        if self.state.agreement_two_step:
            # Checked again (two-step lifecycles only, which older histories never are): a match
            # handled after the validator ran withdraws the acceptance it relied on.
            self._check(Action.SIGN_AGREEMENT, cmd)
        selection.sign_agreement(self.ctx, cmd)
        return self.answer()

    @sign_agreement.validator
    def _validate_sign_agreement(self, cmd: Command[SignAgreementBody]) -> None:
        self._check(Action.SIGN_AGREEMENT, cmd)

    @workflow.update(name="request-disbursement")
    async def request_disbursement(self, cmd: Command[RequestDisbursementBody]) -> StateAnswer:
        money.request_disbursement(self.ctx, cmd)
        return self.answer()

    @request_disbursement.validator
    def _validate_request_disbursement(self, cmd: Command[RequestDisbursementBody]) -> None:
        self._check(Action.REQUEST_DISBURSEMENT, cmd)

    @workflow.update(name="approve-disbursement")
    async def approve_disbursement(self, cmd: Command[DisbursementBody]) -> StateAnswer:
        money.approve_disbursement(self.ctx, cmd)
        return self.answer()

    @approve_disbursement.validator
    def _validate_approve_disbursement(self, cmd: Command[DisbursementBody]) -> None:
        self._check(Action.APPROVE_DISBURSEMENT, cmd)

    @workflow.update(name="submit-milestone")
    async def submit_milestone(self, cmd: Command[SubmitMilestoneBody]) -> StateAnswer:
        milestones.submit(self.ctx, cmd)
        return self.answer()

    @submit_milestone.validator
    def _validate_submit_milestone(self, cmd: Command[SubmitMilestoneBody]) -> None:
        self._check(Action.SUBMIT_MILESTONE, cmd)

    @workflow.update(name="review-milestone")
    async def review_milestone(self, cmd: Command[ReviewMilestoneBody]) -> StateAnswer:
        milestones.review(self.ctx, cmd)
        return self.answer()

    @review_milestone.validator
    def _validate_review_milestone(self, cmd: Command[ReviewMilestoneBody]) -> None:
        self._check(Action.REVIEW_MILESTONE, cmd)

    @workflow.update(name="extend-deadline")
    async def extend_deadline(self, cmd: Command[ExtendDeadlineBody]) -> StateAnswer:
        milestones.extend_deadline(self.ctx, cmd)
        return self.answer()

    @extend_deadline.validator
    def _validate_extend_deadline(self, cmd: Command[ExtendDeadlineBody]) -> None:
        self._check(Action.EXTEND_DEADLINE, cmd)

    @workflow.update(name="suspend")
    async def suspend(self, cmd: Command[Body]) -> StateAnswer:
        milestones.suspend(self.ctx, cmd.actor, Action.SUSPEND.value, cmd.body.reason, cmd.request_id)
        return self.answer()

    @suspend.validator
    def _validate_suspend(self, cmd: Command[Body]) -> None:
        self._check(Action.SUSPEND, cmd)

    @workflow.update(name="resume")
    async def resume(self, cmd: Command[Body]) -> StateAnswer:
        milestones.resume(self.ctx, cmd)
        return self.answer()

    @resume.validator
    def _validate_resume(self, cmd: Command[Body]) -> None:
        self._check(Action.RESUME, cmd)

    @workflow.update(name="final-evaluation")
    async def final_evaluation(self, cmd: Command[FinalEvaluationBody]) -> StateAnswer:
        settlement.final_evaluation(self.ctx, cmd)
        appeals.note_final_evaluation(self.ctx, cmd)
        return self.answer()

    @final_evaluation.validator
    def _validate_final_evaluation(self, cmd: Command[FinalEvaluationBody]) -> None:
        self._check(Action.FINAL_EVALUATION, cmd)

    @workflow.update(name="submit-settlement")
    async def submit_settlement(self, cmd: Command[SubmitSettlementBody]) -> StateAnswer:
        settlement.submit(self.ctx, cmd)
        return self.answer()

    @submit_settlement.validator
    def _validate_submit_settlement(self, cmd: Command[SubmitSettlementBody]) -> None:
        self._check(Action.SUBMIT_SETTLEMENT, cmd)

    @workflow.update(name="approve-settlement")
    async def approve_settlement(self, cmd: Command[Body]) -> StateAnswer:
        settlement.approve(self.ctx, cmd)
        return self.answer()

    @approve_settlement.validator
    def _validate_approve_settlement(self, cmd: Command[Body]) -> None:
        self._check(Action.APPROVE_SETTLEMENT, cmd)

    @workflow.update(name="promote")
    async def promote(self, cmd: Command[PromoteBody]) -> StateAnswer:
        await settlement.promote(self.ctx, cmd)
        return self.answer()

    @promote.validator
    def _validate_promote(self, cmd: Command[PromoteBody]) -> None:
        self._check(Action.PROMOTE, cmd)

    @workflow.update(name="withdraw")
    async def withdraw(self, cmd: Command[Body]) -> StateAnswer:
        exits.withdraw(self.ctx, cmd)
        return self.answer()

    @withdraw.validator
    def _validate_withdraw(self, cmd: Command[Body]) -> None:
        self._check(Action.WITHDRAW, cmd)

    @workflow.update(name="terminate")
    async def terminate(self, cmd: Command[TerminateBody]) -> StateAnswer:
        await exits.terminate(self.ctx, cmd)
        return self.answer()

    @terminate.validator
    def _validate_terminate(self, cmd: Command[TerminateBody]) -> None:
        self._check(Action.TERMINATE, cmd)

    @workflow.update(name="waive-clawback")
    async def waive_clawback(self, cmd: Command[WaiveClawbackBody]) -> StateAnswer:
        money.waive_clawback(self.ctx, cmd)
        return self.answer()

    @waive_clawback.validator
    def _validate_waive_clawback(self, cmd: Command[WaiveClawbackBody]) -> None:
        self._check(Action.WAIVE_CLAWBACK, cmd)

    @workflow.update(name="retry-collection")
    async def retry_collection(self, cmd: Command[RetryCollectionBody]) -> StateAnswer:
        money.retry_collection(self.ctx, cmd)
        return self.answer()

    @retry_collection.validator
    def _validate_retry_collection(self, cmd: Command[RetryCollectionBody]) -> None:
        self._check(Action.RETRY_COLLECTION, cmd)
