"""Idempotency keys of actions: what each key was first used for, and the answer it got.

Temporal already runs an Update of a given id at most once per workflow run, and the API uses the
client's `Idempotency-Key` as that id. Two things Temporal cannot do are kept here:
- refuse a key reused for another action or body (Temporal would silently answer the first
  Update's result), which needs the first request's fingerprint, race-free across API replicas
  (the primary key decides which of two concurrent first uses wins);
- answer a retry that arrives after the lifecycle continued as new, when the new run no longer
  knows the Update id, with the answer stored when the first request completed.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from store.db import session_scope


class IdempotentRequest(SQLModel, table=True):
    __tablename__ = "idempotent_request"

    # A key belongs to one caller on one startup: keys of different callers or startups never meet.
    startup_id: str = Field(primary_key=True, max_length=100)
    actor_id: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=255)
    action: str = Field(max_length=40)
    # SHA-256 of the action and the validated body: what the key was first used for.
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The first request's answer (the lifecycle's state after the action), once it completed.
    answer: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


def fingerprint(action: str, body: dict[str, Any]) -> str:
    canonical = json.dumps({"action": action, "body": body}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class KeyReused(Exception):
    """The key was first used for another request (`action` is the first request's action)."""

    action: str


def claim(engine: Engine, startup_id: str, actor_id: str, key: str, action: str,
          digest: str) -> dict[str, Any] | None:
    """Bind `key` to this request, or find it bound already. Returns the stored answer of an earlier,
    completed request with the same fingerprint (None when there is none yet); raises KeyReused
    when the key was first used for a different request."""
    with session_scope(engine) as session:
        session.add(IdempotentRequest(startup_id=startup_id, actor_id=actor_id, key=key, action=action,
                                      fingerprint=digest, created_at=datetime.now(UTC)))
        try:
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        first = session.get(IdempotentRequest, (startup_id, actor_id, key))
    if first is None:  # pragma: no cover - a row is never deleted
        return None
    if first.fingerprint != digest:
        raise KeyReused(first.action)
    return first.answer


def record_answer(engine: Engine, startup_id: str, actor_id: str, key: str, answer: dict[str, Any]) -> None:
    # A retry stores the same answer again (it is the same Update's result): harmless.
    with session_scope(engine) as session:
        session.execute(update(IdempotentRequest).where(
            col(IdempotentRequest.startup_id) == startup_id, col(IdempotentRequest.actor_id) == actor_id,
            col(IdempotentRequest.key) == key).values(answer=answer))
        session.commit()
