"""The second step of a staff sign-in: a TOTP code (or a recovery code), or, for an admin or
finance officer who has none yet, setting one up before any session starts (store/second_factor.py).

A wrong code counts against the same throttle keys as a wrong password, so the six digits cannot
be guessed around the password's limit; five wrong codes end the pending sign-in."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api import pending_signin as pending
from api import sessions
from api.deps import SessionDep
from api.errors import ApiError
from api.i18n import gettext
from api.pages.shared.common import writing
from api.routes.signin import page, see_other, start_session, throttled_page
from api.throttle import SigninThrottle, client_address
from store import second_factor
from store.account_tables import PendingSignin
from store.db import release
from store.user_tables import User

router = APIRouter(include_in_schema=False)
Code = Annotated[str, Form(max_length=40)]


def _factor_page(request: Request, db: SessionDep, user: User, status: int = 200, **context: Any) -> HTMLResponse:
    token = request.cookies.get(sessions.PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    if second_factor.enrolled(db, user.id) is not None:
        response = page(request, "account/factor_code.html", status, csrf_token=token, me=None, user=user, **context)
    else:
        release(db)
        with writing(request) as w:  # reads, then may write: on SQLite, take the write lock first
            secret = second_factor.begin_enrolment(w, user)
        uri = second_factor.provisioning_uri(secret, user)
        response = page(request, "account/factor_enrol.html", status, csrf_token=token, me=None, user=user,
                        secret=secret, qr=second_factor.qr_svg(uri), action=pending.FACTOR_PAGE,
                        required=second_factor.required(user), **context)
    sessions.set_cookie(response, sessions.PRE_CSRF_COOKIE, token, request.app.state.settings)
    return response


@router.get(pending.FACTOR_PAGE)
async def factor_form(request: Request, db: SessionDep) -> Response:
    found = pending.load(request, db)
    if found is None:
        release(db)
        return see_other("/signin?expired=1")
    return _factor_page(request, db, found[1])


@router.post(pending.FACTOR_PAGE)
async def factor_check(request: Request, db: SessionDep, csrf_token: Annotated[str, Form(max_length=100)],
                       code: Code = "") -> Response:
    if not sessions.same(csrf_token, request.cookies.get(sessions.PRE_CSRF_COOKIE)):
        raise ApiError("forbidden", "this form is missing its CSRF token (보안 토큰이 없습니다)", {"rule": "csrf"})
    found = pending.load(request, db)
    if found is None:
        release(db)
        return see_other("/signin?expired=1")
    row: PendingSignin | None  # read again in each write transaction below: it may have ended meanwhile
    row, user = found
    throttle: SigninThrottle = request.app.state.auth_throttle
    at = sessions.now(request)
    limits = throttle.password_limits(client_address(request), user.login_id)
    if (throttled := throttle.over(limits, at)) is not None:
        return throttled_page(request, throttled, login_id=user.login_id, next_path=row.next_path)
    release(db)
    with writing(request) as w:  # the code's check and its use in one write transaction
        row = w.get(PendingSignin, row.id_hash)
        if row is None:  # ended meanwhile (five wrong codes in another tab)
            return see_other("/signin?expired=1")
        if second_factor.enrolled(w, user.id) is not None:
            if second_factor.check_code(w, user, code, at):
                return pending.finish(w, row, start_session(request, w, user, row.next_path), request)
        else:
            codes = second_factor.confirm_enrolment(w, user, code, at)
            if codes is not None:
                started = start_session(request, w, user, row.next_path)
                shown = page(request, "account/recovery_codes.html", codes=codes, next_path=row.next_path, me=None)
                for cookie in started.headers.getlist("set-cookie"):
                    shown.headers.append("set-cookie", cookie)
                return pending.finish(w, row, shown, request)
    throttle.record(limits, at)
    with writing(request) as w:
        row = w.get(PendingSignin, row.id_hash)
        if row is None or pending.wrong_code(w, row):
            return see_other("/signin?expired=1")
    return _factor_page(request, db, user, 401, error=gettext("인증 코드가 맞지 않습니다. 앱에 보이는 6자리 숫자나 복구 코드를 "
                                                              "입력하십시오."))
