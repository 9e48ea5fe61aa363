"""What a person judging a startup reads: the proposal and every document the startup (or staff
for it) submitted, each with its kind, size, upload time, SHA-256 and the uploader by name. The
score sheet, the startup's page and the judging actions' forms show the same list
(console/submitted_documents.html), one click from each file."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from store.db import as_utc
from store.documents import Document, documents_of
from store.people import people_names


@dataclass(frozen=True)
class SubmittedDocument:
    document: Document
    uploader_name: str  # the person's name; their id when the directory no longer knows them
    uploaded_at: datetime  # in UTC, whatever the database hands back


def submitted_documents(session: Session, startup_id: str) -> list[SubmittedDocument]:
    """The startup's documents, the proposal first, then in upload order."""
    rows = list(documents_of(session, startup_id))
    names = people_names(session, {row.uploader_id for row in rows})
    rows.sort(key=lambda row: (row.kind != "proposal", as_utc(row.uploaded_at), row.id))
    return [SubmittedDocument(row, names.get(row.uploader_id, row.uploader_id), as_utc(row.uploaded_at))
            for row in rows]
