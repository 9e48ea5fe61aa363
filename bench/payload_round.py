"""`python -m bench.payload_round [N] [CONCURRENCY]`: one round of the throughput row's lifecycles
(axflow only, default 20 at concurrency 10) on a fresh embedded stack, then what their histories
carry (bench/history_stats.py): payload bytes per lifecycle by kind and by activity or Update name,
events, projection lag, with the round's rate and CPU per process. A quick before/after check of a
change to what the lifecycle sends Temporal, in a minute instead of the full row's ten; its rate
and CPU figures are one round's, for the full row's ratio run `python -m bench --only throughput`."""

import asyncio
import json
import sys
from typing import Any

import httpx

from bench import throughput
from bench.driver import ApiDriver
from bench.history_stats import history_stats
from bench.latency import startup_in_poc
from bench.stack import bench_stack


async def payload_round(n: int, concurrency: int) -> dict[str, Any]:
    async with bench_stack(False) as stack, \
            httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http, ApiDriver(stack, http) as driver:
        await startup_in_poc(stack, driver, 1)  # the same warm-up as the bench's own stacks
        one = await throughput.axflow_run(stack, driver, n, concurrency)
        return {"round": {k: v for k, v in one.items() if k not in ("startup_ids", "program_id")},
                "history": await history_stats(stack.client, one["startup_ids"])}


def main(argv: list[str]) -> None:
    n, concurrency = (int(argv[0]) if argv else 20), (int(argv[1]) if len(argv) > 1 else 10)
    print(json.dumps(asyncio.run(payload_round(n, concurrency)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
