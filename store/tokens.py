"""API tokens: random, shown once, stored as a SHA-256 hash (the token has 256 bits of entropy,
so a plain hash cannot be reversed by guessing)."""

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from domain.phases import Role
from store.db import as_utc
from store.tables import ApiToken

PREFIX = "axf_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, role: Role, name: str, brn: str | None = None,
                 expires_in: timedelta | None = None) -> str:
    if role is Role.STARTUP and not brn:
        raise ValueError("a startup token needs --brn")
    if role is Role.SYSTEM:
        raise ValueError("system is not a role for people")
    token = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    session.add(ApiToken(name=name, role=role.value, brn=brn if role is Role.STARTUP else None,
                         token_hash=hash_token(token), created_at=now,
                         expires_at=now + expires_in if expires_in else None))
    session.commit()
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token record, or None if unknown, revoked or expired."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and as_utc(row.expires_at) <= datetime.now(timezone.utc):
        return None
    return row


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None:
        return False
    row.revoked_at = datetime.now(timezone.utc)
    session.commit()
    return True
