"""The read model of follow-up years (사후관리): one row per company, program and follow-up year, as
the FollowUp workflow recorded it (workflows/followup.py, patch followup-projection). Temporal's
history stays the source of truth; this serves the program's outcome report
(api/services/outcomes.py), which would otherwise have to ask every company's workflow."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, insert, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlmodel import Field, Session, SQLModel

from domain.followup_io import FollowUpYearProjection
from store.db import table_of


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class FollowUpYearRow(SQLModel, table=True):
    """One recorded follow-up year: answered, answered late, unanswered or closed."""

    __tablename__ = "followup_year"
    __table_args__ = (
        # A promoted company's years restart at 1 under the later program: the key names the program.
        UniqueConstraint("brn", "program_id", "year", name="uq_followup_year"),
        # The outcome report reads one program's rows.
        Index("ix_followup_year_program", "program_id", "cohort", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    brn: str = Field(max_length=10)
    company_name: str = Field(max_length=200)
    program_id: str = Field(max_length=64)  # the program the year counted for
    stage: str = Field(max_length=32)
    # The KST year the company completed that program ("2026"): the companies surveyed together.
    cohort: str = Field(max_length=16)
    completed_at: datetime = _utc()
    year: int
    fiscal_year: int
    status: str = Field(max_length=16)
    answer: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    answered_at: datetime | None = _utc_optional()
    reminders_sent: int = 0
    escalated: bool = False
    recorded_at: datetime = _utc()  # the workflow's instant when it recorded the year
    # The answer checked against the public registers (patch followup-checked-figures, migration
    # 0024): each MismatchFlag for the officer, and checked / no_record / unchecked; empty before.
    flags: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    figures_check: str | None = Field(default=None, max_length=16)
    # The revenue against the tax filing (patch followup-revenue-check, migration 0025): checked,
    # no_record, unchecked, or no_consent (the filing was not read); empty before.
    revenue_check: str | None = Field(default=None, max_length=16)


class FollowUpVersionRow(SQLModel, table=True):
    """A program's follow-up read model's version (migration 0027): one more each time a year of
    the program is written, in the same transaction as the year. The outcome report reads it first,
    one key lookup, and reuses the figures it computed while it has not moved
    (api/services/outcome_cache.py). Every writer of `followup_year` bumps it."""

    __tablename__ = "followup_version"

    program_id: str = Field(primary_key=True, max_length=64)
    version: int


def bump_followup_version(connection: Session | Connection, program_id: str) -> None:
    """One more for the program, in the caller's transaction (the row locked until it commits, so
    two concurrent writers make two versions)."""
    table = table_of(FollowUpVersionRow)
    moved = connection.execute(update(table).where(table.c.program_id == program_id)
                               .values(version=table.c.version + 1))
    if cast(CursorResult[Any], moved).rowcount == 0:
        connection.execute(insert(table).values(program_id=program_id, version=1))


def followup_version(session: Session, program_id: str) -> int:
    """The program's follow-up version: 0 before any year of it was written."""
    table = table_of(FollowUpVersionRow)
    found = session.execute(select(table.c.version).where(table.c.program_id == program_id)).scalar()
    return int(found or 0)


def year_fields(projection: FollowUpYearProjection) -> dict[str, object]:
    record = projection.record
    return {
        "company_name": projection.company_name, "stage": projection.stage.value, "cohort": projection.cohort(),
        "completed_at": projection.completed_at, "fiscal_year": record.fiscal_year, "status": record.status,
        "answer": record.answer.model_dump(mode="json") if record.answer else None,
        "answered_at": record.answered_at, "reminders_sent": record.reminders_sent,
        "escalated": record.escalated, "recorded_at": projection.recorded_at,
        "flags": [flag.model_dump(mode="json") for flag in record.flags] or None,
        "figures_check": record.figures_check, "revenue_check": record.revenue_check,
    }


def upsert_followup_year(session: Session, projection: FollowUpYearProjection) -> None:
    """Write the year's row, or rewrite it (a retried activity writes the same row again), and move
    the program's follow-up version with it."""
    table, fields = table_of(FollowUpYearRow), year_fields(projection)
    key = {"brn": projection.brn, "program_id": projection.record.program_id, "year": projection.record.year}
    updated = session.exec(update(table).where(
        table.c.brn == key["brn"], table.c.program_id == key["program_id"],
        table.c.year == key["year"]).values(**fields))
    if updated.rowcount == 0:
        session.execute(insert(table).values(**key, **fields))
    bump_followup_version(session, projection.record.program_id)
    session.commit()
