"""Browser sign-in with a local password: the sign-in page, sign-out, the signed-in landing
page, extending the session (KWCAG 2.2.1) and switching the role one acts in. Pages are
server-rendered (Jinja2), Korean first, and work without JavaScript. They are not API routes:
they answer HTML and authorize themselves (a session, and its CSRF token on every form post)."""

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import Session

from api import pending_signin as pending
from api import sessions
from api.deps import SessionDep
from api.errors import ApiError
from api.i18n import N_, gettext
from api.templating import PAGE_CSP, templates
from api.throttle import SigninThrottle, Throttled, client_address
from axflow.config import Settings
from domain.formatting import kst_clock
from store import second_factor
from store.db import release
from store.passwords import hash_password, needs_rehash, verify_password
from store.user_tables import User, WebSession
from store.users import find_by_login

HERE = Path(__file__).resolve().parent.parent
WRONG = N_("아이디 또는 비밀번호가 올바르지 않습니다.")

router = APIRouter(include_in_schema=False)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["content-security-policy"] = PAGE_CSP
    return response


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def signed_in(request: Request, db: SessionDep) -> tuple[WebSession, User] | None:
    found = sessions.load(db, request.cookies.get(sessions.COOKIE), sessions.now(request), _settings(request))
    release(db)
    return found


SignedIn = Annotated[tuple[WebSession, User] | None, Depends(signed_in)]
CsrfField = Annotated[str, Form(max_length=100)]


def require(found: tuple[WebSession, User] | None, csrf_token: str) -> tuple[WebSession, User]:
    """A form post needs a live session and that session's CSRF token (else 401 / 403)."""
    if found is None:
        raise ApiError("unauthorized", "your session has ended; sign in again (세션이 종료되었습니다)")
    if not sessions.same(csrf_token, found[0].csrf_token):
        raise ApiError("forbidden", "this form is missing its CSRF token (보안 토큰이 없습니다)", {"rule": "csrf"})
    return found


def _signin_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    token = request.cookies.get(sessions.PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    settings = _settings(request)
    response = page(request, "signin.html", status, csrf_token=token, me=None,
                    sso=bool(settings.oidc_jwks_url and settings.oidc_client_id and settings.oidc_issuer), **context)
    sessions.set_cookie(response, sessions.PRE_CSRF_COOKIE, token, settings)
    return response


def _next_path(target: str | None) -> str:
    """Where to go after signing in: only a path on this site (never `//host` or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/signin")
async def signin_form(request: Request, found: SignedIn, expired: bool = False,
                      next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    if found is not None:
        return see_other(_next_path(next))
    notice = gettext("세션이 만료되어 로그아웃되었습니다.") if expired else None
    return _signin_page(request, notice=notice, next_path=_next_path(next))


@router.post("/signin")
async def signin(request: Request, db: SessionDep, csrf_token: CsrfField,
                 login_id: Annotated[str, Form(max_length=100)] = "",
                 password: Annotated[str, Form(max_length=128)] = "",
                 next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    if not sessions.same(csrf_token, request.cookies.get(sessions.PRE_CSRF_COOKIE)):
        raise ApiError("forbidden", "this form is missing its CSRF token (보안 토큰이 없습니다)", {"rule": "csrf"})
    throttle: SigninThrottle = request.app.state.auth_throttle
    at = sessions.now(request)
    limits = throttle.password_limits(client_address(request), login_id)
    if login_id and (throttled := throttle.over(limits, at)) is not None:
        # Refused before the password is looked at, right or wrong: guessing gains nothing here.
        return throttled_page(request, throttled, login_id=login_id, next_path=_next_path(next))
    user = find_by_login(db, login_id) if login_id else None
    # argon2 (~25 ms of CPU) on a worker thread, with the pooled connection given back first: on the
    # event loop it held up every other request (issue 28's stall at concurrency 50).
    release(db)
    # The same answer, after the same work, whether the login id or the password was wrong.
    ok = await run_in_threadpool(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or not user.active or user.kind == "service":
        if login_id and password:  # an empty form is no guess
            throttle.record(limits, at)
        return _signin_page(request, 401, error=gettext(WRONG), login_id=login_id, next_path=_next_path(next))
    if needs_rehash(user.password_hash or ""):  # hashed under older parameters: upgrade it now
        user.password_hash = await run_in_threadpool(hash_password, password)
        db.add(user)
        db.commit()
    enrolled = second_factor.enrolled(db, user.id)
    # The write below begins a transaction of its own: on SQLite a read transaction cannot become a
    # write once another connection (the worker's projections) has committed since it began.
    release(db)
    if second_factor.required(user) or enrolled is not None:
        return pending.begin(request, db, user, _next_path(next), at)
    return start_session(request, db, user, _next_path(next))


def start_session(request: Request, db: Session, user: User, target: str) -> Response:
    """Signed in: a new session cookie, and the sign-in form's own cookie dropped."""
    secret = sessions.start(db, user, user.roles[0], sessions.now(request))
    response = see_other(target)
    sessions.set_cookie(response, sessions.COOKIE, secret, _settings(request))
    sessions.clear_cookie(response, sessions.PRE_CSRF_COOKIE, _settings(request))
    return response


def throttled_page(request: Request, throttled: Throttled, **context: Any) -> HTMLResponse:
    """429 with Retry-After, on the sign-in page, saying when to try again."""
    minutes = max(1, -(-throttled.seconds // 60))
    error = gettext("로그인 실패가 너무 많습니다. %(at)s 이후(약 %(minutes)s분 뒤)에 다시 시도하십시오.") % {
        "at": kst_clock(throttled.retry_at), "minutes": minutes}
    response = _signin_page(request, 429, error=error, **context)
    response.headers["Retry-After"] = str(throttled.seconds)
    return response


@router.post("/signout")
async def signout(request: Request, db: SessionDep, found: SignedIn, csrf_token: CsrfField) -> Response:
    row, _ = require(found, csrf_token)
    sessions.end(db, row, sessions.now(request))
    response = see_other("/signin")
    sessions.clear_cookie(response, sessions.COOKIE, _settings(request))
    return response


@router.post("/session/extend")
async def extend(request: Request, db: SessionDep, found: SignedIn, csrf_token: CsrfField) -> Response:
    """Restart the idle clock (the button shown with the session's end time and its warning)."""
    row, _ = require(found, csrf_token)
    sessions.touch(db, row, sessions.now(request), force=True)
    return see_other("/?extended=1")


@router.post("/session/role")
async def switch_role(request: Request, db: SessionDep, found: SignedIn, csrf_token: CsrfField,
                      role: Annotated[str, Form(max_length=32)]) -> Response:
    """Act in another of one's roles from now on (recorded on what one does next)."""
    row, user = require(found, csrf_token)
    if role not in user.roles:
        raise ApiError("forbidden", f"you do not hold the role {role!r} (보유하지 않은 역할)", {"rule": "role_choice"})
    row.role = role
    db.add(row)
    # Remembered for the next sign-in: the role chosen last leads the person's roles.
    user.roles = [role, *(held for held in user.roles if held != role)]
    db.add(user)
    db.commit()
    return see_other("/")
