"""Reads at scale: list filters over 10,000 startups in the read model, and the readable history
of a complete lifecycle."""

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import col

from bench.driver import ApiDriver, bench_brn
from bench.stack import BenchStack
from bench.stats import summary_ms, timed
from domain.phases import Phase, Role
from domain.state import StartupState
from store.db import make_engine
from store.projection import row_fields
from store.tables import StartupRow
from store.user_tables import WorkItem, WorkItemExclusion
from store.work_items import rows_of as work_rows_of

SECTORS = ["manufacturing", "energy", "bio", "mobility", "logistics"]
REGIONS = ["강원", "충북", "전남", "경북", "제주", "부산", "대구"]
PHASES = [Phase.UNDER_REVIEW, Phase.SELECTED, Phase.CONTRACTED, Phase.IN_POC, Phase.FINAL_REVIEW,
          Phase.SETTLEMENT, Phase.COMPLETED, Phase.REJECTED, Phase.WAITLISTED]


def seed(stack: BenchStack, template: StartupState, count: int, programs: int = 10) -> None:
    """`count` startups in the read model, cut from a real projected state and spread over
    programs, phases, sectors, regions and overdue (one in twenty), in one transaction."""
    rng = random.Random(7)
    engine = make_engine(stack.settings.database_url, writer=True)
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(StartupRow)
                              .where(col(StartupRow.program_id).startswith("seeded-"))).scalar():
            # Seeded by an earlier measurement on the same stack (`--one-stack`): the same rows.
            engine.dispose()
            return
        # The template's own lifecycle already has work items: number the seeded ones after them.
        first_id = (connection.execute(select(func.max(WorkItem.id))).scalar() or 0) + 1
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    exclusions: list[dict[str, Any]] = []
    for i in range(count):
        brn = bench_brn(100_000 + i)
        program_id = f"seeded-{i % programs}"
        state = template.model_copy(update={
            "startup_id": f"startup:{program_id}:{brn}", "program_id": program_id, "brn": brn,
            "company_name": f"시드AI {i:05d}", "phase": rng.choice(PHASES), "sector": rng.choice(SECTORS),
            "region": rng.choice(REGIONS), "applied_at": template.applied_at - timedelta(minutes=i)})
        state = with_open_work(state, rng)
        fields = row_fields(state)
        fields["overdue"] = rng.random() < 0.05
        rows.append({"startup_id": state.startup_id, **fields})
        for values, excluded in work_rows_of(state):
            item_id = first_id + len(items)
            items.append(values | {"id": item_id})
            exclusions += [{"work_item_id": item_id, "user_id": u} for u in excluded]
    with engine.begin() as connection:
        for table, batch in ((StartupRow, rows), (WorkItem, items), (WorkItemExclusion, exclusions)):
            for start in range(0, len(batch), 1000):
                connection.execute(insert(table), batch[start:start + 1000])
    engine.dispose()


def with_open_work(state: StartupState, rng: random.Random) -> StartupState:
    """The template's work reopened to fit the seeded phase, so that every inbox has work in it:
    deliverables due in a startup in PoC, a tranche awaiting approval in a contracted one."""
    if state.phase is Phase.IN_POC:
        return state.model_copy(update={"milestones": [
            m.model_copy(update={"status": "pending", "overdue": rng.random() < 0.05}) for m in state.milestones]})
    if state.phase is Phase.CONTRACTED and state.tranches:
        first = state.tranches[0].model_copy(update={"status": "requested", "requested_by": "u-bench-requester"})
        return state.model_copy(update={"tranches": [first, *state.tranches[1:]]})
    return state


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
    return {"startups": count, "list": lists, "history": history,
            "inbox": await measure_inbox(stack, driver, busy_startup(stack), samples)}


def busy_startup(stack: BenchStack) -> str:
    """A seeded company with deliverables due (its people's inbox is not empty)."""
    engine = make_engine(stack.settings.database_url)
    with engine.connect() as connection:
        brn = connection.execute(select(col(WorkItem.brn)).where(col(WorkItem.audience) == "startup").limit(1)).scalar_one()
    engine.dispose()
    return brn


async def measure_inbox(stack: BenchStack, driver: ApiDriver, brn: str, samples: int) -> dict[str, Any]:
    """`GET /me/inbox` for each kind of person, over the seeded startups' work items."""
    people = {"program_officer": driver.officer, "finance_officer": driver.finance, "evaluator": driver.evaluator,
              "startup": stack.token(Role.STARTUP, "bench.startup", brn)}
    found: dict[str, Any] = {}
    for role, token in people.items():
        async def read(token: str = token) -> Any:
            return await driver.call(token, "GET", "/me/inbox")

        found[role] = summary_ms(await timed(read, samples)) | {"items": (await read())["count"]}
    return found
