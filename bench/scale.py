"""The list at scale: `GET /startups` and the console's startup list over 100,000 startups.

The read model is seeded directly (bulk inserts into the store's `startup` table, no workflows):
each row's summary columns spread over 100 programs, the phases, sectors, regions and overdue (one
in twenty), and the stored state a real projected state's (so that the table is as wide as a
real one: the list reads its summary columns from the same pages). Then, for each filter set, the
API's list is walked as a client pages it (the first page, then the `next_cursor` of each answer)
and the console's list as a person does (page 1, the next pages, and a page deep in the list).
Each figure is a request's wall time over loopback."""

import os
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, insert, select
from sqlmodel import col

from bench.driver import ApiDriver, bench_brn
from bench.pages import CSRF_FIELD
from bench.reads import REGIONS
from bench.stack import BenchStack
from bench.stats import summary_ms
from domain.phases import Phase
from domain.state import StartupState
from store.db import make_engine, session_scope
from store.tables import ProgramRow, StartupRow
from store.users import create_user

PROGRAMS = 100
PREFIX = "scale-"
LOGIN, PASSWORD = "bench.scale.officer", "Bench!scale-2025q"
SECTORS = ["smart_factory", "eco_energy", "bio_health", "future_mobility", "chemicals"]
PAGE = 50  # the API's default page and the console's page size alike


def seed(stack: BenchStack, template: StartupState, count: int) -> float:
    """`count` startups in the read model in one transaction; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(28)
    engine = make_engine(stack.settings.database_url, writer=True)
    state = template.model_dump(mode="json")  # one real state, stored in every row
    now = datetime.now(UTC)
    with engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(StartupRow)
                              .where(col(StartupRow.program_id).startswith(PREFIX))).scalar():
            return 0.0  # seeded on this stack already (`--one-stack`)
        batch: list[dict[str, Any]] = []
        for i in range(count):
            brn = bench_brn(1_000_000 + i)
            program_id = f"{PREFIX}{i % PROGRAMS:03d}"
            phase = rng.choice(list(Phase))
            batch.append({
                "startup_id": f"startup:{program_id}:{brn}", "program_id": program_id, "brn": brn,
                "company_name": f"규모AI {i:06d}", "stage": template.stage.value, "phase": phase.value,
                "sector": rng.choice(SECTORS), "region": rng.choice(REGIONS), "task_id": None,
                "overdue": rng.random() < 0.05,
                "next_deadline_at": now + timedelta(days=rng.randint(1, 90)) if phase is Phase.IN_POC else None,
                "applied_at": now - timedelta(minutes=i), "updated_at": now, "average_score": None,
                "paid_total": 0, "milestones_done": 0, "milestones_on_time": 0, "version": 1, "state": state})
            if len(batch) == 1000:
                connection.execute(insert(StartupRow), batch)
                batch = []
        if batch:
            connection.execute(insert(StartupRow), batch)
    with session_scope(engine) as session:
        program = session.get(ProgramRow, template.program_id)
        assert program is not None, template.program_id
        # The programs' rows too: the console's program filter offers (and accepts) only those.
        session.add_all([ProgramRow(id=f"{PREFIX}{n:03d}", name=f"{program.name} ({n:03d})", stage=program.stage,
                                    definition=program.definition | {"id": f"{PREFIX}{n:03d}"},
                                    created_at=program.created_at, created_by=program.created_by)
                         for n in range(PROGRAMS)])
        create_user(session, login_id=LOGIN, display_name="규모 벤치 담당자", kind="staff",
                    roles=["program_officer"], password=PASSWORD)
    engine.dispose()
    return time.perf_counter() - started


FILTERS = {
    "none": {},
    "program": {"program_id": f"{PREFIX}042"},
    "phase": {"phase": "in_poc"},
    "program and phase": {"program_id": f"{PREFIX}042", "phase": "in_poc"},
    "sector, region, overdue": {"sector": "eco_energy", "region": "강원", "overdue": "true"},
}
CONSOLE_NAMES = {"program_id": "program", "overdue": "overdue"}


async def api_walk(driver: ApiDriver, query: dict[str, str], pages: int) -> tuple[list[float], list[float]]:
    """(first pages, following pages): `pages` pages by cursor from the start, timed each."""
    first: list[float] = []
    following: list[float] = []
    cursor: str | None = None
    for n in range(pages):
        params = query | {"limit": str(PAGE)} | ({"cursor": cursor} if cursor else {})
        path = "/startups?" + "&".join(f"{k}={quote(v)}" for k, v in params.items())
        start = time.perf_counter()
        answer = await driver.call(driver.officer, "GET", path)
        (first if n == 0 else following).append(time.perf_counter() - start)
        cursor = answer["next_cursor"]  # None at the list's end: the walk starts again
    return first, following


async def console_session(http: httpx.AsyncClient) -> None:
    form = await http.get("/signin")
    token = CSRF_FIELD.search(form.text)
    assert token is not None, form.text[:500]
    signed = await http.post("/signin", data={"login_id": LOGIN, "password": PASSWORD,
                                              "csrf_token": token.group(1)})
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in for the scale bench failed: {signed.status_code} {signed.text[:300]}")


async def console_pages(http: httpx.AsyncClient, query: dict[str, str], pages: list[int]) -> list[float]:
    taken = []
    for page in pages:
        params = {CONSOLE_NAMES.get(k, k): ("yes" if v == "true" else v) for k, v in query.items()}
        path = "/console/startups?" + "&".join(f"{k}={quote(v)}" for k, v in params.items()) + f"&page={page}"
        start = time.perf_counter()
        answer = await http.get(path)
        taken.append(time.perf_counter() - start)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:300]}")
    return taken


async def measure(stack: BenchStack, driver: ApiDriver, template: StartupState, count: int,
                  samples: int) -> dict[str, Any]:
    seconds = seed(stack, template, count)
    load = os.getloadavg()  # a shared machine's figures mean little without it
    api: dict[str, Any] = {}
    console: dict[str, Any] = {}
    walk = max(samples // 10, 2)  # pages per walk; walks repeated until `samples` pages were read
    deep = max(1, count // PAGE // 2)  # the middle of the whole list
    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http:
        await console_session(http)
        await console_pages(http, {}, [1, 2])  # warm
        for name, query in FILTERS.items():
            firsts: list[float] = []
            nexts: list[float] = []
            while len(firsts) + len(nexts) < samples:
                first, following = await api_walk(driver, query, walk)
                firsts += first
                nexts += following
            everything = firsts + nexts
            api[name] = summary_ms(everything) | {"first_page_p50_ms": summary_ms(firsts)["p50_ms"]}
            numbered = [1 + n % walk for n in range(samples)]
            console[name] = summary_ms(await console_pages(http, query, numbered))
        console["none, page in the middle"] = summary_ms(await console_pages(http, {}, [deep] * max(samples // 5, 3)))
    return {"startups": count, "seed_s": round(seconds, 1), "page_size": PAGE, "sqlite": sqlite3.sqlite_version,
            "api": api, "console": console, "deep_page": deep,
            "load_average": {"before": load, "after": os.getloadavg()}}
