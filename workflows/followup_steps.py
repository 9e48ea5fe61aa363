"""The FollowUp workflow's mechanics: waiting for an instant unless something happens first, and
telling people. Deterministic: time is workflow time, every wait a durable timer."""

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.followup import PublicFigures, YearRecord, mismatch_flags, revenue_check
    from domain.followup_io import (
        CHECK_FOLLOWUP_FIGURES,
        FOLLOWUP_NOTICE,
        PROJECT_FOLLOWUP_YEAR,
        Closure,
        FiguresQuery,
        FollowUpInput,
        FollowUpNotice,
        FollowUpState,
        FollowUpYearProjection,
    )
    from domain.io import startup_workflow_id
    from domain.notifications import DELIVER_NOTIFICATION, NoticeKind, NotificationEvent
    from domain.timeutil import KST

from workflows.followup_patches import (
    FOLLOWUP_CHECKED_FIGURES,
    FOLLOWUP_DELIVER,
    FOLLOWUP_PROJECTION,
    FOLLOWUP_REVENUE_CHECK,
    FOLLOWUP_STATUS_NOTICES,
)
from workflows.lifecycle.retries import NOTIFICATION_RETRY, OWN_WORK_RETRY


async def until(instant: datetime, done: Callable[[], bool]) -> bool:
    """Wait for `done` until `instant`: True if it came first, False if the instant did (at once
    when it has passed: a worker that was down catches up)."""
    if done():
        return True
    left = instant - workflow.now()
    if left <= timedelta(0):
        return False
    try:
        await workflow.wait_condition(done, timeout=left)
    except TimeoutError:
        return done()
    return True


# The register's client already tries a few times with doubling pauses; one more try a second later
# covers a worker lost mid-ask. After that the figures stay unchecked: a follow-up never waits on a
# register (the officer sees the year unchecked and may ask the company for evidence).
REGISTER_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=2)


async def check_figures(inp: FollowUpInput, state: FollowUpState) -> list[NoticeKind]:
    """Check the year against the public registers (patch followup-checked-figures): the answer's
    employees against the employment-insurance register, the business status against the tax
    authority's and, with the company's consent, its revenue against the tax filing (patch
    followup-revenue-check). The flags and how it was checked go into the state, and a company the
    tax authority lists as closed gets its closure (the follow-up then ends with its record). The
    notices the program officer is to get, in order: a typed figure flagged, and (patch
    followup-status-notices) the company found closed or suspended."""
    if not workflow.patched(FOLLOWUP_CHECKED_FIGURES):
        return []
    answer = state.answer
    # Whether the revenue is checked at all (runs from before the patch do not look at consent).
    revenue_checked = answer is not None and workflow.patched(FOLLOWUP_REVENUE_CHECK)
    query = FiguresQuery(brn=state.brn, fiscal_year=state.schedule.fiscal_year, insured=answer is not None,
                         revenue=revenue_checked and answer is not None and answer.revenue_consent)
    try:
        public = await workflow.execute_activity(
            CHECK_FOLLOWUP_FIGURES, query,
            start_to_close_timeout=timedelta(seconds=60), retry_policy=REGISTER_RETRY, result_type=PublicFigures)
    except ActivityError as err:
        workflow.logger.warning("figures of %s left unchecked: %s", state.brn, err.cause or err)
        state.figures_check = "unchecked"
        if revenue_checked:
            state.revenue_check = revenue_check(answer, PublicFigures(revenue_check="unchecked"))
        return []
    if answer is not None:
        state.figures_check = "checked" if public.insured_employees is not None else "no_record"
    if revenue_checked:
        state.revenue_check = revenue_check(answer, public)
    state.flags = mismatch_flags(answer, public, inp.policy)
    kinds = [kind for flag, kind in (("employees_mismatch", NoticeKind.FOLLOWUP_FIGURES_MISMATCH),
                                     ("revenue_mismatch", NoticeKind.FOLLOWUP_REVENUE_MISMATCH))
             if any(f.kind == flag for f in state.flags)]
    if public.business_status == "closed" and state.closure is None:
        state.closure = Closure(closed_on=public.closed_on or workflow.now().astimezone(KST).date(),
                                source="tax_authority", reason="국세청 폐업 확인 (closed in the tax register)")
        state.status = "closed"
        if workflow.patched(FOLLOWUP_STATUS_NOTICES):
            kinds.append(NoticeKind.FOLLOWUP_BUSINESS_CLOSED)
    elif public.business_status == "suspended" and workflow.patched(FOLLOWUP_STATUS_NOTICES):
        kinds.append(NoticeKind.FOLLOWUP_BUSINESS_SUSPENDED)
    return kinds


