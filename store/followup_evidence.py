"""The program officer's evidence on a flagged follow-up year: a note and documents pinned by the
SHA-256 of their bytes, for a year the public registers did not bear out (a mismatch) or found the
company closed or suspended. Written by api/services/outcome_checks.py, each with a row in the
audit chain (its own chain, `followup-evidence:{brn}`), and read with the program's outcomes.

A read-model record, not a workflow's: the flagged year has been recorded by the FollowUp workflow
by the time the officer looks at it, and its follow-up has often ended (a one-year follow-up, a
closed company) or moved on to the next year's run, so there is no running execution whose
records an Update could still change (docs/followup.md says more)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, func, select
from sqlmodel import Field, Session, SQLModel, col
from sqlmodel import select as sqlmodel_select

from domain.documents import DocumentRef
from domain.state import Actor
from store.db import begin_write


class FollowUpEvidenceRow(SQLModel, table=True):
    """One attachment by an officer to one company's year of one program (several may be attached)."""

    __tablename__ = "followup_evidence"
    __table_args__ = (Index("ix_followup_evidence_program", "program_id", "brn", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    brn: str = Field(max_length=10)
    program_id: str = Field(max_length=64)
    year: int
    note: str = Field(max_length=500)
    # DocumentRef dumps (id, sha256, kind, filename): the bytes the officer looked at.
    documents: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    attached_by: str = Field(max_length=200)
    attached_by_name: str = Field(max_length=200)
    attached_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    request_id: str | None = Field(default=None, max_length=64)


ACTION = "attach-flag-evidence"


def audit_chain(brn: str) -> str:
    """The audit chain of the evidence on a company's follow-up years: apart from its lifecycles'
    (whose rows each lifecycle numbers), and not a workflow's id, so the audit check's anchor query
    finds no workflow for it (unanchored) instead of asking the follow-up workflow for a lifecycle's state."""
    return f"followup-evidence:{brn}"


def add_evidence(session: Session, key: bytes, *, brn: str, program_id: str, year: int, phase: str, note: str,
                 documents: list[DocumentRef], actor: Actor, at: datetime, request_id: str | None) -> FollowUpEvidenceRow:
    """Record the evidence and its audit row in one transaction (the chain held while appending)."""
    from store import audit  # store.tables imports this module for its table: import the chain's at use
    from store.tables import AuditEvent

    begin_write(session)
    row = FollowUpEvidenceRow(brn=brn, program_id=program_id, year=year, note=note,
                              documents=[ref.model_dump(mode="json") for ref in documents], attached_by=actor.id,
                              attached_by_name=actor.name, attached_at=at, request_id=request_id)
    audit.lock_chain(session)
    chain = audit_chain(brn)
    seq = (session.execute(select(func.max(col(AuditEvent.seq))).where(col(AuditEvent.startup_id) == chain)).scalar() or 0) + 1
    fields: dict[str, Any] = {
        "startup_id": chain, "program_id": program_id, "seq": seq, "at": at, "actor_id": actor.id,
        "actor_name": actor.name, "role": actor.role.value, "action": ACTION, "reason": note, "from_phase": phase,
        "to_phase": phase, "request_id": request_id,
        "details": {"year": year, "documents": row.documents}, "prev_hash": audit.chain_head(session),
        "hash_scheme": audit.KEYED}
    fields["hash"] = audit.row_hash(fields["prev_hash"], fields, key)
    session.add(AuditEvent(**fields))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def evidence_of(session: Session, program_id: str) -> list[FollowUpEvidenceRow]:
    """The program's evidence, oldest first."""
    return list(session.exec(sqlmodel_select(FollowUpEvidenceRow).where(FollowUpEvidenceRow.program_id == program_id)
                             .order_by(col(FollowUpEvidenceRow.id))).all())
