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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import (
    cohort,
    documents,
    followup,
    latency,
    open_memory,
    open_workflows,
    outcomes,
    pages,
    reads,
    scale,
    throughput,
    timers,
)
from bench.driver import ApiDriver
from bench.latency import live_state, startup_in_poc
from bench.report import merge_results, new_document, save_document, write_report
from bench.stack import BenchStack, bench_stack
from domain.state import StartupState

FULL = {"lifecycles": 50, "rounds": 3, "concurrency": 20, "deferred_s": 32, "samples": 300,
        "read_startups": 10_000, "open": 10_000, "timers": 5_000, "timer_spread_s": 600, "burst": 1_000,
        "timer_lead_s": 60, "document_mb": 200, "scale_startups": 100_000, "open_memory": 100_000, "cohort": 1_000,
        "cohort_concurrency": 50, "followups": 10_000, "survey_burst": 1_000, "outcome_companies": 10_000,
        "outcome_years": 5, "outcome_samples": 40}
QUICK = {"lifecycles": 4, "rounds": 1, "concurrency": 2, "deferred_s": 0, "samples": 10, "read_startups": 200,
         "open": 30, "timers": 20, "timer_spread_s": 2, "burst": 20, "timer_lead_s": 3, "document_mb": 4,
         "scale_startups": 300, "open_memory": 30, "cohort": 3, "cohort_concurrency": 3,
         "followups": 30, "survey_burst": 20, "outcome_companies": 200, "outcome_years": 5, "outcome_samples": 5}
SECTIONS = ("throughput", "latency", "reads", "pages", "open_workflows", "timers", "burst", "documents", "scale")
# Long measurements, run only when named (`--only open_memory`, `--only cohort`), sized by `--size`.
# The follow-up at scale (issue 31): `--only followup` names all three.
FOLLOWUP_SECTIONS = ("followup_memory", "followup_burst", "followup_outcomes")
LONG_SECTIONS = ("open_memory", "cohort", *FOLLOWUP_SECTIONS)
GROUPS = {"followup": FOLLOWUP_SECTIONS}


async def run(sizes: dict[str, int], sections: list[str], log: Any, keep: bool = False,
              one_stack: bool = False, on_row: Callable[[str, Any], None] = lambda name, row: None,
              ) -> dict[str, Any]:
    """Each measurement on an embedded stack of its own, so that none inherits another's load or
    the server database another one grew; with `one_stack`, all of them on one stack (a smoke
    check that every measurement runs, in a fraction of the time: not for figures). `on_row` is
    told each row as soon as it is measured, so that a run that fails later keeps it."""
    results: dict[str, Any] = {}

    def measured(name: str, row: Any) -> None:
        if name == "throughput":
            row.pop("startup_ids", None)
        results[name] = row
        on_row(name, row)

    async def on_a_stack(names: list[str]) -> None:
        async with bench_stack(keep) as stack, \
                httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http, \
                ApiDriver(stack, http) as driver:
            if keep:
                log(f"{', '.join(names)}: data and logs in {stack.settings.data_dir}")
            # A startup in its PoC: the latency subject and the template of the many lifecycles (the
            # follow-up rows need none: they start their own workflows or seed the read model).
            subject = (await startup_in_poc(stack, driver, 1))[0] if set(names) - set(followups) else ""
            for name in names:
                if name in followups:
                    said, own = followups[name]
                    log(f"{name}: {said}")
                    measured(name, await own(stack, driver))
                    continue
                what, measure = plan[name]
                log(f"{name}: {what}")
                measured(name, await measure(stack, driver, await live_state(stack.client, subject), subject))

    async def reads_at_scale(stack: BenchStack, driver: ApiDriver, template: StartupState, _: str) -> Any:
        completed = (await throughput.axflow_run(stack, driver, 1, 1))["startup_ids"][0]
        return await reads.measure(stack, driver, template, sizes["read_startups"], completed, sizes["samples"])

    lead = timedelta(seconds=sizes["timer_lead_s"])
    plan: dict[str, tuple[str, Callable[[BenchStack, ApiDriver, StartupState, str], Awaitable[Any]]]] = {
        "throughput": (f"{sizes['rounds']} rounds of {sizes['lifecycles']} lifecycles at concurrency "
                       f"{sizes['concurrency']}, axflow, the baseline and the baseline with axflow's asks in turn",
                       lambda stack, driver, _, __: throughput.measure(
                           stack, driver, sizes["lifecycles"], sizes["concurrency"], sizes["rounds"],
                           sizes["deferred_s"])),
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
        "open_memory": (f"the worker's memory with up to {sizes['open_memory']:,} open lifecycles, at "
                        f"{', '.join(f'{n:,}' for n in open_memory.levels_up_to(sizes['open_memory']))}",
                        lambda stack, driver, template, _: open_memory.measure(stack, driver, template,
                                                                               sizes["open_memory"])),
        "cohort": (f"a cohort of {sizes['cohort']:,} lifecycles through the whole life at concurrency "
                   f"{sizes['cohort_concurrency']}",
                   lambda stack, driver, _, __: cohort.measure(stack, driver, sizes["cohort"],
                                                               sizes["cohort_concurrency"])),
    }
    followups: dict[str, tuple[str, Callable[[BenchStack, ApiDriver], Awaitable[Any]]]] = {
        "followup_memory": (f"the worker's memory with {sizes['followups']:,} follow-ups asleep on their yearly timer",
                            lambda stack, driver: followup.memory(stack, driver, sizes["followups"])),
        "followup_burst": (f"a cohort of {sizes['survey_burst']:,} whose surveys all open at one instant",
                           lambda stack, driver: followup.burst(stack, driver, sizes["survey_burst"], lead)),
        "followup_outcomes": (f"the outcomes at {sizes['outcome_companies']:,} companies × {sizes['outcome_years']} "
                              "years, the read model seeded directly",
                              lambda stack, driver: outcomes.measure(stack, driver, sizes["outcome_companies"],
                                                                     sizes["outcome_years"], sizes["outcome_samples"])),
    }
    if "documents" in sections:
        os.environ.update(documents.ENV)  # the stacks inherit it: the API accepts the large file
    for names in [sections] if one_stack else [[name] for name in sections]:
        await on_a_stack(names)
    return results


