"""The hash chain of the audit table: how rows are hashed, appended and verified."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from store.db import as_utc
from store.tables import AuditEvent

GENESIS = "0" * 64


def row_hash(prev_hash: str, row: AuditEvent) -> str:
    """SHA-256 over the previous hash and the row's content in a canonical JSON form."""
    content: dict[str, Any] = {
        "startup_id": row.startup_id,
        "program_id": row.program_id,
        "seq": row.seq,
        "at": as_utc(row.at).isoformat(),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "role": row.role,
        "action": row.action,
        "reason": row.reason,
        "from_phase": row.from_phase,
        "to_phase": row.to_phase,
        "request_id": row.request_id,
        "details": row.details,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def lock_chain(session: Session) -> None:
    """Serialize appenders. SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs a lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(7710)"))  # type: ignore[call-overload]


def chain_head(session: Session) -> str:
    last = session.exec(select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    return last or GENESIS


def append(session: Session, row: AuditEvent, prev_hash: str) -> str:
    row.prev_hash = prev_hash
    row.hash = row_hash(prev_hash, row)
    session.add(row)
    return row.hash


@dataclass
class ChainReport:
    ok: bool
    rows: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.id) > last_id).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, rows=count)
        for row in rows:
            if row.prev_hash != prev:
                return ChainReport(False, count, row.id, "prev_hash does not match the row before")
            if row_hash(prev, row) != row.hash:
                return ChainReport(False, count, row.id, "content does not match its hash (row altered)")
            prev, count, last_id = row.hash, count + 1, row.id
