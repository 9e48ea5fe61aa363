"""The auditors' console: a startup's history with the state as it stood at the end of any KST
day, the event search with CSV and XLSX export of exactly the rows shown, the hash-chain check and
document verification. Every answer comes from the code the API answers with (the history and
as-of routes, the audit query, the chain check, the document verification), asked in the
auditor's name; auditors read and change nothing, so there is no form here that writes."""

import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.audit_verification import verify_audit
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.document_schemas import VerifyAnswer
from api.errors import ApiError
from api.i18n import _
from api.pages.console import audit_views as views
from api.pages.console import exports
from api.pages.console.action_forms import choice_labels
from api.pages.shared.common import PageViewer, check_csrf, render, require_role
from api.pages.shared.refusal_text import refusal_text
from api.services.audit import audit_events, find_startups
from api.services.documents import verify_hash
from api.services.startups import startup_for, startup_row, trail_of
from api.templating import role_label
from api.uploads import read_upload
from domain.phases import Role
from domain.timeutil import kst_date
from store.audit_key import audit_key
from store.db import release
from store.tables import AuditEvent

router = APIRouter(prefix="/console/audit", include_in_schema=False)

SHA256 = re.compile(r"^[0-9a-f]{64}$")
FIND_LIMIT = 20


def _auditor(viewer: PageViewer) -> None:
    require_role(viewer, Role.AUDITOR)


def trail_role(role: str) -> str:
    """Who acted, in the page's language: a person's role, or the system for what the workflow
    recorded on its own."""
    return _(views.SYSTEM_ROLE) if role == Role.SYSTEM.value else role_label(role)


def trail_note(item: views.TimelineItem) -> str:
    """The reason given for a transition; for a refused attempt, the rule that refused it in the
    page's words, the recorded message beside."""
    if not item.refused:
        return item.note
    code, _sep, message = item.note.partition(": ")
    return refusal_text(ApiError(code, message, item.details), recorded=True)


