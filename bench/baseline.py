"""The floor of the same stack: a minimal workflow that takes as many Updates and runs as many
activities as one axflow lifecycle, and does nothing else. Run as `python -m bench.baseline`, it is
a worker with the same settings as axflow's (cache size, slots and executor), on its own queue.

Like StartupLifecycle, an Update only changes state and returns; the workflow's main loop then runs
the activities that change owes (axflow's projections, payments and notifications)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from datetime import timedelta


class BaselineInput(BaseModel):
    updates: int
    activities: int


class Step(BaseModel):
    n: int
    owes: int = 0


@activity.defn(name="bench_noop")
def noop(step: Step) -> int:
    return step.n


@workflow.defn(name="BaselineLifecycle")
class BaselineLifecycle:
    def __init__(self) -> None:
        self.received = 0
        self.owed = 0
        self.done = 0

    @workflow.run
    async def run(self, inp: BaselineInput) -> int:
        # The activities are spread over the Updates the way they fall due: an equal share each.
        while self.received < inp.updates or self.owed:
            await workflow.wait_condition(lambda: self.owed > 0 or self.received >= inp.updates)
            while self.owed:
                self.owed -= 1
                self.done += 1
                await workflow.execute_activity(noop, Step(n=self.done), start_to_close_timeout=timedelta(seconds=30))
        return self.done

    @workflow.update(name="act")
    async def act(self, step: Step) -> int:
        self.received += 1
        self.owed += step.owes
        return self.received

    @act.validator
    def _valid(self, step: Step) -> None:
        if step.owes < 0:
            raise ValueError("owes must not be negative")


def activity_share(activities: int, updates: int, index: int) -> int:
    """How many of `activities` the `index`-th of `updates` Updates owes (they add up exactly)."""
    return activities // updates + (1 if index < activities % updates else 0)


async def serve() -> None:
    from axflow.config import get_settings
    from axflow.temporal import connect
    from axflow.worker import workflow_runner
    from bench.stack import BASELINE_QUEUE

    settings = get_settings()
    client = await connect(settings)
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = Worker(client, task_queue=BASELINE_QUEUE, workflows=[BaselineLifecycle], activities=[noop],
                        activity_executor=executor, max_cached_workflows=settings.worker_max_cached_workflows,
                        workflow_runner=workflow_runner(settings))  # the same settings as axflow's worker
        await worker.run()


if __name__ == "__main__":
    asyncio.run(serve())
