"""The read model, ledger and audit store, and the participation-ban check."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Engine, bindparam
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.brn import format_brn
from domain.formatting import kst_day
from domain.io import (
    PROJECT_STARTUP,
    PROJECTION_BASE_MISSING,
    RECORD_BAN,
    BanInput,
    EligibilityInput,
    EligibilityResult,
    ProjectedChanges,
    Projection,
    ProjectionInput,
)
from domain.state import AuditAnchor
from store.db import as_utc, session_scope, table_of
from store.projection import apply_projection
from store.tables import ParticipationBan, StartupRow

log = structlog.get_logger()
# Well inside the workflow's heartbeat timeout for projections (5 s).
HEARTBEAT_EVERY = timedelta(seconds=1)


def _bind() -> None:
    info = activity.info()
    structlog.contextvars.bind_contextvars(
        workflow_id=info.workflow_id, run_id=info.workflow_run_id, activity=info.activity_type, attempt=info.attempt
    )


class ReadModelActivities:
    def __init__(self, engine: Engine, audit_key: bytes | None = None) -> None:
        # Only the projection writes audit rows; the ban check (also used by the portal) needs no key.
        self.engine, self.audit_key = engine, audit_key
        # Told when a projection recorded notification events (the worker's dispatcher wakes).
        self.events_recorded: Callable[[], None] | None = None

    @activity.defn(name=PROJECT_STARTUP)
    async def project_startup(self, projection: ProjectionInput) -> AuditAnchor | None:
        """Write on a thread and heartbeat meanwhile: a slow write (waiting on a lock) keeps the
        whole start-to-close time, while a projection lost with its worker is retried as soon as
        its heartbeat is missed (PROJECTION_HEARTBEAT in the workflow), not after that time.

        Returns where the startup's audit chain now ends: recorded in the workflow's history as
        this activity's result, out of reach of whoever can write the database."""
        _bind()
        write = asyncio.ensure_future(asyncio.to_thread(self._write, projection))
        while not (await asyncio.wait({write}, timeout=HEARTBEAT_EVERY.total_seconds()))[0]:
            activity.heartbeat()
        anchor = write.result()
        if projection.events and self.events_recorded is not None:
            self.events_recorded()
        log.info("projected", version=projection.state.version if isinstance(projection, Projection)
                 else projection.version, transitions=len(projection.transitions), ledger=len(projection.ledger))
        return anchor

    def _write(self, projection: ProjectionInput) -> AuditAnchor | None:
        if self.audit_key is None:
            raise RuntimeError("the read model activities were made without the audit key")
        with session_scope(self.engine) as session:
            whole = projection if isinstance(projection, Projection) else _on_the_row(session, projection)
            return apply_projection(session, whole, self.audit_key)

    def ban_check(self, inp: EligibilityInput) -> EligibilityResult:
        """The check that needs the read model: a participation ban (참여제한) in force at the
        application. Part of the eligibility activity (activities/eligibility.py)."""
        with session_scope(self.engine) as session:
            bans = session.exec(select(ParticipationBan).where(ParticipationBan.brn == inp.brn)).all()
        active = [b for b in bans if as_utc(b.starts_at) <= inp.at < as_utc(b.ends_at)]
        if active:
            ban = max(active, key=lambda b: as_utc(b.ends_at))
            reason = (f"참여제한: {format_brn(inp.brn)} is banned from participation until "
                      f"{kst_day(as_utc(ban.ends_at))} KST ({ban.reason}; from {ban.startup_id})")
            log.info("ineligible", reason=reason)
            return EligibilityResult(eligible=False, reason=reason)
        return EligibilityResult(eligible=True)

    @activity.defn(name=RECORD_BAN)
    def record_ban(self, inp: BanInput) -> None:
        _bind()
        with session_scope(self.engine) as session:
            if session.exec(select(ParticipationBan).where(ParticipationBan.startup_id == inp.startup_id)).first():
                return
            starts = inp.at.astimezone(UTC)
            session.add(ParticipationBan(
                brn=inp.brn, startup_id=inp.startup_id, program_id=inp.program_id, reason=inp.reason,
                starts_at=starts, ends_at=_years_later(starts, inp.years),
            ))
            session.commit()
        log.info("ban recorded", brn=inp.brn, years=inp.years)


# Built once and run on the session's connection (as store/projection.py's statements are): built
# per projection and run through the ORM session, this read cost more than merging the changes.
_STARTUP = table_of(StartupRow)
_ROW_STATE = select(_STARTUP.c.version, _STARTUP.c.state).where(_STARTUP.c.startup_id == bindparam("row_id"))


def _on_the_row(session: Session, changes: ProjectedChanges) -> Projection:
    """The whole projection: `changes` merged onto the state the read model's row holds, which is
    the state of `changes.base_version` (or already this one's, when a projection that committed
    is retried). Any other row, or none, cannot be merged onto: the lifecycle then sends the whole
    state (PROJECTION_BASE_MISSING)."""
    if changes.base_version is None:
        return changes.on({})
    row = session.connection().execute(_ROW_STATE, {"row_id": changes.startup_id}).first()
    if row is None or not (row.version == changes.base_version or row.version >= changes.version):
        held = "no row" if row is None else f"version {row.version}"
        raise ApplicationError(f"the read model holds {held} of {changes.startup_id}, not the version "
                               f"{changes.base_version} the changes are relative to",
                               type=PROJECTION_BASE_MISSING, non_retryable=True)
    return changes.on(row.state)


def _years_later(start: datetime, years: int) -> datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28) + timedelta(days=1)
