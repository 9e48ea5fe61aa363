"""Open workflows: many lifecycles waiting on their deadlines; the worker's memory, and the time to
bring one back after the worker's cache has evicted it."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.clones import clone_program, start_clones
from bench.driver import ApiDriver
from bench.stack import BenchStack, rss_mb
from bench.stats import summary_ms, timed
from domain.state import StartupState


async def measure(stack: BenchStack, driver: ApiDriver, template: StartupState, count: int,
                  samples: int) -> dict[str, Any]:
    rss_before = rss_mb(stack.worker_pid())
    program = await clone_program(driver, template, "open")
    due = datetime.now(UTC) + timedelta(days=30)
    ids = await start_clones(stack, template, program, range(200_000, 200_000 + count), lambda _: due)
    # Every one has run its first task once the read model lists it.
    while await driver.count(program.id, "in_poc") < count:
        await asyncio.sleep(1)
    rss_open = rss_mb(stack.worker_pid())

    evicted = iter(ids[:samples + 5])  # started first: long out of a cache that holds the newest

    async def resume_evicted() -> Any:
        return await driver.call(driver.officer, "GET", f"/startups/{next(evicted)}")

    async def read_cached() -> Any:
        return await driver.call(driver.officer, "GET", f"/startups/{ids[-1]}")

    cold = summary_ms(await timed(resume_evicted, samples))
    warm = summary_ms(await timed(read_cached, samples))
    return {"open_lifecycles": count, "worker_rss_mb_before": round(rss_before, 1),
            "worker_rss_mb": round(rss_open, 1), "resume_after_eviction": cold, "read_cached": warm}
