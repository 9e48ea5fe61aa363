"""`python -m bench.profile`: where a lifecycle's CPU goes, not a guess.

One round of the throughput row's lifecycles (and the baseline's, for the Temporal server's
figure) on a bench stack, with py-spy sampling the API, the worker and this driver while the
lifecycles run, and every process's CPU read from /proc before and after (per thread for the Python
processes, so that the Temporal SDK's Rust threads, which py-spy does not see, are counted apart).
Each Python thread's sampled share is put in a category by what the stack is doing (the first
category, in CATEGORIES' order, with a frame that matches) and scaled to the measured CPU.

Needs py-spy on the PATH or beside the interpreter (`pip install py-spy`); not part of `make bench`.
Writes JSON to --out (default: stdout)."""

import argparse
import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType

from bench import throughput
from bench.driver import ApiDriver, bench_brn, run_concurrently
from bench.stack import BenchStack, bench_stack, cpu_seconds

# (category, substrings of a py-spy frame "function (file:line)"). A sample is the first of these
# categories with a frame anywhere in its stack (the work itself, whatever called it)...
WORK: list[tuple[str, tuple[str, ...]]] = [
    ("argon2 (its Python side; the hashing runs in threads of its own, below)", ("argon2",)),
    ("the bench driver's own database work (tokens, passwords)", ("bench/stack.py",)),
    ("agreement generation", ("axflow/agreement", "activities/agreements.py")),
    ("Jinja rendering", ("jinja2/", "axflow/notices", "templates/")),
    ("SMTP (building and sending mail)", ("aiosmtplib", "smtplib", "axflow/mail.py", "email/")),
    ("payload conversion (Temporal converter, pydantic)", ("temporalio/converter", "temporalio/contrib/pydantic",
                                                           "temporalio/bridge/_visitor")),
    ("work items", ("store/work_items.py",)),
    ("projection SQL (read model, transitions, audit)", ("store/projection.py", "activities/read_model.py",
                                                          "store/audit")),
    ("notification recipients, inbox and outbox SQL", ("activities/notifications.py", "store/outbox.py",
                                                       "store/notifications.py")),
    ("text guard reading bodies (api/text_guard.py)", ("_strings (api/text_guard", "refusal (api/text_guard",
                                                       "body_fields (api/text_guard", "hidden_character")),
    ("sign-in throttle", ("api/throttle.py",)),
    ("company binding lookup", ("store/company_binding.py",)),
    ("token/session lookup", ("store/tokens.py", "api/sessions.py", "current_actor", "actor_of")),
    ("finance, eligibility and business-status activities", ("activities/finance.py", "activities/eligibility.py",
                                                             "store/business_checks.py", "axflow/tax_authority")),
    ("workflow code (lifecycle, domain rules)", ("workflows/", "domain/")),
]
# ...else the category of its deepest frame that matches one of these: wrappers (ASGI middleware,
# the SDK) count only for their own code, not for the application they wrap.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("API middleware (tracing, metrics, request id, protection, language, text guard's wrapper)",
     ("opentelemetry", "prometheus_client", "api/protection.py", "api/i18n.py", "api/main.py", "api/text_guard.py")),
    ("Temporal client and worker (Python side)", ("temporalio/",)),
    ("other SQL (engine, pool, sessions)", ("sqlalchemy", "sqlmodel", "sqlite3", "store/")),
    ("logging", ("structlog", "logging/", "axflow/logging")),
    ("pydantic outside the converter (FastAPI bodies, responses)", ("pydantic",)),
    ("JSON", ("json/",)),
    ("HTTP/ASGI (uvicorn, starlette, FastAPI, httpx, aiohttp)", ("uvicorn", "starlette", "fastapi", "h11", "httpx",
                                                                "httpcore", "anyio", "aiohttp", "multidict", "yarl",
                                                                "api/", "bench/driver.py")),
    ("event loop and thread hand-offs", ("asyncio/", "concurrent/", "threading.py")),
]
OTHER = "the rest"
# A thread blocked here is waiting, not working, though py-spy may see it as running.
WAITING = ("EpollSelector.select (", "_worker (concurrent/futures/thread.py", "Condition.wait (", "Event.wait (")
PROCESS = "(whole process)"
_serials = itertools.count(1)


def category(stack: str) -> str | None:
    """The category of one sampled stack (root first), or None when it was waiting."""
    frames = stack.split(";")
    if frames[-1].startswith(WAITING):
        return None
    for name, marks in WORK:
        if any(mark in frame for frame in frames for mark in marks):
            return name
    for frame in reversed(frames):
        for name, marks in LAYERS:
            if any(mark in frame for mark in marks):
                return name
    return OTHER


