"""A sign-in whose password was right but whose second factor is still to come (or to be set up).

No session exists yet: the browser holds a random secret in a short-lived HttpOnly cookie, the
`pending_signin` table its SHA-256, the person and where they were going. It lasts PENDING_TTL
and allows WRONG_CODES_ALLOWED wrong codes; then the person starts again from the password."""

import hashlib
import secrets
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete
from sqlmodel import Session, col

from api import sessions
from store.account_tables import PendingSignin
from store.db import as_utc
from store.user_tables import User

COOKIE = "axflow_second_factor"
PENDING_TTL = timedelta(minutes=10)
WRONG_CODES_ALLOWED = 5
FACTOR_PAGE = "/signin/second-factor"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def begin(request: Request, db: Session, user: User, target: str, at: datetime) -> Response:
    secret = secrets.token_urlsafe(32)
    # Abandoned ones (the code never typed) go here; only a right password makes one.
    db.execute(delete(PendingSignin).where(col(PendingSignin.created_at) < at - PENDING_TTL))
    db.add(PendingSignin(id_hash=_hash(secret), user_id=user.id, next_path=target, created_at=at))
    db.commit()
    response = RedirectResponse(FACTOR_PAGE, status_code=303)
    sessions.set_cookie(response, COOKIE, secret, request.app.state.settings)
    return response


def load(request: Request, db: Session) -> tuple[PendingSignin, User] | None:
    """The live pending sign-in of this browser and its active person, or None."""
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > 100:
        return None
    row = db.get(PendingSignin, _hash(secret))
    if row is None or sessions.now(request) - as_utc(row.created_at) > PENDING_TTL:
        return None
    user = db.get(User, row.user_id)
    return (row, user) if user is not None and user.active else None


def wrong_code(db: Session, row: PendingSignin) -> bool:
    """Count a wrong code; True when this pending sign-in is now used up."""
    row.failures += 1
    if row.failures >= WRONG_CODES_ALLOWED:
        db.delete(row)
    else:
        db.add(row)
    db.commit()
    return row.failures >= WRONG_CODES_ALLOWED


def finish(db: Session, row: PendingSignin, response: Response, request: Request) -> Response:
    db.delete(row)
    db.commit()
    sessions.clear_cookie(response, COOKIE, request.app.state.settings)
    return response
