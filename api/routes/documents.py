"""Documents: upload (streamed, hashed, type-checked, optionally virus-scanned), list, download,
verify those exact bytes, bulk ZIP archives for auditors and finance, and the download log (receiving an
upload and the reads: api/services/documents.py)."""

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep
from api.document_refs import visible_document
from api.document_schemas import DocumentList, DocumentPublic, DownloadLog, VerifyAnswer
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.scope import brn_of, check_scope
from api.services import documents
from api.services.documents import blob_store, receive_document, verify_hash
from api.services.evaluator_pool import program_of, require_cleared
from api.services.startups import startup_row
from api.uploads import read_upload
from axflow.programs import load_program
from domain.documents import ALLOWED_TYPES, DocumentKind
from domain.state import Actor
from store.db import release
from store.document_archive import zip_stream
from store.document_history import actions_using_hash
from store.documents import Document, DocumentDownload, documents_of, receipts_of_program
from store.storage import CHUNK

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)


def content_disposition(filename: str) -> str:
    """RFC 6266 attachment with the UTF-8 name (RFC 5987) and an ASCII fallback for old clients."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\;%' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _log_downloads(session: Session, request: Request, actor: Actor, rows: list[Document], via: str) -> None:
    at = datetime.now(UTC)
    request_id = request.scope.get("state", {}).get("request_id")
    for row in rows:
        session.add(DocumentDownload(document_id=row.id, startup_id=row.startup_id, actor_id=actor.id,
                                     role=actor.role.value, at=at, via=via, request_id=request_id))
    session.commit()


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
    startup = startup_row(session, startup_id)
    program_id = startup.program_id if startup else startup_id.split(":")[1]
    if startup is None and load_program(request.app.state.engine, program_id) is None:
        raise ApiError("not_found", f"unknown startup {startup_id!r}")
    release(session)
    kinds = list(DocumentKind) if startup else [DocumentKind.PROPOSAL]
    row = await receive_document(request, session, settings, actor, startup_id, program_id, kinds)
    return DocumentPublic.of(row)


@router.get("/startups/{startup_id}/documents", response_model=DocumentList)
async def list_documents(startup_id: str, session: SessionDep, actor: Authorized,
                         kind: DocumentKind | None = None) -> DocumentList:
    check_scope(startup_id, actor)
    require_cleared(session, program_of(startup_id), actor)  # an evaluator: the pool and the pledge first
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
    require_cleared(session, program_of(row.startup_id), actor)
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


def _action_of(session: Session) -> Callable[[Document], str]:
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
    if not rows and startup_row(session, startup_id) is None:
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
    return DownloadLog(items=documents.download_records(session, document_id=document_id, startup_id=startup_id,
                                                        actor_id=actor, limit=limit))
