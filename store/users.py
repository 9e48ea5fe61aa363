"""The user directory: staff with roles and desks, startup users bound to one business
registration number, and named service accounts for machines. Also who receives what: the
functions a notification sender uses to turn roles, desks and a company into people."""

import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.brn import normalize_brn
from domain.phases import Role
from store import revocations
from store.company_binding import bind, bound_user_ids
from store.passwords import hash_password, password_problems
from store.tables import ApiToken
from store.user_tables import User, WebSession

PERSON_ROLES = frozenset(r.value for r in Role if r is not Role.SYSTEM)
# Desks that program policies escalate to (domain.program.Recipient) besides the roles themselves.
DESKS = ("program_manager", "finance_lead")
KINDS = ("staff", "startup", "service")
# Who binds a startup user that staff, the seed or the CLI made (a staff approval, recorded as
# the system's when no person is named); a portal sign-up or invitation passes None.
DIRECTORY_APPROVAL = "system:directory"
LOGIN_ID = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class DirectoryError(ValueError):
    """Refused input: `code` is the API error code (validation_error or conflict), `field` the
    field at fault. Nothing was written."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


def new_user_id() -> str:
    # Random rather than a counter: never reused or guessed, the same on every database (a
    # restored backup or a merged directory cannot give two people one id), made without a round
    # trip for a sequence; 48 bits, short enough to read in an audit export.
    return "u-" + secrets.token_hex(6)


def normalize_login(login_id: str) -> str:
    return unicodedata.normalize("NFC", login_id).strip().lower()


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def check_roles(roles: Iterable[str], desks: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """The roles and desks, in order without repeats; DirectoryError naming the first unknown one."""
    roles, desks = list(dict.fromkeys(roles)), list(dict.fromkeys(desks))
    for role in roles:
        if role not in PERSON_ROLES:
            raise DirectoryError("validation_error", "roles", f"unknown role {role!r} (알 수 없는 역할); "
                                 f"known: {', '.join(sorted(PERSON_ROLES))}")
    for desk in desks:
        if desk not in DESKS:
            raise DirectoryError("validation_error", "desks", f"unknown desk {desk!r} (알 수 없는 담당); "
                                 f"known: {', '.join(DESKS)}")
    if not roles:
        raise DirectoryError("validation_error", "roles", "at least one role is needed (역할을 하나 이상 지정하세요)")
    return roles, desks


def _check_kind(kind: str, roles: list[str], desks: list[str], brn: str | None) -> str | None:
    if kind not in KINDS:
        raise DirectoryError("validation_error", "kind", f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if kind == "startup" or "startup" in roles:
        if kind != "startup" and kind != "service":
            raise DirectoryError("validation_error", "roles", "a staff user cannot hold the startup role")
        if roles != ["startup"] or desks:
            raise DirectoryError("validation_error", "roles", "a startup user holds the startup role only")
        if not brn:
            raise DirectoryError("validation_error", "brn", "a startup user needs its business registration number")
        try:
            return normalize_brn(brn)
        except ValueError as err:
            raise DirectoryError("validation_error", "brn", str(err)) from None
    if brn:
        raise DirectoryError("validation_error", "brn", "only a startup user is bound to a registration number")
    return None


def create_user(session: Session, *, login_id: str, display_name: str, kind: str, roles: Sequence[str],
                desks: Sequence[str] = (), email: str | None = None, phone: str | None = None,
                brn: str | None = None, password: str | None = None,
                bound_by: str | None = DIRECTORY_APPROVAL) -> User:
    """Create one user, all checks first: nothing is written unless everything is right. A
    startup user made here is bound to its company by staff approval of `bound_by` (the admin,
    the seed, the CLI), unless `bound_by` is None: the portal's sign-up binds only with proof."""
    login = normalize_login(login_id)
    if kind != "service" and not LOGIN_ID.match(login):
        raise DirectoryError("validation_error", "login_id", "3–64 characters: lower-case letters, digits and . _ @ - "
                             "(영문 소문자, 숫자, . _ @ - 로 3~64자)")
    name = _text(display_name)
    if not 1 <= len(name) <= 100:
        raise DirectoryError("validation_error", "display_name", "1–100 characters (1~100자)")
    roles, desks = check_roles(roles, desks)
    digits = _check_kind(kind, roles, desks, brn)
    address = _text(email).lower() if email else None
    if address is not None and not EMAIL.match(address):
        raise DirectoryError("validation_error", "email", "not an email address (이메일 형식이 아닙니다)")
    if password is not None:
        problems = password_problems(password, login)
        if problems:
            raise DirectoryError("validation_error", "password", "; ".join(problems))
    if find_by_login(session, login) is not None:
        raise DirectoryError("conflict", "login_id", f"login id {login!r} is taken (이미 사용 중인 아이디)")
    if address and session.exec(select(User.id).where(User.email == address)).first() is not None:
        raise DirectoryError("conflict", "email", f"email {address!r} is taken (이미 등록된 이메일)")
    user = User(id=new_user_id(), login_id=login, kind=kind, display_name=name, email=address,
                phone=_text(phone) if phone else None, roles=roles, desks=desks, brn=digits,
                password_hash=hash_password(password) if password else None,
                created_at=datetime.now(UTC))
    session.add(user)
    if digits and bound_by:
        bind(session, user, digits, proof="staff_approval", by=bound_by, at=user.created_at,
             reason="직원이 만든 사용자 (made by staff)")
    try:
        session.commit()
    except IntegrityError as err:  # a racing request took the login id or email in between
        session.rollback()
        field = "email" if "email" in str(err.orig).lower() else "login_id"
        raise DirectoryError("conflict", field, f"{field} is taken") from None
    return user


