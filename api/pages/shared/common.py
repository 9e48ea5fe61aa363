"""What every console and portal page shares: who is looking (`PageViewer`), rendering with the
session timer and the security headers (`render`), the CSRF check of form posts (`check_csrf`),
the staff navigation per role, the write session (`writing`) and email that never breaks a page
(`tell`). Templates' filters and globals are in api/templating.py.

A page is not an API route: it authorizes itself from the browser session and answers HTML. A
browser without a session is sent to sign in and brought back to the page it asked for."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlmodel import Session

from api import sessions
from api.deps import SessionDep, acting_role, actor_of
from api.errors import ApiError
from api.i18n import N_, current_language, gettext
from api.pages.shared.redirects import page_path
from api.policy import page_roles
from api.templating import PAGE_CSP, role_label, templates
from axflow.config import Settings
from axflow.mail import send_mail
from domain.phases import Role
from domain.state import Actor
from store.db import release
from store.user_tables import User, WebSession

log = structlog.get_logger()

@dataclass(frozen=True)
class Viewer:
    user: User
    session_row: WebSession
    role: Role
    csrf_token: str
    actor: Actor
    expires_at: datetime
    now: datetime


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str  # Korean, marked for the catalogue; the layout shows it in the page's language


# The console's screens by role (the URL map in notes/contracts.md); a role sees only its own desks.
HOME = NavLink("/", N_("내 할 일"))
STARTUPS = NavLink("/console/startups", N_("스타트업"))
PROGRAMS = NavLink("/console/programs", N_("사업"))
FINANCE = NavLink("/console/finance", N_("회계"))
EVALUATIONS = NavLink("/console/evaluations", N_("평가"))
AUDIT = NavLink("/console/audit", N_("감사"))
USERS = NavLink("/console/admin/users", N_("사용자"))
MAILBOX = NavLink("/console/admin/mail", N_("메일함"))
COMPANIES = NavLink("/console/companies", N_("회사 확인"))  # binding requests and their record
NAVIGATION: dict[Role, tuple[NavLink, ...]] = {
    Role.PROGRAM_OFFICER: (HOME, STARTUPS, PROGRAMS, COMPANIES),
    Role.FINANCE_OFFICER: (HOME, FINANCE, STARTUPS, PROGRAMS),
    Role.EVALUATOR: (HOME, EVALUATIONS, STARTUPS),
    Role.AUDITOR: (HOME, AUDIT, STARTUPS, PROGRAMS, COMPANIES),
    Role.ADMIN: (HOME, STARTUPS, PROGRAMS, USERS, MAILBOX),
    Role.STARTUP: (NavLink("/portal/my", N_("내 과제")),),
}
STAFF_ROLES = frozenset(NAVIGATION) - {Role.STARTUP}


def _sign_in_first(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(303, "sign in first (로그인이 필요합니다)",
                         headers={"Location": page_path(request, "signin_form", query={"next": target})})


async def page_viewer(request: Request, db: SessionDep) -> Viewer:
    """The signed-in person looking at a page, acting in their session's role; no live session →
    303 to the sign-in page (which brings them back here). Asking for a page is activity: the
    idle clock restarts."""
    return _viewer(request, db, activity=True)


async def poll_viewer(request: Request, db: SessionDep) -> Viewer:
    """The same person, for what a page's script asks by itself in the background (the startup
    page's /version and /live): that is no sign of anyone at the keyboard, so the idle clock runs
    on and an unattended open page still ends at the idle limit (KWCAG 2.2.1)."""
    return _viewer(request, db, activity=False)


def _viewer(request: Request, db: SessionDep, activity: bool) -> Viewer:
    at = sessions.now(request)
    settings = request.app.state.settings
    found = sessions.load(db, request.cookies.get(sessions.COOKIE), at, settings)
    if found is None:
        release(db)
        raise _sign_in_first(request)
    row, user = found
    if activity:
        sessions.touch(db, row, at)
    role = acting_role(user, None, row.role)
    actor = actor_of(db, user, role)
    release(db)
    request.state.actor = actor
    viewer = Viewer(user=user, session_row=row, role=role, csrf_token=row.csrf_token, actor=actor,
                    expires_at=sessions.expires_at(row, settings), now=at)
    return allowed_here(request, viewer)


class PageRefused(Exception):
    """A signed-in person on a page their acting role may not use (api.policy.PAGE_ROLES): the
    console's error page, 403, naming the roles that may (`page_refused`, installed in api/main.py)."""

    def __init__(self, viewer: Viewer, error: ApiError) -> None:
        super().__init__(error.message)
        self.viewer, self.error = viewer, error