async def tell(inp: FollowUpInput, state: FollowUpState, kind: NoticeKind, recipients: list[str],
               serial: int) -> None:
    """One notice about this year's survey; a failed delivery is logged, never the follow-up's end."""
    try:
        if workflow.patched(FOLLOWUP_DELIVER):
            await workflow.execute_activity(DELIVER_NOTIFICATION, _event(inp, state, kind, recipients, serial),
                                            start_to_close_timeout=timedelta(seconds=60),
                                            retry_policy=NOTIFICATION_RETRY)
            return
        notice = FollowUpNotice(
            key=f"followup:{state.brn}:{state.year}:{kind}:{serial}", kind=kind.value,
            recipients=recipients, brn=state.brn, program_id=state.program_id, year=state.year,
            fiscal_year=state.schedule.fiscal_year, due_at=state.schedule.due_at, at=workflow.now(),
        )
        await workflow.execute_activity(FOLLOWUP_NOTICE, notice, start_to_close_timeout=timedelta(seconds=60),
                                        retry_policy=NOTIFICATION_RETRY)
    except ActivityError as err:
        workflow.logger.warning("follow-up notice %s of %s not delivered: %s", kind, state.brn, err.cause or err)


async def project(inp: FollowUpInput, record: YearRecord) -> None:
    """The year just recorded, into the read model (patch followup-projection): retried until the
    database takes it, as the lifecycle's projection is; runs from before the patch skip it."""
    if not workflow.patched(FOLLOWUP_PROJECTION):
        return
    projection = FollowUpYearProjection(brn=inp.brn, company_name=inp.company_name, stage=inp.stage,
                                        completed_at=inp.completed_at, record=record, recorded_at=workflow.now())
    await workflow.execute_activity(PROJECT_FOLLOWUP_YEAR, projection, start_to_close_timeout=timedelta(seconds=30),
                                    retry_policy=OWN_WORK_RETRY)


def _event(inp: FollowUpInput, state: FollowUpState, kind: NoticeKind, recipients: list[str],
           serial: int) -> NotificationEvent:
    """The notice as the lifecycle's events are: staff are linked to the company's last lifecycle
    (the one this follow-up counts for), the company to its portal. The key names the program, as
    a promoted company's years restart at 1 under the later stage."""
    now, due = workflow.now(), state.schedule.due_at
    days_left = max(0, -((now - due) // timedelta(days=1)))  # whole days, rounded up
    return NotificationEvent(
        key=f"followup:{state.brn}:{state.program_id}:{state.year}:{kind}:{serial}", kind=kind,
        recipients=recipients, startup_id=startup_workflow_id(state.program_id, state.brn),
        program_id=state.program_id, brn=state.brn, at=now,
        data={"company_name": inp.company_name, "program_name": inp.program_name, "year": state.year,
              "fiscal_year": state.schedule.fiscal_year, "due_at": due.isoformat(), "days": days_left,
              **({"flags": [f.model_dump(mode="json") for f in state.flags]} if state.flags else {}),
              **({"closed_on": state.closure.closed_on.isoformat()} if state.closure else {})})
