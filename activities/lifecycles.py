"""Starting lifecycles from workflows (an application accepted by the program call, a promotion).

Done by an activity rather than as child workflows: a lifecycle lives for months and must not
hold its starter open (nor stop the starter's clock from being skipped in tests). Idempotent: the
workflow id is the business key, so a retried start finds the lifecycle already there.
"""

from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.io import START_LIFECYCLE, LifecycleInput, startup_workflow_id


class LifecycleActivities:
    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn(name=START_LIFECYCLE)
    async def start_lifecycle(self, inp: LifecycleInput) -> str:
        workflow_id = startup_workflow_id(inp.program.id, inp.application.brn)
        try:
            await self.client.start_workflow(
                "StartupLifecycle", inp, id=workflow_id, task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            pass  # an earlier attempt of this activity started it
        return workflow_id
