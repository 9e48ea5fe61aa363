"""The budget plan by 비목 and the execution ledger (lifecycles under the budget-plan patch).

The startup submits its budget plan before it accepts the agreement: the plan is part of what it
accepts, so a plan submitted once the agreement exists makes the agreement again (its document
shows the plan's table, and its hash covers it). The officer's countersignature approves that
plan as version 1 (selection.sign_agreement). During the PoC the startup records expenses and withdraws them; the state
keeps the ledger compact (domain.state.BudgetState), each transition carries its record in full.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.budget import BudgetPlan
    from domain.budget_actions import VAT_RECLAIMABLE, expense_cancellation, expense_entry, ledger_details
    from domain.commands import CancelExpenseBody, Command, RecordExpenseBody, SubmitBudgetPlanBody
    from domain.ledger import chain_ledger, grant_expense
    from domain.phases import Action, Phase
    from domain.state import BudgetState, ExpenseMark, PlanVersion

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import notify, record
from workflows.lifecycle.selection import prepare_agreement


def decide_budget_ledger(ctx: LifecycleContext) -> None:
    """Asked once, as a new lifecycle starts: whether it keeps a budget by 비목. Two-step agreements
    only, since the startup's acceptance is what makes its plan part of the agreement."""
    if (ctx.program.budget_rules is not None and ctx.state.agreement_two_step
            and workflow.patched(patches.BUDGET_PLAN)):
        ctx.state.budget_ledger = True


async def submit_plan(ctx: LifecycleContext, cmd: Command[SubmitBudgetPlanBody]) -> None:
    s = ctx.state
    plan = BudgetPlan(lines=cmd.body.lines)
    version = PlanVersion(version=1, sha256=plan.sha256(), lines=plan.lines, submitted_by=cmd.actor.id,
                          submitted_at=workflow.now())
    # Before the acceptance a new plan replaces the one submitted earlier (the history keeps both).
    s.budget = (s.budget or BudgetState()).model_copy(update={"plans": [version]})
    details = {"plan_sha256": version.sha256, "lines": [line.model_dump(mode="json") for line in plan.lines]}
    if s.phase is not Phase.MATCHED or not s.agreement_two_step:
        record(ctx, cmd, Action.SUBMIT_BUDGET_PLAN, **details)
        return
    # The agreement is made again with the plan in it; until then there is nothing to accept.
    s.agreement_document = None
    partners = list(s.partners)
    document = await prepare_agreement(ctx)
    current = s.budget.current if s.budget else None
    if s.partners == partners and s.phase is Phase.MATCHED and current is not None and current.sha256 == version.sha256:
        s.agreement_document = document
        details["agreement"] = document.model_dump(mode="json")
        record(ctx, cmd, Action.SUBMIT_BUDGET_PLAN, **details)
        notify(ctx, "startup", "agreement_ready", "협약서 확인 및 동의 요청 (please read and accept the agreement)")
        return
    # Matched or planned again meanwhile: that action makes its own agreement.
    record(ctx, cmd, Action.SUBMIT_BUDGET_PLAN, **details)


def record_expense(ctx: LifecycleContext, cmd: Command[RecordExpenseBody]) -> None:
    budget = ctx.state.budget
    assert budget is not None  # the handler has just checked the rule again (record_expense_rule)
    entry = expense_entry(ctx.state, cmd)
    if entry.cancels is not None:
        _cancel(budget, entry.cancels)
    amount = grant_expense(entry, VAT_RECLAIMABLE)
    budget.entries[entry.id] = ExpenseMark(category=entry.category, amount=amount)
    budget.executed[entry.category] = budget.executed.get(entry.category, 0) + amount
    budget.ledger_sha256 = chain_ledger(budget.ledger_sha256, entry)
    budget.ledger_records += 1
    record(ctx, cmd, Action.RECORD_EXPENSE, **ledger_details(entry, budget))


def cancel_expense(ctx: LifecycleContext, cmd: Command[CancelExpenseBody]) -> None:
    budget = ctx.state.budget
    assert budget is not None  # the handler has just checked the rule again (cancel_expense_rule)
    cancellation = expense_cancellation(cmd)
    _cancel(budget, cancellation.cancels)
    budget.ledger_sha256 = chain_ledger(budget.ledger_sha256, cancellation)
    budget.ledger_records += 1
    record(ctx, cmd, Action.CANCEL_EXPENSE, **ledger_details(cancellation, budget))


def _cancel(budget: BudgetState, entry_id: str) -> None:
    mark = budget.entries[entry_id]
    mark.cancelled = True
    budget.executed[mark.category] -= mark.amount
