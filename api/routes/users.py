"""The user directory for admins: add people and service accounts, change roles and desks,
disable (ending every session and token at once), and issue API tokens that belong to a user
(the shapes and answers: api/services/users.py)."""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.services.users import RolesUpdate, TokenCreate, TokenCreated, UserCreate, UserPublic, public, refused
from store import second_factor
from store.accounts import end_sessions
from store.db import release
from store.tokens import issue_token
from store.user_tables import User
from store.users import DirectoryError, create_user, disable_user, get_user, list_users, set_roles

router = APIRouter(prefix="/users", tags=["users"], responses=ERROR_RESPONSES)


def _user(session: SessionDep, user_id: str) -> User:
    user = get_user(session, user_id)
    if user is None:
        raise ApiError("not_found", f"unknown user {user_id!r}")
    return user


@router.get("", response_model=list[UserPublic])
async def users(session: SessionDep, _: Authorized) -> list[UserPublic]:
    found = [public(u) for u in list_users(session)]
    release(session)
    return found


@router.post("", status_code=201, response_model=UserPublic)
async def add_user(body: UserCreate, session: SessionDep, admin: Authorized) -> UserPublic:
    release(session)
    try:
        # A startup user an admin makes is bound to its company by that admin's approval, recorded.
        user = create_user(session, **body.model_dump(exclude={"password"}),
                           password=body.password.get_secret_value() if body.password else None, bound_by=admin.id)
    except DirectoryError as err:
        raise refused(err) from None
    return public(user)


@router.get("/{user_id}", response_model=UserPublic)
async def one_user(user_id: str, session: SessionDep, _: Authorized) -> UserPublic:
    return public(_user(session, user_id))


@router.put("/{user_id}/roles", response_model=UserPublic)
async def change_roles(user_id: str, body: RolesUpdate, session: SessionDep, _: Authorized) -> UserPublic:
    user = _user(session, user_id)
    try:
        return public(set_roles(session, user, body.roles, body.desks))
    except DirectoryError as err:
        raise refused(err) from None


@router.post("/{user_id}/disable", response_model=UserPublic)
async def disable(user_id: str, session: SessionDep, _: Authorized) -> UserPublic:
    """Disable the user: every session and token of theirs gets 401 from the next call on."""
    return public(disable_user(session, _user(session, user_id)))


@router.post("/{user_id}/second-factor/reset", response_model=UserPublic)
async def reset_second_factor(user_id: str, session: SessionDep, admin: Authorized) -> UserPublic:
    """For someone who lost both their authenticator and their recovery codes: the factor and the
    codes go, every session of theirs ends, and a person who must have one sets it up again at the
    next sign-in. Never one's own (another admin does it)."""
    user = _user(session, user_id)
    if user.id == admin.id:
        raise ApiError("forbidden", "another admin resets your second factor (본인의 2단계 인증은 다른 관리자가 "
                       "초기화합니다)", {"rule": "not_yourself"})
    release(session)
    second_factor.remove(session, user)
    end_sessions(session, user.id, datetime.now(UTC))
    return public(user)


@router.post("/{user_id}/tokens", status_code=201, response_model=TokenCreated)
async def add_token(user_id: str, body: TokenCreate, session: SessionDep, _: Authorized) -> TokenCreated:
    """A token for this user, shown once: in one role, or in any of theirs (X-Axflow-Role)."""
    user = _user(session, user_id)
    try:
        token = issue_token(session, user, body.role, body.name,
                            timedelta(days=body.expires_days) if body.expires_days else None)
    except ValueError as err:
        raise ApiError("validation_error", str(err), [{"field": "role", "rule": "held", "message": str(err)}]) from None
    return TokenCreated(token=token, user_id=user.id, role=body.role.value if body.role else None)
