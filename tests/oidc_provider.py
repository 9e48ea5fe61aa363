"""A small OpenID provider the single sign-on tests run over real HTTP (discovery, authorize,
token, JWKS; ID tokens signed with a test key), and an axflow API configured to trust it.

The provider signs in whoever `next_claims` names; a test that plays an attacker or a faulty
provider sets claims that override the honest ones (nonce, iss, aud, azp, iat, exp) or signs with
another key (`forge_with`). It checks what a real provider checks: the client's secret, the code
used once, the redirect URI, and the PKCE verifier against the challenge.
"""

import base64
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from api.main import create_app
from axflow.config import Settings
from tests.conftest import ServerThread, free_port

CLIENT_ID, CLIENT_SECRET, API_AUDIENCE = "axflow-web", "s3cret-for-tests", "axflow"


class IdentityProvider:
    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig"})
        self.forge_with: RSAKey | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.next_claims: dict[str, Any] = {}
        self.verifiers_seen: list[str] = []
        self.app = FastAPI()
        self.app.get("/.well-known/openid-configuration")(self.discovery)
        self.app.get("/authorize")(self.authorize)
        self.app.post("/token")(self.token)
        self.app.get("/jwks")(self.jwks)

    def discovery(self) -> dict[str, str]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks"}

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def authorize(self, request: Request) -> RedirectResponse:
        q = request.query_params
        if q["client_id"] != CLIENT_ID or q["response_type"] != "code" or q["code_challenge_method"] != "S256":
            raise HTTPException(400, "bad authorization request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "redirect_uri": q["redirect_uri"],
                            "claims": dict(self.next_claims)}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    def token(self, request: Request, grant_type: str = Form(), code: str = Form(), redirect_uri: str = Form(),
              code_verifier: str = Form()) -> Any:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, 401)
        grant = self.codes.pop(code, None)  # a code is good for one exchange, whatever its outcome
        if grant is None or grant_type != "authorization_code" or redirect_uri != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, 400)
        if create_s256_code_challenge(code_verifier) != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier"}, 400)
        self.verifiers_seen.append(code_verifier)
        claims = {"aud": CLIENT_ID, "nonce": grant["nonce"]} | grant["claims"]
        return {"access_token": "opaque", "token_type": "Bearer", "id_token": self.sign(**claims)}

    def sign(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "agency-0001", "iat": now, "exp": now + 300,
                "preferred_username": "officer.sso", "name": "강통합", "axflow_role": "program_officer"} | claims
        key = self.forge_with or self.key
        return jwt.encode({"alg": "RS256", "kid": "idp-1"}, body, key)


@dataclass
class SingleSignOn:
    idp: IdentityProvider
    api_url: str

    def browser(self) -> httpx.AsyncClient:
        """A fresh browser: its own cookie jar."""
        return httpx.AsyncClient(base_url=self.api_url)


@asynccontextmanager
async def running_sso(settings: Settings) -> AsyncIterator[SingleSignOn]:
    """The provider and an API configured to trust it, each a real HTTP server on a loopback port."""
    idp_port, api_port = free_port(), free_port()
    idp = IdentityProvider(idp_port)
    trusting = settings.model_copy(update={
        "oidc_jwks_url": f"{idp.issuer}/jwks", "oidc_issuer": idp.issuer, "oidc_audience": API_AUDIENCE,
        "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET})
    servers = [ServerThread(idp.app, idp_port), ServerThread(create_app(trusting), api_port)]
    for server in servers:
        await server.start()
    try:
        yield SingleSignOn(idp, f"http://127.0.0.1:{api_port}")
    finally:
        for server in servers:
            server.stop()


async def at_provider(browser: httpx.AsyncClient) -> tuple[str, dict[str, list[str]]]:
    """Start a sign-in in `browser` and let the provider answer: the callback URL (path and query)
    it sends the browser back to, and what the sign-in asked the provider for."""
    start = await browser.get("/signin/oidc")
    assert start.status_code == 303, start.text
    sent = parse_qs(urlparse(start.headers["location"]).query)
    async with httpx.AsyncClient() as provider_side:
        back = await provider_side.get(start.headers["location"])
    assert back.status_code == 302, back.text
    callback = urlparse(back.headers["location"])
    return f"{callback.path}?{callback.query}", sent


async def through_provider(browser: httpx.AsyncClient) -> httpx.Response:
    """A whole sign-in in `browser`: the callback's answer."""
    callback, _ = await at_provider(browser)
    return await browser.get(callback)
