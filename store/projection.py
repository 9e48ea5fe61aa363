"""Apply one projection from a lifecycle: upsert the startup row (newer versions only), append
its audit rows to the chain, its money movements to the ledger and its notification events to
the dispatcher's queue. Idempotent: a retried activity writes nothing twice."""

from datetime import UTC, datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from domain.io import Projection
from domain.state import AuditAnchor, StartupState
from store import audit
from store.db import table_of
from store.document_history import refs_in
from store.documents import mark_referenced
from store.expenses import project_expenses
from store.notifications import record_event
from store.tables import AuditEvent, LedgerEntry, StartupRow
from store.work_items import replace_work_items


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
    # One UPDATE guarded by the version (an older projection arriving late changes nothing);
    # the row is inserted only when there is none. The stored state is never read back.
    table, fields = table_of(StartupRow), row_fields(state)
    updated = session.exec(update(table).where(
        table.c.startup_id == state.startup_id, table.c.version < state.version).values(**fields))
    fresh = updated.rowcount > 0
    if not fresh and session.execute(
            select(table.c.startup_id).where(table.c.startup_id == state.startup_id)).first() is None:
        session.execute(insert(table).values(startup_id=state.startup_id, **fields))
        fresh = True
    if fresh:  # the inboxes follow the newest state only
        replace_work_items(session, state)
    if projection.transitions:
        recorded = set(session.exec(
            select(AuditEvent.seq).where(AuditEvent.startup_id == state.startup_id)
        ).all())
        head = audit.chain_head(session)
        for t in projection.transitions:
            if t.seq in recorded:
                continue
            head = audit.append(session, AuditEvent(
                startup_id=state.startup_id, program_id=state.program_id, seq=t.seq, at=t.at,
                actor_id=t.actor_id, actor_name=t.actor_name, role=t.role.value, action=t.action,
                reason=t.reason, from_phase=t.from_phase.value, to_phase=t.to_phase.value,
                request_id=t.request_id, details=t.details, prev_hash="", hash="",
            ), head, audit_key)
    for t in projection.transitions:
        pinned = [document_id for document_id, _ in refs_in(t.details)]
        if pinned:  # a document an action relied on is kept for good (cleanup never deletes it)
            mark_referenced(session, pinned, t.action, t.at)
    project_expenses(session, state, projection.transitions)
    for event in projection.events:  # the outbox: kept with the change that caused it
        record_event(session, event, dispatched=True)
    for move in projection.ledger:
        if session.exec(select(LedgerEntry.id).where(LedgerEntry.key == move.key)).first() is None:
            session.add(LedgerEntry(
                key=move.key, program_id=state.program_id, startup_id=state.startup_id, brn=state.brn,
                stage=state.stage.value, kind=move.kind, tranche=move.tranche, amount=move.amount, at=move.at,
            ))
    session.flush()
    last = session.exec(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.startup_id == state.startup_id)
                        .order_by(col(AuditEvent.seq).desc()).limit(1)).first()
    session.commit()
    return AuditAnchor(count=last[0], last_hash=last[1]) if last else None