def allowed_here(request: Request, viewer: Viewer) -> Viewer:
    """The viewer, if the page's entry in the policy table admits their acting role; a page route
    without an entry admits nobody."""
    roles = page_roles(request.method, getattr(request.scope.get("route"), "path", ""))
    if roles is None:
        raise PageRefused(viewer, ApiError("forbidden", gettext("이 화면에는 접근 규칙이 없어 아무도 열 수 없습니다."),
                                           {"rule": "route_policy"}))
    try:
        require_role(viewer, *(role for role in Role if role in roles))
    except ApiError as err:
        raise PageRefused(viewer, err) from None
    return viewer


async def page_refused(request: Request, exc: PageRefused) -> HTMLResponse:
    return render(request, exc.viewer, "console/error.html", status=exc.error.status, error=exc.error)


PageViewer = Annotated[Viewer, Depends(page_viewer)]
PollViewer = Annotated[Viewer, Depends(poll_viewer)]


def check_csrf(viewer: Viewer, csrf_token: str | None) -> None:
    """A form post must carry its session's CSRF token (hidden field `csrf_token`), else 403."""
    if not sessions.same(csrf_token, viewer.csrf_token):
        raise ApiError("forbidden", "this form is missing its CSRF token (보안 토큰이 없습니다)", {"rule": "csrf"})


def require_role(viewer: Viewer, *roles: Role) -> None:
    """Pages for some roles only: anyone else gets 403 with the roles that may look."""
    if viewer.role not in roles:
        raise ApiError("forbidden", gettext("이 화면은 %(roles)s 역할만 볼 수 있습니다.")
                       % {"roles": ", ".join(role_label(r.value) for r in roles)},
                       {"rule": "role", "allowed_roles": sorted(r.value for r in roles)})


def render(request: Request, viewer: Viewer | None, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with everything base.html and console/layout.html need: the person, their acting
    role, the CSRF token for forms, the session timer, the navigation for the role; and the CSP."""
    settings = request.app.state.settings
    common: dict[str, Any] = {"me": None, "current_path": request.url.path}
    if viewer is not None:
        common |= {
            "me": viewer.user, "viewer": viewer, "acting_role": viewer.role.value, "csrf_token": viewer.csrf_token,
            "session_expires_at": viewer.expires_at, "warning_seconds": settings.session_warning_minutes * 60,
            "idle_minutes": settings.session_idle_minutes, "navigation": NAVIGATION.get(viewer.role, ()),
            "now": viewer.now,
        }
    response = templates.TemplateResponse(request, name, common | context, status_code=status)
    response.headers["content-security-policy"] = PAGE_CSP
    return response


@contextmanager
def writing(request: Request) -> Iterator[Session]:
    """A session for the portal's writes (drafts, accounts, links, documents). On SQLite its
    transactions take the write lock when they begin, as the worker's do, so what a write reads
    first (the next receipt number, a draft to update) cannot change before it is written; on
    PostgreSQL it is an ordinary one."""
    engine: Engine = request.app.state.write_engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


def portal_link(settings: Settings, path: str) -> str:
    return settings.public_base() + path


async def tell(settings: Settings, to: str, subject: str, text: str) -> bool:
    """Send one email in the page's language; a mail server that is down is logged, never a failed page."""
    try:
        await send_mail(settings, to=to, subject=subject, text=text, language=current_language())
        return True
    except Exception as err:  # MailRefused, MailUnavailable, a socket error: the page still answers
        log.warning("portal mail not sent", to=to, subject=subject, error=str(err))
        return False
