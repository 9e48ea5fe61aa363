"""Apply one projection from a lifecycle: upsert the startup row (never an older version), append
its audit rows to the chain, its money movements to the ledger and its notification events to
the dispatcher's queue. Idempotent: a retried activity writes nothing twice.

Every statement here is built once, at import, with bound parameters, and run on the session's
connection: SQLAlchemy then finds each one's compiled form in its cache at once, where building a
statement for every projection cost more of the worker's CPU than SQLite's work on it."""

from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlmodel import Session

from domain.io import Projection
from domain.state import AuditAnchor, StartupState
from store import audit
from store.db import table_of
from store.document_history import refs_in
from store.documents import mark_referenced
from store.expenses import project_expenses
from store.notifications import record_event
from store.tables import LedgerEntry, StartupRow
from store.work_items import replace_work_items

_STARTUP = table_of(StartupRow)
_LEDGER = table_of(LedgerEntry)
# The row's columns are given by name at each run (row_fields); only the guard's are bound here.
# A same-version projection carries newer facts (the audit anchor, the next deadline, and the next
# projection's changes are relative to it), an older one arriving late changes nothing.
_UPDATE_ROW = update(_STARTUP).where(_STARTUP.c.startup_id == bindparam("row_id"),
                                     _STARTUP.c.version <= bindparam("row_version"))
_ROW_EXISTS = select(_STARTUP.c.startup_id).where(_STARTUP.c.startup_id == bindparam("row_id"))
_INSERT_ROW = insert(_STARTUP)
_LEDGER_HAS = select(_LEDGER.c.id).where(_LEDGER.c.key == bindparam("move_key"))
_INSERT_LEDGER = insert(_LEDGER)


def row_fields(state: StartupState) -> dict[str, object]:
    done = [m for m in state.milestones if m.status == "accepted"]
    on_time = [m for m in done if m.submitted_at and m.submitted_at <= m.due_at]
    return {
        "program_id": state.program_id,
        "brn": state.brn,
        "company_name": state.company_name,
        "stage": state.stage.value,
        "phase": state.phase.value,
        "sector": state.sector,
        "region": state.region,
        "task_id": state.task_id,
        "overdue": state.overdue,
        "next_deadline_at": state.next_deadline.at if state.next_deadline else None,
        "applied_at": state.applied_at,
        "updated_at": datetime.now(UTC),
        "average_score": state.average_score,
        "paid_total": state.paid_total,
        "milestones_done": len(done),
        "milestones_on_time": len(on_time),
        "version": state.version,
        "state": state.model_dump(mode="json"),
    }


def apply_projection(session: Session, projection: Projection, audit_key: bytes) -> AuditAnchor | None:
    """Write it all in one transaction; returns where the startup's audit chain now ends."""
    state = projection.state
    audit.lock_chain(session)
    conn = session.connection()
    if _upsert_row(conn, state):  # the inboxes follow the newest state only
        replace_work_items(conn, state)
    anchor = audit.append_transitions(conn, state, projection.transitions, audit_key)
    for t in projection.transitions:
        pinned = [document_id for document_id, _ in refs_in(t.details)]
        if pinned:  # a document an action relied on is kept for good (cleanup never deletes it)
            mark_referenced(session, pinned, t.action, t.at)
    project_expenses(session, state, projection.transitions)
    for event in projection.events:  # the outbox: kept with the change that caused it
        record_event(session, event, dispatched=True)
    _write_ledger(conn, projection)
    session.flush()
    session.commit()
    return anchor


def _upsert_row(conn: Connection, state: StartupState) -> bool:
    """One UPDATE guarded by the version; the row inserted only when there is none (the stored state
    is never read back). Whether the row now holds this state."""
    fields = row_fields(state)
    if conn.execute(_UPDATE_ROW, {**fields, "row_id": state.startup_id, "row_version": state.version}).rowcount:
        return True
    if conn.execute(_ROW_EXISTS, {"row_id": state.startup_id}).first() is not None:
        return False
    conn.execute(_INSERT_ROW, {"startup_id": state.startup_id, **fields})
    return True


def _write_ledger(conn: Connection, projection: Projection) -> None:
    state = projection.state
    for move in projection.ledger:
        if conn.execute(_LEDGER_HAS, {"move_key": move.key}).first() is None:
            conn.execute(_INSERT_LEDGER, {
                "key": move.key, "program_id": state.program_id, "startup_id": state.startup_id, "brn": state.brn,
                "stage": state.stage.value, "kind": move.kind, "tranche": move.tranche, "amount": move.amount,
                "at": move.at})
