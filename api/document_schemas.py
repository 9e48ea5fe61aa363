"""Request and response models of the document routes."""

from datetime import datetime

from pydantic import BaseModel

from domain.documents import DocumentKind
from store.db import as_utc
from store.document_history import ActionUse
from store.documents import Document


class ActionUsePublic(BaseModel):
    startup_id: str
    seq: int
    action: str
    at: datetime
    actor_id: str
    role: str
    actor_name: str = ""  # the person's name, as people read it (the id is for matching)

    @classmethod
    def of(cls, use: ActionUse, names: dict[str, str] | None = None) -> "ActionUsePublic":
        return cls(startup_id=use.startup_id, seq=use.seq, action=use.action, at=use.at, actor_id=use.actor_id,
                   role=use.role, actor_name=(names or {}).get(use.actor_id, ""))


class DocumentPublic(BaseModel):
    id: str
    startup_id: str
    kind: DocumentKind
    milestone: str | None
    filename: str
    size: int
    type: str
    content_type: str
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    # Whether an action's Update carried it (then it is kept for good), and which.
    referenced: bool
    referenced_by: str | None

    @classmethod
    def of(cls, row: Document) -> "DocumentPublic":
        return cls(id=row.id, startup_id=row.startup_id, kind=DocumentKind(row.kind), milestone=row.milestone,
                   filename=row.filename, size=row.size, type=row.type_name, content_type=row.content_type,
                   sha256=row.sha256, uploaded_by=row.uploader_id, uploaded_at=as_utc(row.uploaded_at),
                   referenced=row.referenced, referenced_by=row.referenced_by)


class DocumentList(BaseModel):
    items: list[DocumentPublic]


class Submission(BaseModel):
    """One upload of the bytes asked about, and the actions that relied on it."""

    document: DocumentPublic
    actions: list[ActionUsePublic]
    uploaded_by_name: str = ""  # the uploader's name (document.uploaded_by is the id)


class VerifyAnswer(BaseModel):
    sha256: str
    size: int
    ours: bool
    message: str
    submissions: list[Submission]


class DownloadRecord(BaseModel):
    document_id: str
    startup_id: str
    actor_id: str
    role: str
    at: datetime
    via: str
    request_id: str | None


class DownloadLog(BaseModel):
    items: list[DownloadRecord]