def categorised(raw: str) -> Counter[str]:
    """Samples per category from py-spy's raw output ("frame;frame;... count" a line)."""
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack.strip() and count.isdigit():
            counts[category(stack) or "(waiting)"] += int(count)
    return counts


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (threads of one name summed), from /proc (Linux)."""
    used: defaultdict[str, float] = defaultdict(float)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "stat").read_text()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        used[name.rstrip("0123456789-")] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return dict(used)


def all_cpu(stack: BenchStack) -> dict[str, dict[str, float]]:
    pids = {name: proc.pid for name, proc in stack.procs.items() if proc.poll() is None}
    # The process's own figure also holds the threads that ended meanwhile (asyncio.to_thread's).
    return {name: thread_cpu(pid) | {PROCESS: cpu_seconds(pid)}
            for name, pid in (pids | {"bench driver": os.getpid()}).items()}


def spent(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]], n: int) -> dict[str, Any]:
    """ms of CPU per lifecycle, per process and within it per thread name (and threads that ended)."""
    result: dict[str, Any] = {}
    for name, threads in after.items():
        per_thread = {t: (s - before.get(name, {}).get(t, 0.0)) * 1000 / n for t, s in threads.items()}
        total = per_thread.pop(PROCESS)
        per_thread["(threads that ended)"] = total - sum(per_thread.values())
        result[name] = {"total": round(total, 1),
                        "threads": {t: round(ms, 1) for t, ms in sorted(per_thread.items(), key=lambda kv: -kv[1])
                                    if ms >= 0.5}}
    return dict(sorted(result.items(), key=lambda kv: -kv[1]["total"]))


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy not found: pip install py-spy")
    return found


def start_sampling(pids: dict[str, int], folder: Path, rate: int,
                   gil: bool = False) -> dict[str, subprocess.Popen[bytes]]:
    only_gil = ["--gil"] if gil else []
    return {name: subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate),
                                    "--nonblocking", *only_gil, "--output", str(folder / f"{name}.txt")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()}


def stop_sampling(samplers: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in samplers.values():
        proc.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
    for proc in samplers.values():
        proc.wait(timeout=60)


async def history_bytes(stack: BenchStack, workflow_id: str) -> dict[str, Any]:
    """The size of one workflow's history: all of it, and per event type (largest first)."""
    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
    by_type: Counter[str] = Counter()
    events: Counter[str] = Counter()
    for event in history.events:
        kind = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_").lower()
        by_type[kind] += event.ByteSize()
        events[kind] += 1
    scheduled = [e.activity_task_scheduled_event_attributes for e in history.events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    largest = max(scheduled, key=lambda a: a.input.ByteSize(), default=None)
    return {"events": len(history.events), "bytes": sum(by_type.values()),
            "by_type": {k: {"events": events[k], "bytes": b} for k, b in by_type.most_common()},
            "largest_activity_input": largest and {
                "activity": largest.activity_type.name, "bytes": largest.input.ByteSize(),
                "by_field": json_sizes(json.loads(largest.input.payloads[0].data))}}


def json_sizes(value: Any, depth: int = 2) -> Any:
    """Bytes of each key's JSON, `depth` levels down (the largest first): what a payload carries."""
    if not isinstance(value, dict) or depth == 0:
        return len(json.dumps(value, ensure_ascii=False).encode())
    sizes = {key: json_sizes(item, depth - 1) for key, item in value.items()}
    return dict(sorted(sizes.items(), key=lambda kv: -_total(kv[1])))


def _total(sizes: Any) -> int:
    return sizes if isinstance(sizes, int) else sum(map(_total, sizes.values()))


def request_kind(method: str, path: str) -> str:
    """A driver's request by what it asks: an action, a poll of one startup's live state, a list..."""
    parts = path.split("?")[0].strip("/").split("/")
    if method == "POST" and "actions" in parts:
        return "POST an action"
    if method == "GET" and parts[0] == "startups" and len(parts) == 2:
        return "GET /startups/{id} (the live state: a workflow query)"
    return f"{method} /{parts[0]}" + ("/{id}/" + "/".join(parts[2:]) if len(parts) > 2 else "")


async def lifecycles(stack: BenchStack, driver: ApiDriver, n: int, concurrency: int) -> list[str]:
    """The throughput row's lifecycles (bench/throughput.py), without its counting afterwards: the
    CPU read right after them holds only theirs."""
    program = await driver.program(slots=n)
    brns = [bench_brn(next(_serials)) for _ in range(n)]
    tokens = stack.startup_tokens(brns)
    ids: dict[str, str] = {}

    async def apply(brn: str) -> None:
        ids[brn] = await driver.apply_and_score(program, brn, tokens[brn])

    async def finish(brn: str) -> None:
        await driver.after_selection(ids[brn], tokens[brn])

    await run_concurrently(brns, concurrency, apply)
    await driver.close_and_select(program)
    await run_concurrently(brns, concurrency, finish)
    return list(ids.values())


async def profile(n: int, concurrency: int, rate: int, folder: Path, gil: bool = False) -> dict[str, Any]:
    requests: Counter[str] = Counter()

    def count(method: str, path: str) -> None:
        requests[request_kind(method, path)] += 1

    async with bench_stack() as stack, httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http, \
            ApiDriver(stack, http) as driver:
        driver.client.on_request.append(count)
        load_before = os.getloadavg()
        await lifecycles(stack, driver, 2, 2)  # warm: imports, caches, first connections
        targets = {"api": stack.procs["api"].pid, "worker": stack.procs["worker"].pid, "bench driver": os.getpid()}
        samplers = start_sampling(targets, folder, rate, gil)
        await asyncio.sleep(3)  # py-spy attached and the warm lifecycles' last activities done
        before = all_cpu(stack)
        requests.clear()
        start = time.perf_counter()
        startup_ids = await lifecycles(stack, driver, n, concurrency)
        seconds = time.perf_counter() - start
        after = all_cpu(stack)
        driver_requests = {k: round(v / n, 1) for k, v in requests.most_common()}
        sampler_cpu = {name: cpu_seconds(proc.pid) for name, proc in samplers.items()}
        stop_sampling(samplers)
        base_before = all_cpu(stack)
        counts = await throughput.history_counts(stack.client, startup_ids)
        updates, activities = counts["updates"] / n, counts["activities"] / n
        base = await throughput.baseline_run(stack, n, concurrency, round(updates), round(activities))
        base_after = all_cpu(stack)
        return {
            "lifecycles": n, "concurrency": concurrency, "rate": rate, "gil_only": gil, "seconds": round(seconds, 2),
            "driver_requests_per_lifecycle": driver_requests,
            "lifecycles_per_s": round(n / seconds, 3), "baseline_lifecycles_per_s": base["lifecycles_per_s"],
            "updates_per_lifecycle": updates, "activities_per_lifecycle": activities,
            "cpu_ms_per_lifecycle": spent(before, after, n),
            "baseline_cpu_ms_per_lifecycle": spent(base_before, base_after, n),
            "py_spy_cpu_s": {k: round(v, 1) for k, v in sampler_cpu.items()},
            "samples": {name: dict(categorised((folder / f"{name}.txt").read_text()).most_common())
                        for name in targets},
            "history": {"axflow": await history_bytes(stack, startup_ids[0]),
                        "baseline": await history_bytes(stack, "baseline-1-0")},
            "load_average": {"before": load_before, "after": os.getloadavg()},
        }


def shares(result: dict[str, Any], process: str, rate: int) -> list[tuple[str, float, float]]:
    """(category, ms of CPU per lifecycle, share of the process) for one sampled process: the
    samples' shares of the CPU its Python threads used, the Temporal SDK's Rust threads apart."""
    used = result["cpu_ms_per_lifecycle"][process]
    rust = sum(ms for thread, ms in used["threads"].items() if thread.startswith("tokio"))
    ended = used["threads"].get("(threads that ended)", 0.0)
    samples = {name: count for name, count in result["samples"][process].items() if name != "(waiting)"}
    counted = sum(samples.values()) or 1
    rows = [(name, (used["total"] - rust - ended) * count / counted) for name, count in samples.items()]
    rows += [("Temporal SDK core (Rust threads, not sampled)", rust),
             ("threads that ended during the run (argon2's hashing threads), not sampled", ended)]
    return [(name, round(ms, 1), round(100 * ms / used["total"], 1)) for name, ms in sorted(rows, key=lambda r: -r[1])]


def table(result: dict[str, Any], rate: int) -> str:
    lines = ["| process | what it does | ms of CPU per lifecycle | share of the process |", "|---|---|---|---|"]
    for process in result["samples"]:
        total = result["cpu_ms_per_lifecycle"][process]["total"]
        samples = result["samples"][process]
        seen = (sum(samples.values()) - samples.get("(waiting)", 0)) / rate * 1000 / result["lifecycles"]
        lines.append(f"| **{process}** | all (sampled: {seen:.0f} ms) | **{total}** | 100% |")
        lines += [f"| | {name} | {ms} | {share}% |" for name, ms, share in shares(result, process, rate) if ms >= 1]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--lifecycles", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw output in this folder")
    parser.add_argument("--gil", action="store_true",
                        help="sample only threads holding the GIL: Python's own work, not a thread waiting in "
                             "SQLite's commit (fsync) or for its write lock, which py-spy may count as running")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = args.raw or Path(tempfile.mkdtemp(prefix="axflow-profile-"))
    folder.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(profile(args.lifecycles, args.concurrency, args.rate, folder, args.gil))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    print(table(result, args.rate), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
