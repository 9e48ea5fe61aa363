"""Percentiles and timing for the benchmarks."""

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2)}


async def timed(call: Callable[[], Awaitable[Any]], samples: int, warmup: int = 5) -> list[float]:
    """Wall-clock seconds of `samples` sequential calls, after `warmup` unrecorded ones."""
    for _ in range(warmup):
        await call()
    return [await once(call) for _ in range(samples)]


async def once(call: Callable[[], Awaitable[Any]]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start
