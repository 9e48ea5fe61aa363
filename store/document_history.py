"""Which actions used which bytes: the hook the verify endpoint, the archive manifest and
`axflow documents verify` ask.

Actions that rely on documents carry `DocumentRef`s (id + SHA-256) in their Update payload; the
workflow records them in the transition's details, which the read model projects into the audit
table. An application's proposal is pinned by the apply Update; the document row records that
application as its use. A document no action used is answered from its row (uploader, time).
To answer from Temporal's raw history instead, replace the bodies of `actions_using_hash` and
`hashes_in_history`: their callers need nothing else.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast
from sqlmodel import Session, col, select

from store.db import as_utc
from store.documents import Document
from store.tables import AuditEvent


@dataclass(frozen=True)
class ActionUse:
    startup_id: str
    seq: int
    action: str
    at: datetime
    actor_id: str
    role: str
    document_id: str


def refs_in(details: Any) -> Iterator[tuple[str, str]]:
    """(document id, sha256) of every document reference anywhere inside a transition's details."""
    if isinstance(details, dict):
        if isinstance(details.get("id"), str) and isinstance(details.get("sha256"), str):
            yield details["id"], details["sha256"]
        for value in details.values():
            yield from refs_in(value)
    elif isinstance(details, list):
        for value in details:
            yield from refs_in(value)


def actions_using_hash(session: Session, sha256: str) -> list[ActionUse]:
    """HOOK (history-based answer): every recorded action whose details pin these bytes."""
    query = select(AuditEvent).where(cast(AuditEvent.details, Text).contains(sha256)).order_by(col(AuditEvent.id))
    uses = []
    for event in session.exec(query).all():
        for document_id, pinned in refs_in(event.details):
            if pinned == sha256:
                uses.append(ActionUse(event.startup_id, event.seq, event.action, as_utc(event.at), event.actor_id,
                                      event.role, document_id))
    return sorted(uses + _applications_pinning(session, sha256), key=lambda use: (use.at, use.startup_id, use.seq))


def _applications_pinning(session: Session, sha256: str) -> list[ActionUse]:
    """The applications whose proposal is these bytes. The apply Update carried the proposal's
    ref (id + hash: Temporal's history pins it) and the API marked the document as used by that
    application once the Update was accepted; the apply transition's recorded details do not
    repeat the ref, so the use is dated by that transition."""
    rows = session.exec(select(Document).where(Document.sha256 == sha256, Document.kind == "proposal",
                                               Document.referenced_by == "apply")).all()
    uses = []
    for row in rows:
        applied = session.exec(select(AuditEvent).where(AuditEvent.startup_id == row.startup_id,
                                                        AuditEvent.action == "apply")
                               .order_by(col(AuditEvent.seq))).first()
        if applied is not None:
            uses.append(ActionUse(row.startup_id, applied.seq, applied.action, as_utc(applied.at), applied.actor_id,
                                  applied.role, row.id))
    return uses


def hashes_in_history(session: Session) -> dict[str, set[str]]:
    """HOOK: document id → every SHA-256 that recorded actions pinned for it."""
    pinned: dict[str, set[str]] = {}
    query = select(AuditEvent.details).where(cast(AuditEvent.details, Text).contains('"sha256"'))
    for details in session.exec(query).all():
        for document_id, sha256 in refs_in(details):
            pinned.setdefault(document_id, set()).add(sha256)
    return pinned
