"""The console's pages at scale: the time each page takes to answer (sequential GETs over loopback,
so the figure is the server's time plus a loopback round trip) for a program officer signed in
with a browser session, over 10,000 startups in the read model.

The pages: the home page (the officer's inbox), the startup list with its filters, a startup's
page (a real lifecycle in its PoC, asked live from its workflow) and a program's dashboard (one of
the seeded programs, 1,000 startups). The seeded startups are cut from the real lifecycle as in
`bench.reads`; here they also get their programs' rows, the template's ledger entries (so that the
dashboard's money charts have something to add up) and the program's real sectors."""

import re
import sqlite3
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import case, insert, select, update
from sqlmodel import col

from bench.driver import ApiDriver
from bench.reads import SECTORS, seed
from bench.stack import BenchStack
from bench.stats import percentile, timed
from domain.phases import Phase
from domain.state import StartupState
from store.db import make_engine, session_scope
from store.tables import LedgerEntry, ProgramRow, StartupRow
from store.users import create_user

LOGIN, PASSWORD = "bench.console.officer", "Bench!pages-2025"
# bench.reads seeds five made-up sectors; the list's sector filter takes the program's own five.
REAL_SECTORS = dict(zip(SECTORS, ["smart_factory", "eco_energy", "bio_health", "future_mobility", "chemicals"], strict=True))
PAID_PHASES = {Phase.IN_POC.value, Phase.FINAL_REVIEW.value, Phase.SETTLEMENT.value, Phase.COMPLETED.value}
BUSY_PROGRAM = "seeded-3"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), **{f"p{p}_ms": round(percentile(ms, p), 2) for p in (50, 95, 99)},
            "max_ms": round(max(ms), 2)}


def seed_console(stack: BenchStack, template: StartupState, count: int) -> None:
    """The read model of `bench.reads`, plus what the console's pages read besides it."""
    seed(stack, template, count)
    engine = make_engine(stack.settings.database_url, writer=True)
    seeded_rows = col(StartupRow.program_id).startswith("seeded-")
    with session_scope(engine) as session:
        program = session.get(ProgramRow, template.program_id)
        assert program is not None, template.program_id
        ledger = session.execute(select(LedgerEntry).where(col(LedgerEntry.startup_id) == template.startup_id)).scalars()
        moves = [(e.stage, e.kind, e.tranche, e.amount, e.at) for e in ledger]
        seeded = session.execute(select(col(StartupRow.program_id)).where(seeded_rows).distinct()).scalars().all()
        paid = session.execute(select(col(StartupRow.startup_id), col(StartupRow.program_id), col(StartupRow.brn))
                               .where(seeded_rows, col(StartupRow.phase).in_(PAID_PHASES))).all()
        programs = [{"id": pid, "name": f"{program.name} ({pid})", "stage": program.stage,
                     "definition": program.definition | {"id": pid}, "created_at": program.created_at,
                     "created_by": program.created_by} for pid in seeded]
        create_user(session, login_id=LOGIN, display_name="벤치 담당자", kind="staff", roles=["program_officer"],
                    password=PASSWORD)
    entries = [{"key": f"{startup_id}:{i}", "program_id": program_id, "startup_id": startup_id, "brn": brn,
                "stage": stage, "kind": kind, "tranche": tranche, "amount": amount, "at": at}
               for startup_id, program_id, brn in paid for i, (stage, kind, tranche, amount, at) in enumerate(moves)]
    with engine.begin() as connection:
        connection.execute(insert(ProgramRow), programs)
        for start in range(0, len(entries), 1000):
            connection.execute(insert(LedgerEntry), entries[start:start + 1000])
        connection.execute(update(StartupRow).where(seeded_rows).values(
            sector=case(REAL_SECTORS, value=StartupRow.sector, else_=StartupRow.sector)))
    engine.dispose()


async def sign_in(http: httpx.AsyncClient, login: str = LOGIN, password: str = PASSWORD) -> None:
    """Through the real /signin form: its CSRF token, then the session cookie kept by `http`."""
    form = await http.get("/signin")
    token = CSRF_FIELD.search(form.text)
    assert token is not None, form.text[:500]
    signed = await http.post("/signin", data={"login_id": login, "password": password, "csrf_token": token.group(1)})
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in of {login} for the bench failed: {signed.status_code} {signed.text[:500]}")


def page_paths(subject: str) -> dict[str, str]:
    program = f"program={BUSY_PROGRAM}"
    return {
        "home": "/",
        "startups (no filter)": "/console/startups",
        "startups (program, phase)": f"/console/startups?{program}&phase=in_poc",
        "startups (sector, region, overdue)": f"/console/startups?sector=eco_energy&region={quote('강원')}&overdue=yes",
        "startups (every filter)": f"/console/startups?{program}&stage=micro&phase=in_poc&sector=eco_energy"
                                   f"&region={quote('강원')}&overdue=no",
        "startups (search)": f"/console/startups?q={quote('시드AI 0424')}",
        "startups (page 20)": f"/console/startups?{program}&page=20",
        "startup page": f"/console/startups/{subject}",
        "program dashboard": f"/console/programs/{BUSY_PROGRAM}",
    }


async def measure(stack: BenchStack, driver: ApiDriver, template: StartupState, subject: str, count: int,
                  samples: int) -> dict[str, Any]:
    seed_console(stack, template, count)
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=60) as http:
        await sign_in(http)
        for name, path in page_paths(subject).items():
            async def read(path: str = path) -> None:
                answer = await http.get(path)
                if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
                    raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:500]}")

            found[name] = summary(await timed(read, samples)) | {"path": path}
    # The list's plans depend on the statistics SQLite keeps, and how it keeps them on its version.
    return {"startups": count, "sqlite": sqlite3.sqlite_version, "pages": found}
