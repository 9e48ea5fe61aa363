"""From application to agreement: the eligibility check, selection, scores, the SME match and the
signed agreement that starts the PoC.

Lifecycles started under the agreement-two-step patch sign in two steps: matching generates the
agreement document (an activity renders and stores it; its id and SHA-256 come back into the
state and the history), the startup accepts those bytes, and the program officer's
sign-agreement countersigns them. Older lifecycles keep the officer's one-step signature."""

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.commands import AcceptAgreementBody, Command, MatchBody, ScoreBody, SignAgreementBody
    from domain.documents import DocumentRef
    from domain.io import (
        BUSINESS_DEADLINE,
        CHECK_ELIGIBILITY,
        HOLIDAY_TABLE,
        PREPARE_AGREEMENT,
        AgreementInput,
        BusinessDeadlineInput,
        EligibilityInput,
        EligibilityResult,
        HolidayTableInput,
        SelectionDecision,
    )
    from domain.money import split_exact
    from domain.notifications import SELECTION_NOTICES, NoticeKind
    from domain.phases import Action, Phase
    from domain.state import (
        SYSTEM_PROGRAM,
        SYSTEM_WORKFLOW,
        AgreementAcceptance,
        MilestoneState,
        Partner,
        ScoreEntry,
        TrancheState,
    )
    from domain.timeutil import kst_date

from workflows.lifecycle import patches
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


def decide_agreement_steps(ctx: LifecycleContext) -> None:
    """Asked once, as a new lifecycle starts (never on continue-as-new, which carries the state):
    whether its agreement is signed in two steps. The answer lives in the state, where the
    Update validators read it."""
    if patches.in_force(patches.AGREEMENT_TWO_STEP):
        ctx.state.agreement_two_step = True


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
        notify(ctx, "startup", NoticeKind.INELIGIBLE, "신청 자격 미달 (application ineligible)", result.reason or "")
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
        # The program call's notice instant when it counted the deadline from it (a signal heard
        # just after a KST midnight must not move the notice to the next day).
        s.selection_notice_at = decision.notified_at or workflow.now()
        # Decided with the selection by the program call (None from calls that predate it: the
        # run loop then plans the deadline itself).
        s.agreement_due_at = decision.agreement_due_at
    transition(ctx, SYSTEM_PROGRAM, "selection", to_phase[decision.decision], reason=decision.reason,
               rank=decision.rank, reoffer=decision.reoffer)
    notify(ctx, "startup", SELECTION_NOTICES[decision.decision], f"선정 결과: {decision.decision}")


def score(ctx: LifecycleContext, cmd: Command[ScoreBody]) -> None:
    s = ctx.state
    s.scores.append(ScoreEntry(evaluator_id=cmd.actor.id, round=cmd.body.round, score=cmd.body.score,
                               at=workflow.now()))
    s.average_score = round(sum(e.score for e in s.scores) / len(s.scores), 2)
    record(ctx, cmd, Action.SCORE, round=cmd.body.round, score=cmd.body.score)
    tell_program(ctx)


async def match(ctx: LifecycleContext, cmd: Command[MatchBody]) -> None:
    s = ctx.state
    s.partners = [Partner(**p.model_dump()) for p in cmd.body.partners]
    s.consortium = len(s.partners) > 1
    if not s.agreement_two_step:
        record(ctx, cmd, Action.MATCH, Phase.MATCHED, partners=[p.name for p in s.partners], consortium=s.consortium)
        return
    # A new match makes a new agreement: an acceptance of the old one no longer counts.
    withdrawn = s.agreement_acceptance is not None
    s.agreement_document, s.agreement_acceptance = None, None
    partners = list(s.partners)
    document = await prepare_agreement(ctx)
    if s.partners != partners or s.phase not in (Phase.SELECTED, Phase.MATCHED):
        return  # matched again meanwhile (that match records its own agreement), or gone
    s.agreement_document = document
    record(ctx, cmd, Action.MATCH, Phase.MATCHED, partners=[p.name for p in s.partners], consortium=s.consortium,
           agreement=document.model_dump(mode="json"), **({"acceptance_withdrawn": True} if withdrawn else {}))
    notify(ctx, "startup", NoticeKind.AGREEMENT_READY, "협약서 확인 및 동의 요청 (please read and accept the agreement)")


async def prepare_agreement(ctx: LifecycleContext) -> DocumentRef:
    """The agreement generated from the program and the startup as matched, stored as a document."""
    document: DocumentRef = await workflow.execute_activity(
        PREPARE_AGREEMENT, AgreementInput(program=ctx.program, state=ctx.state.model_copy(deep=True)),
        result_type=DocumentRef, start_to_close_timeout=timedelta(seconds=30), retry_policy=OWN_WORK_RETRY)
    return document


def accept_agreement(ctx: LifecycleContext, cmd: Command[AcceptAgreementBody]) -> None:
    """The startup's acceptance of the generated agreement (its password was checked by the API)."""
    s = ctx.state
    document = s.agreement_document
    assert document is not None  # the Update handler has just checked the rule again (accept_agreement_rule)
    s.agreement_acceptance = AgreementAcceptance(document=document, by_id=cmd.actor.id, by_name=cmd.actor.name,
                                                 at=workflow.now())
    record(ctx, cmd, Action.ACCEPT_AGREEMENT, documents=[document.model_dump(mode="json")],
           sha256=document.sha256)
    notify(ctx, "program_officer", NoticeKind.AGREEMENT_ACCEPTED,
           f"{s.company_name}: 협약 동의, 서명 대기 (agreement accepted; countersign)")


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
    accepted = s.agreement_acceptance if s.agreement_two_step else None
    # The countersigned agreement comes first, then any signed copy the officer uploaded.
    s.agreement_documents = ([accepted.document] if accepted else []) + list(cmd.documents)
    pinned: dict[str, object] = (
        {"documents": [ref.model_dump(mode="json") for ref in s.agreement_documents]} if s.agreement_documents else {})
    if accepted:
        pinned |= {"sha256": accepted.document.sha256, "accepted_by": accepted.by_id,
                   "accepted_at": accepted.at.isoformat()}
    if s.budget is not None:  # lifecycles under the budget-plan patch only
        pinned |= _approve_agreed_plan(ctx, cmd)
    move_money(ctx, "committed", s.grant_amount)
    record(ctx, cmd, Action.SIGN_AGREEMENT, Phase.CONTRACTED, agreement_no=cmd.body.agreement_no,
           grant_amount=s.grant_amount, **pinned)
    notify(ctx, "startup", NoticeKind.AGREEMENT_SIGNED, "협약 체결 (agreement signed)")


def _approve_agreed_plan(ctx: LifecycleContext, cmd: Command[SignAgreementBody]) -> dict[str, str]:
    """The countersignature approves the budget plan the accepted agreement carries (version 1);
    what the sign-agreement transition pins of it."""
    budget = ctx.state.budget
    agreed = budget.plans[0] if budget and budget.plans else None
    if agreed is None:
        return {}
    agreed.approved_by, agreed.approved_at = cmd.actor.id, workflow.now()
    return {"budget_plan_sha256": agreed.sha256}


def _consortium_splits(ctx: LifecycleContext, amount: int) -> dict[str, int]:
    """How one tranche divides between consortium members who split by shares (brn → won)."""
    s = ctx.state
    members = [p for p in s.partners if p.share_percent]
    if not s.consortium or not members:
        return {}
    return dict(zip([p.brn for p in members], split_exact(amount, [p.share_percent or 0 for p in members]), strict=True))
