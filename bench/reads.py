"""Reads at scale: list filters over 10,000 startups in the read model, and the readable history
of a complete lifecycle."""

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from bench.driver import ApiDriver, bench_brn
from bench.stack import BenchStack
from bench.stats import summary_ms, timed
from domain.phases import Phase
from domain.state import StartupState
from store.db import make_engine
from store.projection import row_fields
from store.tables import StartupRow

SECTORS = ["manufacturing", "energy", "bio", "mobility", "logistics"]
REGIONS = ["강원", "충북", "전남", "경북", "제주", "부산", "대구"]
PHASES = [Phase.UNDER_REVIEW, Phase.SELECTED, Phase.CONTRACTED, Phase.IN_POC, Phase.FINAL_REVIEW,
          Phase.SETTLEMENT, Phase.COMPLETED, Phase.REJECTED, Phase.WAITLISTED]


def seed(stack: BenchStack, template: StartupState, count: int, programs: int = 10) -> None:
    """`count` startups in the read model, cut from a real projected state and spread over
    programs, phases, sectors, regions and overdue (one in twenty), in one transaction."""
    rng = random.Random(7)
    rows = []
    for i in range(count):
        brn = bench_brn(100_000 + i)
        program_id = f"seeded-{i % programs}"
        state = template.model_copy(update={
            "startup_id": f"startup:{program_id}:{brn}", "program_id": program_id, "brn": brn,
            "company_name": f"시드AI {i:05d}", "phase": rng.choice(PHASES), "sector": rng.choice(SECTORS),
            "region": rng.choice(REGIONS), "applied_at": template.applied_at - timedelta(minutes=i)})
        fields = row_fields(state)
        fields["overdue"] = rng.random() < 0.05
        rows.append({"startup_id": state.startup_id, **fields})
    engine = make_engine(stack.settings.database_url, writer=True)
    with engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            connection.execute(insert(StartupRow), rows[start:start + 1000])
    engine.dispose()


async def measure(stack: BenchStack, driver: ApiDriver, template: StartupState, count: int,
                  completed_id: str, samples: int) -> dict[str, Any]:
    seed(stack, template, count)
    filters = {
        "none": "", "program_id": "program_id=seeded-3", "stage": "stage=micro", "phase": "phase=in_poc",
        "sector": "sector=energy", "region": "region=강원", "overdue": "overdue=true",
        "all_filters": "program_id=seeded-3&stage=micro&phase=in_poc&sector=energy&region=강원",
    }
    lists: dict[str, Any] = {}
    for name, query in filters.items():
        path = f"/startups?{query}"

        async def read(path: str = path) -> Any:
            return await driver.call(driver.officer, "GET", path)

        lists[name] = summary_ms(await timed(read, samples))
    async def trail() -> Any:
        return await driver.call(driver.officer, "GET", f"/startups/{completed_id}/history")

    entries = len((await trail())["entries"])
    history = summary_ms(await timed(trail, samples)) | {"entries": entries}
    return {"startups": count, "list": lists, "history": history}