def get_user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def find_by_login(session: Session, login_id: str) -> User | None:
    return session.exec(select(User).where(User.login_id == normalize_login(login_id))).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.login_id))).all())


def set_roles(session: Session, user: User, roles: Sequence[str], desks: Sequence[str] | None = None) -> User:
    new_roles, new_desks = check_roles(roles, user.desks if desks is None else desks)
    _check_kind(user.kind, new_roles, new_desks, user.brn)
    # The first role is the one a person signs in as: roles they keep stay in their order (the
    # one they last chose first), roles added come after, so adding a role never changes it.
    kept = [role for role in user.roles if role in new_roles]
    user.roles, user.desks = kept + [role for role in new_roles if role not in kept], new_desks
    session.add(user)
    session.commit()
    revocations.announce(user.id)
    return user


def set_password(session: Session, user: User, password: str) -> None:
    problems = password_problems(password, user.login_id)
    if problems:
        raise DirectoryError("validation_error", "password", "; ".join(problems))
    user.password_hash = hash_password(password)
    session.add(user)
    session.commit()


def disable_user(session: Session, user: User) -> User:
    """Disable a user and, in the same transaction, end every session and token of theirs: the
    next call with any of them gets 401."""
    now = datetime.now(UTC)
    user.active, user.disabled_at = False, now
    session.add(user)
    session.execute(update(ApiToken).where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
                    .values(revoked_at=now))
    session.execute(update(WebSession).where(col(WebSession.user_id) == user.id, col(WebSession.ended_at).is_(None))
                    .values(ended_at=now))
    session.commit()
    revocations.announce(user.id)
    return user


def token_owner(session: Session, name: str, role: Role, brn: str | None) -> User:
    """The owner of a token made by name (`axflow token create --name`): the user with that login
    id, which must hold the role, or else a new service account of that name."""
    owner = find_by_login(session, name)
    if owner is None:
        return create_user(session, login_id=name, display_name=name[:100], kind="service", roles=[role.value],
                           brn=brn if role is Role.STARTUP else None)
    if not owner.active:
        raise ValueError(f"user {name!r} is disabled")
    if role is Role.STARTUP and owner.brn != brn:
        raise ValueError(f"user {name!r} is bound to another registration number")
    if role.value not in owner.roles:
        if owner.kind != "service" or role is Role.STARTUP or "startup" in owner.roles:
            raise ValueError(f"user {name!r} does not hold the role {role.value}")
        owner.roles = [*owner.roles, role.value]  # a service account holds the roles of its tokens
        session.add(owner)
        session.commit()
    return owner


# ---- recipients: who a notification for a role, a desk or a company reaches


@dataclass(frozen=True)
class Recipient:
    user_id: str
    display_name: str
    email: str | None
    phone: str | None


def _recipient(user: User) -> Recipient:
    return Recipient(user.id, user.display_name, user.email, user.phone)


def active_users(session: Session, role: str | None = None, desk: str | None = None) -> list[Recipient]:
    """Active people (never service accounts) holding `role` and/or sitting at `desk`, by login id.
    The directory is small (people, not startups), so roles and desks are filtered here."""
    users = session.exec(select(User).where(col(User.active).is_(True), User.kind != "service")
                         .order_by(col(User.login_id))).all()
    return [_recipient(u) for u in users
            if (role is None or role in u.roles) and (desk is None or desk in u.desks)]


def users_of_brn(session: Session, brn: str) -> list[Recipient]:
    """The active people bound to one company (its representative and colleagues): never someone
    who merely typed its number."""
    bound = bound_user_ids(session, brn)
    users = session.exec(select(User).where(col(User.id).in_(bound), col(User.active).is_(True),
                                            User.kind == "startup").order_by(col(User.login_id))).all()
    return [_recipient(u) for u in users]


def resolve_recipient(session: Session, recipient: str, brn: str | None = None) -> list[Recipient]:
    """A policy's recipient (domain.program.Recipient: "startup", a role or a desk) as people."""
    if recipient == "startup":
        return users_of_brn(session, brn) if brn else []
    if recipient in DESKS:
        return active_users(session, desk=recipient)
    if recipient in PERSON_ROLES:
        return active_users(session, role=recipient)
    raise ValueError(f"unknown recipient {recipient!r}")
