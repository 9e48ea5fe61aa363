"""The review panel (심의위원회) a program names, changed while it runs: the program's definition row
gets the new `appeals.panel` and an audit row records who changed it from what to what, in one
transaction. The chain is the program's own (`appeal-panel:{program_id}`), no workflow's id, so the
audit check finds no workflow to ask for an anchor and lists it unanchored, as the officer's
evidence on a follow-up year is (store/followup_evidence.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from domain.state import Actor
from store.db import begin_write
from store.tables import AuditEvent, ProgramRow

ACTION = "set-appeal-panel"


def audit_chain(program_id: str) -> str:
    return f"appeal-panel:{program_id}"


def set_panel(session: Session, key: bytes, row: ProgramRow, panel: list[str], *, reason: str, actor: Actor,
              at: datetime, request_id: str | None) -> list[str]:
    """Name the program's panel and keep the audit row; the panel it replaced is answered."""
    from store import audit  # store.audit imports the tables: import the chain's helpers at use

    begin_write(session)  # the row is read again under the write lock: a panel named meanwhile is kept
    definition: dict[str, Any] = dict(row.definition)
    appeals = dict(definition.get("appeals") or {})
    before = list(appeals.get("panel") or [])
    appeals["panel"] = panel
    row.definition = definition | {"appeals": appeals}  # a new dict, so the JSON column is written
    audit.lock_chain(session)
    chain = audit_chain(row.id)
    seq = (session.execute(select(func.max(col(AuditEvent.seq))).where(col(AuditEvent.startup_id) == chain))
           .scalar() or 0) + 1
    fields: dict[str, Any] = {
        "startup_id": chain, "program_id": row.id, "seq": seq, "at": at, "actor_id": actor.id,
        "actor_name": actor.name, "role": actor.role.value, "action": ACTION, "reason": reason,
        "from_phase": "", "to_phase": "", "request_id": request_id,
        "details": {"panel_before": before, "panel": panel}, "prev_hash": audit.chain_head(session),
        "hash_scheme": audit.KEYED}
    fields["hash"] = audit.row_hash(fields["prev_hash"], fields, key)
    session.add(AuditEvent(**fields))
    session.add(row)
    session.commit()
    return before
