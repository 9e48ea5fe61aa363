"""The worker's memory as open lifecycles accumulate: clones of a real PoC state (bench/clones.py)
started in steps up to each level (say 10,000, 30,000, 100,000), each waiting on a deadline a month
away. At every level, once the read model lists them all (each has run its first workflow task and
projection), the worker's and the Temporal server's resident memory are read; the worker's is also
read after every thousand started and every second while the read model catches up, so that the
peak shows as the cache (`worker_max_cached_workflows`) fills and evicts. The start rate is
reported too: it bounds how large a level a run can afford."""

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from bench.clones import clone_program, start_clones
from bench.driver import ApiDriver
from bench.stack import BenchStack, rss_mb
from domain.state import StartupState
from store.db import make_engine
from store.tables import StartupRow

FIRST_SERIAL = 400_000  # apart from the open-workflows row's clones (200,000 on)
STEP = 1_000  # clones started between two checks of the read model


def levels_up_to(largest: int) -> list[int]:
    """A tenth, three tenths and all of `largest` (fewer when they coincide)."""
    return sorted({max(1, largest // 10), max(1, largest * 3 // 10), largest})


def listed(stack: BenchStack, program_id: str) -> int:
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(StartupRow)
                                          .where(col(StartupRow.program_id) == program_id)).scalar_one())
    finally:
        engine.dispose()


async def measure(stack: BenchStack, driver: ApiDriver, template: StartupState, largest: int) -> dict[str, Any]:
    load_before = os.getloadavg()
    worker, server = stack.worker_pid(), stack.procs["temporal"].pid
    baseline = {"worker_rss_mb": round(rss_mb(worker), 1), "server_rss_mb": round(rss_mb(server), 1)}
    program = await clone_program(driver, template, "memory")
    due = datetime.now(UTC) + timedelta(days=30)
    peak = rss_mb(worker)
    started_at = time.perf_counter()
    started = 0
    levels: list[dict[str, Any]] = []
    for level in levels_up_to(largest):
        level_began = time.perf_counter()
        while started < level:
            batch = range(FIRST_SERIAL + started, FIRST_SERIAL + min(level, started + STEP))
            await start_clones(stack, template, program, batch, lambda _: due)
            started += len(batch)
            peak = max(peak, rss_mb(worker))
        while listed(stack, program.id) < level:  # each has run its first task and projection
            peak = max(peak, rss_mb(worker))
            await asyncio.sleep(1)
        worker_mb, server_mb = rss_mb(worker), rss_mb(server)
        peak = max(peak, worker_mb)
        previous = levels[-1] if levels else {"open_lifecycles": 0} | baseline
        levels.append({
            "open_lifecycles": level, "worker_rss_mb": round(worker_mb, 1), "worker_peak_rss_mb": round(peak, 1),
            "server_rss_mb": round(server_mb, 1),
            "worker_mb_per_lifecycle": round((worker_mb - baseline["worker_rss_mb"]) / level, 4),
            "server_mb_per_lifecycle": round((server_mb - baseline["server_rss_mb"]) / level, 4),
            # What each lifecycle added since the level before (once the cache is full, the cost
            # of a lifecycle the worker does not hold).
            "worker_kb_per_lifecycle_since_previous": round(
                (worker_mb - previous["worker_rss_mb"]) * 1024 / (level - previous["open_lifecycles"]), 2),
            "started_per_s": round(level / (time.perf_counter() - started_at), 1),
            "step_started_per_s": round((level - previous["open_lifecycles"]) / (time.perf_counter() - level_began), 1),
            "at_s": round(time.perf_counter() - started_at, 1), "load_average": [round(x, 2) for x in os.getloadavg()]})
    return {"largest": largest, "cache_size": stack.settings.worker_max_cached_workflows, "before": baseline,
            "levels": levels, "load_average": {"before": [round(x, 2) for x in load_before],
                                               "after": [round(x, 2) for x in os.getloadavg()]}}
