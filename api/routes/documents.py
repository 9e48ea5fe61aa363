"""Documents: upload (streamed, hashed, type-checked, optionally virus-scanned), list, download,
verify those exact bytes, bulk ZIP archives for auditors and finance, and the download log."""

import hashlib
import uuid
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timezone
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlmodel import Session, col, select

from activities.virus_scan import ScannerUnavailable, scan_file
from api.deps import SessionDep, SettingsDep
from api.document_refs import visible_document
from api.document_schemas import (ActionUsePublic, DocumentList, DocumentPublic, DownloadLog, DownloadRecord,
                                  Submission, VerifyAnswer)
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.scope import brn_of, check_scope
from api.uploads import Upload, invalid, read_upload
from axflow.config import Settings
from axflow.programs import load_program
from domain.documents import ALLOWED_TYPES, DocumentKind, extension_contradicts
from domain.state import Actor
from store.db import as_utc, release
from store.document_archive import zip_stream
from store.document_history import actions_using_hash
from store.document_types import detect
from store.zip_limits import ZipRefused
from store.documents import (Document, DocumentDownload, DocumentRefusal, documents_of, documents_with_hash,
                             receipts_of_program)
from store.storage import CHUNK, BlobStore, StagedBlob, make_blob_store
from store.tables import StartupRow
from store.people import people_names

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)


def blob_store(request: Request) -> BlobStore:
    store = getattr(request.app.state, "blob_store", None)
    if store is None:
        store = request.app.state.blob_store = make_blob_store(request.app.state.settings)
    return store


