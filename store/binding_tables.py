"""Tables of company binding: which person may act for which company and how that was proven,
every step of getting there as a record for auditors, the requests waiting on a program officer,
and the identity checks in progress (진위확인 passed, 본인확인 under way)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel

# How a binding was proven: the tax register's 진위확인 with the person's 본인확인 matching the
# representative, an invitation from the company's representative, or a program officer's approval.
PROOFS = ("verified", "invitation", "staff_approval")


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class CompanyBinding(SQLModel, table=True):
    """One person bound to one company. A startup user's scope is their live binding (not
    revoked); the registration number they typed at sign-up grants nothing."""

    __tablename__ = "company_binding"
    __table_args__ = (Index("ix_company_binding_live", "user_id", "revoked_at"),
                      Index("ix_company_binding_brn", "brn", "revoked_at"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=40)
    brn: str = Field(max_length=10)
    proof: str = Field(max_length=16)  # one of PROOFS
    bound_by: str = Field(max_length=60)  # a user id, or system:… for the migration, seed and CLI
    bound_at: datetime = _utc()
    # The SHA-256 of the identity provider's person key (CI) when 본인확인 proved it; the CI itself
    # is personal data the agency has no need to keep.
    person_key_hash: str | None = Field(default=None, max_length=64)
    revoked_at: datetime | None = _utc_optional()
    revoked_by: str | None = Field(default=None, max_length=60)


class BindingEvent(SQLModel, table=True):
    """One step, append-only: bound, invited, requested, approved, rejected, refused, revoked.
    A refused attempt leaves this record and nothing else."""

    __tablename__ = "company_binding_event"
    __table_args__ = (Index("ix_company_binding_event_brn", "brn", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    kind: str = Field(max_length=16)
    brn: str = Field(max_length=10)
    user_id: str = Field(max_length=40)  # whom it is about
    actor_id: str = Field(max_length=60)  # who did it (the person, an officer, system:…)
    proof: str = Field(default="", max_length=16)
    rule: str = Field(default="", max_length=40)  # for a refusal: which check refused it
    reason: str = Field(default="", max_length=500)


class BindingRequest(SQLModel, table=True):
    """A person who passed 진위확인 and 본인확인 for a company that already has someone bound, or
    lifecycles staff made on its behalf: a program officer approves or rejects, with a reason."""

    __tablename__ = "company_binding_request"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=40)
    brn: str = Field(index=True, max_length=10)
    company_name: str = Field(default="", max_length=100)
    verified_name: str = Field(max_length=100)
    why: str = Field(max_length=32)  # already_bound | staff_lifecycles | representative_change
    person_key_hash: str = Field(max_length=64)
    requested_at: datetime = _utc()
    decided_at: datetime | None = _utc_optional()
    decided_by: str | None = Field(default=None, max_length=60)
    decision: str | None = Field(default=None, max_length=16)  # approved | rejected
    decision_reason: str = Field(default="", max_length=500)


class CompanyCheck(SQLModel, table=True):
    """A 본인확인 in progress after 진위확인 passed: the provider's state (hashed), nonce and PKCE
    verifier, and what the person entered. Deleted when the provider answers, either way."""

    __tablename__ = "company_check"

    state_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(index=True, max_length=40)
    brn: str = Field(max_length=10)
    company_name: str = Field(default="", max_length=100)
    representative: str = Field(max_length=100)
    opened_on: str = Field(max_length=8)  # YYYYMMDD, as the register writes it
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    created_at: datetime = _utc()
