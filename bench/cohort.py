"""A cohort driven through the whole life: `n` startups apply, are scored, selected together and
each carried to completion through the API at `concurrency` at once, as the throughput row drives
them, but a failure stops only its own lifecycle: every error is counted by kind (the HTTP status
answered, a timeout of the HTTP client, a wait for a state that never came). At the end the read
model is compared with the workflows: every startup's phase in the list the console reads must be
the phase its workflow holds."""

import asyncio
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError

from bench.driver import ApiDriver, HttpStatusError, WaitedTooLong, bench_brn
from bench.stack import BenchStack
from domain.io import startup_workflow_id
from domain.state import StartupState
from store.db import make_engine
from store.tables import StartupRow
from workflows.search_attributes import AX_PHASE

FIRST_SERIAL = 600_000  # apart from the throughput row's and the clones' serials
SAMPLES_KEPT = 5  # the first errors' messages, so that a failed run says what failed
AGREEMENT_WAIT_S = 120
QUERY_TRIES = 5
SELECTION_WAIT_S = 600  # the read model lags the workflows; how long the comparison waits for it
QUERY_SAMPLE = 50  # open workflows whose published phase is checked by query at the end


def error_kind(error: BaseException) -> str:
    if isinstance(error, HttpStatusError):
        return f"HTTP {error.status}"
    if isinstance(error, httpx.TimeoutException):
        return f"HTTP client timeout ({type(error).__name__})"
    if isinstance(error, httpx.TransportError):
        return f"connection ({type(error).__name__})"
    if isinstance(error, WaitedTooLong):
        return "waited too long for a state"
    return type(error).__name__


class Errors:
    def __init__(self) -> None:
        self.by_kind: Counter[str] = Counter()
        self.by_step: Counter[str] = Counter()
        self.samples: list[str] = []

    def count(self, step: str, error: BaseException) -> None:
        kind = error_kind(error)
        self.by_kind[kind] += 1
        self.by_step[step] += 1
        if self.by_kind[kind] <= SAMPLES_KEPT:  # the first of each kind, kept and told at once
            self.samples.append(f"{step}: {str(error)[:300]}")
            print(f"bench: cohort: {kind} in {step}: {str(error)[:300]}", file=sys.stderr, flush=True)

    def total(self) -> int:
        return sum(self.by_kind.values())


async def each(items: Iterable[str], concurrency: int, work: Callable[[str], Awaitable[None]], step: str,
               errors: Errors) -> None:
    """Every item through `work`, `concurrency` at a time; an item's failure is counted, not raised."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def lane() -> None:
        while not queue.empty():
            item = queue.get_nowait()
            try:
                await work(item)
            except (RuntimeError, httpx.HTTPError) as error:
                errors.count(step, error)

    await asyncio.gather(*(lane() for _ in range(concurrency)))


async def selection_shown(driver: ApiDriver, program_id: str) -> bool:
    """Whether the program's call shows its selection made within SELECTION_WAIT_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SELECTION_WAIT_S
    while loop.time() < deadline:
        response = await driver.http.get(f"/programs/{program_id}",
                                         headers={"Authorization": f"Bearer {driver.officer}"})
        if response.status_code == 200 and (response.json().get("call") or {}).get("finalized_at"):
            return True
        await asyncio.sleep(2)
    return False


async def workflow_phase(client: Client, startup_id: str, ask: bool = False) -> str:
    """The phase the workflow holds: a finished lifecycle's from its result; an open one's as the
    workflow itself last published it (its AxPhase search attribute, set in the step that sends the
    read model's projection, read from the server with no replay) or, with `ask`, by query. A query
    replays every lifecycle the worker no longer caches (500): at 1,000 the queries took minutes
    of the worker's CPU and 10 overran their deadline five times running. Asked again a few times;
    "unreadable" if it never answers."""
    handle = client.get_workflow_handle(startup_id, result_type=StartupState)
    for attempt in range(QUERY_TRIES):
        try:
            described = await handle.describe()
            if described.status == WorkflowExecutionStatus.COMPLETED:
                return (await handle.result()).phase.value
            published = described.typed_search_attributes.get(AX_PHASE)
            if published is not None and not ask:
                return published
            return (await handle.query("state", result_type=StartupState)).phase.value
        except (WorkflowQueryFailedError, RPCError):
            await asyncio.sleep(2 ** attempt)
    return "unreadable"


async def call_history(client: Client, program_id: str) -> dict[str, Any]:
    """The program call's history as the server keeps it (its current run: a continue-as-new starts
    a new one): events and bytes, which every application and every decision adds to."""
    described = await client.get_workflow_handle(f"program:{program_id}").describe()
    info = described.raw_description.workflow_execution_info
    return {"events": info.history_length, "kb": round(info.history_size_bytes / 1024, 1),
            "continued_as_new": info.execution.run_id != info.first_run_id}


