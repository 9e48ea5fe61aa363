"""Documents: an upload received (streamed, hashed, type-checked, optionally virus-scanned) and
recorded, the blob store, which documents hold given bytes, and a company's documents. The API's
document routes and the console's and portal's upload forms and verification page call these."""

import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session, col, select

from activities.virus_scan import ScannerUnavailable, scan_file
from api.document_schemas import ActionUsePublic, DocumentPublic, DownloadRecord, Submission, VerifyAnswer
from api.errors import ApiError
from api.uploads import Upload, invalid, read_upload
from axflow.config import Settings
from axflow.programs import load_program
from domain.documents import ALLOWED_TYPES, DocumentKind, extension_contradicts
from domain.rule_ids import RuleId
from domain.state import Actor
from store.db import as_utc
from store.document_history import actions_using_hash
from store.document_types import detect
from store.documents import Document, DocumentDownload, DocumentRefusal, documents_with_hash
from store.people import people_names
from store.storage import BlobStore, StagedBlob, make_blob_store
from store.zip_limits import ZipRefused


def blob_store(request: Request) -> BlobStore:
    store = getattr(request.app.state, "blob_store", None)
    if store is None:
        store = request.app.state.blob_store = make_blob_store(request.app.state.settings)
    return store


async def receive_document(request: Request, session: Session, settings: Settings, actor: Actor, startup_id: str,
                           program_id: str, kinds: Collection[DocumentKind] = tuple(DocumentKind),
                           check_fields: Callable[[dict[str, str]], None] | None = None) -> Document:
    """Stream one multipart upload into the blob store (hashed and held to its kind's size limit
    as it arrives, its type checked, virus-scanned when a scanner is set) and record it as one of
    `startup_id`'s documents. The API's upload route and the portal's forms both come here;
    `check_fields` sees the form's text fields before anything is kept (a page's CSRF token); when
    the file is refused while it arrives, it still sees the fields sent before the file, if the
    CSRF token is among them (so a page can keep what was typed)."""
    store = blob_store(request)
    staged: list[StagedBlob] = []

    def open_sink(_: str, __: dict[str, str]) -> StagedBlob:
        staged.append(store.stage())
        return staged[-1]

    def limit(fields: dict[str, str]) -> int:
        kind = fields.get("kind")
        return settings.document_limit(kind) if kind is not None and kind in DocumentKind._value2member_map_ else \
            settings.largest_document_limit()

    received = Upload()
    try:
        try:
            upload = await read_upload(request, open_sink, limit, received)
        except ApiError:
            if check_fields is not None and "csrf_token" in received.fields:
                check_fields(received.fields)
            raise
        if check_fields is not None:
            check_fields(upload.fields)
        kind, milestone = _kind_and_milestone(request, upload.fields, program_id, kinds)
        blob = staged[0]
        blob.finish()
        filename = upload.filename or ""
        type_name, content_type = await run_in_threadpool(_check_content, blob, filename)
        if settings.clamd_address:
            await _scan(session, settings, blob, filename, startup_id, actor)
        await run_in_threadpool(store.commit, blob)
    finally:
        for leftover in staged:
            leftover.discard()  # committed or refused: no staged file outlives the request
    row = Document(id=uuid.uuid4().hex, startup_id=startup_id, program_id=program_id, kind=kind.value,
                   milestone=milestone, uploader_id=actor.id, uploader_role=actor.role.value,
                   uploaded_at=datetime.now(UTC), size=blob.size, type_name=type_name,
                   content_type=content_type, sha256=blob.sha256, filename=filename)
    session.add(row)
    session.commit()
    return row


async def _scan(session: Session, settings: Settings, blob: StagedBlob, filename: str, startup_id: str,
                actor: Actor) -> None:
    assert settings.clamd_address, "scanned only when a scanner is configured"
    try:
        finding = await run_in_threadpool(scan_file, settings.clamd_address, blob.path, settings.clamd_timeout_seconds)
    except ScannerUnavailable as err:
        raise ApiError("unavailable", f"바이러스 검사를 할 수 없습니다 — the virus scanner is unavailable: {err}", None,
                       503, headers={"Retry-After": "30"}) from None
    if finding:
        session.add(DocumentRefusal(at=datetime.now(UTC), startup_id=startup_id, actor_id=actor.id,
                                    filename=filename, size=blob.size, sha256=blob.sha256, finding=finding[:200]))
        session.commit()
        raise invalid("file", RuleId.VIRUS, f"악성 코드가 발견되었습니다: {finding} — the virus scanner found {finding}",
                      finding=finding)


