"""Documents' metadata, who downloaded them, and uploads refused by the virus scanner.

The bytes live in the blob store (store/storage.py) under their SHA-256; a row here says whose
document they are, who uploaded them and when. Two uploads of the same bytes are two rows over one
blob. Uploaders and downloaders are the authenticated actor's id, kept as a string.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, bindparam, update
from sqlmodel import Field, Session, SQLModel, col, select

from store.db import table_of


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Document(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_startup_uploaded", "startup_id", "uploaded_at"),)

    id: str = Field(primary_key=True, max_length=64)
    startup_id: str = Field(max_length=100)
    program_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=20)
    milestone: str | None = Field(default=None, max_length=64)
    uploader_id: str = Field(max_length=200)
    uploader_role: str = Field(max_length=32)
    uploaded_at: datetime = _utc()
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    type_name: str = Field(max_length=16)
    content_type: str = Field(max_length=100)
    sha256: str = Field(index=True, max_length=64)
    filename: str = Field(max_length=255)
    # Set when an action's Update carried this document: from then on it is never deleted.
    referenced: bool = Field(default=False, index=True)
    referenced_by: str | None = Field(default=None, max_length=200)
    referenced_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class DocumentDownload(SQLModel, table=True):
    """Every download, for auditors: who downloaded which document, when, alone or in an archive."""

    __tablename__ = "document_download"

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(index=True, max_length=64)
    startup_id: str = Field(index=True, max_length=100)
    actor_id: str = Field(index=True, max_length=200)
    role: str = Field(max_length=32)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    via: str = Field(default="single", max_length=16)
    request_id: str | None = Field(default=None, max_length=100)


class DocumentRefusal(SQLModel, table=True):
    """An upload the virus scanner flagged: refused and never stored, but remembered."""

    __tablename__ = "document_refusal"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    startup_id: str = Field(index=True, max_length=100)
    actor_id: str = Field(max_length=200)
    filename: str = Field(max_length=255)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    finding: str = Field(max_length=200)


def documents_of(session: Session, startup_id: str, kind: str | None = None) -> Sequence[Document]:
    query = select(Document).where(Document.startup_id == startup_id)
    if kind:
        query = query.where(Document.kind == kind)
    return session.exec(query.order_by(col(Document.uploaded_at), col(Document.id))).all()


def receipts_of_program(session: Session, program_id: str) -> Sequence[Document]:
    query = select(Document).where(Document.program_id == program_id, Document.kind == "receipt")
    return session.exec(query.order_by(col(Document.startup_id), col(Document.uploaded_at))).all()


def documents_with_hash(session: Session, sha256: str) -> Sequence[Document]:
    return session.exec(select(Document).where(Document.sha256 == sha256).order_by(col(Document.uploaded_at))).all()


# Built once: the projection runs it for every action that pins documents.
_DOCUMENTS = table_of(Document)
_MARK_REFERENCED = (update(_DOCUMENTS).where(_DOCUMENTS.c.id.in_(bindparam("ids", expanding=True)),
                                             _DOCUMENTS.c.referenced.is_(False))
                    .values(referenced=True, referenced_by=bindparam("by"), referenced_at=bindparam("on")))


def mark_referenced(session: Session, document_ids: Sequence[str], action: str, at: datetime) -> int:
    """Record that an action relied on these documents: they are kept for good. Part of the
    caller's transaction (the projection's); returns how many rows changed. Any of them the session
    has loaded is expired, to be read again with the change."""
    ids = list(document_ids)
    changed: int = session.connection().execute(_MARK_REFERENCED, {"ids": ids, "by": action, "on": at}).rowcount
    for loaded in [o for o in session.identity_map.values() if isinstance(o, Document) and o.id in ids]:
        session.expire(loaded)
    return changed


def expired_unreferenced(session: Session, days: int, now: datetime | None = None) -> Sequence[Document]:
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    return session.exec(select(Document).where(Document.referenced == False,  # noqa: E712
                                               col(Document.uploaded_at) < cutoff)).all()


def hash_in_use(session: Session, sha256: str) -> bool:
    return session.exec(select(Document.id).where(Document.sha256 == sha256).limit(1)).first() is not None
