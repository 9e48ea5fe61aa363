"""The budget plan by 비목 and the execution ledger (lifecycles under the budget-plan patch).

The startup submits its budget plan before it accepts the agreement: the plan is part of what it
accepts, so a plan submitted once the agreement exists makes the agreement again (its document
shows the plan's table, and its hash covers it). The officer's countersignature approves that
plan as version 1 (selection.sign_agreement). During the PoC the startup records expenses and withdraws them; the state
keeps the ledger compact (domain.state.BudgetState), each transition carries its record in full.
A move between categories within the tolerance is a notice that makes the next plan version at
once; beyond it the program officer decides, and only an approval makes one.
"""

from typing import Any, Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.budget import BudgetMove, BudgetPlan, apply_move
    from domain.budget_actions import (
        expense_cancellation,
        expense_entry,
        ledger_details,
        mark_cancelled,
        mark_recorded,
        mark_reviewed,
        move_kind,
        move_of,
        review_of,
    )
    from domain.commands import (
        CancelExpenseBody,
        Command,
        DecideBudgetChangeBody,
        RecordExpenseBody,
        RequestBudgetChangeBody,
        ReviewExpenseBody,
        SubmitBudgetPlanBody,
    )
    from domain.ledger import chain_ledger
    from domain.notifications import NoticeKind
    from domain.phases import Action, Phase
    from domain.state import Actor, BudgetChangeRequest, BudgetState, PlanVersion

from workflows.lifecycle import amendments, patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import notify, record
from workflows.lifecycle.selection import prepare_agreement


def decide_budget_ledger(ctx: LifecycleContext) -> None:
    """Asked once, as a new lifecycle starts: whether it keeps a budget by 비목. Two-step agreements
    only, since the startup's acceptance is what makes its plan part of the agreement."""
    if (ctx.program.budget_rules is not None and ctx.state.agreement_two_step
            and patches.in_force(patches.BUDGET_PLAN)):
        ctx.state.budget_ledger = True
        # Its settlement is computed from the ledger once the agreement carries a plan.
        ctx.state.settlement_from_ledger = patches.in_force(patches.SETTLEMENT_FROM_LEDGER)


async def submit_plan(ctx: LifecycleContext, cmd: Command[SubmitBudgetPlanBody]) -> None:
    s = ctx.state
    plan = BudgetPlan(lines=cmd.body.lines)
    version = PlanVersion(version=1, sha256=plan.sha256(), lines=plan.lines, submitted_by=cmd.actor.id,
                          submitted_at=workflow.now())
    # Before the acceptance a new plan replaces the one submitted earlier (the history keeps both).
    s.budget = (s.budget or BudgetState()).model_copy(update={"plans": [version]})
    details: dict[str, Any] = {"plan_sha256": version.sha256, "lines": [line.model_dump(mode="json") for line in plan.lines]}
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
        notify(ctx, "startup", NoticeKind.AGREEMENT_READY, "협약서 확인 및 동의 요청 (please read and accept the agreement)")
        return
    # Matched or planned again meanwhile: that action makes its own agreement.
    record(ctx, cmd, Action.SUBMIT_BUDGET_PLAN, **details)


def record_expense(ctx: LifecycleContext, cmd: Command[RecordExpenseBody]) -> None:
    budget = ctx.state.budget
    assert budget is not None  # the handler has just checked the rule again (record_expense_rule)
    entry = expense_entry(ctx.state, cmd)
    assert ctx.program.budget_rules is not None  # a lifecycle with a budget ledger has them
    mark_recorded(budget, entry, ctx.program.budget_rules.vat_reclaimable)
    budget.ledger_sha256 = chain_ledger(budget.ledger_sha256, entry)
    budget.ledger_records += 1
    record(ctx, cmd, Action.RECORD_EXPENSE, **ledger_details(entry, budget))


def cancel_expense(ctx: LifecycleContext, cmd: Command[CancelExpenseBody]) -> None:
    budget = ctx.state.budget
    assert budget is not None  # the handler has just checked the rule again (cancel_expense_rule)
    cancellation = expense_cancellation(cmd)
    mark_cancelled(budget, cancellation.cancels)
    budget.ledger_sha256 = chain_ledger(budget.ledger_sha256, cancellation)
    budget.ledger_records += 1
    record(ctx, cmd, Action.CANCEL_EXPENSE, **ledger_details(cancellation, budget))


def review_expense(ctx: LifecycleContext, cmd: Command[ReviewExpenseBody]) -> None:
    """The decision that stands on an entry replaces the earlier one (the history keeps both)."""
    budget = ctx.state.budget
    assert budget is not None  # the handler has just checked the rule again (review_expense_rule)
    review = review_of(cmd)
    disallowed = mark_reviewed(budget, review)
    record(ctx, cmd, Action.REVIEW_EXPENSE, review=review.model_dump(mode="json"), disallowed=disallowed,
           category=budget.entries[review.entry_id].category)


