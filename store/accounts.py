"""A person's own account: password reset by email, changing the password while signed in, and the
list of their signed-in browsers (each can be ended).

A reset link is one-use and short-lived (RESET_VALID), sent only to the address on file, and kept
as SHA-256 in the same table as the portal's other emailed links. Setting a password from it ends
every session of that person (whoever had the old password is out) and any sign-in waiting for
its second factor; the second factor itself stays (a reset by email does not remove it)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from store.account_tables import PendingSignin
from store.passwords import hash_password, password_problems, verify_password
from store.portal_accounts import live_link
from store.portal_tables import PortalToken
from store.user_tables import User, WebSession
from store.users import DirectoryError, find_by_login, set_password

RESET_VALID = timedelta(minutes=30)
RESET = "reset"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def account_for_reset(session: Session, login_or_email: str) -> User | None:
    """The active person (not a service account) with that login id or email, who has an email."""
    text = login_or_email.strip().lower()
    if not text or len(text) > 254:
        return None
    user = find_by_login(session, text) or session.exec(select(User).where(User.email == text)).first()
    if user is None or not user.active or user.kind == "service" or not user.email:
        return None
    return user


def issue_reset(session: Session, user: User, now: datetime) -> str:
    """A new reset link secret; earlier unused reset links of this person stop working."""
    session.execute(update(PortalToken).where(col(PortalToken.user_id) == user.id, col(PortalToken.purpose) == RESET,
                                              col(PortalToken.used_at).is_(None)).values(used_at=now))
    secret = secrets.token_urlsafe(32)
    session.add(PortalToken(token_hash=_hash(secret), purpose=RESET, user_id=user.id, created_by=user.id,
                            created_at=now, expires_at=now + RESET_VALID))
    session.commit()
    return secret


def live_reset(session: Session, secret: str, now: datetime) -> tuple[PortalToken, User] | None:
    """The unused, unexpired reset link and its person, who must be active (a sign-up not yet
    verified resets nothing)."""
    found = live_link(session, secret, RESET, now)
    return found if found is not None and found[1].active else None


def end_sessions(session: Session, user_id: str, now: datetime, keep: str | None = None) -> int:
    """End every live session of the person (but `keep`, an id hash); returns how many ended."""
    query = update(WebSession).where(col(WebSession.user_id) == user_id, col(WebSession.ended_at).is_(None))
    if keep is not None:
        query = query.where(col(WebSession.id_hash) != keep)
    ended = session.execute(query.values(ended_at=now)).rowcount  # type: ignore[attr-defined]
    session.execute(delete(PendingSignin).where(col(PendingSignin.user_id) == user_id))
    session.commit()
    return int(ended or 0)


def reset_password(session: Session, secret: str, password: str, now: datetime) -> User | None:
    """Set the password from a reset link (the strength rule applies: DirectoryError names it) and
    end every session. None for an unknown, used or expired link."""
    found = live_reset(session, secret, now)
    if found is None:
        return None
    row, user = found
    set_password(session, user, password)
    row.used_at = now
    session.add(row)
    session.commit()
    end_sessions(session, user.id, now)
    return user


def new_password_hash(user: User, current: str, new: str) -> str:
    """Changing one's own password, the checks: the current one typed again, and a new one the
    strength rule allows; answers the new one's hash (DirectoryError names the field). No database
    work: two argon2 runs, which the API does on a worker thread before its write transaction."""
    if not verify_password(user.password_hash, current):
        raise DirectoryError("validation_error", "current_password",
                             "지금 비밀번호가 맞지 않습니다 (the current password is not correct)")
    if current == new:
        raise DirectoryError("validation_error", "password",
                             "지금과 다른 비밀번호를 정하십시오 (choose a password different from the current one)")
    problems = password_problems(new, user.login_id)
    if problems:
        raise DirectoryError("validation_error", "password", "; ".join(problems))
    return hash_password(new)


def change_password(session: Session, user: User, password_hash: str, now: datetime, keep: str) -> None:
    """Store one's own new password (its hash from `new_password_hash`); other sessions end, this one stays."""
    user.password_hash = password_hash
    session.add(user)
    session.commit()
    end_sessions(session, user.id, now, keep=keep)


def live_sessions(session: Session, user_id: str) -> list[WebSession]:
    """The person's sessions not ended (lapsed ones end when next seen; the page shows their times)."""
    return list(session.exec(select(WebSession).where(WebSession.user_id == user_id,
                                                      col(WebSession.ended_at).is_(None))
                             .order_by(col(WebSession.created_at).desc())).all())


def end_session(session: Session, user_id: str, id_hash: str, now: datetime) -> bool:
    row = session.get(WebSession, id_hash) if len(id_hash) <= 64 else None
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    row.ended_at = now
    session.add(row)
    session.commit()
    return True
