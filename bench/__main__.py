"""`python -m bench` (or `make bench`): run every measurement in this one process run, each on an
embedded stack the bench starts for it, and write BENCHMARKS.md and bench/results.json.

`--quick` runs the same code at toy sizes, and `--one-stack` every measurement on one stack (for a
smoke check, not for figures)."""

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import documents, latency, open_workflows, pages, reads, scale, throughput, timers
from bench.driver import ApiDriver
from bench.latency import live_state, startup_in_poc
from bench.report import write_report, write_results
from bench.stack import BenchStack, bench_stack
from domain.state import StartupState

FULL = {"lifecycles": 50, "rounds": 3, "concurrency": 20, "samples": 300, "read_startups": 10_000, "open": 10_000,
        "timers": 5_000, "timer_spread_s": 600, "burst": 1_000, "timer_lead_s": 60, "document_mb": 200,
        "scale_startups": 100_000}
QUICK = {"lifecycles": 4, "rounds": 1, "concurrency": 2, "samples": 10, "read_startups": 200, "open": 30,
         "timers": 20, "timer_spread_s": 2, "burst": 20, "timer_lead_s": 3, "document_mb": 4,
         "scale_startups": 300}
SECTIONS = ("throughput", "latency", "reads", "pages", "open_workflows", "timers", "burst", "documents", "scale")


async def run(sizes: dict[str, int], sections: list[str], log: Any, keep: bool = False,
              one_stack: bool = False) -> dict[str, Any]:
    """Each measurement on an embedded stack of its own, so that none inherits another's load or
    the server database another one grew; with `one_stack`, all of them on one stack (a smoke
    check that every measurement runs, in a fraction of the time: not for figures)."""
    results: dict[str, Any] = {}

    async def on_a_stack(names: list[str]) -> None:
        async with bench_stack(keep) as stack, \
                httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http:
            if keep:
                log(f"{', '.join(names)}: data and logs in {stack.settings.data_dir}")
            driver = ApiDriver(stack, http)
            # A startup in its PoC: the latency subject and the template of the many lifecycles.
            subject, _ = await startup_in_poc(stack, driver, 1)
            for name in names:
                what, measure = plan[name]
                log(f"{name}: {what}")
                results[name] = await measure(stack, driver, await live_state(stack.client, subject), subject)

    async def reads_at_scale(stack: BenchStack, driver: ApiDriver, template: StartupState, _: str) -> Any:
        completed = (await throughput.axflow_run(stack, driver, 1, 1))["startup_ids"][0]
        return await reads.measure(stack, driver, template, sizes["read_startups"], completed, sizes["samples"])

    lead = timedelta(seconds=sizes["timer_lead_s"])
    plan: dict[str, tuple[str, Callable[[BenchStack, ApiDriver, StartupState, str], Awaitable[Any]]]] = {
        "throughput": (f"{sizes['rounds']} rounds of {sizes['lifecycles']} lifecycles at concurrency "
                       f"{sizes['concurrency']}, axflow and the baseline in turn",
                       lambda stack, driver, _, __: throughput.measure(
                           stack, driver, sizes["lifecycles"], sizes["concurrency"], sizes["rounds"])),
        "latency": (f"{sizes['samples']} sequential actions and raw Updates",
                    lambda stack, driver, _, subject: latency.measure(stack, driver, subject, sizes["samples"])),
        "reads": (f"{sizes['read_startups']} startups in the read model", reads_at_scale),
        "pages": (f"console pages over {sizes['read_startups']} startups, signed in with a session",
                  lambda stack, driver, template, subject: pages.measure(
                      stack, driver, template, subject, sizes["read_startups"], sizes["samples"])),
        "open_workflows": (f"{sizes['open']} lifecycles waiting on deadlines",
                           lambda stack, driver, template, _: open_workflows.measure(
                               stack, driver, template, sizes["open"], min(sizes["samples"], 50))),
        "timers": (f"{sizes['timers']} deadlines over {sizes['timer_spread_s']} s",
                   lambda stack, driver, template, _: timers.run_timers(
                       stack, driver, template, "spread", sizes["timers"], timedelta(seconds=sizes["timer_spread_s"]),
                       timers.lead_for(sizes["timers"], lead), 300_000)),
        "burst": (f"{sizes['burst']} deadlines at one instant",
                  lambda stack, driver, template, _: timers.run_timers(
                      stack, driver, template, "burst", sizes["burst"], timedelta(0),
                      timers.lead_for(sizes["burst"], lead), 400_000)),
        "documents": (f"a {sizes['document_mb']} MB file uploaded and downloaded through the API",
                      lambda stack, driver, _, subject: documents.measure(stack, driver.http, subject,
                                                                          sizes["document_mb"])),
        "scale": (f"GET /startups and the console's list over {sizes['scale_startups']:,} startups seeded directly",
                  lambda stack, driver, template, _: scale.measure(stack, driver, template, sizes["scale_startups"],
                                                                   sizes["samples"])),
    }
    if "documents" in sections:
        os.environ.update(documents.ENV)  # the stacks inherit it: the API accepts the large file
    for names in [sections] if one_stack else [[name] for name in sections]:
        await on_a_stack(names)
    if "throughput" in results:
        results["throughput"].pop("startup_ids")
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
    parser.add_argument("--one-stack", action="store_true",
                        help="every measurement on one stack instead of a fresh one each: faster, not for figures")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: write BENCHMARKS.md again from OUT/bench/results.json")
    parser.add_argument("--out", type=Path, default=Path("."), help="where BENCHMARKS.md and bench/results.json go")
    args = parser.parse_args(argv)
    if args.report_only:
        write_report(args.out, json.loads((args.out / "bench" / "results.json").read_text()))
        return 0
    sizes = QUICK if args.quick else FULL
    sections = args.only or list(SECTIONS)

    def log(text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    results = asyncio.run(stoppable(run(sizes, sections, log, args.keep, args.one_stack)))
    command = ("python -m bench" + (" --quick" if args.quick else "") + (" --one-stack" if args.one_stack else "")
               + "".join(f" --only {s}" for s in args.only or []))
    write_report(args.out, write_results(args.out, results, sizes, command))
    log(f"wrote {args.out / 'BENCHMARKS.md'} and {args.out / 'bench' / 'results.json'}")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
