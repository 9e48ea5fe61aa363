"""The follow-up at scale (사후관리, issue 31): many companies' FollowUp workflows, each started as the
lifecycle's `start_followup` activity starts it (id `followup:{brn}`, the program's follow-up
pinned in the input, the completion instant), on the bench's real Temporal server and worker.

- `memory`: `count` follow-ups asleep on their yearly timer (the first survey opens next March);
  the worker's resident memory before and once every one has run its first workflow task, and
  the start rate (what bounds how large a run can afford).
- `burst`: a cohort of `count` companies that completed together, so that all their surveys open
  at one instant. Each follow-up is fast-forwarded (Temporal's per-workflow time skipping) by the
  same amount, so that its survey's opening falls `lead` after now by the wall clock for all of
  them at once; then every follow-up asks its company (the activity `deliver_notification` records
  the event `followup_survey_open`), and the lateness of each is the event's recording (the
  database's wall clock) minus that instant."""

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from bench.driver import ApiDriver, bench_brn, run_concurrently
from bench.stack import BenchStack, rss_mb
from bench.stats import percentile
from domain.followup import survey_schedule
from domain.followup_io import FollowUpInput, followup_workflow_id
from domain.notifications import NoticeKind
from domain.program import ProgramDefinition
from store.db import as_utc, make_engine
from store.notification_tables import NotificationEventRow

MEMORY_SERIAL = 800_000  # apart from the lifecycles' serials (clones from 200,000, cohorts from 600,000)
BURST_SERIAL = 900_000
# A workflow has run its first task once its history holds more than the start's two events
# (started, task scheduled): the task started and completed, and the timer it armed.
FIRST_TASK_EVENTS = 5


def followup_input(program: ProgramDefinition, serial: int, completed_at: datetime) -> FollowUpInput:
    """What `workflows/lifecycle/followup.py` hands `start_followup` for a company that completed."""
    assert program.followup is not None, program.id
    return FollowUpInput(brn=bench_brn(serial), company_name=f"추적AI {serial}", program_id=program.id,
                         program_name=program.name, stage=program.stage, completed_at=completed_at,
                         policy=program.followup)


async def start_followups(stack: BenchStack, program: ProgramDefinition, serials: range, completed_at: datetime,
                          concurrency: int = 50) -> list[str]:
    """Start one follow-up per serial as `activities/followup.py` does; their ids."""
    ids: list[str] = []

    async def start(serial: int) -> None:
        inp = followup_input(program, serial, completed_at)
        await stack.client.start_workflow(
            "FollowUp", inp, id=followup_workflow_id(inp.brn), task_queue=stack.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
        ids.append(followup_workflow_id(inp.brn))

    await run_concurrently(serials, concurrency, start)
    return ids


async def until_first_tasks_ran(stack: BenchStack, ids: list[str], timeout: timedelta) -> None:
    """Wait until every workflow has run its first task (its timer armed), asking the server."""
    waiting = list(ids)
    deadline = time.monotonic() + timeout.total_seconds()
    ran: set[str] = set()
    while waiting:
        async def check(workflow_id: str) -> None:
            described = await stack.client.get_workflow_handle(workflow_id).describe()
            if (described.history_length or 0) >= FIRST_TASK_EVENTS:
                ran.add(workflow_id)

        await run_concurrently(waiting, 50, check)
        waiting = [workflow_id for workflow_id in waiting if workflow_id not in ran]
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"{len(waiting)} of {len(ids)} follow-ups had not run their first task "
                               f"after {timeout}")
        if waiting:
            await asyncio.sleep(1)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def memory(stack: BenchStack, driver: ApiDriver, count: int) -> dict[str, Any]:
    """The worker's memory with `count` follow-ups asleep on their first survey's timer."""
    load_before = load()
    worker = stack.worker_pid()
    before = rss_mb(worker)
    program = await driver.program(slots=1)
    began = time.perf_counter()
    ids = await start_followups(stack, program, range(MEMORY_SERIAL, MEMORY_SERIAL + count), datetime.now(UTC))
    started_s = time.perf_counter() - began
    peak = rss_mb(worker)
    await until_first_tasks_ran(stack, ids, timedelta(minutes=30))
    armed_s = time.perf_counter() - began
    after = rss_mb(worker)
    peak = max(peak, after)
    return {"followups": count, "cache_size": stack.settings.worker_max_cached_workflows,
            "worker_rss_mb_before": round(before, 1), "worker_rss_mb": round(after, 1),
            "worker_peak_rss_mb": round(peak, 1),
            "worker_kb_per_followup": round((after - before) * 1024 / count, 2),
            "started_per_s": round(count / started_s, 1), "started_s": round(started_s, 1),
            "all_armed_s": round(armed_s, 1), "load_average": {"before": load_before, "after": load()}}


