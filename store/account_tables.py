"""Tables of sign-in protection and second factors: failed sign-ins (the throttle every API replica
shares), TOTP secrets, recovery codes, and sign-ins waiting for their second factor."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, String
from sqlmodel import Field, SQLModel


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class AuthFailure(SQLModel, table=True):
    """One failed sign-in, counted under a key: (client address, login id), the login id alone, or
    a client address for bad API tokens. The key is stored as its SHA-256: the table counts, it
    does not keep a list of addresses and the login ids tried from them."""

    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_key_at", "key_hash", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class TotpFactor(SQLModel, table=True):
    """A staff member's authenticator app (RFC 6238 TOTP). `enrolled_at` is empty until the first
    code has been typed back; `last_step` is the time step of the last code accepted, so a code
    seen once (over a shoulder, in a proxy's log) is not accepted again."""

    __tablename__ = "totp_factor"

    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id"), primary_key=True))
    secret: str = Field(max_length=64)
    enrolled_at: datetime | None = _utc_optional()
    last_step: int = 0


class RecoveryCode(SQLModel, table=True):
    """A one-use code for signing in without the authenticator; shown once, kept as SHA-256."""

    __tablename__ = "recovery_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id"), nullable=False, index=True))
    created_at: datetime = _utc()
    used_at: datetime | None = _utc_optional()


class PendingSignin(SQLModel, table=True):
    """A password accepted, the second factor (or its enrolment) not yet: the browser holds the
    secret in a short-lived cookie, the table its SHA-256."""

    __tablename__ = "pending_signin"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id"), nullable=False, index=True))
    next_path: str = Field(default="/", max_length=2000)
    created_at: datetime = _utc()
    failures: int = 0
