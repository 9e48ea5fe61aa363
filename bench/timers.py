"""Timer lateness: lifecycles whose kickoff milestone falls due spread over a window, and a burst
falling due at one instant. Lateness is the recorded handling (the `milestone_overdue` transition's
time, stamped by its workflow task) minus the due instant."""

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, select

from bench.clones import clone_program, start_clones
from bench.driver import ApiDriver
from bench.stack import BenchStack
from bench.stats import percentile
from domain.state import StartupState
from store.db import as_utc, make_engine
from store.tables import AuditEvent


def handled(stack: BenchStack, program_id: str) -> list[tuple[datetime, datetime]]:
    """(due, handled) of every overdue transition the program's lifecycles recorded."""
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.program_id == program_id,
                                                       AuditEvent.action == "milestone_overdue")).all()
        pairs = [(datetime.fromisoformat(e.details["due_at"]), as_utc(e.at)) for e in events]
    engine.dispose()
    return pairs  # type: ignore[return-value]


async def run_timers(stack: BenchStack, driver: ApiDriver, template: StartupState, name: str, count: int,
                     first_due: datetime, spread: timedelta, serial_base: int) -> list[tuple[datetime, datetime]]:
    program = await clone_program(driver, template, name)
    step = spread / max(count - 1, 1)
    await start_clones(stack, template, program, range(serial_base, serial_base + count),
                       lambda serial: first_due + step * (serial - serial_base))
    last_due = first_due + spread
    while True:
        pairs = handled(stack, program.id)
        if len(pairs) >= count:
            return pairs
        if datetime.now(timezone.utc) > last_due + timedelta(minutes=5):
            raise RuntimeError(f"{name}: {len(pairs)} of {count} deadlines handled 5 min after the last was due")
        await asyncio.sleep(1)


def lateness(pairs: list[tuple[datetime, datetime]]) -> dict[str, float]:
    late = [(done - due).total_seconds() for due, done in pairs]
    return {"n": len(late), "p50_s": round(percentile(late, 50), 3), "p99_s": round(percentile(late, 99), 3),
            "max_s": round(max(late), 3), "min_s": round(min(late), 3)}


async def measure(stack: BenchStack, driver: ApiDriver, template: StartupState, spread_count: int,
                  spread: timedelta, burst_count: int, lead: timedelta) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    spread_pairs = await run_timers(stack, driver, template, "spread", spread_count, now + lead, spread, 300_000)
    now = datetime.now(timezone.utc)
    burst_due = now + lead
    burst_pairs = await run_timers(stack, driver, template, "burst", burst_count, burst_due, timedelta(0), 400_000)
    all_done = max(done for _, done in burst_pairs)
    return {"spread": {"deadlines": spread_count, "over_s": spread.total_seconds(), **lateness(spread_pairs)},
            "burst": {"deadlines": burst_count, **lateness(burst_pairs),
                      "all_handled_s": round((all_done - burst_due).total_seconds(), 3)}}
