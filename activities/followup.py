"""The follow-up's activities: starting a company's follow-up when a lifecycle ends, and its notices.

`start_followup` is an activity, not a child workflow, because a follow-up outlives the lifecycle
that starts it by years (like `start_lifecycle`). One follow-up per company (`followup:{brn}`): a
company that completed an earlier stage already has one, which is moved on to the later stage by
the Update `stage_completed`; one that has ended (all its years done) is started again with the
records of the one before. Idempotent: a retried start finds its own follow-up, whose validator
refuses the same stage twice (`later_stage`), and that counts as done.

`followup_notice` only logs a notice, delivering nothing: follow-ups from before patch
`followup-deliver` ask it; later ones hand their notices to `deliver_notification` as events
(workflows/followup_steps.py).
"""

from typing import Literal

import structlog
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.followup import YearRecord
from domain.followup_io import (
    FOLLOWUP_NOTICE,
    START_FOLLOWUP,
    FollowUpInput,
    FollowUpNotice,
    FollowUpResult,
    StageCompleted,
    followup_workflow_id,
)
from domain.phases import Role
from domain.rule_ids import RuleId
from domain.state import Actor

log = structlog.get_logger()

LIFECYCLE = Actor(id="system:workflow", name="lifecycle workflow", role=Role.SYSTEM)
Started = Literal["started", "restarted", "moved", "closed"]


class FollowUpActivities:
    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn(name=START_FOLLOWUP)
    async def start_followup(self, inp: FollowUpInput) -> Started:
        handle = self.client.get_workflow_handle(followup_workflow_id(inp.brn), result_type=FollowUpResult)
        try:
            status = (await handle.describe()).status
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            status = None
        if status is WorkflowExecutionStatus.RUNNING:
            return await self._move(inp)
        records: list[YearRecord] = []
        if status is WorkflowExecutionStatus.COMPLETED:
            before = await handle.result()
            if before.ended == "closed" or before.program_id == inp.program_id:
                # A closed company is not followed again; the same program's follow-up is not run twice.
                return "closed"
            records = before.records
        await self._start(inp.model_copy(update={"records": records}))
        return "restarted" if records else "started"

    async def _start(self, inp: FollowUpInput) -> None:
        try:
            await self.client.start_workflow(
                "FollowUp", inp, id=followup_workflow_id(inp.brn), task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
        except WorkflowAlreadyStartedError as err:
            # Started meanwhile (by another stage's lifecycle): the next attempt moves it instead.
            raise ApplicationError(f"the follow-up of {inp.brn} was started meanwhile") from err

    async def _move(self, inp: FollowUpInput) -> Started:
        command = StageCompleted(actor=LIFECYCLE, program_id=inp.program_id, program_name=inp.program_name,
                                 stage=inp.stage, completed_at=inp.completed_at, policy=inp.policy)
        try:
            await self.client.get_workflow_handle(followup_workflow_id(inp.brn)).execute_update(
                "stage_completed", command)
        except WorkflowUpdateFailedError as failed:
            cause = failed.cause
            rule = cause.details[0].get("rule") if isinstance(cause, ApplicationError) and cause.details else None
            if rule == RuleId.LATER_STAGE:
                return "moved"  # this stage already moved it (an earlier attempt), or a later one did
            if rule == RuleId.FOLLOWUP_CLOSED:
                return "closed"
            raise
        return "moved"


@activity.defn(name=FOLLOWUP_NOTICE)
def followup_notice(notice: FollowUpNotice) -> None:
    info = activity.info()
    log.info("follow-up notice (not delivered: a run from before patch followup-deliver)", key=notice.key,
             kind=notice.kind, brn=notice.brn, year=notice.year, recipients=notice.recipients,
             workflow_id=info.workflow_id, run_id=info.workflow_run_id, attempt=info.attempt)
