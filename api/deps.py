"""Dependencies: settings, the database session, the Temporal client and the caller's identity
(a person or service account from the user directory, acting in one of their roles)."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from api import sessions
from api.errors import ApiError
from api.oidc import InvalidToken, directory_user, looks_like_jwt, verify_jwt
from api.throttle import SigninThrottle, client_address
from api.token_cache import TokenCache, TokenHolder
from axflow.config import Settings
from domain.phases import Role
from domain.state import Actor
from store.company_binding import stored_bound_brn
from store.db import release
from store.tokens import token_user

# A query needs a worker to answer it; with none up, reads fall back to the read model quickly.
QUERY_TIMEOUT = timedelta(seconds=3)
# An Update waits for a worker to validate and apply it; with none up for this long, 503.
UPDATE_TIMEOUT = timedelta(seconds=25)

bearer = HTTPBearer(auto_error=False, description="An axflow API token (`axflow token create`).")


# Every dependency is `async def`: FastAPI runs a plain `def` dependency on a worker thread, and
# those hops cost more than the quick reads they would wrap (measured in BENCHMARKS.md).


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    # The engine read here, not through `get_engine`: one dependency less to solve per request.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


async def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


ROLE_HEADER = "X-Axflow-Role"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Person(Protocol):
    """Who acts: a user from the directory, or a token's holder remembered by the token cache."""

    @property
    def id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def roles(self) -> list[str]: ...


def acting_role(user: Person, requested: str | None, default: str | None, fixed: str | None = None) -> Role:
    """The one role a person acts in for this request: the X-Axflow-Role header if they hold it,
    else the token's fixed role or the session's chosen one, else their first role. Recorded on
    every transition; four-eyes compares the user id, so switching roles never gets around it."""
    if fixed is not None and fixed not in user.roles:
        raise ApiError("unauthorized", "this token's role is no longer held by its user")
    if requested:
        if requested not in user.roles or (fixed is not None and requested != fixed):
            raise ApiError("forbidden", f"you may not act as {requested!r} (요청한 역할로 활동할 수 없습니다)",
                           {"rule": "role_choice", "your_roles": [fixed] if fixed else user.roles})
        return Role(requested)
    chosen = fixed or (default if default in user.roles else None) or user.roles[0]
    return Role(chosen)


def actor_of(session: Session, user: Person, role: Role) -> Actor:
    """The caller as the history records them. A startup user acts for the company they are bound
    to (store/company_binding.py), never the number they typed at sign-up: unbound, their brn is
    None, which no lifecycle, document or listing matches."""
    company = stored_bound_brn(session, user.id) if role is Role.STARTUP else None
    return Actor(id=user.id, name=user.display_name, role=role, brn=company)


async def current_actor(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The caller as an Actor, from a bearer token (API clients) or a session cookie (browsers).
    A valid token or live session is never throttled: only a bad token counts against its client
    address, and past the limit a bad one is answered 429 instead of 401 (api/throttle.py)."""
    throttle: SigninThrottle = request.app.state.auth_throttle
    client = client_address(request)
    settings: Settings = request.app.state.settings
    requested = request.headers.get(ROLE_HEADER)
    if credentials is not None and credentials.scheme.lower() == "bearer":
        if settings.oidc_jwks_url and looks_like_jwt(credentials.credentials):
            try:
                # Fetching the JWKS is blocking network I/O: off the event loop.
                claims = await run_in_threadpool(verify_jwt, credentials.credentials, settings)
                release(session)
                user, role = directory_user(session, claims, settings)
            except InvalidToken as err:
                bad_token(request, throttle, client)
                raise ApiError("unauthorized", f"invalid single sign-on token: {err}") from None
            actor = actor_of(session, user, acting_role(user, requested, role.value, fixed=role.value))
            release(session)
        else:
            holder = token_holder(request, session, credentials.credentials)
            if holder is None:
                bad_token(request, throttle, client)
                raise ApiError("unauthorized", "unknown, revoked or expired token")
            actor = actor_of(session, holder, acting_role(holder, requested, None, fixed=holder.fixed_role))
            if session.in_transaction():  # a staff token found in the cache read nothing: nothing to end
                release(session)
    elif sessions.COOKIE in request.cookies:
        at = sessions.now(request)
        found_session = sessions.load(session, request.cookies[sessions.COOKIE], at, settings)
        if found_session is None:  # a lapsed session is not a guess: not counted
            release(session)
            raise ApiError("unauthorized", "your session has ended; sign in again (세션이 종료되었습니다)")
        row, user = found_session
        if request.method not in SAFE_METHODS and not sessions.same(request.headers.get(sessions.CSRF_HEADER),
                                                                     row.csrf_token):
            release(session)
            raise ApiError("forbidden", "a write from a browser session needs its CSRF token (X-CSRF-Token)",
                           {"rule": "csrf"})
        sessions.touch(session, row, at)
        actor = actor_of(session, user, acting_role(user, requested, row.role))
        release(session)
    else:
        raise ApiError("unauthorized", "missing bearer token or session")
    request.state.actor = actor
    return actor


def token_holder(request: Request, session: Session, token: str) -> TokenHolder | None:
    """The live token's owner: from the token cache, else read (and remembered)."""
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    if cache is None:
        cache = request.app.state.token_cache = TokenCache()
    holder = cache.get(token)
    if holder is not None:
        return holder
    found = token_user(session, token)
    release(session)
    return None if found is None else cache.put(token, *found)


def bad_token(request: Request, throttle: SigninThrottle, client: str) -> None:
    """Count a bad token against its client address; past the limit, 429 with Retry-After."""
    at = sessions.now(request)
    throttle.refuse_if_over(throttle.address_limits(client), at)
    throttle.record(throttle.address_limits(client), at)


SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
