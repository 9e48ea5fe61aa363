"""A program's outcomes at scale (사후관리 성과, issue 31): `GET /programs/{id}/outcomes` and the
console's outcome page over `companies` companies followed for `years` years each.

The read model of follow-up years is seeded directly (bulk inserts into `followup_year`, no
workflows), as bench/scale.py seeds startups: the companies spread over five cohorts (the KST years
they completed), each company's years as a real follow-up records them (answered, a few answered
late or unanswered, now and then a company closed, which ends its years; one answered year in a
hundred flagged by the register check), each answer a full `SurveyAnswer` (revenue, employees,
new hires, an investment round now and then, patents, exports, awards, a narrative; the first
with the year before the program, year 1's baseline).
Each figure is a request's wall time over loopback, signed in as a program officer."""

import os
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from bench.driver import ApiDriver, bench_brn
from bench.pages import sign_in, summary
from bench.stack import BenchStack, cpu_seconds
from bench.stats import timed
from domain.followup import InvestmentRound, SurveyAnswer
from domain.program import ProgramDefinition
from store.db import make_engine, session_scope, table_of
from store.followup_tables import FollowUpYearRow, bump_followup_version
from store.users import create_user

FIRST_SERIAL = 1_500_000
COHORTS = 5
LOGIN, PASSWORD = "bench.outcomes.officer", "Bench!outcome-2025q"


def answer(rng: random.Random, fiscal_year: int, revenue: int, employees: int, **baseline: int) -> SurveyAnswer:
    hires = rng.randint(0, max(employees // 4, 1))
    rounds = [InvestmentRound(investor="벤치 벤처스", round=rng.choice(["seed", "pre_a", "series_a"]),
                              amount=rng.randint(1, 50) * 100_000_000)] if rng.random() < 0.15 else []
    return SurveyAnswer(fiscal_year=fiscal_year, revenue=revenue, employees=employees,
                        new_hires=min(hires, employees), investments=rounds, patents_filed=rng.randint(0, 3),
                        patents_granted=rng.randint(0, 2), exports=rng.randint(0, 5) * 10_000_000,
                        awards=["창업진흥원장상"] if rng.random() < 0.05 else [],
                        narrative="시제품 고도화와 해외 판로 개척을 진행했습니다.", **baseline)


def seed(database_url: str, program: ProgramDefinition, companies: int, years: int) -> tuple[int, float]:
    """`companies` × up to `years` rows of `followup_year` for `program`: (rows, seconds)."""
    started = time.perf_counter()
    rng = random.Random(31)
    table = table_of(FollowUpYearRow)
    engine = make_engine(database_url, writer=True)
    first_cohort = datetime.now(UTC).year - COHORTS - years
    rows = 0
    with engine.begin() as connection:
        batch: list[dict[str, Any]] = []
        for i in range(companies):
            serial = FIRST_SERIAL + i
            cohort = first_cohort + i % COHORTS
            completed_at = datetime(cohort, 11, 30, 6, tzinfo=UTC)
            revenue, employees = rng.randint(1, 40) * 50_000_000, rng.randint(2, 30)
            before = {"baseline_revenue": revenue, "baseline_employees": employees}  # asked in year 1 only
            for year in range(1, years + 1):
                fiscal_year = cohort + year - 1
                opens = datetime(fiscal_year + 1, 3, 2, tzinfo=UTC)
                closed = rng.random() < 0.02
                status = "closed" if closed else rng.choices(["answered", "answered_late", "unanswered"],
                                                             [90, 4, 6])[0]
                revenue = max(0, int(revenue * rng.uniform(0.8, 1.5)))
                employees = max(1, employees + rng.randint(-2, 5))
                given = answer(rng, fiscal_year, revenue, employees, **(before if year == 1 else {})) \
                    if status.startswith("answered") else None
                checked = rng.random() < 0.01 and given is not None
                batch.append({
                    "brn": bench_brn(serial), "company_name": f"성과AI {i:05d}", "program_id": program.id,
                    "stage": program.stage.value, "cohort": str(cohort), "completed_at": completed_at, "year": year,
                    "fiscal_year": fiscal_year, "status": status,
                    "answer": given.model_dump(mode="json") if given else None,
                    "answered_at": opens + timedelta(days=rng.randint(1, 40)) if given else None,
                    "reminders_sent": rng.randint(0, 2), "escalated": status != "answered" and not closed,
                    "recorded_at": opens + timedelta(days=41),
                    "flags": [{"kind": "employees_mismatch", "field": "employees", "typed": employees,
                               "checked": employees + 3, "message": f"{employees} employees typed, "
                               f"{employees + 3} insured (입력 {employees}명, 고용보험 피보험자 {employees + 3}명)"}]
                    if checked else None,
                    "figures_check": ("checked" if checked else "checked" if given else None)})
                if len(batch) == 1000:
                    connection.execute(insert(table), batch)
                    rows += len(batch)
                    batch = []
                if closed:
                    break  # a closed company's follow-up ends with that year
        if batch:
            connection.execute(insert(table), batch)
            rows += len(batch)
        bump_followup_version(connection, program.id)  # as every writer of followup_year does
    with session_scope(engine) as session:
        create_user(session, login_id=LOGIN, display_name="성과 벤치 담당자", kind="staff",
                    roles=["program_officer"], password=PASSWORD)
    engine.dispose()
    return rows, time.perf_counter() - started


async def measure(stack: BenchStack, driver: ApiDriver, companies: int, years: int, samples: int) -> dict[str, Any]:
    program = await driver.program(slots=1)
    rows, seconds = seed(stack.settings.database_url, program, companies, years)
    load_before = [round(x, 2) for x in os.getloadavg()]
    path = f"/programs/{program.id}/outcomes"
    # The first read computes the figures from every recorded year (cold); the reads after it find
    # them kept under the program's follow-up version (api/services/outcome_cache.py), as every read
    # does until the next year is recorded.
    api_pid = stack.procs["api"].pid
    used, start = cpu_seconds(api_pid), time.perf_counter()
    answered = await driver.call(driver.officer, "GET", path)
    cold = {"wall_s": round(time.perf_counter() - start, 3), "api_cpu_ms": round((cpu_seconds(api_pid) - used) * 1000, 1)}
    assert answered["companies"] == companies, answered["companies"]

    async def api() -> None:
        await driver.call(driver.officer, "GET", path)

    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=120) as http:
        await sign_in(http, LOGIN, PASSWORD)

        async def page() -> None:
            response = await http.get(f"/console{path}")
            if response.status_code != 200:
                raise RuntimeError(f"GET /console{path}: {response.status_code} {response.text[:300]}")

        used = cpu_seconds(api_pid)
        api_times = await timed(api, samples, warmup=1)
        api_cpu, used = cpu_seconds(api_pid) - used, cpu_seconds(api_pid)
        page_times = await timed(page, samples, warmup=1)
        page_cpu = cpu_seconds(api_pid) - used
    return {"companies": companies, "years": years, "rows": rows, "seed_s": round(seconds, 1),
            "cohorts": COHORTS, "outcome_rows": len(answered["rows"]), "checks": len(answered["checks"]),
            "sqlite": sqlite3.sqlite_version, "cold": cold,
            # The API process's CPU per request (the warm-up's included): on a shared machine the wall
            # time is mostly waiting for a core, the CPU is what the request itself costs.
            "api": summary(api_times) | {"api_cpu_ms": round(api_cpu * 1000 / (samples + 1), 1)},
            "console": summary(page_times) | {"api_cpu_ms": round(page_cpu * 1000 / (samples + 1), 1)},
            "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}}
