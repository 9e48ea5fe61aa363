"""One's own account, signed in: change the password (the current one typed again), see every
signed-in browser and end any of them, and set up or turn off the second factor (staff).

Signing in again does not end an earlier session: a person may work on two computers. Instead
this page lists the live sessions with when and how each started, and ends any of them, or all
but this one; changing or resetting the password ends the others by itself."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api import sessions
from api.deps import SessionDep
from api.i18n import gettext
from api.pages.shared.bilingual import one_language
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, writing
from api.routes.signin import see_other
from store import second_factor
from store.accounts import change_password, end_session, end_sessions, live_sessions, new_password_hash
from store.db import release
from store.users import DirectoryError

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
Secret = Annotated[str, Form(max_length=128)]


def _account(request: Request, db: SessionDep, viewer: Viewer, status: int = 200, **context: Any) -> HTMLResponse:
    settings = request.app.state.settings
    rows = [row for row in live_sessions(db, viewer.user.id)
            if sessions.expires_at(row, settings) > viewer.now]
    staff = viewer.user.kind == "staff"
    factor = second_factor.enrolled(db, viewer.user.id) if staff else None
    release(db)
    return render(request, viewer, "account/account.html", status, sessions_live=rows,
                  this_session=viewer.session_row.id_hash, staff=staff, factor=factor,
                  factor_required=second_factor.required(viewer.user),
                  codes_left=second_factor.recovery_codes_left(db, viewer.user.id) if factor else 0,
                  errors=context.pop("errors", {}), **context)


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, db: SessionDep, viewer: PageViewer, done: str = "") -> HTMLResponse:
    notices = {"password": gettext("비밀번호를 바꾸었습니다. 다른 기기의 로그인은 모두 끝났습니다."),
               "ended": gettext("선택한 로그인을 끝냈습니다."),
               "factor": gettext("2단계 인증을 설정했습니다."), "factor_off": gettext("2단계 인증을 껐습니다.")}
    return _account(request, db, viewer, notice=notices.get(done))


@router.post("/account/password", response_class=HTMLResponse)
async def account_password(request: Request, db: SessionDep, viewer: PageViewer, csrf_token: Csrf,
                           current_password: Secret = "", password: Secret = "") -> Response:
    check_csrf(viewer, csrf_token)
    try:
        # Two argon2 runs (the current password checked, the new one hashed): on a worker thread,
        # before the write transaction, never on the event loop every other request shares.
        password_hash = await run_in_threadpool(new_password_hash, viewer.user, current_password, password)
    except DirectoryError as err:
        return _account(request, db, viewer, 422, errors={err.field: [one_language(err.message)]})
    with writing(request) as w:
        user = w.get(type(viewer.user), viewer.user.id)
        assert user is not None, "the signed-in viewer's own row"
        change_password(w, user, password_hash, sessions.now(request), viewer.session_row.id_hash)
    return see_other("/account?done=password")


@router.post("/account/sessions/end", response_class=HTMLResponse)
async def account_end_sessions(request: Request, viewer: PageViewer, csrf_token: Csrf,
                               session: Annotated[str, Form(max_length=64)] = "") -> Response:
    """End one session (its id on the list), or every other one (`others`)."""
    check_csrf(viewer, csrf_token)
    at = sessions.now(request)
    with writing(request) as w:
        if session == "others":
            end_sessions(w, viewer.user.id, at, keep=viewer.session_row.id_hash)
        else:
            end_session(w, viewer.user.id, session, at)
    if session == viewer.session_row.id_hash:
        return see_other("/signin")
    return see_other("/account?done=ended")


@router.get("/account/second-factor", response_class=HTMLResponse)
async def factor_enrol_form(request: Request, db: SessionDep, viewer: PageViewer) -> Response:
    if viewer.user.kind != "staff" or second_factor.enrolled(db, viewer.user.id) is not None:
        return see_other("/account")
    return _enrol_page(request, db, viewer)


def _enrol_page(request: Request, db: SessionDep, viewer: Viewer, status: int = 200, **context: Any) -> HTMLResponse:
    release(db)
    with writing(request) as w:  # reads, then may write: on SQLite, take the write lock first
        secret = second_factor.begin_enrolment(w, viewer.user)
    uri = second_factor.provisioning_uri(secret, viewer.user)
    return render(request, viewer, "account/factor_enrol.html", status, secret=secret, qr=second_factor.qr_svg(uri),
                  action="/account/second-factor", user=viewer.user, **context)


@router.post("/account/second-factor", response_class=HTMLResponse)
async def factor_enrol(request: Request, db: SessionDep, viewer: PageViewer, csrf_token: Csrf,
                       code: Annotated[str, Form(max_length=40)] = "") -> Response:
    check_csrf(viewer, csrf_token)
    if viewer.user.kind != "staff":
        return see_other("/account")
    with writing(request) as w:
        codes = second_factor.confirm_enrolment(w, viewer.user, code, sessions.now(request))
    if codes is None:
        return _enrol_page(request, db, viewer, 422, error=gettext("인증 코드가 맞지 않습니다. 앱에 보이는 6자리 숫자를 "
                                                                   "입력하십시오."))
    return render(request, viewer, "account/recovery_codes.html", codes=codes, next_path="/account?done=factor")


@router.post("/account/second-factor/off", response_class=HTMLResponse)
async def factor_off(request: Request, db: SessionDep, viewer: PageViewer, csrf_token: Csrf,
                     code: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Turn the second factor off: not for those who must have it, and only with a current code."""
    check_csrf(viewer, csrf_token)
    if second_factor.required(viewer.user):
        return _account(request, db, viewer, 403, errors={"factor": [gettext("관리자와 회계 담당자는 2단계 인증을 끌 수 "
                                                                           "없습니다.")]})
    with writing(request) as w:
        accepted = second_factor.check_code(w, viewer.user, code, sessions.now(request))
        if accepted:
            second_factor.remove(w, viewer.user)
    if not accepted:
        return _account(request, db, viewer, 422, errors={"factor": [gettext("인증 코드가 맞지 않습니다.")]})
    return see_other("/account?done=factor_off")
