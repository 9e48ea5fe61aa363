"""Leaving early: a startup's withdrawal and a program officer's termination (with its clawback,
an honest failure's waiver request, and an optional participation ban).

A selection given up before any grant money moved (selected, matched, or contracted with no
tranche approved) frees its slot, and the program call re-offers it to the next 예비 후보 by
itself while the waitlist is valid. Once money has moved, what was paid is owed back and the slot
is only vacated: the program officer decides whether to offer it (`offer_slot` on the program
call). Either way, the part of the grant that will never be paid stops counting as committed.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Body, Command, TerminateBody
    from domain.io import RECORD_BAN, BanInput
    from domain.notifications import NoticeKind
    from domain.phases import Action, Phase
    from domain.state import Termination

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.money import owe
from workflows.lifecycle.publishing import move_money, notify, record, release_slot, tell_program, vacate_slot
from workflows.lifecycle.retries import OWN_WORK_RETRY

# Tranche states in which grant money has left (or is leaving) the program.
MONEY_MOVED = ("approved", "paying", "paid")


def _frees_slot(ctx: LifecycleContext) -> bool:
    s = ctx.state
    if s.phase in (Phase.SELECTED, Phase.MATCHED):
        return True
    money_moved = any(t.status in MONEY_MOVED for t in s.tranches)
    # Contracted but unpaid: released since this patch (before it, only an unsigned selection was).
    return s.phase is Phase.CONTRACTED and not money_moved and patches.in_force(patches.RELEASE_UNPAID_SELECTION)


def _leave_slot(ctx: LifecycleContext, frees_slot: bool, reason: str) -> None:
    if frees_slot:
        release_slot(ctx, reason)
    elif ctx.state.agreement_signed_at is not None and patches.in_force(patches.RELEASE_UNPAID_SELECTION):
        vacate_slot(ctx, reason)


def _release_commitment(ctx: LifecycleContext) -> None:
    """The grant not paid (nor being paid) is no longer committed once the startup leaves."""
    s = ctx.state
    if not s.tranches or not patches.in_force(patches.RELEASE_UNPAID_SELECTION):
        return
    unpaid = sum(t.amount for t in s.tranches if t.status not in MONEY_MOVED)
    if unpaid:
        move_money(ctx, "released", unpaid)


def withdraw(ctx: LifecycleContext, cmd: Command[Body]) -> None:
    s = ctx.state
    held_slot = _frees_slot(ctx)
    _release_commitment(ctx)
    paid = s.paid_total
    record(ctx, cmd, Action.WITHDRAW, Phase.WITHDRAWN, refund_due=paid)
    if paid and patches.in_force(patches.COLLECT_REFUNDS):
        owe(ctx, "refund", paid, cmd.actor.id)  # settles like a termination, without a ban
    elif paid:
        move_money(ctx, "refund_due", paid)
    tell_program(ctx)
    _leave_slot(ctx, held_slot, "withdrawn")


async def terminate(ctx: LifecycleContext, cmd: Command[TerminateBody]) -> None:
    s = ctx.state
    body, paid = cmd.body, s.paid_total
    held_slot = _frees_slot(ctx)
    _release_commitment(ctx)
    if patches.in_force(patches.COLLECT_CLAWBACKS):
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
    _leave_slot(ctx, held_slot, "terminated")
    notify(ctx, "startup", NoticeKind.TERMINATED, "협약 해지 (agreement terminated)", body.reason)
