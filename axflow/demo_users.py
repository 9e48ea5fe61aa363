"""Demo users for `make run`: one person per role, each with a random password printed at start
and kept in .data/demo-users.json (mode 600). Refused in production, as demo tokens are."""

import json
import secrets

from axflow.config import Settings
from store.db import make_engine, session_scope
from store.passwords import password_problems, verify_password
from store.users import create_user, find_by_login, set_password

# Login ids match the demo tokens' names, so that `make run`'s demo tokens belong to these people.
DEMO_USERS = [
    ("admin", "관리자", "staff", ["admin"], [], None),
    ("officer.kim", "김민수", "staff", ["program_officer"], ["program_manager"], None),
    ("finance.lee", "이서연", "staff", ["finance_officer"], ["finance_lead"], None),
    ("evaluator.park", "박지훈", "staff", ["evaluator"], [], None),
    # A second evaluator: the sample program asks for two scores per applicant (one per round).
    ("evaluator.choi", "최유나", "staff", ["evaluator"], [], None),
    ("auditor.jung", "정하은", "staff", ["auditor"], [], None),
    ("ceo.demo", "홍길동 (데모AI 대표)", "startup", ["startup"], [], "1248100998"),
]


def new_password() -> str:
    while True:
        candidate = f"Ax-{secrets.token_urlsafe(9)}"
        if not password_problems(candidate):
            return candidate


def demo_users(settings: Settings) -> dict[str, str]:
    """Login id → password for each demo user, creating or repairing them as needed."""
    if settings.env == "production":
        raise SystemExit("refusing to create demo users in production")
    path = settings.data_dir / "demo-users.json"
    passwords: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        for login, name, kind, roles, desks, brn in DEMO_USERS:
            user = find_by_login(session, login)
            if user is None:
                passwords[login] = new_password()
                # A demo startup user is bound to its company by the seed, as staff would approve it.
                create_user(session, login_id=login, display_name=name, kind=kind, roles=roles, desks=desks, brn=brn,
                            email=f"{login}@axflow.example", password=passwords[login], bound_by="system:demo-seed")
            elif user.kind == "service":
                # An older `make run` made this login a service account for its demo token alone:
                # it becomes the person (the token keeps working, now theirs).
                user.kind, user.display_name, user.email = kind, name, f"{login}@axflow.example"
                passwords[login] = new_password()
                set_password(session, user, passwords[login])
            elif not verify_password(user.password_hash, passwords.get(login, "")):
                passwords[login] = new_password()
                set_password(session, user, passwords[login])
    path.write_text(json.dumps(passwords, indent=2, ensure_ascii=False))
    path.chmod(0o600)
    engine.dispose()
    return passwords
