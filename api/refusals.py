"""Refused actions, kept for auditors (Temporal history has no trace of a refused Update)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import structlog
from sqlalchemy import Engine

from api.errors import ApiError
from domain.state import Actor
from store.db import session_scope
from store.tables import RefusedAttempt

log = structlog.get_logger()


@contextmanager
def refusals_recorded(engine: Engine, actor: Actor, action: str, request_id: str | None,
                      startup_id: str | None = None, program_id: str | None = None) -> Iterator[None]:
    try:
        yield
    except ApiError as err:
        if program_id is None and startup_id and startup_id.count(":") == 2:
            program_id = startup_id.split(":")[1]
        with session_scope(engine) as session:
            session.add(RefusedAttempt(
                at=datetime.now(UTC), startup_id=startup_id, program_id=program_id, actor_id=actor.id,
                role=actor.role.value, action=action, code=err.code, message=err.message, details=err.details,
                request_id=request_id,
            ))
            session.commit()
        log.info("refused", action=action, code=err.code, startup_id=startup_id)
        raise
