"""Browser single sign-on: the OpenID Connect authorization-code flow with PKCE (RFC 7636).

`GET /signin/oidc` sends the browser to the agency's identity provider with a fresh state, nonce
and S256 code challenge, and gives the browser a short-lived cookie that binds that sign-in to it
(api/oidc_logins.py). The provider sends the browser back to `GET /signin/oidc/callback` with a
code and the state; only the browser holding the cookie finds its sign-in, once. The code is
exchanged with the verifier at the token endpoint (the client authenticated by its secret), and
the ID token returned is checked by OIDC Core's rules (api/oidc_tokens.py) before its subject
becomes a session for the directory user linked to it.

The protocol's messages are Authlib's (the authorization request, the token request, the client's
authentication, the S256 challenge); they travel by httpx directly, because Authlib's own httpx
client now warns that it is moving to another HTTP library.
"""

from typing import Any

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import oidc_logins, sessions
from api.deps import SessionDep
from api.i18n import N_, gettext
from api.oidc import InvalidToken, directory_user
from api.oidc_tokens import verify_id_token
from api.routes.signin import _signin_page, see_other, throttled_page
from api.throttle import SigninThrottle, client_address
from axflow.config import Settings

router = APIRouter(include_in_schema=False)
FAILED = N_("통합인증 로그인에 실패했습니다. 다시 시도하세요.")
SCOPE = "openid profile email"
_discovered: dict[str, dict[str, Any]] = {}


async def endpoints(settings: Settings) -> tuple[str, str]:
    """The authorization and token endpoints: from the settings, else the issuer's discovery
    document, which must name the same issuer (OIDC Discovery 1.0 §4.3)."""
    if settings.oidc_authorization_url and settings.oidc_token_url:
        return settings.oidc_authorization_url, settings.oidc_token_url
    issuer = settings.oidc_issuer or ""
    if issuer not in _discovered:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
            answer.raise_for_status()
            found = answer.json()
        if found.get("issuer") != issuer:
            raise InvalidToken(f"the discovery document names another issuer: {found.get('issuer')!r}")
        _discovered[issuer] = found
    found = _discovered[issuer]
    return (settings.oidc_authorization_url or found["authorization_endpoint"],
            settings.oidc_token_url or found["token_endpoint"])


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_jwks_url and settings.oidc_client_id and settings.oidc_issuer)


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


async def _exchange(request: Request, settings: Settings, code: str, code_verifier: str) -> str:
    """The ID token the token endpoint gives for this code and verifier (RFC 6749 §4.1.3, RFC 7636 §4.5)."""
    _, token_url = await endpoints(settings)
    body = prepare_token_request("authorization_code", code=code, code_verifier=code_verifier,
                                 redirect_uri=_redirect_uri(request, settings))
    # A confidential client proves itself by HTTP Basic; a public one only names itself.
    auth = ClientAuth(settings.oidc_client_id, settings.oidc_client_secret,
                      "client_secret_basic" if settings.oidc_client_secret else "none")
    url, headers, body = auth.prepare("POST", token_url, {"Content-Type": "application/x-www-form-urlencoded",
                                                          "Accept": "application/json"}, body)
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(url, content=body, headers=headers)
    token = answer.json()
    if answer.status_code != 200 or "error" in token or not isinstance(token.get("id_token"), str):
        raise InvalidToken(f"the token endpoint refused the code: {token.get('error', answer.status_code)}")
    return str(token["id_token"])


def _bind_cookie(response: Response, settings: Settings, value: str | None) -> None:
    """Set (or, with None, clear) the cookie that ties a sign-in to this browser. SameSite=Lax: the
    provider's redirect back is a top-level navigation, which Lax lets through."""
    secure = settings.env != "dev"
    if value is None:
        response.delete_cookie(oidc_logins.COOKIE, path=oidc_logins.COOKIE_PATH, httponly=True, samesite="lax",
                               secure=secure)
    else:
        response.set_cookie(oidc_logins.COOKIE, value, max_age=int(oidc_logins.LOGIN_TTL.total_seconds()),
                            path=oidc_logins.COOKIE_PATH, httponly=True, samesite="lax", secure=secure)


@router.get("/signin/oidc")
async def oidc_start(request: Request, db: SessionDep) -> Response:
    settings: Settings = request.app.state.settings
    if not configured(settings):
        return _signin_page(request, 404, error=gettext("통합인증이 설정되지 않았습니다."))
    try:
        authorize, _ = await endpoints(settings)
    except (InvalidToken, httpx.HTTPError, KeyError, ValueError):  # the provider is down or misconfigured
        return _signin_page(request, 502, error=gettext(FAILED))
    assert settings.oidc_client_id is not None, "configured() checked it"
    started = oidc_logins.begin(db, sessions.now(request))
    url = prepare_grant_uri(authorize, settings.oidc_client_id, "code", _redirect_uri(request, settings), SCOPE,
                            started.state, nonce=started.nonce, code_challenge_method="S256",
                            code_challenge=create_s256_code_challenge(started.code_verifier))
    response = see_other(url)
    _bind_cookie(response, settings, started.browser_secret)
    return response


@router.get("/signin/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, db: SessionDep, code: str = "", state: str = "",
                        error: str = "") -> Response:
    settings: Settings = request.app.state.settings
    throttle: SigninThrottle = request.app.state.auth_throttle
    at = sessions.now(request)
    # Failed callbacks count against the client's address, as bad API tokens do (api/throttle.py).
    limits = throttle.address_limits(client_address(request))
    if (throttled := throttle.over(limits, at)) is not None:
        return throttled_page(request, throttled)
    # Taken (and so spent) whatever happens next, even when the provider reports an error.
    login = oidc_logins.take(db, state, request.cookies.get(oidc_logins.COOKIE), at)
    try:
        if error or not code or login is None or not configured(settings):
            raise InvalidToken("no sign-in of this browser waits for this answer")
        id_token = await _exchange(request, settings, code, login.code_verifier)
        claims = await run_in_threadpool(verify_id_token, id_token, settings, login.nonce, int(at.timestamp()))
        user, role = directory_user(db, claims, settings)
    except (InvalidToken, httpx.HTTPError, KeyError, ValueError):
        if code or state:  # a bare visit presents nothing to guess with
            throttle.record(limits, at)
        refused = _signin_page(request, 401, error=gettext(FAILED))
        _bind_cookie(refused, settings, None)
        return refused
    secret = sessions.start(db, user, role.value, at)
    response = see_other("/")
    sessions.set_cookie(response, sessions.COOKIE, secret, settings)
    _bind_cookie(response, settings, None)
    return response
