"""Tables of the startup portal: companies that signed up, one-use links sent by email, application
drafts (임시저장) with their receipt once submitted, and business-status checks waiting on the tax
authority. Temporal holds the submitted application itself; these hold what comes before it."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class CompanyAccount(SQLModel, table=True):
    """A company that signed up on the portal, and who its representative is: the one person who
    may invite colleagues. One per registration number: a second sign-up for it is refused."""

    __tablename__ = "company_account"

    brn: str = Field(primary_key=True, max_length=10)
    company_name: str = Field(max_length=100)
    representative_user_id: str = Field(max_length=40)
    created_at: datetime = _utc()


class PortalToken(SQLModel, table=True):
    """A link sent by email: verify a new account, or set the password of an invited colleague.
    Only the SHA-256 of the secret is kept; a link works once and until it expires."""

    __tablename__ = "portal_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=16)  # verify | invite
    user_id: str = Field(index=True, max_length=40)
    created_by: str = Field(max_length=40)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc_optional()


class ApplicationDraft(SQLModel, table=True):
    """One company's application to one program, from its first save (임시저장) to its submission
    (최종 제출), when it gets its receipt number (접수번호) and the lifecycle's id. Colleagues of one
    company share it."""

    __tablename__ = "application_draft"
    __table_args__ = (
        UniqueConstraint("program_id", "brn", name="uq_application_draft"),
        UniqueConstraint("program_id", "receipt_no", name="uq_application_receipt"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: str = Field(index=True, max_length=64)
    brn: str = Field(index=True, max_length=10)
    company_name: str = Field(default="", max_length=200)
    founded_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    task_id: str = Field(default="", max_length=10)
    representative: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    proposal_title: str = Field(default="", max_length=200)
    proposal_document_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    created_by: str = Field(max_length=40)
    updated_by: str = Field(max_length=40)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    submitted_at: datetime | None = _utc_optional()
    receipt_no: str | None = Field(default=None, max_length=40)
    startup_id: str | None = Field(default=None, max_length=100)


class BusinessStatusCheck(SQLModel, table=True):
    """The tax authority's answer for one application, or the wait for it: while the service is
    down the eligibility check retries (Temporal), and this row lets the portal and the email say
    the application is safe and waiting."""

    __tablename__ = "business_status_check"

    startup_id: str = Field(primary_key=True, max_length=100)
    brn: str = Field(max_length=10)
    program_id: str = Field(max_length=64)
    status: str | None = Field(default=None, max_length=16)  # active | suspended | closed | unregistered
    failures: int = 0
    last_problem: str = Field(default="", max_length=300)
    waiting_since: datetime | None = _utc_optional()
    told_waiting_at: datetime | None = _utc_optional()
    answered_at: datetime | None = _utc_optional()
