"""Browser sessions: a random secret in an HttpOnly cookie, its hash in the `web_session` table.

A session ends when its user signs out or is disabled, after `session_idle_minutes` without a
request, or `session_max_hours` after sign-in. Form posts and cookie-authenticated API writes
carry the session's CSRF token. The time comes from `app.state.clock`, which tests can set.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from sqlmodel import Session

from axflow.config import Settings
from store.db import as_utc, release
from store.user_tables import User, WebSession

COOKIE = "axflow_session"
# Before sign-in there is no session to hold a CSRF token: the sign-in form uses a cookie of its
# own with the same value as a hidden field (double submit).
PRE_CSRF_COOKIE = "axflow_signin_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# A session seen this recently is not written again on each request.
TOUCH_EVERY = timedelta(seconds=30)


def utc_now() -> datetime:
    return datetime.now(UTC)


def now(request: Request) -> datetime:
    return getattr(request.app.state, "clock", utc_now)()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def start(db: Session, user: User, role: str, at: datetime) -> str:
    """A new session for `user` acting in `role`; returns the cookie value."""
    secret = secrets.token_urlsafe(32)
    db.add(WebSession(id_hash=_hash(secret), user_id=user.id, role=role, csrf_token=secrets.token_urlsafe(32),
                      created_at=at, last_seen_at=at))
    db.commit()
    return secret


def expires_at(row: WebSession, settings: Settings) -> datetime:
    idle = as_utc(row.last_seen_at) + timedelta(minutes=settings.session_idle_minutes)
    return min(idle, as_utc(row.created_at) + timedelta(hours=settings.session_max_hours))


def load(db: Session, cookie: str | None, at: datetime, settings: Settings) -> tuple[WebSession, User] | None:
    """The live session behind `cookie` and its active user; a lapsed session is ended here."""
    if not cookie or len(cookie) > 200:
        return None
    row = db.get(WebSession, _hash(cookie))
    if row is None or row.ended_at is not None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if at >= expires_at(row, settings):
        end(db, row, at)
        return None
    return row, user


def touch(db: Session, row: WebSession, at: datetime, force: bool = False) -> None:
    """Count a request as activity (the idle clock restarts)."""
    if force or at - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        release(db)  # write in a fresh transaction, not the read one that loaded the session
        row.last_seen_at = at
        db.add(row)
        db.commit()


def end(db: Session, row: WebSession, at: datetime) -> None:
    release(db)  # write in a fresh transaction, not the read one that loaded the session
    row.ended_at = at
    db.add(row)
    db.commit()


def set_cookie(response: Response, name: str, value: str, settings: Settings) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=settings.env != "dev", path="/")


def clear_cookie(response: Response, name: str, settings: Settings) -> None:
    response.delete_cookie(name, httponly=True, samesite="lax", secure=settings.env != "dev", path="/")
