"""The hash chain of the audit table: how rows are hashed, appended and verified.

Each row holds the hash of the row before it (one chain over the whole table, in id order), so
an edited, inserted or removed row breaks the chain at the next one. Rows are keyed: the hash is
an HMAC-SHA256 with the audit key, which lives outside the database (store/audit_key.py), so
whoever can write the table cannot forge a matching hash. Rows written before the key (scheme 1,
plain SHA-256) still verify under their own scheme; after the first keyed row every row must be
keyed. What the chain cannot show, rows cut from its end, the workflows' anchors do
(store/audit_anchors.py)."""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from store.db import as_utc
from store.tables import AuditEvent

GENESIS = "0" * 64
UNKEYED = 1  # SHA-256 over the previous hash and the row (rows written before the audit key)
KEYED = 2  # HMAC-SHA256 with the audit key over the same bytes


def _canonical(prev_hash: str, row: AuditEvent) -> bytes:
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
    return (prev_hash + json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))).encode()


def row_hash(prev_hash: str, row: AuditEvent, key: bytes, scheme: int = KEYED) -> str:
    """The row's link in the chain under `scheme` (KEYED for every row written now)."""
    if scheme == UNKEYED:
        return hashlib.sha256(_canonical(prev_hash, row)).hexdigest()
    if scheme == KEYED:
        return hmac.new(key, _canonical(prev_hash, row), hashlib.sha256).hexdigest()
    raise ValueError(f"unknown audit hash scheme {scheme}")


def lock_chain(session: Session) -> None:
    """Serialize appenders. SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs a lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(7710)"))  # type: ignore[call-overload]


def chain_head(session: Session) -> str:
    last = session.exec(select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    return last or GENESIS


def append(session: Session, row: AuditEvent, prev_hash: str, key: bytes) -> str:
    row.prev_hash, row.hash_scheme = prev_hash, KEYED
    row.hash = row_hash(prev_hash, row, key)
    session.add(row)
    return row.hash


# What goes wrong, in these words (the console shows each in the page's language, audit_views.py).
PREV_MISMATCH = "prev_hash does not match the row before"
ALTERED = "content does not match its hash (row altered)"
DOWNGRADED = "an unkeyed row after keyed rows (rewritten without the key)"
UNKNOWN_SCHEME = "unknown hash scheme"


@dataclass
class Truncation:
    """A startup's chain is shorter than what was recorded for it (`source`: "read model" for the
    startup row's transition count, "temporal" for the anchor its workflow holds)."""

    startup_id: str
    expected: int
    found: int
    source: str
    problem: str = "rows missing at the end"


@dataclass
class ChainReport:
    ok: bool
    rows: int
    first_broken_id: int | None = None
    problem: str | None = None
    keyed_rows: int = 0
    startups_checked: int = 0
    anchors_checked: int = 0
    truncations: list[Truncation] = field(default_factory=list)
    # Startups whose workflow could not be asked (no worker up, past retention): not proven either way.
    unanchored: list[str] = field(default_factory=list)


def verify_chain(session: Session, key: bytes, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in id order: each link, each row's hash under its scheme."""
    prev, count, keyed = GENESIS, 0, 0
    last_id: int | None = 0  # then the last row's id (a stored row always has one)
    while True:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.id) > last_id).order_by(col(AuditEvent.id)).limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, rows=count, keyed_rows=keyed)
        for row in rows:
            if row.prev_hash != prev:
                return ChainReport(False, count, row.id, PREV_MISMATCH, keyed)
            if row.hash_scheme not in (UNKEYED, KEYED):
                return ChainReport(False, count, row.id, UNKNOWN_SCHEME, keyed)
            if keyed and row.hash_scheme == UNKEYED:
                return ChainReport(False, count, row.id, DOWNGRADED, keyed)
            if not hmac.compare_digest(row_hash(prev, row, key, row.hash_scheme), row.hash):
                return ChainReport(False, count, row.id, ALTERED, keyed)
            keyed += row.hash_scheme == KEYED
            prev, count, last_id = row.hash, count + 1, row.id
