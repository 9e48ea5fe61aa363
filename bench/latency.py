"""Transition latency: one action through the API, sequentially from one client, against one raw
Update round trip to the baseline workflow (which, like the lifecycle, then owes one activity):
back to back (each sent as the previous one answered, its follow-up still running), and paced (the
two in turn, each after a pause, as a person acts)."""

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from temporalio.client import Client

from bench.baseline import BaselineInput, Step
from bench.driver import ApiDriver, bench_brn
from bench.stack import BASELINE_QUEUE, BenchStack
from bench.stats import once, summary_ms, timed
from bench.throughput import history_counts
from domain.state import StartupState
from domain.timeutil import kst_date

WARMUP = 5  # unrecorded calls first: connections made, the workflow in the worker's cache
# Between a person's actions: far longer than an action's follow-up takes (its projection and its
# notice, a few ms on an idle stack), far shorter than a person's pace.
PAUSE_S = 0.1


async def startup_in_poc(stack: BenchStack, driver: ApiDriver, serial: int) -> tuple[str, str]:
    """A startup of its own program, driven to its PoC (advance paid). Returns (id, token)."""
    program = await driver.program(slots=1)
    brn = bench_brn(serial)
    token = stack.startup_tokens([brn])[brn]
    startup_id = await driver.apply_and_score(program, brn, token)
    await driver.close_and_select(program)
    await driver.wait_selected(startup_id)
    partner = bench_brn(serial + 5000)
    await driver.submit_plan(startup_id, token)
    matched = await driver.act(driver.officer, startup_id, "match",
                               {"partners": [{"name": "강원 정밀 SME", "brn": partner, "region": "강원"}]})
    await driver.agree(startup_id, token, matched)
    await driver.pay(startup_id, "advance")
    await driver.wait_listed(startup_id, lambda s: s["phase"] == "in_poc", "PoC")
    return startup_id, token


async def live_state(client: Client, startup_id: str) -> StartupState:
    return await client.get_workflow_handle(startup_id).query("state", result_type=StartupState)


async def extender(driver: ApiDriver, startup_id: str) -> Callable[[], Awaitable[Any]]:
    """One `extend-deadline` of the final report per call, one more day each time: a real,
    recorded transition."""
    state = await live_state(driver.stack.client, startup_id)
    final = next(m for m in state.milestones if m.key == "final_report")
    days = itertools.count(1)
    base: date = kst_date(final.due_at)

    async def extend() -> Any:
        return await driver.act(driver.officer, startup_id, "extend-deadline", {
            "deadline": "final_report", "new_due_on": (base + timedelta(days=next(days))).isoformat(),
            "reason": "bench: latency"})

    return extend


async def api_action(driver: ApiDriver, startup_id: str, samples: int) -> list[float]:
    """Round trips of the action through the API, back to back."""
    return await timed(await extender(driver, startup_id), samples, WARMUP)


_raw_runs = itertools.count(1)


async def raw_updater(client: Client, updates: int, owes: int) -> tuple[Callable[[], Awaitable[int]], Any]:
    """A baseline workflow that takes `updates` Updates, each leaving `owes` activities to run: the
    call that sends the next, and the workflow's handle."""
    handle = await client.start_workflow("BaselineLifecycle", BaselineInput(updates=updates, activities=updates * owes),
                                         id=f"baseline-latency-{next(_raw_runs)}", task_queue=BASELINE_QUEUE)
    steps = itertools.count()

    async def update() -> int:
        return await handle.execute_update("act", Step(n=next(steps), owes=owes), result_type=int)

    return update, handle


async def raw_update(client: Client, samples: int, owes: int) -> list[float]:
    """Round trips of a raw Update to the baseline workflow, back to back."""
    update, handle = await raw_updater(client, samples + WARMUP, owes)
    taken = await timed(update, samples, WARMUP)
    await handle.result()
    return taken


async def paced(api: Callable[[], Awaitable[Any]], raw: Callable[[], Awaitable[Any]], samples: int,
                pause_s: float) -> tuple[list[float], list[float]]:
    """An action and a raw Update in turn, each after a pause, as one person acts: the previous
    one's follow-up (its projection, its notice; the raw Update's activity) done before the next is
    sent, and any drift of the machine shared by both sides instead of falling on one block."""
    for _ in range(WARMUP):
        await api()
        await raw()
    taken_api, taken_raw = [], []
    for _ in range(samples):
        await asyncio.sleep(pause_s)
        taken_api.append(await once(api))
        await asyncio.sleep(pause_s)
        taken_raw.append(await once(raw))
    return taken_api, taken_raw


async def activities_run(client: Client, workflow_id: str) -> int:
    return (await history_counts(client, [workflow_id]))["activities"]


async def measure(stack: BenchStack, driver: ApiDriver, startup_id: str, samples: int) -> dict[str, Any]:
    extend = await extender(driver, startup_id)
    before = await activities_run(stack.client, startup_id)
    api = summary_ms(await timed(extend, samples, WARMUP))
    # What one action asked of Temporal besides its Update: its projection and its notification.
    owes = round((await activities_run(stack.client, startup_id) - before) / (samples + WARMUP))
    bare = summary_ms(await raw_update(stack.client, samples, 0))
    same_work = summary_ms(await raw_update(stack.client, samples, owes))
    raw, handle = await raw_updater(stack.client, samples + WARMUP, owes)
    paced_api, paced_raw = (summary_ms(taken) for taken in await paced(extend, raw, samples, PAUSE_S))
    await handle.result()
    return {"action": "extend-deadline", "api": api, "activities_per_action": owes,
            "raw_update": same_work, "raw_update_alone": bare,
            "p50_difference_ms": round(api["p50_ms"] - same_work["p50_ms"], 2),
            "paced": {"pause_ms": round(PAUSE_S * 1000), "api": paced_api, "raw_update": paced_raw,
                      "p50_difference_ms": round(paced_api["p50_ms"] - paced_raw["p50_ms"], 2)}}
