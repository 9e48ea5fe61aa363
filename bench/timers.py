"""Timer lateness: lifecycles whose kickoff milestone falls due spread over a window, and a burst
falling due at one instant. Lateness is the recorded handling (the `milestone_overdue` transition's
time, stamped by its workflow task) minus the due instant."""

import asyncio
from datetime import UTC, datetime, timedelta
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
    return pairs


async def run_timers(stack: BenchStack, driver: ApiDriver, template: StartupState, name: str, count: int,
                     spread: timedelta, lead: timedelta, serial_base: int) -> dict[str, Any]:
    """`count` lifecycles whose kickoff falls due from `lead` after now, evenly over `spread`;
    returns the lateness of their handling, and how long before the first due instant every
    timer was armed (a negative margin would mean the setup, not the timers, was late)."""
    program = await clone_program(driver, template, name)
    first_due = datetime.now(UTC) + lead
    step = spread / max(count - 1, 1)
    await start_clones(stack, template, program, range(serial_base, serial_base + count),
                       lambda serial: first_due + step * (serial - serial_base))
    while await driver.count(program.id, "in_poc") < count:  # each has run its first task: timer armed
        await asyncio.sleep(1)
    armed_margin = (first_due - datetime.now(UTC)).total_seconds()
    last_due = first_due + spread
    while len(pairs := handled(stack, program.id)) < count:
        if datetime.now(UTC) > last_due + timedelta(minutes=5):
            raise RuntimeError(f"{name}: {len(pairs)} of {count} deadlines handled 5 min after the last was due")
        await asyncio.sleep(1)
    late = [(done - due).total_seconds() for due, done in pairs]
    return {"deadlines": count, "over_s": spread.total_seconds(), "armed_margin_s": round(armed_margin, 1),
            "n": len(late), "p50_s": round(percentile(late, 50), 3), "p99_s": round(percentile(late, 99), 3),
            "max_s": round(max(late), 3), "min_s": round(min(late), 3),
            "all_handled_s": round((max(done for _, done in pairs) - first_due - spread).total_seconds(), 3)}


def lead_for(count: int, minimum: timedelta) -> timedelta:
    """Time to start `count` lifecycles and arm their timers before the first falls due (the
    embedded server arms about twenty a second on this kind of machine; ten leaves a margin)."""
    return max(minimum, timedelta(seconds=count / 10))
