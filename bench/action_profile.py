"""`python -m bench.action_profile`: where one action's time goes in the API process.

One startup driven to its PoC on a bench stack, then `--samples` sequential `extend-deadline`
actions through the API (the latency row's action) with py-spy sampling the API process, and the
API's CPU read from /proc before and after. Each sampled stack is put in a step of the action's
path (the first step, in STEPS' order, with a frame that matches): the caller's identity, the
access policy, the command's body and facts, the Update's round trip on the client side, the
answer's serialisation. The wall time of the same actions is set beside it, with the raw Update's
(the latency row's baseline) measured in the same run.

Needs py-spy beside the interpreter (the dev extra); not part of `make bench`. Writes JSON to --out
(default: stdout) and the table to stderr."""

import argparse
import asyncio
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench import latency
from bench.driver import ApiDriver
from bench.profile import WAITING, start_sampling, stop_sampling
from bench.stack import bench_stack, cpu_seconds
from bench.stats import summary_ms

# (step, substrings of a py-spy frame): a sample is the first step with a frame anywhere in its stack.
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("the caller: token cache, session, company binding (api/deps.py)",
     ("current_actor (api/deps.py", "token_holder (", "store/tokens.py", "api/sessions.py", "company_binding")),
    ("the access policy (api/policy.py)", ("api/policy.py",)),
    ("refusal guard and its engine (api/refusals.py)", ("api/refusals.py",)),
    ("the body parsed and validated", ("model_validate_json", "check_role", "check_scope", "confirm_password")),
    ("facts filled in: declared conflicts, evaluator standing, document refs",
     ("api/services/conflicts.py", "api/services/evaluator_pool.py", "api/document_refs.py", "load_program")),
    ("the answer: the public state (for_caller) and FastAPI's response model",
     ("for_caller (", "serialize_response", "_prepare_response_content", "jsonable_encoder", "JSONResponse.render",
      "api/schemas.py")),
    ("the Update on the client side: command to payload, RPC, result to state",
     ("api/updates.py", "temporalio/")),
    ("the request's own session (opened, released, closed)", ("get_session (api/deps.py", "release (store/db.py")),
    ("the body read (request.body)", ("Request.body", "stream (starlette")),
    ("middleware: request id, log, metrics, tracing, protection, language, text guard",
     ("opentelemetry", "prometheus_client", "api/protection.py", "api/i18n.py", "api/main.py", "api/text_guard.py",
      "structlog", "api/observability")),
    ("FastAPI routing and dependency solving", ("fastapi/",)),
    ("HTTP server (uvicorn, h11, starlette)", ("uvicorn", "h11", "starlette", "anyio")),
    ("event loop", ("asyncio/",)),
]


def step_of(stack: str) -> str | None:
    frames = stack.split(";")
    if frames[-1].startswith(WAITING):
        return None
    for name, marks in STEPS:
        if any(mark in frame for frame in frames for mark in marks):
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
    async with bench_stack() as stack, httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http:
        driver = ApiDriver(stack, http)
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
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="axflow-action-profile-"))
    result = asyncio.run(profile(args.samples, args.rate, folder))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