def _kind_and_milestone(request: Request, fields: dict[str, str], program_id: str,
                        kinds: Collection[DocumentKind]) -> tuple[DocumentKind, str | None]:
    kind = DocumentKind._value2member_map_.get(fields.get("kind", ""))
    if not isinstance(kind, DocumentKind) or kind not in kinds:
        raise invalid("kind", RuleId.ENUM, f"문서 종류는 {', '.join(kinds)} 중 하나입니다 — kind must be one of "
                                      f"{', '.join(kinds)}")
    milestone = fields.get("milestone") or None
    if kind is not DocumentKind.DELIVERABLE:
        if milestone:
            raise invalid("milestone", RuleId.DELIVERABLES_ONLY, "마일스톤은 산출물에만 — milestone applies to deliverables only")
        return kind, None
    program = load_program(request.app.state.engine, program_id)
    keys = [m.key for m in program.milestones] if program else []
    if milestone not in keys:
        raise invalid("milestone", RuleId.MILESTONE_KEY, f"산출물에는 마일스톤 키가 필요합니다 — a deliverable needs its "
                                                   f"milestone key, one of {', '.join(keys)}", allowed=keys)
    return kind, milestone


def _check_content(staged: StagedBlob, filename: str) -> tuple[str, str]:
    """(type name, MIME type) of a complete staged upload, or 422 naming what it is."""
    if staged.size == 0:
        raise invalid("file", RuleId.EMPTY, "빈 파일입니다 — the file is empty")
    try:
        found = detect(staged.path)
    except ZipRefused as refused:
        raise invalid("file", refused.rule, str(refused)) from None
    if not found.allowed:
        raise invalid("file", RuleId.FILE_TYPE, f"허용되지 않는 파일 형식입니다: {found.type_name} — file type "
                      f"{found.type_name} is not accepted (allowed: {', '.join(ALLOWED_TYPES)})", type=found.type_name)
    if extension_contradicts(found.type_name, filename):
        raise invalid("file", RuleId.EXTENSION_MISMATCH, f"파일 내용({found.type_name})이 확장자와 다릅니다 — the content is "
                      f"{found.type_name}, which contradicts the name {filename!r}", type=found.type_name)
    return found.type_name, found.content_type


def verify_hash(session: Session, sha256: str, size: int) -> VerifyAnswer:
    """Which documents hold these bytes and which actions relied on them (the API's answer and
    the auditors' verification page)."""
    rows = documents_with_hash(session, sha256)
    uses = actions_using_hash(session, sha256)
    names = people_names(session, {row.uploader_id for row in rows} | {u.actor_id for u in uses})
    submissions = [Submission(document=DocumentPublic.of(row), uploaded_by_name=names.get(row.uploader_id, ""),
                              actions=[ActionUsePublic.of(u, names) for u in uses if u.document_id == row.id])
                   for row in rows]
    if rows:
        first = rows[0]
        who = f"{names[first.uploader_id]} ({first.uploader_id})" if first.uploader_id in names else first.uploader_id
        message = (f"제출된 파일입니다: {who}, {as_utc(first.uploaded_at):%Y-%m-%d %H:%M} UTC — "
                   f"these bytes were submitted by {who} at {as_utc(first.uploaded_at).isoformat()}")
    else:
        message = "axflow에 제출된 적 없는 파일입니다 — not ours: these bytes were never submitted to axflow"
    return VerifyAnswer(sha256=sha256, size=size, ours=bool(rows), message=message, submissions=submissions)


def document_by_id(session: Session, document_id: str) -> Document | None:
    """One document's record by its id (ids are 32 hex digits: a longer one is none of ours)."""
    return session.get(Document, document_id) if document_id and len(document_id) <= 64 else None


def company_documents(session: Session, brn: str) -> list[Document]:
    """Every document of the company, newest first (lifecycle ids end with the brn)."""
    return list(session.exec(select(Document).where(col(Document.startup_id).like(f"startup:%:{brn}"))
                             .order_by(col(Document.uploaded_at).desc(), col(Document.id))).all())


def download_records(session: Session, *, document_id: str | None = None, startup_id: str | None = None,
                     actor_id: str | None = None, limit: int) -> list[DownloadRecord]:
    """Who downloaded which document, when (newest first), of one document, startup or person."""
    query = select(DocumentDownload)
    for column, value in ((DocumentDownload.document_id, document_id), (DocumentDownload.startup_id, startup_id),
                          (DocumentDownload.actor_id, actor_id)):
        if value:
            query = query.where(column == value)
    rows = session.exec(query.order_by(col(DocumentDownload.id).desc()).limit(limit)).all()
    return [DownloadRecord(document_id=r.document_id, startup_id=r.startup_id, actor_id=r.actor_id,
                           role=r.role, at=as_utc(r.at), via=r.via, request_id=r.request_id) for r in rows]