async def stoppable(work: Any) -> Any:
    """Run `work`, cancelling it on SIGTERM so that the stack it started is stopped, not orphaned."""
    task = asyncio.ensure_future(work)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await task


def size_setting(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=N with N a whole number of at least 1")
    return name, int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="toy sizes: checks that every measurement runs")
    parser.add_argument("--only", action="append", choices=SECTIONS + LONG_SECTIONS + tuple(GROUPS),
                        help=f"run only these (repeatable); {', '.join(LONG_SECTIONS)} run only when named; "
                             f"followup is {', '.join(FOLLOWUP_SECTIONS)}")
    parser.add_argument("--size", action="append", default=[], metavar="NAME=N", type=size_setting,
                        help="override one size, e.g. --size cohort=300 --size open_memory=30000 (repeatable)")
    parser.add_argument("--merge", action="store_true",
                        help="keep OUT/bench/results.json's other rows: this run's rows replace only their own")
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
    sizes = (QUICK if args.quick else FULL) | dict(args.size)
    if unknown := set(dict(args.size)) - set(FULL):
        parser.error(f"--size: no size named {', '.join(sorted(unknown))} (sizes: {', '.join(FULL)})")
    sections = [each for name in args.only or SECTIONS for each in GROUPS.get(name, (name,))]

    def log(text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    command = ("python -m bench" + (" --quick" if args.quick else "") + (" --one-stack" if args.one_stack else "")
               + "".join(f" --only {s}" for s in args.only or []) + "".join(f" --size {k}={v}" for k, v in args.size))
    started = datetime.now(UTC)
    earlier = args.out / "bench" / "results.json"
    merging = args.merge and earlier.exists()
    document = json.loads(earlier.read_text()) if merging else new_document(sizes, command)

    def keep_row(name: str, row: Any) -> None:
        """Written at once: the rows measured so far survive a later row's failure."""
        if merging:
            merge_results(args.out, document, {name: row}, command, started)
        else:
            document["results"][name] = row
            save_document(args.out, document)
        write_report(args.out, document)
        log(f"{name}: written to {args.out / 'BENCHMARKS.md'} and {earlier}")

    results = asyncio.run(stoppable(run(sizes, sections, log, args.keep, args.one_stack, keep_row)))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
