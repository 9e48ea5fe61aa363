"""SQLModel tables. Temporal history stays the source of truth; these serve lists, reports and audits."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from store import (
    account_tables,  # noqa: F401  (sign-in throttle, second factors)
    binding_tables,  # noqa: F401  (who may act for which company, and how it was proven)
    evaluator_pool_tables,  # noqa: F401  (the evaluator pool: pledges, recusals, assignments)
    expense_tables,  # noqa: F401  (the execution ledger's entries in full)
    followup_evidence,  # noqa: F401  (the officer's evidence on a flagged follow-up year)
    followup_tables,  # noqa: F401  (the follow-up years recorded, for the outcome report)
    idempotency,  # noqa: F401  (actions' idempotency keys, on the same metadata)
    notification_tables,  # noqa: F401  (notifications to people, on the same metadata)
    portal_tables,  # noqa: F401  (the startup portal's accounts, links, drafts and status checks)
    user_tables,  # noqa: F401  (the user directory's tables, on the same metadata)
    vendor_tables,  # noqa: F401  (vendors' opening dates from the tax authority, for a risk flag)
)


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class ProgramRow(SQLModel, table=True):
    __tablename__ = "program"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    stage: str = Field(index=True)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()
    created_by: str


# The lists filter on one of these and page in startup_id order: an index on (filter, startup_id)
# walks the matches already in order and stops at the page's end, with no sort.
LIST_FILTERS = ("program_id", "stage", "phase", "sector", "region", "overdue")


class StartupRow(SQLModel, table=True):
    __tablename__ = "startup"
    __table_args__ = (
        *(Index(f"ix_startup_{name}_listing", name, "startup_id") for name in LIST_FILTERS),
        # A program's startups in some phases: the dashboard, the report, the list's usual view.
        Index("ix_startup_program_phase", "program_id", "phase", "startup_id"),
        # The regional view (sector, region, overdue): one range in startup order (migration 0023).
        Index("ix_startup_region_filters", "sector", "region", "overdue", "startup_id"),
        # Only what the name search compares: scanned instead of the rows with their stored state.
        Index("ix_startup_search", "company_name", "brn", "startup_id"),
    )

    startup_id: str = Field(primary_key=True, max_length=100)
    program_id: str
    brn: str = Field(index=True, max_length=10)
    company_name: str
    stage: str
    phase: str
    sector: str | None = None
    region: str | None = None
    task_id: str | None = None
    overdue: bool = False
    next_deadline_at: datetime | None = _utc_optional()
    applied_at: datetime = _utc()
    updated_at: datetime = _utc()
    average_score: float | None = None
    paid_total: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    milestones_done: int = 0
    milestones_on_time: int = 0
    version: int = 0
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """Append-only and hash-chained: each row holds the hash of the row before it."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("startup_id", "seq", name="uq_audit_startup_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    startup_id: str = Field(index=True)
    program_id: str = Field(index=True)
    seq: int
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor_id: str = Field(index=True)
    actor_name: str
    role: str
    action: str = Field(index=True)
    reason: str = ""
    from_phase: str
    to_phase: str
    request_id: str | None = None
    details: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str = Field(index=True)
    # How `hash` was made (store/audit.py): 1 unkeyed SHA-256 (older rows), 2 HMAC-SHA256.
    hash_scheme: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    # A program's money by kind (the report) and over time (the dashboard), read from the index alone.
    __table_args__ = (Index("ix_ledger_entry_program_money", "program_id", "kind", "at", "amount"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    program_id: str
    startup_id: str = Field(index=True)
    brn: str
    stage: str
    kind: str = Field(index=True)
    tranche: str | None = None
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = _utc()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    # The user or service account the token acts for (its id is the actor recorded).
    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id", name="fk_api_token_user"),
                                               nullable=False, index=True))
    # The one role this token acts in; none: any of its user's roles (chosen per request).
    role: str | None = None
    brn: str | None = None
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = _utc()
    expires_at: datetime | None = _utc_optional()
    revoked_at: datetime | None = _utc_optional()


class ParticipationBan(SQLModel, table=True):
    """참여제한: a company barred from applying to any program until `ends_at`."""

    __tablename__ = "participation_ban"

    id: int | None = Field(default=None, primary_key=True)
    brn: str = Field(index=True, max_length=10)
    startup_id: str = Field(unique=True)
    program_id: str
    reason: str
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()


class RefusedAttempt(SQLModel, table=True):
    """An action that was refused. A refused Update leaves nothing in Temporal history (its
    validator ran before acceptance), so the API keeps who tried what, and why it was refused."""

    __tablename__ = "refused_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    startup_id: str | None = Field(default=None, index=True)
    program_id: str | None = Field(default=None, index=True)
    actor_id: str = Field(index=True)
    role: str
    action: str
    code: str
    message: str
    details: dict[str, Any] | list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    request_id: str | None = None


class EvaluatorConflict(SQLModel, table=True):
    """이해충돌: an evaluator's declared conflict with a company (a startup or an SME partner)."""

    __tablename__ = "evaluator_conflict"
    __table_args__ = (UniqueConstraint("evaluator_id", "brn", name="uq_conflict_evaluator_brn"),)

    id: int | None = Field(default=None, primary_key=True)
    evaluator_id: str = Field(index=True)
    brn: str = Field(max_length=10)
    reason: str = ""
    declared_at: datetime = _utc()
