"""The floor of the same stack: a minimal workflow that takes as many Updates and runs as many
activities as one axflow lifecycle, and does nothing else. Run as `python -m bench.baseline`, it is
a worker with the same settings as axflow's (cache size, slots and executor), on its own queue.

Like StartupLifecycle, an Update only changes state and returns; the workflow's main loop then runs
the activities that change owes (axflow's projections, payments and notifications).

`Extras` (none by default, and then the workflow is the comparator issue 28 defines) adds one of
the things an axflow lifecycle asks of the Temporal server beyond those Updates and activities, so
that `bench/server_cost.py` can measure what each costs the server: larger Update results and
activity inputs, search-attribute upserts, patch markers, timers, signals, queries."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from datetime import timedelta

from workflows.search_attributes import AX_NEXT_DEADLINE, AX_OVERDUE, AX_PHASE


class Extras(BaseModel):
    """What a variant of the baseline does beyond its Updates and activities (all off by default)."""
    result_bytes: int = 0  # each Update answers this many bytes (axflow answers the state, ~4 KB)
    input_bytes: int = 0  # each activity's input carries this many bytes (axflow's projections, ~2.2 KB)
    start_bytes: int = 0  # the start input carries this many bytes (axflow's, ~7.9 KB)
    upserts: int = 0  # search-attribute upserts, one per Update from the first (axflow's phase/deadline/overdue)
    patches: int = 0  # workflow.patched calls, one per Update from the first (a marker and the SDK's upsert each)
    patches_at_once: bool = False  # all of them in the first Update's workflow task instead
    timers: int = 0  # waits with a timeout that the next Update cancels (axflow's run-loop clock)
    query_bytes: int = 0  # what the "state" query answers (the driver sends the queries)
    # this many of the activities (the first ones) run as local activities instead: what axflow's
    # projections would cost the server as local activities (a marker each, no task of their own)
    local_activities: int = 0
    # signals this workflow sends, one per Update from the first, to the round's hub workflow
    # (`hub_id`): what a lifecycle's "applicant_changed" to its program call costs
    external_signals: int = 0
    hub_id: str = ""


class BaselineInput(BaseModel):
    updates: int
    activities: int
    extras: Extras | None = None
    padding: str = ""


class Step(BaseModel):
    n: int
    owes: int = 0


class PaddedStep(BaseModel):
    n: int
    padding: str


@activity.defn(name="bench_noop")
def noop(step: Step) -> int:
    return step.n


@activity.defn(name="bench_noop_padded")
def noop_padded(step: PaddedStep) -> int:
    return step.n


@activity.defn(name="bench_echo")
def echo(step: PaddedStep) -> str:
    """A local activity's result is all its marker records: this one answers its input."""
    return step.padding


@workflow.defn(name="BaselineHub")
class BaselineHub:
    """What the round's workflows signal (as lifecycles tell their program call): counts, until closed."""

    def __init__(self) -> None:
        self.signals = 0
        self.closed = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.closed)
        return self.signals

    @workflow.signal(name="poke")
    def poke(self) -> None:
        self.signals += 1

    @workflow.signal(name="close")
    def close(self) -> None:
        self.closed = True


@workflow.defn(name="BaselineLifecycle")
class BaselineLifecycle:
    def __init__(self) -> None:
        self.received = 0
        self.owed = 0
        self.done = 0
        self.signals = 0
        self.to_tell = 0
        self.extras = Extras()

    @workflow.run
    async def run(self, inp: BaselineInput) -> int:
        extras = self.extras = inp.extras or Extras()
        waits = 0
        # The activities are spread over the Updates the way they fall due: an equal share each.
        while self.received < inp.updates or self.owed or self.to_tell:
            def due() -> bool:
                return self.owed > 0 or self.to_tell > 0 or self.received >= inp.updates
            if waits < extras.timers:
                waits += 1
                try:
                    await workflow.wait_condition(due, timeout=timedelta(hours=1))
                except TimeoutError:
                    pass
            else:
                await workflow.wait_condition(due)
            while self.to_tell:
                self.to_tell -= 1
                await workflow.get_external_workflow_handle(extras.hub_id).signal("poke")
            while self.owed:
                self.owed -= 1
                self.done += 1
                if self.done <= extras.local_activities:
                    await workflow.execute_local_activity(
                        echo, PaddedStep(n=self.done, padding="x" * extras.input_bytes),
                        start_to_close_timeout=timedelta(seconds=30))
                elif extras.input_bytes:
                    await workflow.execute_activity(noop_padded, PaddedStep(n=self.done, padding="x" * extras.input_bytes),
                                                    start_to_close_timeout=timedelta(seconds=30))
                else:
                    await workflow.execute_activity(noop, Step(n=self.done), start_to_close_timeout=timedelta(seconds=30))
        return self.done

    @workflow.update(name="act")
    async def act(self, step: Step) -> int | str:
        self.received += 1
        self.owed += step.owes
        extras = self.extras
        if extras.patches_at_once and self.received == 1:
            for k in range(extras.patches):
                workflow.patched(f"bench-{k + 1}")
        elif self.received <= extras.patches:
            workflow.patched(f"bench-{self.received}")
        if self.received <= extras.external_signals:
            self.to_tell += 1
        if self.received <= extras.upserts:
            workflow.upsert_search_attributes([
                AX_PHASE.value_set(f"phase-{self.received}"), AX_OVERDUE.value_set(self.received % 2 == 0),
                AX_NEXT_DEADLINE.value_set(datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=self.received))])
        return "x" * extras.result_bytes if extras.result_bytes else self.received

    @act.validator
    def _valid(self, step: Step) -> None:
        if step.owes < 0:
            raise ValueError("owes must not be negative")

    @workflow.signal(name="poke")
    def poke(self) -> None:
        self.signals += 1

    @workflow.query(name="state")
    def state(self) -> str:
        return "x" * self.extras.query_bytes


def activity_share(activities: int, updates: int, index: int) -> int:
    """How many of `activities` the `index`-th of `updates` Updates owes (they add up exactly)."""
    return activities // updates + (1 if index < activities % updates else 0)


async def serve() -> None:
    from axflow.config import get_settings
    from axflow.temporal import connect, skip_idle_payload_passes
    from axflow.worker import workflow_runner
    from bench.stack import BASELINE_QUEUE

    settings = get_settings()
    skip_idle_payload_passes()  # as axflow's worker does: the same SDK underneath both
    client = await connect(settings)
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = Worker(client, task_queue=BASELINE_QUEUE, workflows=[BaselineLifecycle, BaselineHub],
                        activities=[noop, noop_padded, echo], activity_executor=executor,
                        max_cached_workflows=settings.worker_max_cached_workflows,
                        workflow_runner=workflow_runner(settings))  # the same settings as axflow's worker
        await worker.run()


if __name__ == "__main__":
    asyncio.run(serve())
