"""Demo users for `make run`: one person per role, each with a random password printed at start
and kept in .data/demo-users.json (mode 600). Refused in production, as demo tokens are.

The demo admin and finance officer must sign in with a second factor, as every admin and finance
officer must (store/second_factor.py). So that a newcomer needs no phone, they are enrolled
already with a key kept in the same file, beside their passwords, and `axflow demo code LOGIN`
prints the code of the moment. They get no recovery codes: the key in the file is the way back.
The file is the truth for demo users: a password or key that no longer matches it is replaced."""

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pyotp
from sqlmodel import Session

from axflow.config import Settings
from store import second_factor
from store.account_tables import TotpFactor
from store.db import make_engine, session_scope
from store.passwords import password_problems, verify_password
from store.user_tables import User
from store.users import create_user, find_by_login, set_password

DemoUser = tuple[str, str, str, list[str], list[str], str | None]

# Login ids match the demo tokens' names, so that `make run`'s demo tokens belong to these people.
DEMO_USERS: list[DemoUser] = [
    ("admin", "관리자", "staff", ["admin"], [], None),
    ("officer.kim", "김민수", "staff", ["program_officer"], ["program_manager"], None),
    ("finance.lee", "이서연", "staff", ["finance_officer"], ["finance_lead"], None),
    ("evaluator.park", "박지훈", "staff", ["evaluator"], [], None),
    # A second evaluator: the sample program asks for two scores per applicant (one per round).
    ("evaluator.choi", "최유나", "staff", ["evaluator"], [], None),
    ("auditor.jung", "정하은", "staff", ["auditor"], [], None),
    ("ceo.demo", "홍길동 (데모AI 대표)", "startup", ["startup"], [], "1248100998"),
]


class DemoRefused(Exception):
    """Said to the person in one line: why there is no demo code to give."""


def demo_email(login: str) -> str:
    # The mark production looks for (axflow/production.py): no real person has this address.
    return f"{login}@axflow.example"


def demo_users_path(settings: Settings) -> Path:
    return settings.data_dir / "demo-users.json"


def read_demo_users(settings: Settings) -> dict[str, dict[str, str]]:
    """Login id → {"password", and "totp_key" for those with a second factor}."""
    path = demo_users_path(settings)
    saved = json.loads(path.read_text()) if path.exists() else {}
    # Before two-step keys, the file held each login's password alone.
    return {login: entry if isinstance(entry, dict) else {"password": entry} for login, entry in saved.items()}


def new_password() -> str:
    while True:
        candidate = f"Ax-{secrets.token_urlsafe(9)}"
        if not password_problems(candidate):
            return candidate


def _demo_key(session: Session, user: User, kept: str | None, at: datetime) -> str | None:
    """The key of a demo user who must have a second factor, enrolled with it: the file's when it
    has one (an app someone set up from it keeps working), else a new one. Anything else (an app
    set up at sign-in under an older `make run`, an enrolment begun, recovery codes) is replaced."""
    if not second_factor.required(user):
        return None
    key = kept or pyotp.random_base32()
    factor = second_factor.enrolled(session, user.id)
    if factor is None or factor.secret != key:
        second_factor.remove(session, user)
        session.add(TotpFactor(user_id=user.id, secret=key, enrolled_at=at))
        session.commit()
    return key


def demo_users(settings: Settings, people: list[DemoUser] = DEMO_USERS) -> dict[str, dict[str, str]]:
    """Each demo user's password (and two-step key), creating or repairing them as needed."""
    if settings.env == "production":
        raise SystemExit("refusing to create demo users in production")
    saved = read_demo_users(settings)
    at = datetime.now(UTC)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        for login, name, kind, roles, desks, brn in people:
            entry = saved.setdefault(login, {})
            user = find_by_login(session, login)
            if user is None:
                entry["password"] = new_password()
                # A demo startup user is bound to its company by the seed, as staff would approve it.
                user = create_user(session, login_id=login, display_name=name, kind=kind, roles=roles, desks=desks,
                                   brn=brn, email=demo_email(login), password=entry["password"],
                                   bound_by="system:demo-seed")
            elif user.kind == "service":
                # An older `make run` made this login a service account for its demo token alone:
                # it becomes the person (the token keeps working, now theirs).
                user.kind, user.display_name, user.email = kind, name, demo_email(login)
                entry["password"] = new_password()
                set_password(session, user, entry["password"])
            elif not verify_password(user.password_hash, entry.get("password", "")):
                entry["password"] = new_password()
                set_password(session, user, entry["password"])
            key = _demo_key(session, user, entry.get("totp_key"), at)
            if key is None:
                entry.pop("totp_key", None)
            else:
                entry["totp_key"] = key
    path = demo_users_path(settings)
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False))
    path.chmod(0o600)
    engine.dispose()
    return {login: saved[login] for login, *_ in people}


def sign_in_lines(users: dict[str, dict[str, str]], axflow: str) -> str:
    """What `make run` prints under its sign-in address: each login, its password and, for those
    with a second factor, the command that prints their code."""
    lines = [f"    {login:16} {entry['password']:16}"
             + (f" then: {axflow} demo code {login}" if "totp_key" in entry else "") for login, entry in users.items()]
    two_step = [login for login, entry in users.items() if "totp_key" in entry]
    if two_step:
        lines += [f"    {' and '.join(two_step)} type a 6-digit code after the password, as every admin and finance",
                  "    officer must (docs/security.md): the command prints it from their key in the file (an",
                  "    authenticator app takes the key too). No recovery codes: the key is the way back."]
    return "\n".join(line.rstrip() for line in lines)


def demo_code(settings: Settings, login: str, at: datetime) -> tuple[str, datetime]:
    """A demo user's 6-digit code from the key in the file, and the instant the server accepts it
    from: now, unless this moment's code signed in already (each code signs in once), when it is
    the next step's, accepted at once or a few seconds on (the server allows one step of drift)."""
    if settings.env == "production":
        raise DemoRefused("refusing in production: demo users and their two-step keys are for development only")
    path = demo_users_path(settings)
    entry = read_demo_users(settings).get(login)
    if entry is None:
        raise DemoRefused(f"{login} is not a demo user in {path} (make run creates them)")
    key = entry.get("totp_key")
    if key is None:
        raise DemoRefused(f"{login} signs in without a second factor: the password in {path} is enough")
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        user = find_by_login(session, login)
        factor = second_factor.enrolled(session, user.id) if user is not None else None
    engine.dispose()
    if factor is None or factor.secret != key:
        raise DemoRefused(f"{login}'s second factor is no longer the key in {path}: run make run again to restore it")
    totp = pyotp.TOTP(key)
    step = max(totp.timecode(at), factor.last_step + 1)
    accepted_from = datetime.fromtimestamp((step - second_factor.DRIFT_STEPS) * totp.interval, UTC)
    return totp.generate_otp(step), max(at, accepted_from)
