"""Tables of the user directory: people and service accounts, browser sessions, single sign-on
logins in progress, and the work items that make up each person's inbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class User(SQLModel, table=True):
    """A person (staff, or a startup's representative or colleague) or a named service account.
    `id` is the stable identity recorded as the actor of every transition; the login id, name and
    roles may change, the id never does."""

    __tablename__ = "app_user"

    id: str = Field(primary_key=True, max_length=40)
    login_id: str = Field(unique=True, max_length=100)
    kind: str = Field(max_length=16)  # staff | startup | service
    display_name: str = Field(max_length=100)
    email: str | None = Field(default=None, unique=True, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    roles: list[str] = Field(sa_column=Column(JSON, nullable=False))
    desks: list[str] = Field(sa_column=Column(JSON, nullable=False))
    brn: str | None = Field(default=None, index=True, max_length=10)
    # A staff member's employer (소속 기업의 사업자등록번호), recorded by an admin: the evaluator
    # pool bars them from that company's applications and its SME partners' (known_relation).
    employer_brn: str | None = Field(default=None, max_length=10)
    password_hash: str | None = Field(default=None, max_length=200)
    # "{issuer} {sub}" of the agency's identity provider, for single sign-on.
    oidc_subject: str | None = Field(default=None, unique=True, max_length=400)
    active: bool = True
    created_at: datetime = _utc()
    disabled_at: datetime | None = _utc_optional()


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random secret; only its SHA-256 is stored, so the
    table's contents cannot be replayed as cookies."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id"), nullable=False, index=True))
    role: str = Field(max_length=32)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    ended_at: datetime | None = _utc_optional()


class OidcLogin(SQLModel, table=True):
    """An authorization-code sign-in in progress: its PKCE verifier and nonce, found by the hash of
    its state together with the secret in the browser's cookie (api/oidc_logins.py)."""

    __tablename__ = "oidc_login"

    state_hash: str = Field(primary_key=True, max_length=64)
    code_verifier: str = Field(max_length=128)
    nonce: str = Field(max_length=64)
    created_at: datetime = _utc()


class WorkItem(SQLModel, table=True):
    """One thing that waits on someone now, kept by the projection from each startup's state, so
    that an inbox is one indexed read however many startups there are."""

    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("startup_id", "kind", "subject", name="uq_work_item"),
        # An inbox reads one audience in due order (items without a due instant sort last).
        Index("ix_work_item_queue", "audience", "sort_at"),
        Index("ix_work_item_brn", "brn", "sort_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    startup_id: str = Field(index=True, max_length=100)
    program_id: str = Field(max_length=64)
    brn: str = Field(max_length=10)
    company_name: str
    audience: str = Field(max_length=32)  # the role the work waits on
    kind: str = Field(max_length=40)
    subject: str = Field(default="", max_length=64)  # a tranche, milestone or collection key
    due_at: datetime | None = _utc_optional()
    sort_at: datetime = _utc()
    overdue: bool = False


class WorkItemExclusion(SQLModel, table=True):
    """Someone a work item does not wait on: an evaluator who has scored, or the officer who
    requested the money (four eyes)."""

    __tablename__ = "work_item_exclusion"

    work_item_id: int = Field(sa_column=Column(ForeignKey("work_item.id", ondelete="CASCADE"), primary_key=True))
    user_id: str = Field(primary_key=True, max_length=40)
