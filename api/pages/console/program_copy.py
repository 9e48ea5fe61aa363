"""A new call from an existing program (admins), `/console/programs/{id}/copy`: the same definition
(tasks, slots, money, tranches, milestones, deadlines) under a new id and name, with its own
application window. This is how next year's call is opened from this year's, and how someone
trying axflow opens a call on the sample program (whose 2025 window is long closed) that closes
soon enough to go on to selection. The copy is created by the function behind `POST /programs`."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.console import definition_errors
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, require_role
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import role_refused
from api.services.programs import create_from_definition, program_row
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.text import SINGLE_LINE
from domain.timeutil import KST, to_kst
from store.db import release

router = APIRouter(prefix="/console/programs", include_in_schema=False)
Text = Annotated[str, Form(max_length=300), SINGLE_LINE]
FIELDS = ("id", "name", "application_opens_at", "application_closes_at")
LABELS = {"id": N_("새 사업 ID"), "name": N_("사업명"), "application_opens_at": N_("접수 시작 (KST)"),
          "application_closes_at": N_("접수 마감 (KST)")}  # shown as _(label)
DEFAULT_WINDOW = timedelta(minutes=30)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


def suggested(source: ProgramDefinition, now: datetime) -> dict[str, str]:
    """The form's first values: a dated id and name, a window opening now and closing in 30 minutes."""
    here = to_kst(now).replace(second=0, microsecond=0)
    values = {"id": f"{source.id}-{here:%Y%m%d-%H%M}"[:63], "name": f"{source.name} ({here:%Y-%m-%d} 공고)"[:200],
              "application_opens_at": "", "application_closes_at": ""}
    if source.application_closes_at is not None:
        values |= {"application_opens_at": f"{here:{LOCAL_FORMAT}}",
                   "application_closes_at": f"{here + DEFAULT_WINDOW:{LOCAL_FORMAT}}"}
    return values


def kst_instant(text: str) -> str | None:
    """A datetime-local value read as Korean time, as an ISO instant for the definition; None when blank.
    Anything unreadable is passed on as typed, so the definition's own check names the field."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, LOCAL_FORMAT).replace(tzinfo=KST).isoformat()
    except ValueError:
        return text


def copied(source: ProgramDefinition, values: dict[str, str]) -> dict[str, Any]:
    return source.model_dump(mode="json") | {
        "id": values["id"].strip(), "name": values["name"].strip(),
        "application_opens_at": kst_instant(values["application_opens_at"]),
        "application_closes_at": kst_instant(values["application_closes_at"]),
    }


def errors_by_field(err: ValidationError, data: dict[str, Any]) -> dict[str, list[str]]:
    """The definition's refusals on the form's fields; a rule across the window names its closing."""
    placed: dict[str, list[str]] = {}
    window_rules = {_(words) for rule, words in definition_errors.CROSS_FIELD.items() if "application_" in rule}
    for where, messages in definition_errors.field_errors(err, data).items():
        if where not in FIELDS:
            where = "application_closes_at" if any("application_" in m or m in window_rules for m in messages) else ""
        placed.setdefault(where, []).extend(messages)
    return placed


def _source(session: Session, program_id: str) -> ProgramDefinition | None:
    row = program_row(session, program_id)
    release(session)
    return ProgramDefinition.model_validate(row.definition) if row else None


def _page(request: Request, viewer: Viewer, source: ProgramDefinition, values: dict[str, str], status: int = 200,
          errors: dict[str, list[str]] | None = None) -> Response:
    return render(request, viewer, "console/program_copy.html", status, source=source, values=values,
                  errors=errors or {}, labels={name: _(label) for name, label in LABELS.items()})


def _unknown(request: Request, viewer: Viewer, program_id: str) -> Response:
    err = ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id})
    return render(request, viewer, "console/error.html", status=err.status, error=err)


@router.get("/{program_id}/copy")
async def copy_form(program_id: str, request: Request, viewer: PageViewer, session: SessionDep) -> Response:
    if (refused := role_refused(request, viewer, Role.ADMIN)) is not None:
        return refused
    source = _source(session, program_id)
    if source is None:
        return _unknown(request, viewer, program_id)
    return _page(request, viewer, source, suggested(source, viewer.now))


@router.post("/{program_id}/copy")
async def copy_program(program_id: str, request: Request, viewer: PageViewer, session: SessionDep,
                       temporal: TemporalDep, settings: SettingsDep, csrf_token: Text = "", id: Text = "",
                       name: Text = "", application_opens_at: Text = "", application_closes_at: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.ADMIN)
    source = _source(session, program_id)
    if source is None:
        return _unknown(request, viewer, program_id)
    values = {"id": id, "name": name, "application_opens_at": application_opens_at,
              "application_closes_at": application_closes_at}
    data = copied(source, values)
    try:
        definition = ProgramDefinition.model_validate(data)
    except ValidationError as err:
        return _page(request, viewer, source, values, 422, errors_by_field(err, data))
    try:
        created = await create_from_definition(definition, session, temporal, settings.task_queue, viewer.actor)
    except ApiError as err:
        message = _("이미 있는 사업 ID입니다: %(id)s") % {"id": definition.id} if err.code == "conflict" else err.message
        return _page(request, viewer, source, values, err.status, {"id" if err.code == "conflict" else "": [message]})
    return see_other(request, "call_page", program_id=created.id, query={"created": 1})
