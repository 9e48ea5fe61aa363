"""Lifecycle throughput: the sample lifecycle through the API against the baseline workflow doing
the same number of Updates and activities, at the same concurrency, on the same server."""

import asyncio
import itertools
import time
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.baseline import BaselineInput, Extras, Step, activity_share
from bench.driver import ApiDriver, bench_brn, run_concurrently
from bench.history_stats import history_stats
from bench.stack import BASELINE_QUEUE, BenchStack

_runs = itertools.count(1)
# A round has settled when the stack's processes together use under a tenth of one CPU over a
# quarter second (idle, the whole stack uses 1–3% of one, measured); a round that never does is
# charged up to SETTLE_LIMIT_S after its last lifecycle.
IDLE_WINDOW_S = 0.25
IDLE_SHARE = 0.1
SETTLE_LIMIT_S = 30.0
_serials = itertools.count(1)
# A completed activity or workflow task leaves the Temporal server a timer task for its timeout
# (an activity's start-to-close, 30 s for the baseline's and most of axflow's; a workflow task's,
# 10 s), processed when it falls due although the work it guarded ended long before. A baseline
# round is shorter than that, so what each one left fell due in the next axflow round and was
# charged to it: 35 ms of the server's CPU per baseline lifecycle in the half minute after its
# round, 11% of what the server spent on it in the round (bench/optimizations.md, "Late night of
# 2026-12-07"). Before each round, and after the last, the bench waits until what the round before
# left has fallen due; the server's CPU meanwhile (beyond its idle use) is reported as that round's
# deferred cost, outside its time.
DEFERRED_S = 32.0

COUNTED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    EventType.EVENT_TYPE_MARKER_RECORDED: "activities",  # local activities
}


async def history_counts(client: Client, workflow_ids: list[str]) -> dict[str, int]:
    counts = {"updates": 0, "activities": 0}
    for workflow_id in workflow_ids:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            kind = COUNTED.get(event.event_type)
            if kind == "activities" and event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED \
                    and event.marker_recorded_event_attributes.marker_name != "core_local_activity":
                continue
            if kind:
                counts[kind] += 1
    return counts


async def axflow_run(stack: BenchStack, driver: ApiDriver, n: int, concurrency: int) -> dict[str, Any]:
    program = await driver.program(slots=n)
    brns = [bench_brn(next(_serials)) for _ in range(n)]
    tokens = stack.startup_tokens(brns)
    ids: dict[str, str] = {}
    actions_before, unavailable_before = driver.actions, driver.unavailable

    async def apply(brn: str) -> None:
        ids[brn] = await driver.apply_and_score(program, brn, tokens[brn])

    async def finish(brn: str) -> None:
        await driver.after_selection(ids[brn], tokens[brn])

    cpu_before = stack.cpu_by_process()
    start = time.perf_counter()
    await run_concurrently(brns, concurrency, apply)
    await driver.close_and_select(program)
    await run_concurrently(brns, concurrency, finish)
    while await driver.count(program.id, "completed") < n:  # the last projections in
        await asyncio.sleep(0.1)
    elapsed = await settled(stack) - start
    cpu = cpu_per_lifecycle(cpu_before, stack.cpu_by_process(), n)
    transitions = driver.actions - actions_before
    counts = await history_counts(stack.client, [*ids.values(), f"program:{program.id}"])
    return {"lifecycles": n, "seconds": round(elapsed, 2), "transitions": transitions,
            "unavailable_retries": driver.unavailable - unavailable_before,
            "lifecycles_per_s": round(n / elapsed, 3), "transitions_per_s": round(transitions / elapsed, 1),
            "updates_per_lifecycle": round(counts["updates"] / n, 2),
            "activities_per_lifecycle": round(counts["activities"] / n, 2),
            "cpu_ms_per_lifecycle": cpu, "program_id": program.id, "startup_ids": list(ids.values())}


async def settled(stack: BenchStack) -> float:
    """When the round's work ended: the start of the first window in which the stack's processes
    together used under IDLE_SHARE of one CPU. A round is timed and charged up to there, so that
    what it left running (the last projections, notices still being delivered) is its own cost,
    not the next round's: with the two sides in turn, a tail left to run into the baseline's
    round made the baseline look slower and the ratio better than it was."""
    deadline = time.perf_counter() + SETTLE_LIMIT_S
    while True:
        before, window_start = stack.cpu_by_process(), time.perf_counter()
        await asyncio.sleep(IDLE_WINDOW_S)
        after = stack.cpu_by_process()
        used = sum(after[name] - before.get(name, 0.0) for name in after)
        if used < IDLE_SHARE * (time.perf_counter() - window_start) or time.perf_counter() > deadline:
            return window_start