def content_disposition(filename: str) -> str:
    """RFC 6266 attachment with the UTF-8 name (RFC 5987) and an ASCII fallback for old clients."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\;%' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _log_downloads(session: Session, request: Request, actor: Actor, rows: list[Document], via: str) -> None:
    at = datetime.now(timezone.utc)
    request_id = request.scope.get("state", {}).get("request_id")
    # Write in a transaction of its own: on SQLite a read transaction that turns into a write fails
    # at once ("database is locked") when the worker wrote in between; a fresh one waits its turn.
    release(session)
    for row in rows:
        session.add(DocumentDownload(document_id=row.id, startup_id=row.startup_id, actor_id=actor.id,
                                     role=actor.role.value, at=at, via=via, request_id=request_id))
    session.commit()


def _kind_and_milestone(request: Request, fields: dict[str, str], program_id: str,
                        kinds: Collection[DocumentKind]) -> tuple[DocumentKind, str | None]:
    kind = DocumentKind._value2member_map_.get(fields.get("kind", ""))
    if not isinstance(kind, DocumentKind) or kind not in kinds:
        raise invalid("kind", "enum", f"문서 종류는 {', '.join(kinds)} 중 하나입니다 — kind must be one of "
                                      f"{', '.join(kinds)}")
    milestone = fields.get("milestone") or None
    if kind is not DocumentKind.DELIVERABLE:
        if milestone:
            raise invalid("milestone", "deliverables_only", "마일스톤은 산출물에만 — milestone applies to deliverables only")
        return kind, None
    program = load_program(request.app.state.engine, program_id)
    keys = [m.key for m in program.milestones] if program else []
    if milestone not in keys:
        raise invalid("milestone", "milestone_key", f"산출물에는 마일스톤 키가 필요합니다 — a deliverable needs its "
                                                   f"milestone key, one of {', '.join(keys)}", allowed=keys)
    return kind, milestone


def _check_content(staged: StagedBlob, filename: str) -> tuple[str, str]:
    """(type name, MIME type) of a complete staged upload, or 422 naming what it is."""
    if staged.size == 0:
        raise invalid("file", "empty", "빈 파일입니다 — the file is empty")
    try:
        found = detect(staged.path)
    except ZipRefused as refused:
        raise invalid("file", refused.rule, str(refused)) from None
    if not found.allowed:
        raise invalid("file", "file_type", f"허용되지 않는 파일 형식입니다: {found.type_name} — file type "
                      f"{found.type_name} is not accepted (allowed: {', '.join(ALLOWED_TYPES)})", type=found.type_name)
    if extension_contradicts(found.type_name, filename):
        raise invalid("file", "extension_mismatch", f"파일 내용({found.type_name})이 확장자와 다릅니다 — the content is "
                      f"{found.type_name}, which contradicts the name {filename!r}", type=found.type_name)
    return found.type_name, found.content_type


@router.post("/startups/{startup_id}/documents", status_code=201, response_model=DocumentPublic,
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file", "kind"], "properties": {
                     "file": {"type": "string", "format": "binary"},
                     "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
                     "milestone": {"type": "string", "description": "a deliverable's milestone key"}}}}}}})
async def upload_document(startup_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                          actor: Authorized) -> DocumentPublic:
    """Upload one file (multipart: `file`, `kind`, and `milestone` for a deliverable). A proposal
    may be uploaded before applying, to the id the application's lifecycle will have
    (`startup:{program_id}:{brn}`); the application then names it in `proposal_document`."""
    check_scope(startup_id, actor)
    startup = session.get(StartupRow, startup_id)
    program_id = startup.program_id if startup else startup_id.split(":")[1]
    if startup is None and load_program(request.app.state.engine, program_id) is None:
        raise ApiError("not_found", f"unknown startup {startup_id!r}")
    release(session)
    kinds = list(DocumentKind) if startup else [DocumentKind.PROPOSAL]
    row = await receive_document(request, session, settings, actor, startup_id, program_id, kinds)
    return DocumentPublic.of(row)


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
        return settings.document_limit(kind) if kind in DocumentKind._value2member_map_ else \
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
                   uploaded_at=datetime.now(timezone.utc), size=blob.size, type_name=type_name,
                   content_type=content_type, sha256=blob.sha256, filename=filename)
    session.add(row)
    session.commit()
    return row


async def _scan(session: Session, settings: Settings, blob: StagedBlob, filename: str, startup_id: str,
                actor: Actor) -> None:
    try:
        finding = await run_in_threadpool(scan_file, settings.clamd_address, blob.path, settings.clamd_timeout_seconds)
    except ScannerUnavailable as err:
        raise ApiError("unavailable", f"바이러스 검사를 할 수 없습니다 — the virus scanner is unavailable: {err}", None,
                       503, headers={"Retry-After": "30"}) from None
    if finding:
        session.add(DocumentRefusal(at=datetime.now(timezone.utc), startup_id=startup_id, actor_id=actor.id,
                                    filename=filename, size=blob.size, sha256=blob.sha256, finding=finding[:200]))
        session.commit()
        raise invalid("file", "virus", f"악성 코드가 발견되었습니다: {finding} — the virus scanner found {finding}",
                      finding=finding)


@router.get("/startups/{startup_id}/documents", response_model=DocumentList)
async def list_documents(startup_id: str, session: SessionDep, actor: Authorized,
                         kind: DocumentKind | None = None) -> DocumentList:
    check_scope(startup_id, actor)
    return DocumentList(items=[DocumentPublic.of(r) for r in documents_of(session, startup_id, kind)])


# Downloads go out in 4 MB pieces: each piece costs a hop to a worker thread and a pass through
# the middleware. Measured on a 200 MB download (bench/documents.py): 1 MB pieces took 2.0× a plain
# copy's time, 4 MB pieces 0.7×, for about 15 MB of the API's memory while it runs.
DOWNLOAD_CHUNK = 4 * CHUNK


def _chunks(reader: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := reader.read(DOWNLOAD_CHUNK):
            yield chunk
    finally:
        reader.close()


@router.get("/documents/{document_id}", response_class=StreamingResponse,
            responses={200: {"content": {mime: {} for mime in ["application/octet-stream", "text/html",
                                                                *ALLOWED_TYPES.values()]},
                             "description": "the file, as an attachment, with the type its content was checked as "
                                            "(an agreement axflow generated is printable HTML)"}})
async def download_document(document_id: str, request: Request, session: SessionDep, actor: Authorized
                            ) -> StreamingResponse:
    row = visible_document(session, document_id, actor)
    try:
        reader = await run_in_threadpool(blob_store(request).open, row.sha256)
    except FileNotFoundError:
        raise ApiError("unavailable", f"문서 파일이 저장소에 없습니다 — the bytes of {document_id} are missing from "
                       "storage (run `axflow documents verify`)", None, 503) from None
    _log_downloads(session, request, actor, [row], "single")
    return StreamingResponse(_chunks(reader), media_type=row.content_type, headers={
        # Always an attachment, never rendered inline; the Protection middleware adds nosniff and a
        # CSP that forbids running anything.
        "Content-Disposition": content_disposition(row.filename), "Content-Length": str(row.size),
        "X-Content-SHA256": row.sha256})


@router.post("/documents/verify", response_model=VerifyAnswer,
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def verify_document(request: Request, session: SessionDep, settings: SettingsDep, _: Authorized
                          ) -> VerifyAnswer:
    """Were these exact bytes submitted? By whom, when, and in which action — or not ours."""
    digest = hashlib.sha256()

    class Hasher:
        def write(self, chunk: bytes) -> None:
            digest.update(chunk)

    upload = await read_upload(request, lambda _, __: Hasher(), lambda _: settings.largest_document_limit())
    return verify_hash(session, digest.hexdigest(), upload.size)


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


def _action_of(session: Session):  # type: ignore[no-untyped-def]
    def action_of(row: Document) -> str:
        uses = [u for u in actions_using_hash(session, row.sha256) if u.document_id == row.id]
        if uses:
            return "; ".join(f"{u.action} #{u.seq} by {u.actor_id}" for u in uses)
        return row.referenced_by or ""
    return action_of


def _archive(request: Request, session: Session, actor: Actor, rows: list[Document], name: str,
             with_startup: bool) -> StreamingResponse:
    _log_downloads(session, request, actor, rows, "archive")
    action_of = _action_of(session)
    answers = {row.id: action_of(row) for row in rows}  # asked now, while the session is ours
    release(session)
    return StreamingResponse(zip_stream(blob_store(request), rows, with_startup, lambda r: answers[r.id]),
                             media_type="application/zip",
                             headers={"Content-Disposition": content_disposition(name)})


@router.get("/startups/{startup_id}/documents/archive", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}, "description": "a ZIP with manifest.csv"}})
async def startup_archive(startup_id: str, request: Request, session: SessionDep, actor: Authorized
                          ) -> StreamingResponse:
    """Every document of one startup as one ZIP, with a manifest."""
    check_scope(startup_id, actor)
    rows = list(documents_of(session, startup_id))
    if not rows and session.get(StartupRow, startup_id) is None:
        raise ApiError("not_found", f"unknown startup {startup_id!r}")
    return _archive(request, session, actor, rows, f"documents-{brn_of(startup_id)}.zip", False)


@router.get("/programs/{program_id}/receipts/archive", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}, "description": "a ZIP with manifest.csv"}})
async def program_receipts_archive(program_id: str, request: Request, session: SessionDep, actor: Authorized
                                   ) -> StreamingResponse:
    """Every receipt (증빙) of one program as one ZIP, with a manifest."""
    if load_program(request.app.state.engine, program_id) is None:
        raise ApiError("not_found", f"unknown program {program_id!r}")
    rows = list(receipts_of_program(session, program_id))
    return _archive(request, session, actor, rows, f"receipts-{program_id}.zip", True)


@router.get("/audit/downloads", response_model=DownloadLog)
async def download_log(session: SessionDep, _: Authorized, document_id: str | None = None,
                       startup_id: str | None = None, actor: str | None = None,
                       limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> DownloadLog:
    """Who downloaded which document, when (newest first)."""
    query = select(DocumentDownload)
    for column, value in ((DocumentDownload.document_id, document_id), (DocumentDownload.startup_id, startup_id),
                          (DocumentDownload.actor_id, actor)):
        if value:
            query = query.where(column == value)
    rows = session.exec(query.order_by(col(DocumentDownload.id).desc()).limit(limit)).all()
    return DownloadLog(items=[DownloadRecord(document_id=r.document_id, startup_id=r.startup_id, actor_id=r.actor_id,
                                             role=r.role, at=as_utc(r.at), via=r.via, request_id=r.request_id)
                              for r in rows])
