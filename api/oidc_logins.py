"""Sign-ins in progress at the identity provider, each bound to the browser that started it.

Starting one gives the browser a short-lived cookie holding a random secret. The row is found
again only by the `state` the provider sends back *and* that cookie (its key is the hash of both),
so a callback replayed from another browser, or an attacker's state planted in a victim's browser,
finds nothing, and cannot spend the real sign-in either. A row is taken once: the delete that takes
it is what proves no other request (on any replica) took it first. Whenever a sign-in starts, rows
older than LOGIN_TTL are deleted and at most MAX_PENDING are kept, the oldest going first, so a
stream of started-and-abandoned sign-ins cannot grow the table without bound.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.common.security import generate_token
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from store.db import as_utc
from store.user_tables import OidcLogin

COOKIE = "axflow_oidc_login"
# The cookie goes only to the sign-in's own paths, never with every request.
COOKIE_PATH = "/signin/oidc"
# A sign-in left at the identity provider longer than this must start again.
LOGIN_TTL = timedelta(minutes=10)
MAX_PENDING = 10_000


@dataclass(frozen=True)
class Started:
    """What the browser and the provider are given; only hashes and the server's half are stored."""

    state: str
    nonce: str
    code_verifier: str
    browser_secret: str


@dataclass(frozen=True)
class Taken:
    nonce: str
    code_verifier: str


def login_key(state: str, browser_secret: str) -> str:
    return hashlib.sha256(f"{state} {browser_secret}".encode()).hexdigest()


def begin(db: Session, at: datetime, keep: int = MAX_PENDING) -> Started:
    prune(db, at, keep - 1)
    # RFC 7636 §4.1: a verifier of 43 to 128 characters from the unreserved set.
    started = Started(state=generate_token(43), nonce=generate_token(32), code_verifier=generate_token(64),
                      browser_secret=generate_token(43))
    db.add(OidcLogin(state_hash=login_key(started.state, started.browser_secret),
                     code_verifier=started.code_verifier, nonce=started.nonce, created_at=at))
    db.commit()
    return started


def take(db: Session, state: str, browser_secret: str | None, at: datetime) -> Taken | None:
    """The sign-in this browser started with `state`, deleted as it is taken. None when there is
    none for this state and browser, it was taken already, or it has expired."""
    if not state or not browser_secret or len(state) > 200 or len(browser_secret) > 200:
        return None
    key = login_key(state, browser_secret)
    row = db.get(OidcLogin, key)
    if row is None:
        return None
    taken, created_at = Taken(nonce=row.nonce, code_verifier=row.code_verifier), as_utc(row.created_at)
    # Two browsers racing with the same state take it once: only one delete finds the row.
    taking = db.execute(delete(OidcLogin).where(col(OidcLogin.state_hash) == key))
    deleted = taking.rowcount  # type: ignore[attr-defined]
    db.commit()
    if deleted != 1 or at - created_at > LOGIN_TTL:
        return None
    return taken


def prune(db: Session, at: datetime, keep: int = MAX_PENDING) -> None:
    """Delete the expired sign-ins, then the oldest beyond `keep`."""
    db.execute(delete(OidcLogin).where(col(OidcLogin.created_at) < at - LOGIN_TTL))
    excess = db.exec(select(func.count()).select_from(OidcLogin)).one() - keep
    if excess > 0:
        oldest = select(OidcLogin.state_hash).order_by(col(OidcLogin.created_at)).limit(excess)
        db.execute(delete(OidcLogin).where(col(OidcLogin.state_hash).in_(oldest)))
    db.commit()
