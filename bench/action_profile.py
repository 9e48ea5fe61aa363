"""`python -m bench.action_profile`: where one action's time goes in the API process.

One startup driven to its PoC on a bench stack, then `--samples` sequential `extend-deadline`
actions through the API (the latency row's action) with py-spy sampling the API process, and the
API's CPU read from /proc before and after. Each sampled stack is put in a step of the action's
path (the first step, in STEPS' order, with a frame that matches): the caller's identity, the
access policy, the command's body and facts, the Update's round trip on the client side, the
answer's serialisation. The wall time of the same actions is set beside it, with the raw Update's
(the latency row's baseline) measured in the same run.

Needs py-spy beside the interpreter (the dev extra); not part of `make bench`. Writes JSON to --out
(default: stdout) and the table to stderr.

`--timeline` samples nothing: it times the same actions and the raw Update (owing one activity) by
the client's clock and the workflow history's event times (one machine, one clock), and splits each
round trip at the Update's workflow task: before it was scheduled (for the API, the HTTP request
and the API's work before its Update, then any workflow task already in flight), scheduled until a
worker took it, taken until it completed (the worker's activation), completed until the client had
the answer (for the API, its answer serialised and sent back)."""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench import latency
from bench.baseline import BaselineInput, Step
from bench.driver import ApiDriver
from bench.profile import WAITING, start_sampling, stop_sampling
from bench.stack import BASELINE_QUEUE, bench_stack, cpu_seconds
from bench.stats import percentile, summary_ms
from domain.timeutil import kst_date

# (step, substrings of a py-spy frame): a sample is the step of its innermost frame that matches one.
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("the caller: token cache, session, company binding (api/deps.py)",
     ("current_actor (api/deps.py", "token_holder (", "store/tokens.py", "api/sessions.py", "company_binding")),
    ("the access policy (api/policy.py)", ("api/policy.py",)),
    ("refusal guard and its engine (api/refusals.py)", ("api/refusals.py",)),
    ("the body parsed and validated", ("model_validate_json", "check_role", "check_scope", "confirm_password")),
    ("facts filled in: declared conflicts, evaluator standing, document refs",
     ("api/services/conflicts.py", "api/services/evaluator_pool.py", "api/document_refs.py", "load_program")),
    ("the answer: the public state (for_caller) and FastAPI's response model",
     ("for_caller (", "serialize_response", "serialize_json (fastapi", "_prepare_response_content", "jsonable_encoder",
      "JSONResponse.render", "api/schemas.py")),
    ("the Update on the client side: command to payload, RPC, result to state",
     ("api/updates.py", "temporalio/")),
    ("the request's own session (opened, released, closed)", ("get_session (api/deps.py", "release (store/db.py")),
    ("the body read (request.body)", ("Request.body", "stream (starlette")),
    ("middleware: request id, log, metrics, tracing, protection, language, text guard",
     ("opentelemetry", "prometheus_client", "api/protection.py", "api/i18n.py", "api/main.py", "api/text_guard.py",
      "structlog", "api/observability")),
    ("FastAPI routing and dependency solving", ("fastapi/",)),
    ("HTTP server (uvicorn, h11, starlette)", ("uvicorn", "h11", "starlette", "anyio")),
    ("event loop (uvloop's own work: sockets, callbacks)", ("asyncio/",)),
]


def step_of(stack: str) -> str | None:
    """The step of the innermost frame that names one (STEPS' order decides within one frame): the
    middleware and the framework are on every stack, around what runs inside them."""
    frames = stack.split(";")
    if frames[-1].startswith(WAITING):
        return None
    for frame in reversed(frames):
        for name, marks in STEPS:
            if any(mark in frame for mark in marks):
                return name
    return "the rest"


