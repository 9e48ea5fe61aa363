"""API tokens: random, shown once, stored as a SHA-256 hash (the token has 256 bits of entropy,
so a plain hash cannot be reversed by guessing). Every token belongs to a user or a named
service account, whose stable id is the actor recorded for what the token does."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from domain.phases import Role
from store import revocations
from store.db import as_utc
from store.tables import ApiToken
from store.user_tables import User
from store.users import token_owner

PREFIX = "axf_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, role: Role, name: str, brn: str | None = None,
                 expires_in: timedelta | None = None) -> str:
    """A token acting in `role` for the user whose login id is `name` (a new service account of
    that name if there is none)."""
    if role is Role.STARTUP and not brn:
        raise ValueError("a startup token needs --brn")
    if role is Role.SYSTEM:
        raise ValueError("system is not a role for people")
    owner = token_owner(session, name, role, brn)
    return issue_token(session, owner, role, name, expires_in)


def issue_token(session: Session, owner: User, role: Role | None, name: str | None = None,
                expires_in: timedelta | None = None) -> str:
    """A token for `owner`: in one role, or (role None) in any of the owner's roles, chosen per
    request with the X-Axflow-Role header."""
    if role is not None and role.value not in owner.roles:
        raise ValueError(f"user {owner.login_id!r} does not hold the role {role.value}")
    if not owner.active:
        raise ValueError(f"user {owner.login_id!r} is disabled")
    token = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(ApiToken(name=name or owner.login_id, user_id=owner.id, role=role.value if role else None,
                         brn=owner.brn, token_hash=hash_token(token), created_at=now,
                         expires_at=now + expires_in if expires_in else None))
    session.commit()
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token record, or None if unknown, revoked or expired."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and as_utc(row.expires_at) <= datetime.now(UTC):
        return None
    return row


def token_user(session: Session, token: str) -> tuple[ApiToken, User] | None:
    """The live token and its active owner, in one read; None if either is gone."""
    found = session.exec(select(ApiToken, User).join(User, col(User.id) == col(ApiToken.user_id))
                         .where(ApiToken.token_hash == hash_token(token))).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    if row.expires_at is not None and as_utc(row.expires_at) <= datetime.now(UTC):
        return None
    return row, user


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None:
        return False
    row.revoked_at = datetime.now(UTC)
    session.commit()
    revocations.announce(row.user_id)
    return True
