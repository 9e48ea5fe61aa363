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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, insert, text
from sqlmodel import Session, col, select

from domain.state import AuditAnchor, StartupState, Transition
from store.db import as_utc, table_of
from store.tables import AuditEvent

GENESIS = "0" * 64
UNKEYED = 1  # SHA-256 over the previous hash and the row (rows written before the audit key)
KEYED = 2  # HMAC-SHA256 with the audit key over the same bytes


# What a row's hash covers (besides the previous hash): its content, not its id or chain fields.
HASHED = ("startup_id", "program_id", "seq", "at", "actor_id", "actor_name", "role", "action", "reason",
          "from_phase", "to_phase", "request_id", "details")


def _canonical(prev_hash: str, row: AuditEvent | Mapping[str, Any]) -> bytes:
    """The bytes hashed: a stored row, or the column values of a row about to be inserted."""
    values = row if isinstance(row, Mapping) else {name: getattr(row, name) for name in HASHED}
    content = {name: values[name] for name in HASHED} | {"at": as_utc(values["at"]).isoformat()}
    return (prev_hash + json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))).encode()


def row_hash(prev_hash: str, row: AuditEvent | Mapping[str, Any], key: bytes, scheme: int = KEYED) -> str:
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


# Built once (the projection runs them for every change; see store/projection.py).
_AUDIT = table_of(AuditEvent)
_HEAD = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)
# A startup's rows (seq, hash), each with the chain's head (the hash the next row links to).
_CHAIN_OF = (select(_AUDIT.c.seq, _AUDIT.c.hash, _HEAD.scalar_subquery().label("head"))
             .where(_AUDIT.c.startup_id == bindparam("chain_of")))
_INSERT = insert(_AUDIT)


def chain_head(conn: Connection | Session) -> str:
    """The hash the next row links to (of the last row written, whoever's)."""
    last: str | None = conn.execute(_HEAD).scalar()
    return last or GENESIS


def append_transitions(conn: Connection, state: StartupState, transitions: Sequence[Transition],
                       key: bytes) -> AuditAnchor | None:
    """Append the startup's transitions not recorded yet to the chain (keyed), in one INSERT, and
    return where the startup's chain then ends: its highest seq and that row's hash. One read
    before: the startup's rows (seq, hash), each with the chain's head beside it (a startup's first
    rows read the head on their own). The caller holds the chain (lock_chain) for its transaction,
    so nothing else appends in between."""
    chain: dict[int, str] = {}
    head: str | None = None
    for seq, hash_, head_now in conn.execute(_CHAIN_OF, {"chain_of": state.startup_id}):
        chain[seq], head = hash_, head_now
    rows: list[dict[str, Any]] = []
    for t in transitions:
        if t.seq in chain:
            continue
        if head is None:
            head = chain_head(conn)
        row: dict[str, Any] = {
            "startup_id": state.startup_id, "program_id": state.program_id, "seq": t.seq, "at": t.at,
            "actor_id": t.actor_id, "actor_name": t.actor_name, "role": t.role.value, "action": t.action,
            "reason": t.reason, "from_phase": t.from_phase.value, "to_phase": t.to_phase.value,
            "request_id": t.request_id, "details": t.details, "prev_hash": head, "hash_scheme": KEYED}
        row["hash"] = head = chain[t.seq] = row_hash(head, row, key)
        rows.append(row)
    if rows:
        conn.execute(_INSERT, rows)
    if not chain:
        return None
    last = max(chain)
    return AuditAnchor(count=last, last_hash=chain[last])


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
