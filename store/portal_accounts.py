"""Startup accounts on the portal: sign-up (a person, inactive until the email link is followed;
the company is theirs only once bound, store/company_binding.py), invitations of colleagues (an
invitation binds), and the one-use links both rely on.

A link's secret goes out by email only; the table keeps its SHA-256. Following it once uses it up;
an expired or used link answers the same as an unknown one."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain.brn import normalize_brn
from store.company_binding import bind, bound_brn, bound_user_ids, record
from store.db import as_utc
from store.passwords import hash_password, password_problems
from store.portal_tables import CompanyAccount, PortalToken
from store.user_tables import User
from store.users import DirectoryError, create_user, normalize_login, set_password

VERIFY_VALID = timedelta(hours=24)
INVITE_VALID = timedelta(days=7)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(session: Session, user: User, purpose: str, by: str, now: datetime) -> str:
    """A new link secret for `user`; earlier unused links of the same purpose stop working."""
    session.execute(update(PortalToken).where(col(PortalToken.user_id) == user.id, col(PortalToken.purpose) == purpose,
                                              col(PortalToken.used_at).is_(None)).values(used_at=now))
    secret = secrets.token_urlsafe(32)
    valid = VERIFY_VALID if purpose == "verify" else INVITE_VALID
    session.add(PortalToken(token_hash=_hash(secret), purpose=purpose, user_id=user.id, created_by=by,
                            created_at=now, expires_at=now + valid))
    session.commit()
    return secret


def live_link(session: Session, secret: str, purpose: str, now: datetime) -> tuple[PortalToken, User] | None:
    """The unused, unexpired link of that purpose and its user, or None."""
    if not secret or len(secret) > 100:
        return None
    row = session.get(PortalToken, _hash(secret))
    if row is None or row.purpose != purpose or row.used_at is not None or as_utc(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    return (row, user) if user is not None and user.disabled_at is None else None


def company_of(session: Session, brn: str) -> CompanyAccount | None:
    return session.get(CompanyAccount, brn)


def sign_up(session: Session, *, email: str, password: str, brn: str, representative: str, company_name: str,
            now: datetime) -> User:
    """A person's account (inactive until verified), naming the company they say they are from.
    That number grants nothing: the company is theirs once bound, by 진위확인 and 본인확인, an
    invitation or an officer's approval; so a number another account names is no reason to refuse.
    Refused with a DirectoryError naming the field: a bad registration number or company name, a
    taken email, a weak password."""
    try:
        digits = normalize_brn(brn)
    except ValueError as err:
        raise DirectoryError("validation_error", "brn", f"사업자등록번호가 올바르지 않습니다 — {err}") from None
    name = company_name.strip()
    if not 1 <= len(name) <= 100:
        raise DirectoryError("validation_error", "company_name", "회사명은 1~100자입니다 (1–100 characters)")
    problems = password_problems(password, normalize_login(email))
    if problems:
        raise DirectoryError("validation_error", "password", "; ".join(problems))
    # Made without a password first (nobody can sign in to it), then given its password and made
    # inactive in one commit: never a usable account that skipped the email.
    user = create_user(session, login_id=email, display_name=representative, kind="startup", roles=["startup"],
                       email=email, brn=digits, bound_by=None)
    user.password_hash, user.active = hash_password(password), False
    session.add(user)
    session.commit()
    return user


def verify(session: Session, secret: str, now: datetime) -> User | None:
    """Follow a verification link: the account works from now on. None for a dead link."""
    found = live_link(session, secret, "verify", now)
    if found is None:
        return None
    row, user = found
    row.used_at, user.active = now, True
    session.add_all([row, user])
    session.commit()
    return user


@dataclass(frozen=True)
class Invitation:
    user: User
    secret: str


def invite(session: Session, representative: User, *, email: str, name: str, now: datetime) -> Invitation:
    """A colleague's account in the representative's (bound) company, waiting for its password;
    the invitation is recorded, and following it binds the colleague."""
    brn = bound_brn(session, representative.id)
    company = company_of(session, brn) if brn else None
    if company is None or company.representative_user_id != representative.id:
        raise DirectoryError("forbidden", "email", "대표자만 동료를 초대할 수 있습니다 (only the representative invites)")
    colleague = create_user(session, login_id=email, display_name=name, kind="startup", roles=["startup"],
                            email=email, brn=brn, bound_by=None)
    colleague.active = False  # until the password is set from the link
    session.add(colleague)
    record(session, "invited", brn=company.brn, user_id=colleague.id, actor_id=representative.id, at=now,
           proof="invitation")
    session.commit()
    return Invitation(colleague, issue_link(session, colleague, "invite", representative.id, now))


def accept_invitation(session: Session, secret: str, password: str, now: datetime) -> User | None:
    """Set the invited colleague's password from the link (checked by the password rule; a
    DirectoryError names it). None for a dead link."""
    found = live_link(session, secret, "invite", now)
    if found is None:
        return None
    row, user = found
    set_password(session, user, password)
    row.used_at, user.active = now, True
    session.add_all([row, user])
    inviter_company = bound_brn(session, row.created_by)
    if inviter_company is not None and inviter_company == user.brn:
        bind(session, user, inviter_company, proof="invitation", by=row.created_by, at=now)
    session.commit()
    return user


def colleagues(session: Session, brn: str) -> list[User]:
    """The company's people: those bound to it, and those invited who have not yet set a password."""
    bound = set(bound_user_ids(session, brn))
    invited = session.exec(select(PortalToken.user_id).where(PortalToken.purpose == "invite",
                                                             col(PortalToken.used_at).is_(None))).all()
    people = bound | {i for i in invited if i not in bound}
    return list(session.exec(select(User).where(col(User.id).in_(people), User.kind == "startup",
                                                User.brn == brn).order_by(col(User.created_at))).all())