def asked(stack: BenchStack, program_id: str) -> list[tuple[datetime, datetime]]:
    """(emitted by the workflow's clock, recorded by the database's) of every survey-open event."""
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(col(NotificationEventRow.emitted_at), col(NotificationEventRow.recorded_at))
                                      .where(col(NotificationEventRow.program_id) == program_id,
                                             col(NotificationEventRow.kind) == NoticeKind.FOLLOWUP_SURVEY_OPEN.value)
                                      ).all()
            return [(as_utc(emitted), as_utc(recorded)) for emitted, recorded in rows]
    finally:
        engine.dispose()


def asked_count(stack: BenchStack, program_id: str) -> int:
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(NotificationEventRow).where(
                col(NotificationEventRow.program_id) == program_id,
                col(NotificationEventRow.kind) == NoticeKind.FOLLOWUP_SURVEY_OPEN.value)).scalar_one())
    finally:
        engine.dispose()


async def burst(stack: BenchStack, driver: ApiDriver, count: int, minimum_lead: timedelta) -> dict[str, Any]:
    """A cohort of `count` whose surveys all open at one instant: how late each company is asked."""
    load_before = load()
    program = await driver.program(slots=1)
    completed_at = datetime.now(UTC)
    ids = await start_followups(stack, program, range(BURST_SERIAL, BURST_SERIAL + count), completed_at)
    await until_first_tasks_ran(stack, ids, timedelta(minutes=30))
    assert program.followup is not None
    opens_at = survey_schedule(completed_at, 1, program.followup).opens_at  # the cohort's survey date
    # The instant (wall clock) at which every follow-up's clock reaches the survey's opening: the
    # same skip for all, so their timers fall due together however long the skips take to send.
    # At least 10 s: the skips must all be sent before the instant (armed_margin_s > 0), which on a
    # loaded machine a toy run's 3 s lead did not always leave.
    lead = max(minimum_lead, timedelta(seconds=count / 10), timedelta(seconds=10))
    instant = datetime.now(UTC) + lead
    skip = opens_at - instant
    await run_concurrently(ids, 50, lambda workflow_id: _skip(stack, workflow_id, skip))
    armed_margin = (instant - datetime.now(UTC)).total_seconds()
    while (n := asked_count(stack, program.id)) < count:
        if datetime.now(UTC) > instant + timedelta(minutes=10):
            raise RuntimeError(f"{n} of {count} companies asked 10 min after their survey opened")
        await asyncio.sleep(1)
    pairs = asked(stack, program.id)
    late = [(recorded - instant).total_seconds() for _, recorded in pairs]
    by_workflow_clock = [(emitted - opens_at).total_seconds() for emitted, _ in pairs]
    return {"surveys": count, "survey_opens_at": opens_at.isoformat(), "lead_s": lead.total_seconds(),
            "armed_margin_s": round(armed_margin, 1), "n": len(late),
            "p50_s": round(percentile(late, 50), 3), "p99_s": round(percentile(late, 99), 3),
            "last_s": round(max(late), 3), "first_s": round(min(late), 3),
            "workflow_clock_p50_s": round(percentile(by_workflow_clock, 50), 3),
            "workflow_clock_last_s": round(max(by_workflow_clock), 3),
            "load_average": {"before": load_before, "after": load()}}


async def _skip(stack: BenchStack, workflow_id: str, skip: timedelta) -> None:
    await stack.skipper.fast_forward(stack.client.get_workflow_handle(workflow_id), skip)
