"""The lifecycle's Updates for what changes during a grant: the budget by 비목, agreement amendments
(협약 변경) and appeals (이의신청). StartupLifecycle inherits them (Temporal finds an inherited
Update as it finds its own), which keeps workflow.py to the lifecycle's own path; the Update
names, and so the histories, are unchanged.

Each lives only in lifecycles started under its patch (the others refuse in the validator), and
each handler checks its rule again: another Update handled after its validator ran may have changed
what it relied on (the agreement, the next entry id, the entry to cancel)."""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.change_commands import DecideAmendmentBody, DecideAppealBody, FileAppealBody, RequestAmendmentBody
    from domain.commands import (
        CancelExpenseBody,
        Command,
        DecideBudgetChangeBody,
        RecordExpenseBody,
        RequestBudgetChangeBody,
        ReviewExpenseBody,
        SubmitBudgetPlanBody,
    )
    from domain.phases import Action
    from domain.rules import RuleViolation, check_command
    from domain.state import StartupState
    from domain.state_changes import StateAnswer, compact_json

from workflows.lifecycle import amendments, appeals, budget
from workflows.lifecycle.context import LifecycleContext


def refuse(violation: RuleViolation) -> None:
    raise ApplicationError(violation.message, violation.details, type=violation.code, non_retryable=True)


class ChangeUpdates:
    ctx: LifecycleContext

    @property
    def state(self) -> StartupState:
        return self.ctx.state

    def answer(self) -> StateAnswer:
        """What every Update answers: the state as compact JSON (fields at their defaults left out),
        which the caller validates as a StartupState and so gets every field back; its next
        deadline and overdue flag as the Update left them (an extension moves them at once)."""
        return compact_json(self.ctx.state_now())

    def _check(self, action: Action, cmd: Command[Any]) -> None:
        try:
            check_command(self.ctx.state, action, cmd, workflow.now(), self.ctx.program)
        except RuleViolation as violation:
            refuse(violation)

    # The budget by 비목 (patch budget-plan).

    @workflow.update(name="submit-budget-plan")
    async def submit_budget_plan(self, cmd: Command[SubmitBudgetPlanBody]) -> StateAnswer:
        self._check(Action.SUBMIT_BUDGET_PLAN, cmd)
        await budget.submit_plan(self.ctx, cmd)
        return self.answer()

    @submit_budget_plan.validator
    def _validate_submit_budget_plan(self, cmd: Command[SubmitBudgetPlanBody]) -> None:
        self._check(Action.SUBMIT_BUDGET_PLAN, cmd)

    @workflow.update(name="record-expense")
    async def record_expense(self, cmd: Command[RecordExpenseBody]) -> StateAnswer:
        self._check(Action.RECORD_EXPENSE, cmd)
        budget.record_expense(self.ctx, cmd)
        return self.answer()

    @record_expense.validator
    def _validate_record_expense(self, cmd: Command[RecordExpenseBody]) -> None:
        self._check(Action.RECORD_EXPENSE, cmd)

    @workflow.update(name="cancel-expense")
    async def cancel_expense(self, cmd: Command[CancelExpenseBody]) -> StateAnswer:
        self._check(Action.CANCEL_EXPENSE, cmd)
        budget.cancel_expense(self.ctx, cmd)
        return self.answer()

    @cancel_expense.validator
    def _validate_cancel_expense(self, cmd: Command[CancelExpenseBody]) -> None:
        self._check(Action.CANCEL_EXPENSE, cmd)

    @workflow.update(name="request-budget-change")
    async def request_budget_change(self, cmd: Command[RequestBudgetChangeBody]) -> StateAnswer:
        self._check(Action.REQUEST_BUDGET_CHANGE, cmd)
        budget.request_change(self.ctx, cmd)
        return self.answer()

    @request_budget_change.validator
    def _validate_request_budget_change(self, cmd: Command[RequestBudgetChangeBody]) -> None:
        self._check(Action.REQUEST_BUDGET_CHANGE, cmd)

    @workflow.update(name="decide-budget-change")
    async def decide_budget_change(self, cmd: Command[DecideBudgetChangeBody]) -> StateAnswer:
        self._check(Action.DECIDE_BUDGET_CHANGE, cmd)
        await budget.decide_change(self.ctx, cmd)
        return self.answer()

    @decide_budget_change.validator
    def _validate_decide_budget_change(self, cmd: Command[DecideBudgetChangeBody]) -> None:
        self._check(Action.DECIDE_BUDGET_CHANGE, cmd)

    @workflow.update(name="review-expense")
    async def review_expense(self, cmd: Command[ReviewExpenseBody]) -> StateAnswer:
        self._check(Action.REVIEW_EXPENSE, cmd)
        budget.review_expense(self.ctx, cmd)
        appeals.note_expense_review(self.ctx, cmd)
        return self.answer()

    @review_expense.validator
    def _validate_review_expense(self, cmd: Command[ReviewExpenseBody]) -> None:
        self._check(Action.REVIEW_EXPENSE, cmd)

    # Agreement amendments (patch agreement-amendments).

    @workflow.update(name="request-amendment")
    async def request_amendment(self, cmd: Command[RequestAmendmentBody]) -> StateAnswer:
        self._check(Action.REQUEST_AMENDMENT, cmd)
        amendments.request(self.ctx, cmd)
        return self.answer()

    @request_amendment.validator
    def _validate_request_amendment(self, cmd: Command[RequestAmendmentBody]) -> None:
        self._check(Action.REQUEST_AMENDMENT, cmd)

    @workflow.update(name="decide-amendment")
    async def decide_amendment(self, cmd: Command[DecideAmendmentBody]) -> StateAnswer:
        self._check(Action.DECIDE_AMENDMENT, cmd)
        await amendments.decide(self.ctx, cmd)
        return self.answer()

    @decide_amendment.validator
    def _validate_decide_amendment(self, cmd: Command[DecideAmendmentBody]) -> None:
        self._check(Action.DECIDE_AMENDMENT, cmd)

    # Appeals (patch appeals).

    @workflow.update(name="file-appeal")
    async def file_appeal(self, cmd: Command[FileAppealBody]) -> StateAnswer:
        self._check(Action.FILE_APPEAL, cmd)
        appeals.file(self.ctx, cmd)
        return self.answer()

    @file_appeal.validator
    def _validate_file_appeal(self, cmd: Command[FileAppealBody]) -> None:
        self._check(Action.FILE_APPEAL, cmd)

    @workflow.update(name="decide-appeal")
    async def decide_appeal(self, cmd: Command[DecideAppealBody]) -> StateAnswer:
        self._check(Action.DECIDE_APPEAL, cmd)
        appeals.decide(self.ctx, cmd)
        return self.answer()

    @decide_appeal.validator
    def _validate_decide_appeal(self, cmd: Command[DecideAppealBody]) -> None:
        self._check(Action.DECIDE_APPEAL, cmd)