def request_change(ctx: LifecycleContext, cmd: Command[RequestBudgetChangeBody]) -> None:
    budget = ctx.state.budget
    assert budget is not None  # the handler has just checked the rule again (request_budget_change_rule)
    move = move_of(cmd.body)
    kind = move_kind(ctx.state, ctx.program, move)
    details = {"move": move.model_dump(mode="json"), "kind": kind}
    if kind == "notice":
        version = _next_version(budget, move, cmd.actor, "notice")
        record(ctx, cmd, Action.REQUEST_BUDGET_CHANGE, **details, version=version.version, plan_sha256=version.sha256)
        _tell_officer(ctx, NoticeKind.BUDGET_CHANGE_NOTICED, move, cmd.body.reason, version=version.version)
        return
    budget.pending_change = BudgetChangeRequest(
        from_category=move.from_category, to_category=move.to_category, amount=move.amount,
        requested_by=cmd.actor.id, requested_at=workflow.now(), reason=cmd.body.reason)
    record(ctx, cmd, Action.REQUEST_BUDGET_CHANGE, **details)
    _tell_officer(ctx, NoticeKind.BUDGET_CHANGE_REQUESTED, move, cmd.body.reason)


def _tell_officer(ctx: LifecycleContext, kind: NoticeKind, move: BudgetMove, reason: str, **facts: Any) -> None:
    """The program officer reads of a budget move: one made by notice, or one waiting for them."""
    if not patches.in_force(patches.BUDGET_CHANGE_NOTICES):
        return
    rules = ctx.program.budget_rules
    names = {c.key: c.name for c in rules.categories} if rules else {}
    notify(ctx, "program_officer", kind, f"{ctx.state.company_name}: 비목 변경 (budget move)", reason,
           amount=move.amount, from_category=names.get(move.from_category, move.from_category),
           to_category=names.get(move.to_category, move.to_category), **facts)


async def decide_change(ctx: LifecycleContext, cmd: Command[DecideBudgetChangeBody]) -> None:
    budget = ctx.state.budget
    assert budget is not None and budget.pending_change is not None  # checked again by the handler
    pending, budget.pending_change = budget.pending_change, None
    move = move_of(pending)
    details: dict[str, Any] = {"move": move.model_dump(mode="json"), "decision": cmd.body.decision,
                               "requested_by": pending.requested_by}
    documented = patches.in_force(patches.BUDGET_VERSION_DOCUMENT)
    # Kept among the amendments too (협약 변경, kind budget) where the lifecycle has them.
    as_amendment = (documented and ctx.state.amendments is not None
                    and patches.in_force(patches.BUDGET_AMENDMENT_VERSION))
    if cmd.body.decision == "approve":
        version = _next_version(budget, move, cmd.actor, "approval", pending)
        details |= {"version": version.version, "plan_sha256": version.sha256}
        amended = amendments.budget_decided(ctx, cmd, pending, version.version) if as_amendment else None
        if documented:
            # The agreement again, with this version's table: a new document with its own hash.
            version.document = await prepare_agreement(ctx)
            details["agreement"] = version.document.model_dump(mode="json")
        if amended is not None:
            amended.document = version.document
            details |= {"amendment_version": amended.version, "label": amended.label}
    elif as_amendment:
        amendments.budget_decided(ctx, cmd, pending, None)
    record(ctx, cmd, Action.DECIDE_BUDGET_CHANGE, **details)
    if documented:
        rules = ctx.program.budget_rules
        names = {c.key: c.name for c in rules.categories} if rules else {}
        notify(ctx, "startup", NoticeKind.BUDGET_CHANGE_DECIDED,
               f"비목 변경 {'승인' if cmd.body.decision == 'approve' else '반려'} (budget change {cmd.body.decision}d)",
               decision=cmd.body.decision, amount=move.amount,
               from_category=names.get(move.from_category, move.from_category),
               to_category=names.get(move.to_category, move.to_category),
               version=budget.current.version if budget.current else 1)


def _next_version(budget: BudgetState, move: BudgetMove, actor: Actor, basis: Literal["notice", "approval"],
                  request: BudgetChangeRequest | None = None) -> PlanVersion:
    """The plan after the move, as a new version with its own hash; every earlier version stays."""
    current = budget.current
    assert current is not None
    plan = apply_move(current.plan(), move)
    now = workflow.now()
    version = PlanVersion(
        version=plan.version, sha256=plan.sha256(), lines=plan.lines,
        submitted_by=request.requested_by if request else actor.id,
        submitted_at=request.requested_at if request else now,
        approved_by=actor.id if basis == "approval" else None, approved_at=now if basis == "approval" else None,
        basis=basis)
    budget.plans.append(version)
    return version
