"""Dependencies: settings, the database session, the Temporal client and the caller's identity."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.errors import ApiError
from api.oidc import InvalidToken, actor_from_jwt, looks_like_jwt
from axflow.config import Settings
from domain.phases import Role
from domain.state import Actor
from store.db import release
from store.tokens import find_token

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


async def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> AsyncIterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


async def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


async def current_actor(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    throttle = request.app.state.auth_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)
    if credentials is None or credentials.scheme.lower() != "bearer":
        throttle.failed(client)
        raise ApiError("unauthorized", "missing bearer token")
    settings: Settings = request.app.state.settings
    if settings.oidc_jwks_url and looks_like_jwt(credentials.credentials):
        try:
            # Fetching the JWKS is blocking network I/O: off the event loop.
            actor = await run_in_threadpool(actor_from_jwt, credentials.credentials, settings)
        except InvalidToken as err:
            throttle.failed(client)
            raise ApiError("unauthorized", f"invalid single sign-on token: {err}") from None
        request.state.actor = actor
        return actor
    row = find_token(session, credentials.credentials)
    release(session)
    if row is None:
        throttle.failed(client)
        raise ApiError("unauthorized", "unknown, revoked or expired token")
    actor = Actor(id=row.name, name=row.name, role=Role(row.role), brn=row.brn)
    request.state.actor = actor
    return actor


SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
