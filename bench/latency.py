"""Transition latency: one action through the API, sequentially from one client, against one raw
Update round trip to the baseline workflow (which, like the lifecycle, then owes one activity)."""

import itertools
from datetime import date, timedelta
from typing import Any

from temporalio.client import Client

from bench.baseline import BaselineInput, Step
from bench.driver import ApiDriver, bench_brn
from bench.stack import BASELINE_QUEUE, BenchStack
from bench.stats import summary_ms, timed
from bench.throughput import history_counts
from domain.state import StartupState
from domain.timeutil import kst_date


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


async def api_action(driver: ApiDriver, startup_id: str, samples: int) -> list[float]:
    """`extend-deadline` of the final report, one more day each time: a real, recorded transition."""
    state = await live_state(driver.stack.client, startup_id)
    final = next(m for m in state.milestones if m.key == "final_report")
    days = itertools.count(1)
    base: date = kst_date(final.due_at)

    async def extend() -> Any:
        return await driver.act(driver.officer, startup_id, "extend-deadline", {
            "deadline": "final_report", "new_due_on": (base + timedelta(days=next(days))).isoformat(),
            "reason": "bench: latency"})

    return await timed(extend, samples)


_raw_runs = itertools.count(1)


async def raw_update(client: Client, samples: int, owes: int) -> list[float]:
    """Round trips of a raw Update to the baseline workflow, each leaving `owes` activities to run."""
    updates = samples + 5  # and the warm-up
    handle = await client.start_workflow("BaselineLifecycle", BaselineInput(updates=updates, activities=updates * owes),
                                         id=f"baseline-latency-{next(_raw_runs)}", task_queue=BASELINE_QUEUE)
    steps = itertools.count()

    async def update() -> int:
        return await handle.execute_update("act", Step(n=next(steps), owes=owes), result_type=int)

    taken = await timed(update, samples)
    await handle.result()
    return taken


async def activities_run(client: Client, workflow_id: str) -> int:
    return (await history_counts(client, [workflow_id]))["activities"]


async def measure(stack: BenchStack, driver: ApiDriver, startup_id: str, samples: int) -> dict[str, Any]:
    before = await activities_run(stack.client, startup_id)
    api = summary_ms(await api_action(driver, startup_id, samples))
    # What one action asked of Temporal besides its Update: its projection and its notification.
    owes = round((await activities_run(stack.client, startup_id) - before) / (samples + 5))
    bare = summary_ms(await raw_update(stack.client, samples, 0))
    same_work = summary_ms(await raw_update(stack.client, samples, owes))
    return {"action": "extend-deadline", "api": api, "activities_per_action": owes,
            "raw_update": same_work, "raw_update_alone": bare,
            "p50_difference_ms": round(api["p50_ms"] - same_work["p50_ms"], 2)}
