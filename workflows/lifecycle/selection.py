"""From application to agreement: the eligibility check, selection, scores, the SME match and the
signed agreement that starts the PoC."""

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import Command, MatchBody, ScoreBody, SignAgreementBody
    from domain.io import (
        BUSINESS_DEADLINE,
        CHECK_ELIGIBILITY,
        HOLIDAY_TABLE,
        BusinessDeadlineInput,
        EligibilityInput,
        EligibilityResult,
        HolidayTableInput,
        SelectionDecision,
    )
    from domain.money import split_exact
    from domain.phases import Action, Phase
    from domain.state import SYSTEM_PROGRAM, SYSTEM_WORKFLOW, MilestoneState, Partner, ScoreEntry, TrancheState
    from domain.timeutil import kst_date

from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import move_money, notify, publish, record, tell_program, transition
from workflows.lifecycle.retries import OWN_WORK_RETRY


async def record_holidays(ctx: LifecycleContext) -> None:
    """The holiday table for this lifecycle's years (six: longer than any stage lasts), asked
    once and kept in the state (and so in history): business days are then counted the same
    way on every replay, whatever the package version."""
    year = kst_date(workflow.now()).year
    ctx.state.holiday_table = await workflow.execute_activity(
        HOLIDAY_TABLE, HolidayTableInput(first_year=year, last_year=year + 5), result_type=list[date],
        start_to_close_timeout=timedelta(seconds=10), retry_policy=OWN_WORK_RETRY)


async def enter(ctx: LifecycleContext) -> None:
    """The first steps: a promoted startup arrives selected; an applicant is checked for eligibility."""
    s, inp = ctx.state, ctx.inp
    if inp.promoted_from:
        transition(ctx, inp.applicant, "promoted_in", Phase.SELECTED, request_id=inp.request_id,
                   promoted_from=inp.promoted_from)
        s.selection_notice_at = workflow.now()
        return
    transition(ctx, inp.applicant, "apply", Phase.APPLIED, request_id=inp.request_id,
               task_id=s.task_id, company_name=s.company_name)
    await publish(ctx)  # the application is listed at once, before its checks finish
    result: EligibilityResult = await workflow.execute_activity(
        CHECK_ELIGIBILITY,
        EligibilityInput(brn=s.brn, program_id=s.program_id, at=s.applied_at),
        result_type=EligibilityResult,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=OWN_WORK_RETRY,
    )
    if result.eligible:
        transition(ctx, SYSTEM_WORKFLOW, "eligibility_check", Phase.UNDER_REVIEW)
    else:
        s.ineligible_reason = result.reason
        transition(ctx, SYSTEM_WORKFLOW, "eligibility_check", Phase.INELIGIBLE, reason=result.reason or "")
        notify(ctx, "startup", "ineligible", "신청 자격 미달 (application ineligible)", result.reason or "")
    tell_program(ctx)


async def plan_agreement_deadline(ctx: LifecycleContext) -> None:
    notice = ctx.state.selection_notice_at or workflow.now()
    clock = ctx.program.policy.clock("agreement")
    if clock.unit == "business":
        due = await workflow.execute_activity(
            BUSINESS_DEADLINE,
            BusinessDeadlineInput(start=notice, business_days=clock.days),
            result_type=datetime,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=OWN_WORK_RETRY,
        )
    else:
        due = ctx.due("agreement", notice)
    ctx.state.agreement_due_at = due
    ctx.mark_changed()


def selection_decided(ctx: LifecycleContext, decision: SelectionDecision) -> None:
    s = ctx.state
    allowed = {
        Phase.UNDER_REVIEW: {"selected", "waitlisted", "rejected"},
        Phase.WAITLISTED: {"selected", "rejected"},
    }
    if decision.decision not in allowed.get(s.phase, set()):
        workflow.logger.warning("selection %s ignored in phase %s", decision.decision, s.phase)
        return
    to_phase = {"selected": Phase.SELECTED, "waitlisted": Phase.WAITLISTED, "rejected": Phase.REJECTED}
    if decision.decision == "selected":
        s.selection_notice_at = workflow.now()
        # Decided with the selection by the program call (None from calls that predate it: the
        # run loop then plans the deadline itself).
        s.agreement_due_at = decision.agreement_due_at
    transition(ctx, SYSTEM_PROGRAM, "selection", to_phase[decision.decision], reason=decision.reason,
               rank=decision.rank, reoffer=decision.reoffer)
    notify(ctx, "startup", f"selection_{decision.decision}", f"선정 결과: {decision.decision}")


def score(ctx: LifecycleContext, cmd: Command[ScoreBody]) -> None:
    s = ctx.state
    s.scores.append(ScoreEntry(evaluator_id=cmd.actor.id, round=cmd.body.round, score=cmd.body.score,
                               at=workflow.now()))
    s.average_score = round(sum(e.score for e in s.scores) / len(s.scores), 2)
    record(ctx, cmd, Action.SCORE, round=cmd.body.round, score=cmd.body.score)
    tell_program(ctx)


def match(ctx: LifecycleContext, cmd: Command[MatchBody]) -> None:
    s = ctx.state
    s.partners = [Partner(**p.model_dump()) for p in cmd.body.partners]
    s.consortium = len(s.partners) > 1
    record(ctx, cmd, Action.MATCH, Phase.MATCHED, partners=[p.name for p in s.partners], consortium=s.consortium)


def sign_agreement(ctx: LifecycleContext, cmd: Command[SignAgreementBody]) -> None:
    s, program, now = ctx.state, ctx.program, workflow.now()
    s.agreement_signed_at = now
    amounts = program.tranche_amounts()
    s.tranches = [
        TrancheState(key=t.key, label=t.label, amount=amounts[t.key], trigger=t.trigger,
                     status="due" if t.trigger == "agreement" else "locked", splits=_consortium_splits(ctx, amounts[t.key]))
        for t in program.tranches
    ]
    s.milestones = []
    for rule in program.milestones:
        due = ctx.due("milestone", now, rule.days_after_agreement)
        s.milestones.append(MilestoneState(key=rule.key, title=rule.title, due_at=due, original_due_at=due))
    s.agreement_documents = list(cmd.documents)
    pinned = {"documents": [ref.model_dump(mode="json") for ref in cmd.documents]} if cmd.documents else {}
    move_money(ctx, "committed", s.grant_amount)
    record(ctx, cmd, Action.SIGN_AGREEMENT, Phase.CONTRACTED, agreement_no=cmd.body.agreement_no,
           grant_amount=s.grant_amount, **pinned)
    notify(ctx, "startup", "agreement_signed", "협약 체결 (agreement signed)")


def _consortium_splits(ctx: LifecycleContext, amount: int) -> dict[str, int]:
    """How one tranche divides between consortium members who split by shares (brn → won)."""
    s = ctx.state
    members = [p for p in s.partners if p.share_percent]
    if not s.consortium or not members:
        return {}
    return dict(zip([p.brn for p in members], split_exact(amount, [p.share_percent for p in members])))
