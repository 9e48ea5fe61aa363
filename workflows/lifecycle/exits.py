"""Leaving early: a startup's withdrawal and a program officer's termination (with its clawback,
an honest failure's waiver request, and an optional participation ban)."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Body, Command, TerminateBody
    from domain.io import RECORD_BAN, BanInput
    from domain.phases import Action, Phase
    from domain.state import Termination

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.money import owe
from workflows.lifecycle.publishing import move_money, notify, record, release_slot, tell_program
from workflows.lifecycle.retries import OWN_WORK_RETRY


def withdraw(ctx: LifecycleContext, cmd: Command[Body]) -> None:
    s = ctx.state
    held_slot = s.phase in (Phase.SELECTED, Phase.MATCHED)
    paid = s.paid_total
    record(ctx, cmd, Action.WITHDRAW, Phase.WITHDRAWN, refund_due=paid)
    if paid and workflow.patched(patches.COLLECT_REFUNDS):
        owe(ctx, "refund", paid, cmd.actor.id)  # settles like a termination, without a ban
    elif paid:
        move_money(ctx, "refund_due", paid)
    tell_program(ctx)
    if held_slot:
        release_slot(ctx, "withdrawn")


async def terminate(ctx: LifecycleContext, cmd: Command[TerminateBody]) -> None:
    s = ctx.state
    body, paid = cmd.body, s.paid_total
    held_slot = s.phase in (Phase.SELECTED, Phase.MATCHED)
    if workflow.patched(patches.COLLECT_CLAWBACKS):
        # An honest failure (성실실패) owes everything paid unless a finance officer waives it.
        clawback = paid if body.clawback_amount is None or body.honest_failure else body.clawback_amount
        s.termination = Termination(cause=body.cause, clawback_amount=clawback, ban_years=body.ban_years,
                                    honest_failure=body.honest_failure, at=workflow.now())
        record(ctx, cmd, Action.TERMINATE, Phase.TERMINATED, cause=body.cause, clawback=clawback,
               ban_years=body.ban_years, honest_failure=body.honest_failure)
        if clawback:
            owe(ctx, "clawback", clawback, cmd.actor.id, waiver=body.honest_failure)
        if paid - clawback:
            move_money(ctx, "waived", paid - clawback)
    else:
        clawback = 0 if body.honest_failure else (paid if body.clawback_amount is None else body.clawback_amount)
        s.termination = Termination(cause=body.cause, clawback_amount=clawback, ban_years=body.ban_years,
                                    honest_failure=body.honest_failure, at=workflow.now())
        if clawback:
            move_money(ctx, "clawback_due", clawback)
        if paid - clawback:
            move_money(ctx, "waived", paid - clawback)
        record(ctx, cmd, Action.TERMINATE, Phase.TERMINATED, cause=body.cause, clawback=clawback,
               ban_years=body.ban_years, honest_failure=body.honest_failure)
    if body.ban_years:
        await workflow.execute_activity(
            RECORD_BAN,
            BanInput(brn=s.brn, program_id=s.program_id, startup_id=s.startup_id,
                     years=body.ban_years, reason=f"{body.cause}: {body.reason}", at=workflow.now()),
            start_to_close_timeout=timedelta(seconds=30), retry_policy=OWN_WORK_RETRY,
        )
    tell_program(ctx)
    if held_slot:
        release_slot(ctx, "terminated")
    notify(ctx, "startup", "terminated", "협약 해지 (agreement terminated)", body.reason)
