"""A follow-up that ended is started again, with its records, when the company completes a later
stage: the path `start_followup` (activities/followup.py) takes for the lifecycle that completes
(patch start-followup) when the company's follow-up is no longer running. Driven through the
activity itself, as the lifecycle's worker runs it, on the real Temporal server; a closed company
is not followed again, nor one program's follow-up run twice."""

import dataclasses
from datetime import UTC, date, datetime

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import ActivityEnvironment

from activities.followup import FollowUpActivities
from domain.followup_io import CloseCompany, Closure, FollowUpInput, FollowUpResult, SurveySubmission
from domain.phases import Role
from domain.state import Actor
from tests.builders import program
from tests.conftest import Stack, wait_until
from tests.workflows.test_followup import figures, open_all, start, startup, state
from workflows.followup import FollowUp


def completion(stack_program_id: str, brn: str) -> FollowUpInput:
    """What the later stage's lifecycle hands `start_followup` when it completes now."""
    later = program(stack_program_id)
    assert later.followup is not None
    return FollowUpInput(brn=brn, company_name="테스트AI", program_id=later.id, program_name=later.name,
                         stage=later.stage, completed_at=datetime.now(UTC), policy=later.followup)


async def test_an_ended_follow_up_starts_again_with_its_records_when_a_later_stage_completes(stack: Stack) -> None:
    activity = ActivityEnvironment()
    # The worker's task queue, as the lifecycle's activity runs on it.
    activity.info = dataclasses.replace(activity.info, task_queue=stack.settings.task_queue)
    starter = FollowUpActivities(stack.client)
    followed = await stack.program()

    # A one-year follow-up answered and ended (its years done).
    brn, handle = await start(stack, 1, followed)
    await open_all(stack, handle)
    fiscal_year = (await state(handle)).schedule.fiscal_year
    await handle.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(brn), answer=figures(fiscal_year)))
    first: FollowUpResult = await handle.result()
    assert (first.ended, [(r.year, r.status, r.program_id) for r in first.records]) == (
        "completed", [(1, "answered", followed.id)])

    # The company completes the next stage: its follow-up starts again under that program, year 1
    # of it, with the earlier program's year kept (each year counts for the program it was for).
    later = completion("chogyeokcha-2026", brn)
    assert await activity.run(starter.start_followup, later) == "restarted"
    again = await wait_until(lambda: state(handle), lambda s: s.program_id == later.program_id,
                             what="the follow-up started again")
    assert (again.year, again.status) == (1, "waiting")
    assert [(r.year, r.status, r.program_id, r.answer and r.answer.revenue) for r in again.records] == [
        (1, "answered", followed.id, 900_000_000)]
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    # A retried activity finds its own work done: the running follow-up already counts this stage.
    assert await activity.run(starter.start_followup, later) == "moved"
    assert (await state(handle)).records == again.records

    # One program's follow-up is not run twice: its own completion again starts nothing.
    other_brn, other = await start(stack, 1, followed)
    await open_all(stack, other)
    await other.execute_update(FollowUp.answer_survey,
                               SurveySubmission(actor=startup(other_brn), answer=figures(fiscal_year)))
    await other.result()
    same = FollowUpInput(brn=other_brn, company_name="테스트AI", program_id=followed.id, program_name=followed.name,
                         stage=followed.stage, completed_at=datetime.now(UTC), policy=followed.followup)
    assert await activity.run(starter.start_followup, same) == "closed"
    assert (await other.describe()).status is WorkflowExecutionStatus.COMPLETED

    # A company closed by its officer is not followed again when a later stage completes.
    closed_brn, closed = await start(stack, 5, followed)
    officer = Actor(id="user:po", name="김담당", role=Role.PROGRAM_OFFICER)
    await closed.execute_update(FollowUp.close_company, CloseCompany(
        actor=officer, closure=Closure(closed_on=date(2027, 1, 15), source="program_officer")))
    assert (await closed.result()).ended == "closed"
    assert await activity.run(starter.start_followup, completion("chogyeokcha-2026", closed_brn)) == "closed"
    assert (await closed.describe()).status is WorkflowExecutionStatus.COMPLETED
