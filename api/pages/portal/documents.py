"""A company's documents on the portal: every file it submitted with its SHA-256, uploading one
(through the documents API's own upload path), and reusing a file uploaded once for another
application or action without sending the bytes again (a new record over the same stored blob).

Every target is this company's own lifecycle id for the program in the URL
(`startup:{program_id}:{brn}` with the signed-in user's brn): another company's records cannot
even be named. Before the application exists only a proposal may be attached, as in the API."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep
from api.errors import ApiError
from api.pages.portal.common import StartupViewer, page
from api.pages.shared.common import check_csrf, writing
from api.pages.shared.document_words import KIND_WORDS, upload_words
from api.pages.shared.rule_text import rule_text
from api.scope import brn_of
from api.services.documents import company_documents, document_by_id, receive_document
from api.services.startups import startup_row
from axflow.config import Settings
from axflow.programs import load_program
from domain.documents import EXTENSIONS, DocumentKind
from domain.io import startup_workflow_id
from domain.rule_ids import RuleId
from domain.text import SINGLE_LINE
from store.db import engine_of, release
from store.documents import Document

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300), SINGLE_LINE]


@dataclass(frozen=True)
class Choices:
    own: list[Document]  # already this application's, of the kind asked
    reusable: list[Document]  # the company's other files, one per distinct content


def document_choices(session: Session, brn: str, startup_id: str, kind: DocumentKind,
                     milestone: str | None = None) -> Choices:
    everything = company_documents(session, brn)
    own = [d for d in everything if d.startup_id == startup_id and d.kind == kind.value
           and (milestone is None or d.milestone == milestone)]
    held = {d.sha256 for d in own}
    reusable: dict[str, Document] = {}
    for doc in everything:
        if doc.sha256 not in held and doc.sha256 not in reusable:
            reusable[doc.sha256] = doc
    return Choices(own=own, reusable=list(reusable.values()))


def upload_context(settings: Settings, kind: DocumentKind, program_id: str, next_path: str,
                   milestone: str | None = None) -> dict[str, Any]:
    """What an upload form needs: where it posts, the size limit and types the browser can check."""
    extensions = sorted({e for names in EXTENSIONS.values() for e in names})
    return {"action": f"/portal/documents/{program_id}", "kind": kind.value, "milestone": milestone or "",
            "next": next_path, "max_bytes": settings.document_limit(kind.value),
            "max_mb": settings.document_limit(kind.value) // (1024 * 1024), "extensions": " ".join(extensions),
            "accept": ",".join(f".{e}" for e in extensions)}


def _kinds(session: Session, startup_id: str) -> list[DocumentKind]:
    return list(DocumentKind) if startup_row(session, startup_id) else [DocumentKind.PROPOSAL]


def _next(value: str | None) -> str:
    """Back to a portal page only (never to another site)."""
    return value if value and value.startswith("/portal/") and "//" not in value else "/portal/my"


@router.get("/portal/documents", response_class=HTMLResponse)
async def my_documents(request: Request, session: SessionDep, viewer: StartupViewer) -> HTMLResponse:
    documents = company_documents(session, viewer.actor.brn or "")
    return page(request, viewer, "documents.html", documents=documents, kind_words=KIND_WORDS)


@router.post("/portal/documents/{program_id}", response_class=HTMLResponse, name="portal_upload")
async def upload(program_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                 viewer: StartupViewer) -> Response:
    """A multipart form: csrf_token, kind, milestone (deliverables), next, and the file."""
    if load_program(engine_of(session), program_id) is None:
        raise ApiError("not_found", f"unknown program {program_id!r}")
    startup_id = startup_workflow_id(program_id, viewer.actor.brn or "")
    fields: dict[str, str] = {}

    def check_fields(form: dict[str, str]) -> None:
        fields.update(form)
        check_csrf(viewer, form.get("csrf_token"))

    kinds = _kinds(session, startup_id)
    release(session)  # the upload's record is written in a transaction of its own
    try:
        await receive_document(request, session, settings, viewer.actor, startup_id, program_id, kinds, check_fields)
    except ApiError as err:
        if err.code == "forbidden":
            raise
        return page(request, viewer, "upload_error.html", err.status, error=err, back=_next(fields.get("next")),
                    message=upload_words(err, settings, fields.get("kind")))
    return RedirectResponse(_next(fields.get("next")), 303)


@router.post("/portal/documents/{program_id}/reuse", response_class=HTMLResponse)
async def reuse(program_id: str, request: Request, session: SessionDep, viewer: StartupViewer, csrf_token: Text,
                document_id: Text, kind: Text, milestone: Text = "", next: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    brn = viewer.actor.brn or ""
    program = load_program(engine_of(session), program_id)
    if program is None:
        raise ApiError("not_found", f"unknown program {program_id!r}")
    startup_id = startup_workflow_id(program_id, brn)
    allowed = _kinds(session, startup_id)
    target = DocumentKind(kind) if kind in DocumentKind._value2member_map_ else None
    keys = [m.key for m in program.milestones]
    problem = None
    if not isinstance(target, DocumentKind) or target not in allowed:
        problem = rule_text(RuleId.DOCUMENT_KIND)
    elif target is DocumentKind.DELIVERABLE and milestone not in keys:
        problem = rule_text(RuleId.MILESTONE_KEY)
    if problem:
        error = ApiError("validation_error", problem, [{"field": "kind", "rule": RuleId.DOCUMENT_KIND, "message": problem}])
        return page(request, viewer, "upload_error.html", 422, error=error, back=_next(next), message=problem)
    assert target is not None, "an unknown kind is refused above"
    copy = reuse_document(session, viewer, document_id, startup_id, program_id, target,
                          milestone if target is DocumentKind.DELIVERABLE else None)
    with writing(request) as w:
        w.add(copy)
        w.commit()
    return RedirectResponse(_next(next), 303)


def reuse_document(session: Session, viewer: StartupViewer, document_id: str, startup_id: str, program_id: str,
                   kind: DocumentKind, milestone: str | None = None) -> Document:
    """A new document of `startup_id` with the content of one the company uploaded before (the
    same blob, by its hash), to add; 404 for a document that is not the company's."""
    source = document_by_id(session, document_id)
    if source is None or brn_of(source.startup_id) != (viewer.actor.brn or ""):
        raise ApiError("not_found", f"unknown document {document_id[:64]!r}")
    return Document(id=uuid.uuid4().hex, startup_id=startup_id, program_id=program_id, kind=kind.value,
                    milestone=milestone, uploader_id=viewer.actor.id, uploader_role=viewer.actor.role.value,
                    uploaded_at=datetime.now(UTC), size=source.size, type_name=source.type_name,
                    content_type=source.content_type, sha256=source.sha256, filename=source.filename)
