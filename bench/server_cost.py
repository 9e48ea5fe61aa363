"""`python -m bench.server_cost`: what the Temporal server spends per lifecycle on each thing an
axflow lifecycle asks of it beyond the baseline's Updates and activities (issue 28: the server's
CPU per lifecycle was about 1.75x the baseline's on the same counts).

On one bench stack: a round of axflow lifecycles through the API (for its counts and the server's
CPU per lifecycle), then rounds of the baseline workflow, plain and with one `Extras` each (Update
results, activity inputs and the start input padded to axflow's sizes; search-attribute upserts;
patch markers; timers; signals; queries, as the bench driver's polling sends them), alternating
over the variants `--repeats` times so that a drift of the machine or of the server's growing
database favours none. Each figure is the server's CPU from /proc over the round, per lifecycle,
until the stack fell idle after the round's last workflow completed (`throughput.baseline_run`);
the axflow round's, after a short settle (the server's tail of tasks).

Writes JSON to --out (default: stdout)."""

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType

from bench import throughput
from bench.baseline import Extras
from bench.driver import ApiDriver
from bench.stack import BenchStack, bench_stack

SETTLE_S = 1.0


def variants(updates: int) -> dict[str, tuple[Extras, int, int]]:
    """name: (extras, signals per lifecycle, queries per lifecycle), sized as the profile of
    2026-12-07 measured one axflow lifecycle (22 Updates, 30 activities)."""
    sized = Extras(result_bytes=4_070, input_bytes=2_260, start_bytes=7_900)
    return {
        "baseline": (Extras(), 0, 0),
        "Update results 4.1 KB": (Extras(result_bytes=4_070), 0, 0),
        "activity inputs 2.3 KB": (Extras(input_bytes=2_260), 0, 0),
        "all three payloads (+ start 7.9 KB)": (sized, 0, 0),
        "13 search-attribute upserts": (Extras(upserts=13), 0, 0),
        "12 patch markers (+ the SDK's 12 upserts)": (Extras(patches=12), 0, 0),
        "12 patch markers in one workflow task": (Extras(patches=12, patches_at_once=True), 0, 0),
        "13 upserts and 12 patch markers, in the same workflow tasks": (Extras(upserts=13, patches=12), 0, 0),
        "5 timers started and cancelled": (Extras(timers=5), 0, 0),
        "4 signals": (Extras(), 4, 0),
        "4 signals sent to a hub workflow": (Extras(external_signals=4), 0, 0),
        "7 queries answering 4 KB": (Extras(query_bytes=4_070), 0, 7),
        "all of the above": (sized.model_copy(update={"upserts": 13, "patches": 12, "timers": 5,
                                                      "query_bytes": 4_070}), 4, 7),
        # What an axflow lifecycle asks of the server today, queries and the patch markers gone
        # (one marker for a new lifecycle): read against the axflow round of the same run.
        "axflow's asks today (payloads, 13 upserts, 1 patch marker, 5 timers, 4 + 4 signals)":
            (sized.model_copy(update={"upserts": 13, "patches": 1, "timers": 5, "external_signals": 4}), 4, 0),
        # Not an extra: a path not taken (bench/optimizations.md), axflow's 27 projections as local
        # activities, each answering its input (2.3 KB) so that its marker carries it for the trail to
        # read. Read against "activity inputs 2.3 KB"; the baseline process's CPU changes with it too.
        "27 activities as local activities (inputs 2.3 KB)": (Extras(local_activities=27, input_bytes=2_260), 0, 0),
    }


async def variant_round(stack: BenchStack, n: int, concurrency: int, updates: int, activities: int,
                        extras: Extras, signals: int, queries: int) -> dict[str, Any]:
    one = await throughput.baseline_run(stack, n, concurrency, updates, activities, extras, signals, queries)
    events = 0
    async for _ in stack.client.get_workflow_handle(one["workflow_ids"][0]).fetch_history_events():
        events += 1
    cpu = one["cpu_ms_per_lifecycle"]
    return {"lifecycles_per_s": one["lifecycles_per_s"], "events": events,
            **{name: cpu.get(name, 0.0) for name in ("temporal", "baseline")}}


async def measure(n: int, concurrency: int, repeats: int, log: Any, only: list[str]) -> dict[str, Any]:
    async with bench_stack() as stack, httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http, \
            ApiDriver(stack, http) as driver:
        idle_ms_per_s = round(await throughput.server_idle_ms_per_s(stack, 3.0), 1)
        before = stack.cpu_by_process()
        axflow = await throughput.axflow_run(stack, driver, n, concurrency)
        await asyncio.sleep(SETTLE_S)
        server_ms = round((stack.cpu_by_process()["temporal"] - before["temporal"]) * 1000 / n, 1)
        program_events = 0
        async for event in stack.client.get_workflow_handle(f"program:{axflow['program_id']}").fetch_history_events():
            program_events += 1 if event.event_type != EventType.EVENT_TYPE_UNSPECIFIED else 0
        updates, activities = round(axflow["updates_per_lifecycle"]), round(axflow["activities_per_lifecycle"])
        log(f"axflow: {updates} Updates, {activities} activities, server {server_ms} ms per lifecycle")
        rounds: dict[str, list[dict[str, Any]]] = {}
        for _ in range(repeats):
            for name, (extras, signals, queries) in variants(updates).items():
                if only and not any(word in name for word in only):
                    continue
                one = await variant_round(stack, n, concurrency, updates, activities, extras, signals, queries)
                log(f"{name}: {one}")
                rounds.setdefault(name, []).append(one)
        return {"lifecycles": n, "concurrency": concurrency, "repeats": repeats, "settle_s": SETTLE_S,
                "server_idle_ms_per_s": idle_ms_per_s,
                "axflow": {"updates": updates, "activities": activities, "server_ms": server_ms,
                           "cpu_ms_per_lifecycle": axflow["cpu_ms_per_lifecycle"],
                           "lifecycles_per_s": axflow["lifecycles_per_s"],
                           "program_call_events_per_lifecycle": round(program_events / n, 1)},
                "variants": rounds}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_cost", description=__doc__)
    parser.add_argument("--lifecycles", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", action="append", default=[],
                        help="only the variants whose name contains this (repeatable; the baseline always)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    def log(text: str) -> None:
        print(f"server_cost: {text}", file=sys.stderr, flush=True)

    result = asyncio.run(measure(args.lifecycles, args.concurrency, args.repeats, log,
                                 [*args.only, "baseline"] if args.only else []))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
