"""What the startup portal's pages share: the startup looking (and the public visitor, who may be
signed in or not), rendering in the portal's own layout, form errors by field in the page's
language and the countdown to a closing instant.

Portal pages are mobile-first (api/static/portal.css) and work without JavaScript; portal.js only
ticks the countdown and checks what is typed or chosen before it is sent, in the words
`api.pages.portal.script_words.portal_words()` gives it (the layout renders them as JSON data: the CSP runs no inline script)."""

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import structlog
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api import sessions
from api.deps import QUERY_TIMEOUT, SessionDep, acting_role, actor_of
from api.errors import ApiError
from api.i18n import _
from api.pages.shared.bilingual import one_language
from api.pages.shared.common import PageViewer, Viewer, render
from api.pages.shared.redirects import page_path
from api.pages.shared.rule_text import rule_text
from axflow.config import Settings
from domain.formatting import kst_minute
from domain.io import program_workflow_id
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from store.db import release
from workflows.program_call import CallState

log = structlog.get_logger()
Errors = dict[str, list[str]]



async def unbound_startup_viewer(viewer: PageViewer) -> Viewer:
    """A startup user, bound to a company or not (the 내 회사 확인 pages); staff get 403 naming the role."""
    if viewer.role is not Role.STARTUP:
        raise ApiError("forbidden", "스타트업 사용자만 볼 수 있습니다 (the portal is for startup users; staff use "
                       "the console)", {"rule": RuleId.ROLE, "allowed_roles": ["startup"]})
    return viewer


async def startup_viewer(request: Request, viewer: Annotated[Viewer, Depends(unbound_startup_viewer)]) -> Viewer:
    """The portal's workspace is for a startup user bound to a company (`viewer.actor.brn`). One not
    yet bound is sent to prove which company is theirs (a form post is refused: nothing of any
    company is theirs to act on)."""
    if viewer.actor.brn is None:
        if request.method in ("GET", "HEAD"):
            raise HTTPException(303, "confirm your company first (내 회사 확인)",
                                headers={"Location": page_path(request, "company_page")})
        raise ApiError("forbidden", "회사 확인 전에는 할 수 없습니다 (confirm your company first)",
                       {"rule": RuleId.COMPANY_BINDING})
    return viewer


UnboundStartupViewer = Annotated[Viewer, Depends(unbound_startup_viewer)]
StartupViewer = Annotated[Viewer, Depends(startup_viewer)]


async def visitor(request: Request, db: SessionDep) -> Viewer | None:
    """Whoever is looking at a public page: the signed-in person, or None."""
    at = sessions.now(request)
    settings: Settings = request.app.state.settings
    found = sessions.load(db, request.cookies.get(sessions.COOKIE), at, settings)
    if found is None:
        release(db)
        return None
    row, user = found
    role = acting_role(user, None, row.role)
    actor = actor_of(db, user, role)
    release(db)
    return Viewer(user=user, session_row=row, role=role, csrf_token=row.csrf_token, actor=actor,
                  expires_at=sessions.expires_at(row, settings), now=at)


Visitor = Annotated[Viewer | None, Depends(visitor)]


def page(request: Request, viewer: Viewer | None, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render(request, viewer, f"portal/{name}", status, **context)


def not_found_page(request: Request, viewer: Viewer | None, err: ApiError) -> HTMLResponse:
    """The 404 of a portal page, as a page (an unknown id and another company's look the same)."""
    return page(request, viewer, "error.html", 404, error=err)


def public_form(request: Request, viewer: Viewer | None, name: str, status: int = 200,
                **context: Any) -> HTMLResponse:
    """A form for people without a session (sign-up, setting a password): its CSRF token is a
    cookie with the same value in a hidden field (double submit), as the sign-in form does."""
    if viewer is not None:
        return page(request, viewer, name, status, **context)
    token = request.cookies.get(sessions.PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = page(request, None, name, status, csrf_token=token, **context)
    sessions.set_cookie(response, sessions.PRE_CSRF_COOKIE, token, request.app.state.settings)
    return response


def limit_anonymous_mail(request: Request) -> None:
    """A form that sends email for someone not signed in (sign-up, a new link) counts against the
    client like a failed sign-in: past the limit it answers 429, so it cannot be used to flood a
    mailbox."""
    throttle = request.app.state.auth_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)
    throttle.failed(client)


def check_public_csrf(request: Request, viewer: Viewer | None, csrf_token: str) -> None:
    expected = viewer.csrf_token if viewer is not None else request.cookies.get(sessions.PRE_CSRF_COOKIE)
    if not sessions.same(csrf_token, expected):
        raise ApiError("forbidden", "this form is missing its CSRF token (보안 토큰이 없습니다)", {"rule": RuleId.CSRF})


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def api_errors(err: ApiError, known: Mapping[str, str] | None = None) -> Errors:
    """An API refusal as messages by field; a field the form does not show goes to "" (the top)."""
    errors: Errors = {}
    details = err.details if isinstance(err.details, list) else [err.details] if isinstance(err.details, dict) else []
    for detail in details:
        if not isinstance(detail, dict):
            continue
        field = str(detail.get("field") or "")
        message = str(detail.get("message") or err.message)
        add_error(errors, field if known is None or field in known else "", message)
    if not errors:
        add_error(errors, "", err.message)
    return errors


def validation_errors(err: ValidationError) -> Errors:
    """A form's pydantic errors by field: the words of the rule (pydantic's error type is one) in
    the page's language, else the validator's own message in it."""
    errors: Errors = {}
    for problem in err.errors():
        field = ".".join(str(p) for p in problem["loc"]) or ""
        add_error(errors, field, rule_text(problem["type"], problem.get("ctx"))
                  or one_language(problem["msg"].removeprefix("Value error, ")))
    return errors


WindowState = Literal["none", "scheduled", "open", "closed"]


def window_state(definition: ProgramDefinition, now: datetime) -> WindowState:
    """Where the call stands by this server's clock (the program call's Update decides at the
    instant itself; this is what the page says)."""
    opens, closes = definition.application_opens_at, definition.application_closes_at
    if opens is None or closes is None:
        return "none"
    if now < opens:
        return "scheduled"
    return "open" if now < closes else "closed"


async def call_window(temporal: Any, definition: ProgramDefinition, now: datetime) -> WindowState:
    """The window as the program's call holds it: its own timer closes it at the instant (and a
    test may move that clock), so a call that says closed is closed whatever this clock says.
    With no worker to answer, this server's clock alone."""
    state = window_state(definition, now)
    if state != "open":
        return state
    try:
        call = await temporal.get_workflow_handle(program_workflow_id(definition.id)).query(
            "status", result_type=CallState, rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError):
        return state
    return "closed" if call.window == "closed" else state


def remaining(until: datetime, now: datetime) -> str:
    """Time left to an instant, as people read it: '3일 4시간 12분 남음' ('3 d 4 h 12 min left')."""
    left = until - now
    if left <= timedelta(0):
        return _("마감되었습니다")
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s일 %(hours)s시간 %(minutes)s분 남음") % {"days": days, "hours": hours, "minutes": mins}
    if hours:
        return _("%(hours)s시간 %(minutes)s분 남음") % {"hours": hours, "minutes": mins}
    if minutes:
        return _("%(minutes)s분 남음") % {"minutes": mins}
    return _("1분 미만 남음")


def kst_text(at: datetime) -> str:
    return kst_minute(at)