def steps(raw: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack.strip() and count.isdigit():
            counts[step_of(stack) or "(waiting)"] += int(count)
    return counts


async def profile(samples: int, rate: int, folder: Path) -> dict[str, Any]:
    async with bench_stack() as stack, httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http, \
            ApiDriver(stack, http) as driver:
        startup_id, _ = await latency.startup_in_poc(stack, driver, 1)
        await latency.api_action(driver, startup_id, 20)  # warm: imports, caches, connections
        api_pid = stack.procs["api"].pid
        samplers = start_sampling({"api": api_pid}, folder, rate)
        await asyncio.sleep(2)  # py-spy attached
        load = os.getloadavg()
        before = cpu_seconds(api_pid)
        taken = await latency.api_action(driver, startup_id, samples)
        api_cpu_ms = (cpu_seconds(api_pid) - before) * 1000 / (samples + 5)  # timed() warms up 5 more
        stop_sampling(samplers)
        raw = summary_ms(await latency.raw_update(stack.client, samples, 1))
        counted = steps((folder / "api.txt").read_text())
        return {"samples": samples, "rate": rate, "load_average": load, "api_wall": summary_ms(taken),
                "raw_update_owing_one_activity": raw, "api_cpu_ms_per_action": round(api_cpu_ms, 2),
                "steps": dict(counted.most_common())}


SEGMENTS = ("before the Update's workflow task was scheduled", "scheduled until a worker took it",
            "the worker's workflow task (taken to completed)", "completed until the client had the answer")


async def stamped(call: Callable[[], Awaitable[Any]], samples: int, pause_s: float = 0.0) -> list[tuple[int, int]]:
    """Wall-clock (epoch ns) start and end of `samples` sequential calls, after 5 warm-up ones,
    each `pause_s` after the last ended (the latency row's paced figure: no call then meets the
    previous one's follow-up, its projection, still running)."""
    for _ in range(5):
        await call()
    spans = []
    for _ in range(samples):
        await asyncio.sleep(pause_s)
        start = time.time_ns()
        await call()
        spans.append((start, time.time_ns()))
    return spans


async def history_times(client: Client, workflow_id: str) -> list[tuple[int, str]]:
    """(epoch ns, event type) of every run of the workflow (a long series continues as new)."""
    events = []
    async for run in client.list_workflows(f'WorkflowId="{workflow_id}"'):
        async for event in client.get_workflow_handle(workflow_id, run_id=run.run_id).fetch_history_events():
            events.append((event.event_time.ToNanoseconds(), EventType.Name(event.event_type)))
    return events


def split(spans: list[tuple[int, int]], events: list[tuple[int, str]]) -> dict[str, dict[str, float]]:
    """Each round trip cut at the workflow task that accepted its Update; p50 and mean per segment.
    A task scheduled before the call began (the Update joined it) counts from the call's start."""
    events = sorted(events)
    cuts: list[list[float]] = [[] for _ in SEGMENTS]
    for start, end in spans:
        accepted = [i for i, (t, kind) in enumerate(events)
                    if start <= t <= end and kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"]
        if len(accepted) != 1:
            continue
        before = events[:accepted[0]]
        task = [next(t for t, kind in reversed(before) if kind == f"EVENT_TYPE_WORKFLOW_TASK_{name}")
                for name in ("SCHEDULED", "STARTED", "COMPLETED")]
        marks = [start, max(task[0], start), *task[1:], end]
        for i, cut in enumerate(cuts):
            cut.append((marks[i + 1] - marks[i]) / 1e6)
    return {name: {"p50_ms": round(percentile(cut, 50), 2), "mean_ms": round(sum(cut) / len(cut), 2)}
            for name, cut in zip(SEGMENTS, cuts, strict=True) if cut}


async def timeline(samples: int, pause_s: float = 0.0) -> dict[str, Any]:
    async with bench_stack() as stack, httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http, \
            ApiDriver(stack, http) as driver:
        startup_id, _ = await latency.startup_in_poc(stack, driver, 1)
        await latency.api_action(driver, startup_id, 20)  # warm: imports, caches, connections
        load = os.getloadavg()
        state = await latency.live_state(stack.client, startup_id)
        due = kst_date(next(m for m in state.milestones if m.key == "final_report").due_at)
        days = count(1)
        api = await stamped(lambda: driver.act(driver.officer, startup_id, "extend-deadline", {
            "deadline": "final_report", "new_due_on": (due + timedelta(days=next(days))).isoformat(),
            "reason": "bench: timeline"}), samples, pause_s)
        raw_id = f"baseline-timeline-{os.getpid()}"
        handle = await stack.client.start_workflow(
            "BaselineLifecycle", BaselineInput(updates=samples + 5, activities=samples + 5),
            id=raw_id, task_queue=BASELINE_QUEUE)
        steps = count()
        raw = await stamped(lambda: handle.execute_update("act", Step(n=next(steps), owes=1), result_type=int), samples, pause_s)
        await handle.result()
        return {"samples": samples, "pause_ms": round(pause_s * 1000), "load_average": load,
                "api": {"all": summary_ms([(e - s) / 1e9 for s, e in api]),
                        **split(api, await history_times(stack.client, startup_id))},
                "raw_update_owing_one_activity": {"all": summary_ms([(e - s) / 1e9 for s, e in raw]),
                                                  **split(raw, await history_times(stack.client, raw_id))}}


def timeline_table(result: dict[str, Any]) -> str:
    api, raw = result["api"], result["raw_update_owing_one_activity"]
    lines = ["| segment of one round trip | API p50 (mean) ms | raw Update p50 (mean) ms |", "|---|---|---|",
             f"| **all** | **{api['all']['p50_ms']}** | **{raw['all']['p50_ms']}** |"]
    lines += [f"| {name} | {api[name]['p50_ms']} ({api[name]['mean_ms']}) | {raw[name]['p50_ms']} ({raw[name]['mean_ms']}) |"
              for name in SEGMENTS if name in api and name in raw]
    return "\n".join(lines)


def table(result: dict[str, Any]) -> str:
    working = {k: v for k, v in result["steps"].items() if k != "(waiting)"}
    total = sum(working.values()) or 1
    cpu = result["api_cpu_ms_per_action"]
    lines = ["| step of the action in the API process | ms of CPU per action | share |", "|---|---|---|",
             f"| **all** (from /proc) | **{cpu}** | 100% |"]
    lines += [f"| {name} | {cpu * n / total:.2f} | {100 * n / total:.0f}% |" for name, n in working.items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.action_profile", description=__doc__)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--timeline", action="store_true",
                        help="no sampling: split each round trip at the Update's workflow task (history times)")
    parser.add_argument("--pause-ms", type=float, default=0.0,
                        help="with --timeline: wait this long between calls (the latency row's paced figure: 100)")
    args = parser.parse_args()
    if args.timeline:
        result = asyncio.run(timeline(args.samples, args.pause_ms / 1000))
    else:
        result = asyncio.run(profile(args.samples, args.rate, Path(tempfile.mkdtemp(prefix="axflow-action-profile-"))))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    print(timeline_table(result) if args.timeline else table(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