async def agreement(stack: BenchStack, startup_ids: list[str]) -> dict[str, Any]:
    """Waits (up to AGREEMENT_WAIT_S) until every read-model phase equals its workflow's phase (a
    workflow still moving is asked again); how long that took and which still disagree."""
    workflows: dict[str, str] = {}

    async def read_workflows(startup_ids: list[str]) -> None:
        for chunk in range(0, len(startup_ids), 5):
            ids = startup_ids[chunk:chunk + 5]
            for startup_id, phase in zip(ids, await asyncio.gather(*(workflow_phase(stack.client, i) for i in ids)),
                                         strict=True):
                workflows[startup_id] = phase

    await read_workflows(startup_ids)
    engine = make_engine(stack.settings.database_url)
    started = time.perf_counter()
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(select(col(StartupRow.startup_id), col(StartupRow.phase))
                                          .where(col(StartupRow.startup_id).in_(startup_ids))).all()
            listed = {startup_id: phase for startup_id, phase in rows}
            differ = {i: (listed.get(i), phase) for i, phase in workflows.items() if listed.get(i) != phase}
            waited = time.perf_counter() - started
            # Every lifecycle was driven to completion: one whose published phase (and read model) still
            # trails the state the driver saw completed is read again, not counted as agreeing early.
            trailing = [i for i, phase in workflows.items() if phase != "completed" or i in differ]
            if not trailing or waited > AGREEMENT_WAIT_S:
                break
            await asyncio.sleep(1)
            await read_workflows(trailing)
    finally:
        engine.dispose()
    # The published phase checked against the state itself for a sample, by query.
    sample = random.Random(28).sample(startup_ids, min(QUERY_SAMPLE, len(startup_ids)))
    queried = {i: await workflow_phase(stack.client, i, ask=True) for i in sample}
    return {"compared": len(workflows), "disagreeing": len(differ), "waited_s": round(waited, 1),
            "queried": len(queried), "query_agreeing": sum(queried[i] == workflows[i] for i in queried),
            "examples": [f"{i}: read model {seen}, workflow {held}" for i, (seen, held) in list(differ.items())[:5]],
            "workflow_phases": dict(Counter(workflows.values()))}


async def measure(stack: BenchStack, driver: ApiDriver, n: int, concurrency: int) -> dict[str, Any]:
    load_before = os.getloadavg()
    program = await driver.program(slots=n)
    brns = [bench_brn(FIRST_SERIAL + i) for i in range(n)]
    tokens = stack.startup_tokens(brns)
    ids: dict[str, str] = {}
    errors = Errors()
    actions_before, unavailable_before = driver.actions, driver.unavailable

    async def apply(brn: str) -> None:
        ids[brn] = await driver.apply_and_score(program, brn, tokens[brn])

    done = 0

    async def finish(brn: str) -> None:
        nonlocal done
        await driver.after_selection(ids[brn], tokens[brn])
        done += 1
        if done % 50 == 0:  # a long run says how far it got
            print(f"bench: cohort: {done} completed after {time.perf_counter() - started:.0f} s, "
                  f"{errors.total()} errors", file=sys.stderr, flush=True)

    async def found_and_scored(brn: str) -> None:
        """An application whose answer never came (a client timeout) may have been made all the
        same: the startup's page shows it, and the evaluator scores it, as people would; otherwise
        the call would refuse the selection until every applicant is scored."""
        startup_id = startup_workflow_id(program.id, brn)
        shown = await driver.http.get(f"/startups/{startup_id}", headers={"Authorization": f"Bearer {driver.officer}"})
        if shown.status_code == 200:
            await driver.wait(startup_id, lambda s: s["phase"] == "under_review", "eligibility")
            if not any(s["round"] == "document" for s in shown.json().get("scores", [])):
                await driver.act(driver.evaluator, startup_id, "score", {"round": "document", "score": 80})
            ids[brn] = startup_id

    started = time.perf_counter()
    await each(brns, concurrency, apply, "apply and score", errors)
    await each([brn for brn in brns if brn not in ids], concurrency, found_and_scored, "found and scored", errors)
    applying_s = time.perf_counter() - started
    selected = True
    selecting = time.perf_counter()
    try:
        await driver.close_and_select(program)
    except (RuntimeError, httpx.HTTPError) as error:
        errors.count("selection", error)
        # An answer that never came: the officer reloads the call's page to see whether it was made.
        selected = isinstance(error, httpx.TimeoutException) and await selection_shown(driver, program.id)
    selection_s = time.perf_counter() - selecting
    history_at_selection = await call_history(stack.client, program.id)
    if selected:
        await each([brn for brn in brns if brn in ids], concurrency, finish, "selection to completion", errors)
    elapsed = time.perf_counter() - started
    agreed = await agreement(stack, list(ids.values()))
    completed = agreed["workflow_phases"].get("completed", 0)
    return {"lifecycles": n, "concurrency": concurrency, "seconds": round(elapsed, 1),
            "completed": completed, "lifecycles_per_s": round(completed / elapsed, 3),
            "applying_s": round(applying_s, 1), "selection_s": round(selection_s, 1),
            "call_history": {"at_selection": history_at_selection,
                             "at_end": await call_history(stack.client, program.id)},
            "actions": driver.actions - actions_before,
            "unavailable_retries": driver.unavailable - unavailable_before,
            "errors": errors.total(), "errors_by_kind": dict(errors.by_kind), "errors_by_step": dict(errors.by_step),
            "error_samples": errors.samples, "read_model": agreed,
            "load_average": {"before": [round(x, 2) for x in load_before],
                             "after": [round(x, 2) for x in os.getloadavg()]}}
