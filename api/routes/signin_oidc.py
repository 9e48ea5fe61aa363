"""Browser single sign-on: the OpenID Connect authorization-code flow with PKCE (RFC 7636).

`GET /signin/oidc` sends the browser to the agency's identity provider with a fresh state, nonce
and S256 code challenge (kept server-side, the state hashed); the provider sends it back to
`GET /signin/oidc/callback` with a code, which is exchanged with the verifier at the token
endpoint. The returned id_token is checked like any single sign-on JWT (signature by the JWKS,
issuer, audience = our client id, expiry) plus its nonce; its subject is the directory user.
"""

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import sessions
from api.deps import SessionDep
from api.i18n import N_, gettext
from api.oidc import InvalidToken, directory_user, verify_jwt
from api.routes.signin import _signin_page, see_other
from axflow.config import Settings
from store.db import as_utc
from store.user_tables import OidcLogin

router = APIRouter(include_in_schema=False)
# A sign-in left at the identity provider longer than this must start again.
LOGIN_TTL = timedelta(minutes=10)
FAILED = N_("통합인증 로그인에 실패했습니다. 다시 시도하세요.")
_discovered: dict[str, dict[str, Any]] = {}


async def endpoints(settings: Settings) -> tuple[str, str]:
    """The authorization and token endpoints: from the settings, else the issuer's discovery document."""
    if settings.oidc_authorization_url and settings.oidc_token_url:
        return settings.oidc_authorization_url, settings.oidc_token_url
    issuer = (settings.oidc_issuer or "").rstrip("/")
    if issuer not in _discovered:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(f"{issuer}/.well-known/openid-configuration")
            answer.raise_for_status()
            _discovered[issuer] = answer.json()
    found = _discovered[issuer]
    return (settings.oidc_authorization_url or found["authorization_endpoint"],
            settings.oidc_token_url or found["token_endpoint"])


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@router.get("/signin/oidc")
async def oidc_start(request: Request, db: SessionDep) -> Response:
    settings: Settings = request.app.state.settings
    if not (settings.oidc_jwks_url and settings.oidc_client_id):
        return _signin_page(request, 404, error=gettext("통합인증이 설정되지 않았습니다."))
    authorize, _ = await endpoints(settings)
    state, verifier, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    db.add(OidcLogin(state_hash=_hash(state), code_verifier=verifier, nonce=nonce, created_at=sessions.now(request)))
    db.commit()
    query = urlencode({"response_type": "code", "client_id": settings.oidc_client_id, "scope": "openid profile email",
                       "redirect_uri": _redirect_uri(request, settings), "state": state, "nonce": nonce,
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    return see_other(f"{authorize}?{query}")


@router.get("/signin/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, db: SessionDep, code: str = "", state: str = "",
                        error: str = "") -> Response:
    settings: Settings = request.app.state.settings
    throttle = request.app.state.auth_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(client)
    login = db.get(OidcLogin, _hash(state)) if state and len(state) <= 200 else None
    if login is not None:  # one use only, whatever happens next
        db.delete(login)
        db.commit()
    at = sessions.now(request)
    if error or not code or login is None or at - as_utc(login.created_at) > LOGIN_TTL:
        throttle.failed(client)
        return _signin_page(request, 401, error=gettext(FAILED))
    try:
        claims = await _exchange(request, settings, code, login.code_verifier)
        if not sessions.same(claims.get("nonce"), login.nonce):
            raise InvalidToken("nonce does not match")
        user, role = directory_user(db, claims, settings)
    except (InvalidToken, httpx.HTTPError, KeyError, ValueError):
        throttle.failed(client)
        return _signin_page(request, 401, error=gettext(FAILED))
    secret = sessions.start(db, user, role.value, at)
    response = see_other("/")
    sessions.set_cookie(response, sessions.COOKIE, secret, settings)
    return response


async def _exchange(request: Request, settings: Settings, code: str, verifier: str) -> dict[str, Any]:
    _, token_url = await endpoints(settings)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": _redirect_uri(request, settings),
            "client_id": settings.oidc_client_id, "code_verifier": verifier}
    auth = (settings.oidc_client_id, settings.oidc_client_secret) if settings.oidc_client_secret else None
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(token_url, data=form, auth=auth)
        answer.raise_for_status()
        id_token = answer.json()["id_token"]
    return await run_in_threadpool(verify_jwt, id_token, settings, settings.oidc_client_id)
