"""Forgotten password: ask for a link by login id or email, follow it, set a new password.

The request page answers the same whether or not such an account exists (it reveals nobody), and
counts against the client address like a failed sign-in, so it cannot flood a mailbox. Opening the
link spends nothing (a mail scanner may fetch it); the form's POST sets the password, uses the link
up and ends every session of the person (store/accounts.py)."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api import sessions
from api.deps import SessionDep
from api.errors import ApiError
from api.i18n import gettext
from api.pages.shared.bilingual import in_page_language, one_language
from api.pages.shared.common import portal_link, tell, writing
from api.routes.signin import page
from api.throttle import SigninThrottle, client_address
from store.accounts import RESET_VALID, account_for_reset, issue_reset, live_reset, reset_password
from store.db import release
from store.users import DirectoryError

router = APIRouter(include_in_schema=False)
Secret = Annotated[str, Form(max_length=128)]


def _check_csrf(request: Request, csrf_token: str) -> None:
    if not sessions.same(csrf_token, request.cookies.get(sessions.PRE_CSRF_COOKIE)):
        raise ApiError("forbidden", "this form is missing its CSRF token (보안 토큰이 없습니다)", {"rule": "csrf"})


def _form(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    """A page of this flow with the sign-in form's double-submit CSRF cookie."""
    token = request.cookies.get(sessions.PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = page(request, name, status, csrf_token=token, me=None, **context)
    sessions.set_cookie(response, sessions.PRE_CSRF_COOKIE, token, request.app.state.settings)
    return response


@router.get("/signin/reset", response_class=HTMLResponse)
async def reset_request_form(request: Request, token: str = "") -> Response:
    if token:  # the emailed link: a form, nothing spent until it is posted
        with writing(request) as db:
            found = live_reset(db, token, sessions.now(request))
        if found is None:
            return page(request, "account/reset_dead.html", 410, me=None)
        return _form(request, "account/reset_password.html", token=token, user=found[1], errors=[])
    return _form(request, "account/reset_request.html")


@router.post("/signin/reset/request", response_class=HTMLResponse)
async def reset_request(request: Request, db: SessionDep, csrf_token: Secret,
                        login_id: Annotated[str, Form(max_length=254)] = "") -> Response:
    _check_csrf(request, csrf_token)
    throttle: SigninThrottle = request.app.state.auth_throttle
    at = sessions.now(request)
    throttle.refuse_if_over(throttle.address_limits(client_address(request)), at)
    throttle.record(throttle.address_limits(client_address(request)), at)
    user = account_for_reset(db, login_id)
    release(db)
    if user is not None and user.email:
        with writing(request) as w:
            secret = issue_reset(w, user, at)
        settings = request.app.state.settings
        minutes = int(RESET_VALID.total_seconds() // 60)
        link = portal_link(settings, f"/signin/reset?token={secret}")
        await tell(settings, user.email, in_page_language("axflow 비밀번호 재설정", "axflow: reset your password"),
                   in_page_language(f"{user.display_name}님, 비밀번호 재설정을 요청하셨습니다.\n아래 링크에서 새 비밀번호를 "
                                    f"정하십시오 ({minutes}분 동안 한 번만 쓸 수 있습니다. 새 비밀번호를 정하면 모든 "
                                    f"기기에서 로그아웃됩니다):\n\n{link}\n\n요청하지 않으셨다면 이 메일을 무시하십시오.",
                                    f"{user.display_name}, you asked to reset your password.\nSet a new one from the "
                                    f"link (it works once, for {minutes} minutes, and signs you out everywhere):"
                                    f"\n\n{link}\n\nIf you did not ask, ignore this message."))
    return page(request, "account/reset_sent.html", me=None)


@router.post("/signin/reset", response_class=HTMLResponse)
async def reset_confirm(request: Request, csrf_token: Secret, token: Secret = "",
                        password: Annotated[str, Form(max_length=128)] = "") -> Response:
    _check_csrf(request, csrf_token)
    at = sessions.now(request)
    try:
        with writing(request) as w:
            user = reset_password(w, token, password, at)
    except DirectoryError as err:
        with writing(request) as w:
            found = live_reset(w, token, at)
        return _form(request, "account/reset_password.html", 422, token=token, user=found[1] if found else None,
                     errors=[one_language(err.message)])
    if user is None:
        return page(request, "account/reset_dead.html", 410, me=None)
    return page(request, "account/reset_done.html", me=None, user=user,
                notice=gettext("비밀번호를 바꾸었습니다. 모든 기기에서 로그아웃되었습니다."))