def cpu_per_lifecycle(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
    """Milliseconds of CPU each process spent per lifecycle (the busy ones only)."""
    spent = {name: (after[name] - before.get(name, 0.0)) * 1000 / n for name in after}
    return {name: round(ms, 1) for name, ms in sorted(spent.items(), key=lambda kv: -kv[1]) if ms >= 0.5}


async def baseline_run(stack: BenchStack, n: int, concurrency: int, updates: int, activities: int,
                       extras: Extras | None = None, signals: int = 0, queries: int = 0) -> dict[str, Any]:
    """A round of `n` baseline workflows at `concurrency`: each `updates` Updates owing `activities`
    activities between them, and with `extras` what else it asks of the server (`signals` and
    `queries` from the client, one after each of the first Updates; signals to a hub workflow the
    round starts, as lifecycles tell their program call)."""
    run, client = next(_runs), stack.client
    padding = "x" * extras.start_bytes if extras else ""
    hub = None
    if extras and extras.external_signals:
        hub = await client.start_workflow("BaselineHub", id=f"baseline-hub-{run}", task_queue=BASELINE_QUEUE)
        extras = extras.model_copy(update={"hub_id": hub.id})

    async def one(i: int) -> None:
        handle = await client.start_workflow(
            "BaselineLifecycle", BaselineInput(updates=updates, activities=activities, extras=extras, padding=padding),
            id=f"baseline-{run}-{i}", task_queue=BASELINE_QUEUE)
        for k in range(updates):
            await handle.execute_update("act", Step(n=k, owes=activity_share(activities, updates, k)))
            if k < signals:
                await handle.signal("poke")
            if k < queries:
                await handle.query("state")
        await handle.result()

    cpu_before = stack.cpu_by_process()
    start = time.perf_counter()
    await run_concurrently(range(n), concurrency, one)
    if hub is not None:
        await hub.signal("close")
        await hub.result()
    elapsed = await settled(stack) - start
    return {"workflow_ids": [f"baseline-{run}-{i}" for i in range(n)], "lifecycles": n,
            "seconds": round(elapsed, 2), "transitions": n * updates,
            "cpu_ms_per_lifecycle": cpu_per_lifecycle(cpu_before, stack.cpu_by_process(), n),
            "lifecycles_per_s": round(n / elapsed, 3), "transitions_per_s": round(n * updates / elapsed, 1),
            "updates_per_lifecycle": updates, "activities_per_lifecycle": activities}


def asks_of(stats: dict[str, Any], updates: float, activities: float) -> tuple[Extras, int]:
    """What a lifecycle asked of Temporal beyond its Updates and activities (`history_stats` of a
    round's lifecycles), as the baseline's extras and the signals its client sends: search-attribute
    upserts (less the SDK's one per patch marker, which `patches` adds back), patch markers, timers,
    signals received and sent, and its payloads' sizes."""
    by_type: dict[str, float] = stats["events_by_type"]
    sizes: dict[str, int] = stats["payload_bytes_by_kind"]

    def counted(prefix: str) -> float:
        return sum(count for kind, count in by_type.items() if kind.startswith(prefix))
    patches = counted("MARKER_RECORDED") - counted("MARKER_RECORDED: core_local_activity")
    extras = Extras(upserts=round(counted("UPSERT_WORKFLOW_SEARCH_ATTRIBUTES") - patches), patches=round(patches),
                    timers=round(counted("TIMER_STARTED")),
                    external_signals=round(counted("SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED")),
                    result_bytes=round(sizes.get("update results", 0) / max(updates, 1)),
                    input_bytes=round(sizes.get("activity inputs", 0) / max(activities, 1)),
                    start_bytes=sizes.get("start input", 0))
    return extras, round(counted("WORKFLOW_EXECUTION_SIGNALED"))


def merged(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Several rounds as one: totals, rates over the summed time, CPU averaged per lifecycle."""
    n = sum(r["lifecycles"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    transitions = sum(r["transitions"] for r in rounds)
    cpu: dict[str, float] = {}
    for r in rounds:
        for name, ms in r["cpu_ms_per_lifecycle"].items():
            cpu[name] = cpu.get(name, 0.0) + ms * r["lifecycles"] / n
    deferred = [r["deferred_server_ms_per_lifecycle"] for r in rounds if "deferred_server_ms_per_lifecycle" in r]
    return {"lifecycles": n, "seconds": round(seconds, 2), "transitions": transitions,
            **({"deferred_server_ms_per_lifecycle": round(sum(deferred) / len(deferred), 1)} if deferred else {}),
            "unavailable_retries": sum(r.get("unavailable_retries", 0) for r in rounds),
            "lifecycles_per_s": round(n / seconds, 3), "transitions_per_s": round(transitions / seconds, 1),
            "updates_per_lifecycle": round(sum(r["updates_per_lifecycle"] * r["lifecycles"] for r in rounds) / n, 2),
            "activities_per_lifecycle": round(
                sum(r["activities_per_lifecycle"] * r["lifecycles"] for r in rounds) / n, 2),
            "cpu_ms_per_lifecycle": {k: round(v, 1) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])}}


async def server_idle_ms_per_s(stack: BenchStack, seconds: float = 2.0) -> float:
    """The Temporal server's CPU with nothing to do, in ms per second."""
    before = stack.cpu_by_process()["temporal"]
    await asyncio.sleep(seconds)
    return (stack.cpu_by_process()["temporal"] - before) * 1000 / seconds


async def wait_deferred(stack: BenchStack, one: dict[str, Any], seconds: float, idle_ms_per_s: float) -> None:
    """Wait out what round `one` left the server to do later, and note its CPU per lifecycle."""
    if seconds <= 0:
        return
    before, start = stack.cpu_by_process()["temporal"], time.perf_counter()
    await asyncio.sleep(seconds)
    spent = (stack.cpu_by_process()["temporal"] - before) * 1000 - idle_ms_per_s * (time.perf_counter() - start)
    one["deferred_server_ms_per_lifecycle"] = round(max(spent, 0.0) / one["lifecycles"], 1)


async def measure(stack: BenchStack, driver: ApiDriver, n: int, concurrency: int, rounds: int,
                  deferred_s: float = DEFERRED_S) -> dict[str, Any]:
    """`rounds` alternating rounds of axflow, the baseline and the baseline asking what axflow's
    lifecycles of the round asked of Temporal (`asks_of`), `n` lifecycles each: alternating keeps a
    drift of the machine (or of the server's growing database) from favouring any; each round starts
    once the one before has left the server nothing to do (DEFERRED_S). The target is against the
    plain baseline; the one with axflow's asks tells how much of the difference is what axflow asks
    of Temporal (visibility, timers, signals, payloads) and how much its own work around it."""
    axflow_rounds: list[dict[str, Any]] = []
    baseline_rounds: list[dict[str, Any]] = []
    asks_rounds: list[dict[str, Any]] = []
    startup_ids: list[str] = []
    baseline_ids: list[str] = []
    idle = await server_idle_ms_per_s(stack) if deferred_s > 0 else 0.0
    for _ in range(rounds):
        one = await axflow_run(stack, driver, n, concurrency)
        round_ids = one.pop("startup_ids")
        startup_ids += round_ids
        one.pop("program_id")
        axflow_rounds.append(one)
        await wait_deferred(stack, one, deferred_s, idle)
        updates, activities = round(one["updates_per_lifecycle"]), round(one["activities_per_lifecycle"])
        baseline_rounds.append(await baseline_run(stack, n, concurrency, updates, activities))
        baseline_ids += baseline_rounds[-1].pop("workflow_ids")
        await wait_deferred(stack, baseline_rounds[-1], deferred_s, idle)
        # Read after the deferred wait, so that the server's work reading them is in no round.
        extras, signals = asks_of(await history_stats(stack.client, round_ids), updates, activities)
        asks_rounds.append(await baseline_run(stack, n, concurrency, updates, activities, extras, signals))
        asks_rounds[-1].pop("workflow_ids")
        asks_rounds[-1]["asks"] = {**extras.model_dump(exclude={"hub_id", "patches_at_once", "local_activities",
                                                                  "query_bytes"}), "signals": signals}
        await wait_deferred(stack, asks_rounds[-1], deferred_s, idle)
    ratios = sorted(a["lifecycles_per_s"] / b["lifecycles_per_s"] for a, b in zip(axflow_rounds, baseline_rounds, strict=True))
    axflow, baseline, asked = merged(axflow_rounds), merged(baseline_rounds), merged(asks_rounds)
    asked["asks"] = [r["asks"] for r in asks_rounds]
    return {"concurrency": concurrency, "rounds": rounds, "axflow": axflow, "baseline": baseline,
            "ratio": round(axflow["lifecycles_per_s"] / baseline["lifecycles_per_s"], 3),
            "round_ratios": [round(r, 3) for r in ratios], "startup_ids": startup_ids,
            "baseline_with_asks": asked,
            "ratio_to_asks": round(axflow["lifecycles_per_s"] / asked["lifecycles_per_s"], 3),
            "asks_ratio": round(asked["lifecycles_per_s"] / baseline["lifecycles_per_s"], 3),
            # Read after the rounds, from the histories: payload sizes and the projection lag.
            "history": {"axflow": await history_stats(stack.client, startup_ids),
                        "baseline": await history_stats(stack.client, baseline_ids)}}
