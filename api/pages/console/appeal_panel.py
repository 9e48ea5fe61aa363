"""The review panel (심의위원회) of a program in the console, `/console/programs/{id}/appeals/panel`:
who decides its appeals now (by name and user id) and, for admins and program officers, a form that
names the panel again while the program runs. The form calls the service the API's
`PUT /programs/{id}/appeals/panel` calls (api/services/appeal_panel.py), so the same rules refuse,
shown beside the field, and the change is kept with its audit row."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep
from api.errors import ApiError
from api.i18n import _
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import role_refused
from api.pages.shared.rule_text import rule_text
from api.services import appeal_panel, programs
from domain.phases import Role
from store.audit_key import audit_key
from store.db import release
from store.people import people_names

router = APIRouter(prefix="/console/programs", include_in_schema=False)
DECIDERS = (Role.ADMIN, Role.PROGRAM_OFFICER)
Text = Annotated[str, Form(max_length=5000)]


def members_of(text: str) -> list[str]:
    """User ids typed one a line or separated by commas, blanks dropped, in the order typed."""
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def _problems(err: ApiError) -> list[str]:
    """Each rule broken in the page's language, with the ids it names."""
    found = err.details if isinstance(err.details, list) else []
    said = []
    for problem in found:
        words = rule_text(str(problem.get("rule"))) or err.message
        members = problem.get("members") or []
        said.append(f"{words} ({', '.join(members)})" if members else words)
    return said or [err.message]


def _page(request: Request, viewer: Viewer, session: Session, program_id: str, status: int = 200,
          errors: list[str] | None = None, typed: str | None = None, saved: bool = False) -> Response:
    row = programs.known_program(session, program_id)
    panel = list((row.definition.get("appeals") or {}).get("panel") or [])
    names = people_names(session, panel)
    release(session)
    return render(request, viewer, "console/appeal_panel.html", status, program=row, panel=panel, names=names,
                  errors={"panel": errors} if errors else {}, typed="\n".join(panel) if typed is None else typed,
                  saved=saved)


@router.get("/{program_id}/appeals/panel", name="appeal_panel_page")
async def panel_page(program_id: str, request: Request, viewer: PageViewer, session: SessionDep,
                     saved: int | None = None) -> Response:
    if (refused := role_refused(request, viewer, *DECIDERS)) is not None:
        return refused
    try:
        return _page(request, viewer, session, program_id, saved=bool(saved))
    except ApiError as err:
        return render(request, viewer, "console/error.html", status=err.status, error=err)


@router.post("/{program_id}/appeals/panel", name="console_set_appeal_panel")
async def set_panel(program_id: str, request: Request, viewer: PageViewer, session: SessionDep,
                    settings: SettingsDep, csrf_token: Text = "", panel: Text = "", reason: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    if (refused := role_refused(request, viewer, *DECIDERS)) is not None:
        return refused
    try:
        body = appeal_panel.PanelBody(panel=members_of(panel), reason=reason.strip())
        appeal_panel.set_appeal_panel(session, audit_key(settings), program_id, body, viewer.actor,
                                      request.state.request_id)
    except ValidationError as bad:
        reason_too_long = any(e["loc"] and e["loc"][0] == "reason" for e in bad.errors())
        said = _("사유는 한 줄로 500자까지 적습니다.") if reason_too_long else _("사용자 ID는 한 줄에 하나, 64자까지입니다.")
        return _page(request, viewer, session, program_id, 422, [said], panel)
    except ApiError as err:
        if err.code == "not_found":
            return render(request, viewer, "console/error.html", status=err.status, error=err)
        return _page(request, viewer, session, program_id, err.status, _problems(err), panel)
    return see_other(request, "appeal_panel_page", program_id=program_id, query={"saved": 1})
