"""The end of the PoC: the final evaluation, the settlement report and its approval (with the
refund it leaves owed), and promotion to the next stage."""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.commands import Body, Command, FinalEvaluationBody, PromoteBody, SubmitSettlementBody
    from domain.formatting import won
    from domain.io import START_LIFECYCLE, LifecycleInput, startup_workflow_id
    from domain.notifications import NoticeKind
    from domain.phases import Action, Phase
    from domain.rule_ids import RuleId
    from domain.settlement_ledger import ledger_statement, settles_from_ledger
    from domain.settlement_statement import SettlementStatement
    from domain.state import Settlement, SpendLine

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.money import owe
from workflows.lifecycle.publishing import move_money, notify, record
from workflows.lifecycle.retries import OWN_WORK_RETRY


def final_evaluation(ctx: LifecycleContext, cmd: Command[FinalEvaluationBody]) -> None:
    s = ctx.state
    s.final_score, s.final_grade = cmd.body.score, cmd.body.grade
    s.settlement = Settlement(due_at=ctx.due("settlement_report", workflow.now()))
    record(ctx, cmd, Action.FINAL_EVALUATION, Phase.SETTLEMENT, score=cmd.body.score, grade=cmd.body.grade)
    notify(ctx, "startup", NoticeKind.SETTLEMENT_OPEN, "정산 보고 요청 (settlement report due)", due_at=s.settlement.due_at)


def submit(ctx: LifecycleContext, cmd: Command[SubmitSettlementBody]) -> None:
    if settles_from_ledger(ctx.state):
        _submit_from_ledger(ctx, cmd)
        return
    receipts = cmd.receipts or [[] for _ in cmd.body.lines]
    lines = [SpendLine(item=line.item, amount=line.amount, receipts=line_receipts)
             for line, line_receipts in zip(cmd.body.lines, receipts, strict=True)]
    report = ctx.state.require_settlement()
    report.lines, report.spent = lines, sum(line.amount for line in lines)
    report.submitted_by, report.submitted_at = cmd.actor.id, workflow.now()
    pinned = {"receipts": {str(i): [ref.model_dump(mode="json") for ref in line.receipts]
                           for i, line in enumerate(lines) if line.receipts}}
    record(ctx, cmd, Action.SUBMIT_SETTLEMENT, spent=report.spent, lines=len(lines),
           **(pinned if pinned["receipts"] else {}))
    notify(ctx, "finance_officer", NoticeKind.SETTLEMENT_SUBMITTED, f"{ctx.state.company_name}: settlement submitted")


def _submit_from_ledger(ctx: LifecycleContext, cmd: Command[SubmitSettlementBody]) -> None:
    """No typed lines: the statement is computed from the ledger (provisional until every expense
    is reviewed; the approval computes it again, final)."""
    s, report = ctx.state, ctx.state.require_settlement()
    statement = ledger_statement(s, ctx.program, cmd.body.interest)
    report.lines, report.interest, report.statement = [], cmd.body.interest, statement
    report.spent = statement.accepted
    report.submitted_by, report.submitted_at = cmd.actor.id, workflow.now()
    record(ctx, cmd, Action.SUBMIT_SETTLEMENT, spent=report.spent, **_statement_details(ctx, statement))
    notify(ctx, "finance_officer", NoticeKind.SETTLEMENT_SUBMITTED, f"{ctx.state.company_name}: settlement submitted")


def _statement_details(ctx: LifecycleContext, statement: SettlementStatement) -> dict[str, object]:
    """What a transition pins of a statement: the statement itself, its hash and the ledger it came from."""
    budget = ctx.state.budget
    assert budget is not None
    return {"statement": statement.model_dump(mode="json"), "statement_sha256": statement.sha256(),
            "ledger_sha256": budget.ledger_sha256}


def approve(ctx: LifecycleContext, cmd: Command[Body]) -> None:
    s, now = ctx.state, workflow.now()
    report = s.require_settlement()
    report.approved_by, report.approved_at = cmd.actor.id, now
    details: dict[str, Any] = {}
    if settles_from_ledger(s):
        # The final statement: every expense decided (the validator checked), the money paid now.
        statement = ledger_statement(s, ctx.program, report.interest)
        report.statement, report.spent, report.refund_due = statement, statement.accepted, statement.refund
        details = _statement_details(ctx, statement)
    else:
        report.refund_due = s.paid_total - report.spent
    if report.refund_due and patches.in_force(patches.COLLECT_REFUNDS):
        # The settlement completes when the refund (반납) arrives, not when it is approved.
        record(ctx, cmd, Action.APPROVE_SETTLEMENT, spent=report.spent, refund_due=report.refund_due, **details)
        owe(ctx, "refund", report.refund_due, cmd.actor.id)
        return
    if report.refund_due:
        move_money(ctx, "refund_due", report.refund_due)
    s.closed_at = now
    record(ctx, cmd, Action.APPROVE_SETTLEMENT, Phase.COMPLETED, spent=report.spent, refund_due=report.refund_due,
           **details)
    notify(ctx, "startup", NoticeKind.SETTLEMENT_APPROVED,
           f"정산 승인; refund due {won(report.refund_due)}" if report.refund_due else "정산 승인 (no refund)",
           spent=report.spent, refund_due=report.refund_due)


async def promote(ctx: LifecycleContext, cmd: Command[PromoteBody]) -> None:
    s, target = ctx.state, cmd.target_program
    assert target is not None, "the validator refuses a promotion to an unknown program"
    if s.next_startup_id is not None:
        # Two promotions validated in one workflow task both pass the validator; the second stops
        # here, so exactly one is recorded.
        raise ApplicationError(f"already promoted to {s.next_startup_id}", {"rule": RuleId.PROMOTE_ONCE},
                               type="conflict", non_retryable=True)
    # Claimed before the next stage is started (which takes a while): the validator refuses any
    # promotion that arrives meanwhile. The id is the business key the start will use.
    s.next_startup_id = startup_workflow_id(target.id, s.brn)
    child_id = await workflow.execute_activity(
        START_LIFECYCLE,
        LifecycleInput(
            program=target, application=ctx.inp.application, applicant=cmd.actor,
            applied_at=workflow.now(), request_id=cmd.request_id, promoted_from=s.startup_id,
            sector=s.sector, region=s.region,
        ),
        result_type=str, start_to_close_timeout=timedelta(seconds=30), retry_policy=OWN_WORK_RETRY,
    )
    s.next_startup_id = child_id
    record(ctx, cmd, Action.PROMOTE, Phase.PROMOTED, target_program_id=target.id, target_stage=target.stage.value,
           next_startup_id=child_id)
    notify(ctx, "startup", NoticeKind.PROMOTED, f"단계 연계: {target.name}", target_program=target.name)
