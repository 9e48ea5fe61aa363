"""Keeping the documents honest: re-hash every stored file against its row and against the hashes
recorded in history, and delete uploads that no action ever used once they are old enough."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from store.document_history import hashes_in_history
from store.documents import Document, expired_unreferenced, hash_in_use
from store.storage import BlobStore


@dataclass(frozen=True)
class Mismatch:
    document_id: str
    filename: str
    problem: str

    def __str__(self) -> str:
        return f"{self.document_id} ({self.filename}): {self.problem}"


def rehash(store: BlobStore, sha256: str) -> str:
    digest = hashlib.sha256()
    for chunk in store.chunks(sha256):
        digest.update(chunk)
    return digest.hexdigest()


def verify_documents(session: Session, store: BlobStore) -> tuple[int, list[Mismatch]]:
    """(documents checked, every mismatch). Each blob is read once however many rows share it."""
    pinned = hashes_in_history(session)
    actual: dict[str, str | None] = {}
    found: list[Mismatch] = []
    rows = session.exec(select(Document).order_by(col(Document.uploaded_at), col(Document.id))).all()
    for row in rows:
        if row.sha256 not in actual:
            try:
                actual[row.sha256] = rehash(store, row.sha256)
            except FileNotFoundError:
                actual[row.sha256] = None
        now = actual[row.sha256]
        if now is None:
            found.append(Mismatch(row.id, row.filename, f"missing from {store.name} storage"))
        elif now != row.sha256:
            found.append(Mismatch(row.id, row.filename, f"stored bytes hash to {now}, the row says {row.sha256}"))
        for recorded in sorted(pinned.get(row.id, set()) - {row.sha256}):
            found.append(Mismatch(row.id, row.filename, f"history pinned {recorded}, the row says {row.sha256}"))
    return len(rows), found


def cleanup_unreferenced(session: Session, store: BlobStore, days: int, now: datetime | None = None) -> list[str]:
    """Delete uploads older than `days` that no action used (their rows, and their bytes unless
    another row still holds the same bytes). A referenced document is never touched."""
    deleted = []
    for row in expired_unreferenced(session, days, now):
        session.delete(row)
        session.commit()
        store.delete_if_unreferenced(row.sha256, lambda sha: hash_in_use(session, sha))
        deleted.append(row.id)
    return deleted