@router.get("")
async def audit_home(request: Request, viewer: PageViewer, session: SessionDep,
                     q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """Where an auditor starts: find a startup by company name, registration number or id."""
    _auditor(viewer)
    wanted = q.strip()
    found: list[Any] = []
    if wanted:
        found = find_startups(session, wanted, FIND_LIMIT)
        release(session)
    return render(request, viewer, "console/audit_home.html", q=wanted, found=found, limit=FIND_LIMIT)


@router.get("/startups/{startup_id}")
async def startup_history(request: Request, startup_id: str, viewer: PageViewer, session: SessionDep,
                          temporal: TemporalDep, as_of: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The startup as it stood at the end of the chosen KST day (or now), and its whole trail:
    every transition in every stage and every refused attempt, those after the day set apart."""
    _auditor(viewer)
    errors: dict[str, list[str]] = {}
    try:
        day = views.parse_day(as_of)
    except ValueError as err:
        errors["as_of"], day = [str(err)], None
    instant = views.as_of_instant(day) if day else None
    try:
        history = await trail_of(session, temporal, viewer.actor, startup_id)
    except ApiError as err:
        if err.code != "not_found":
            raise
        return render(request, viewer, "console/audit_missing.html", 404, startup_id=startup_id)
    state, not_yet = None, False
    try:
        state = await startup_for(session, temporal, viewer.actor, startup_id, as_of=instant)
    except ApiError as err:
        if err.code != "not_found":
            raise
        not_yet = True  # the chosen day is before the application
    items = views.timeline(history.entries, history.refused, instant)
    row = None if state else startup_row(session, startup_id)
    company = state.company_name if state else (row.company_name if row else startup_id)
    release(session)
    return render(request, viewer, "console/audit_startup.html", 422 if errors else 200, startup_id=startup_id,
                  company=company, history=history, kst_seconds=views.kst_text, details_text=views.details_text,
                  trail_role=trail_role, trail_note=trail_note, causes=choice_labels(),
                  state=state, not_yet=not_yet, day=day, as_of=as_of.strip(), errors=errors,
                  earlier=[i for i in items if not i.later], later=[i for i in items if i.later])


def _search(session: SessionDep, filters: views.EventFilters) -> tuple[list[AuditEvent], bool]:
    """One page of events for the filters, and whether more follow."""
    rows = audit_events(session, program_id=filters.program_id or None, startup_id=filters.startup_id or None,
                        since=filters.since_instant(), until=filters.until_instant(), actor=filters.actor or None,
                        action=filters.action or None, after=filters.after, limit=views.EVENTS_PER_PAGE + 1)
    release(session)
    return rows[:views.EVENTS_PER_PAGE], len(rows) > views.EVENTS_PER_PAGE


@router.get("/events", name="console_audit_events")
async def events(request: Request, viewer: PageViewer, session: SessionDep) -> HTMLResponse:
    """The event search: the filters of GET /audit/events, kept in the URL; a page at a time."""
    _auditor(viewer)
    filters, errors = views.parse_event_filters(request.query_params)
    rows, more = _search(session, filters)
    return render(request, viewer, "console/audit_events.html", 422 if errors else 200, filters=filters,
                  errors=errors, headers=views.column_headers(), rows=[views.event_cells(r) for r in rows],
                  more=more,
                  next_query=filters.query(after=rows[-1].id) if more else None,
                  this_query=filters.query())


@router.get("/events.{extension}")
async def export_events(request: Request, extension: str, viewer: PageViewer, session: SessionDep) -> Response:
    """The rows the same URL's page shows, as a file: CSV (UTF-8 with BOM) or XLSX, its headers in
    the page's language."""
    _auditor(viewer)
    if extension not in ("csv", "xlsx"):
        raise ApiError("not_found", "export as .csv or .xlsx (내보내기 형식은 csv 또는 xlsx)")
    filters, errors = views.parse_event_filters(request.query_params)
    if errors:
        raise ApiError("validation_error", "the search has errors; fix them on the page first (검색 조건 오류)",
                       [{"field": name, "rule": "filter", "message": messages[0]} for name, messages in errors.items()])
    rows, _ = _search(session, filters)
    cells = [views.event_cells(r) for r in rows]
    if extension == "csv":
        body = exports.table_csv(views.column_headers(), cells)
    else:
        body = exports.table_xlsx("audit events", views.column_headers(), cells)
    response = exports.download(body, f"audit-events-{kst_date(viewer.now):%Y%m%d}.{extension}", extension)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/verify", name="console_audit_verify")
async def verify(request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep,
                 settings: SettingsDep, sha256: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """The audit table's hash chain and its chains' lengths checked now (api/audit_verification.py),
    and (with ?sha256=) which documents hold a hash."""
    _auditor(viewer)
    chain = await verify_audit(session, temporal, audit_key(settings))
    errors: dict[str, list[str]] = {}
    answer = None
    wanted = sha256.strip().lower()
    if wanted and not SHA256.match(wanted):
        errors["sha256"] = [_("SHA-256 해시는 16진수 64자입니다")]
    elif wanted:
        answer = verify_hash(session, wanted, 0)
    release(session)
    return render(request, viewer, "console/audit_verify.html", 422 if errors else 200, chain=chain, answer=answer,
                  chain_problem=views.chain_problem(chain.problem), anchor_source=views.anchor_source,
                  uploaded=None, sha256=sha256.strip(),
                  errors=errors)


@router.post("/verify/file")
async def verify_file(request: Request, viewer: PageViewer, session: SessionDep,
                      settings: SettingsDep) -> HTMLResponse:
    """An uploaded file's bytes hashed as they arrive (never kept) and looked up like a hash."""
    _auditor(viewer)
    digest = hashlib.sha256()

    class Hasher:
        def write(self, chunk: bytes) -> None:
            digest.update(chunk)

    errors: dict[str, list[str]] = {}
    answer: VerifyAnswer | None = None
    uploaded = None
    try:
        upload = await read_upload(request, lambda _, __: Hasher(), lambda _: settings.largest_document_limit())
    except ApiError as err:
        if err.code not in ("validation_error", "payload_too_large"):
            raise
        errors["file"] = [views.upload_problem(err.message, err.details)]
    else:
        check_csrf(viewer, upload.fields.get("csrf_token"))
        answer = verify_hash(session, digest.hexdigest(), upload.size)
        uploaded = upload.filename
        release(session)
    return render(request, viewer, "console/audit_verify.html", 422 if errors else 200, chain=None, answer=answer,
                  uploaded=uploaded, sha256="", errors=errors)
