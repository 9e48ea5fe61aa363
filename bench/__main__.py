"""`python -m bench` (or `make bench`): start an embedded stack of its own, run every measurement in
this one process run, and write BENCHMARKS.md and bench/results.json.

`--quick` runs the same code at toy sizes (for a smoke check, not for figures)."""

import argparse
import asyncio
import json
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import latency, open_workflows, reads, throughput, timers
from bench.driver import ApiDriver
from bench.latency import live_state, startup_in_poc
from bench.report import write_report
from bench.stack import bench_stack

FULL = {"lifecycles": 50, "rounds": 3, "concurrency": 20, "samples": 300, "read_startups": 10_000, "open": 10_000,
        "timers": 5_000, "timer_spread_s": 600, "burst": 1_000, "timer_lead_s": 60}
QUICK = {"lifecycles": 4, "rounds": 1, "concurrency": 2, "samples": 10, "read_startups": 200, "open": 30,
         "timers": 20, "timer_spread_s": 10, "burst": 20, "timer_lead_s": 8}
SECTIONS = ("throughput", "latency", "reads", "open_workflows", "timers")


async def run(sizes: dict[str, int], sections: list[str], log: Any, keep: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with bench_stack(keep) as stack, httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http:
        driver = ApiDriver(stack, http)
        if keep:
            log(f"data and logs in {stack.settings.data_dir}")
        log("preparing a startup in its PoC (the latency subject and the clones' template)")
        subject, _ = await startup_in_poc(stack, driver, 1)
        template = await live_state(stack.client, subject)
        completed_id: str | None = None
        if "throughput" in sections:
            log(f"throughput: {sizes['rounds']} rounds of {sizes['lifecycles']} lifecycles at concurrency "
                f"{sizes['concurrency']}, axflow and the baseline in turn")
            results["throughput"] = await throughput.measure(stack, driver, sizes["lifecycles"], sizes["concurrency"],
                                                             sizes["rounds"])
            completed_id = results["throughput"].pop("startup_ids")[0]
        if "latency" in sections:
            log(f"latency: {sizes['samples']} sequential actions and raw Updates")
            results["latency"] = await latency.measure(stack, driver, subject, sizes["samples"])
        if "reads" in sections:
            if completed_id is None:
                one = await throughput.axflow_run(stack, driver, 1, 1)
                completed_id = one["startup_ids"][0]
            log(f"reads: {sizes['read_startups']} startups in the read model")
            results["reads"] = await reads.measure(stack, driver, template, sizes["read_startups"], completed_id,
                                                   sizes["samples"])
        if "open_workflows" in sections:
            log(f"open workflows: {sizes['open']} lifecycles waiting on deadlines")
            results["open_workflows"] = await open_workflows.measure(stack, driver, template, sizes["open"],
                                                                     min(sizes["samples"], 50))
        if "timers" in sections:
            log(f"timers: {sizes['timers']} deadlines over {sizes['timer_spread_s']} s, then {sizes['burst']} at once")
            results["timers"] = await timers.measure(
                stack, driver, template, sizes["timers"], timedelta(seconds=sizes["timer_spread_s"]), sizes["burst"],
                timedelta(seconds=sizes["timer_lead_s"]))
    return results


async def stoppable(work: Any) -> Any:
    """Run `work`, cancelling it on SIGTERM so that the stack it started is stopped, not orphaned."""
    task = asyncio.ensure_future(work)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="toy sizes: checks that every measurement runs")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the stack's data and logs afterwards")
    parser.add_argument("--out", type=Path, default=Path("."), help="where BENCHMARKS.md and bench/results.json go")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    sections = args.only or list(SECTIONS)

    def log(text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    results = asyncio.run(stoppable(run(sizes, sections, log, args.keep)))
    command = "python -m bench" + (" --quick" if args.quick else "") + "".join(f" --only {s}" for s in args.only or [])
    write_report(args.out, results, sizes, command)
    log(f"wrote {args.out / 'BENCHMARKS.md'} and {args.out / 'bench' / 'results.json'}")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
