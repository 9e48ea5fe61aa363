"""Browser single sign-on: the authorization-code flow with PKCE against a small identity
provider this test runs over real HTTP (discovery, authorize, token, JWKS; id_tokens signed with
a test key). The person is one directory user whether they come by browser or by bearer JWT."""

import base64
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from api.main import create_app
from tests.conftest import ServerThread, Stack, free_port

CLIENT_ID, CLIENT_SECRET, API_AUDIENCE = "axflow-web", "s3cret-for-tests", "axflow"


class IdentityProvider:
    """Just enough of an OpenID provider: it signs in whoever `next_claims` names."""

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
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
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [jwk | {"kid": "idp-1", "use": "sig"}]}

    def authorize(self, request: Request) -> RedirectResponse:
        q = request.query_params
        if q["client_id"] != CLIENT_ID or q["response_type"] != "code" or q["code_challenge_method"] != "S256":
            raise HTTPException(400, "bad authorization request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "redirect_uri": q["redirect_uri"],
                            "claims": dict(self.next_claims)}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    def token(self, request: Request, grant_type: str = Form(), code: str = Form(), redirect_uri: str = Form(),
              code_verifier: str = Form(), client_id: str = Form()) -> dict[str, Any]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected or client_id != CLIENT_ID:
            raise HTTPException(401, "client authentication failed")
        grant = self.codes.pop(code, None)
        if grant is None or grant_type != "authorization_code" or redirect_uri != grant["redirect_uri"]:
            raise HTTPException(400, "invalid_grant")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).decode().rstrip("=")
        if challenge != grant["challenge"]:
            raise HTTPException(400, "PKCE verifier does not match")
        self.verifiers_seen.append(code_verifier)
        return {"access_token": "opaque", "token_type": "Bearer",
                "id_token": self.sign(aud=CLIENT_ID, nonce=grant["nonce"], **grant["claims"])}

    def sign(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "agency-0001", "iat": now, "exp": now + 300,
                "preferred_username": "officer.sso", "name": "강통합", "axflow_role": "program_officer"} | claims
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "idp-1"})


@pytest.fixture
async def sso(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, IdentityProvider]]:
    idp_port, api_port = free_port(), free_port()
    idp = IdentityProvider(idp_port)
    settings = stack.settings.model_copy(update={
        "oidc_jwks_url": f"{idp.issuer}/jwks", "oidc_issuer": idp.issuer, "oidc_audience": API_AUDIENCE,
        "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET})
    servers = [ServerThread(idp.app, idp_port), ServerThread(create_app(settings), api_port)]
    for server in servers:
        await server.start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}") as http:
        yield http, idp
    for server in servers:
        server.stop()


async def through_provider(http: httpx.AsyncClient) -> tuple[httpx.Response, dict[str, list[str]]]:
    """Start the sign-in, let the provider answer, and come back: the callback's answer."""
    start = await http.get("/signin/oidc")
    assert start.status_code == 303
    sent = parse_qs(urlparse(start.headers["location"]).query)
    async with httpx.AsyncClient() as browser_at_idp:
        back = await browser_at_idp.get(start.headers["location"])
    assert back.status_code == 302, back.text
    callback = urlparse(back.headers["location"])
    return await http.get(f"{callback.path}?{callback.query}"), sent


async def test_code_flow_with_pkce_signs_a_person_in(sso) -> None:  # type: ignore[no-untyped-def]
    http, idp = sso
    idp.next_claims = {"sub": "agency-0001", "email": "sso@agency.go.kr", "email_verified": True}
    assert "/signin/oidc" in (await http.get("/signin")).text  # the page offers single sign-on
    answer, sent = await through_provider(http)
    assert sent["code_challenge_method"] == ["S256"] and len(sent["code_challenge"][0]) == 43
    assert sent["state"] and sent["nonce"] and sent["scope"] == ["openid profile email"]
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    me = (await http.get("/me")).json()
    assert (me["display_name"], me["acting_role"], me["email"]) == ("강통합", "program_officer", "sso@agency.go.kr")
    assert len(idp.verifiers_seen) == 1  # the provider checked the verifier against the challenge

    # The same person with the provider's JWT as a bearer token is the same user.
    bearer = idp.sign(aud=API_AUDIENCE, sub="agency-0001")
    again = await http.get("/me", headers={"Authorization": f"Bearer {bearer}"}, cookies={})
    assert again.status_code == 200 and again.json()["id"] == me["id"]


async def test_a_replayed_or_forged_callback_is_refused(sso) -> None:  # type: ignore[no-untyped-def]
    http, idp = sso
    idp.next_claims = {"sub": "agency-0002", "preferred_username": "officer.two"}
    start = await http.get("/signin/oidc")
    async with httpx.AsyncClient() as browser_at_idp:
        back = await browser_at_idp.get(start.headers["location"])
    callback = urlparse(back.headers["location"])
    params = parse_qs(callback.query)
    forged = await http.get(f"{callback.path}?{urlencode({'code': params['code'][0], 'state': 'made-up'})}")
    assert forged.status_code == 401 and "통합인증 로그인에 실패했습니다" in forged.text
    # The real state was not spent by the forgery; used once, it is gone.
    assert (await http.get(f"{callback.path}?{callback.query}")).status_code == 303
    replay = await http.get(f"{callback.path}?{callback.query}", cookies={})
    assert replay.status_code == 401
    denied = await http.get(f"{callback.path}?{urlencode({'error': 'access_denied', 'state': params['state'][0]})}")
    assert denied.status_code == 401


async def test_a_disabled_sso_user_cannot_sign_in(stack: Stack, sso) -> None:  # type: ignore[no-untyped-def]
    http, idp = sso
    idp.next_claims = {"sub": "agency-0003", "preferred_username": "officer.three"}
    assert (await through_provider(http))[0].status_code == 303
    user_id = (await http.get("/me")).json()["id"]
    from domain.phases import Role
    await stack.call("POST", f"/users/{user_id}/disable", stack.as_role(Role.ADMIN), {})
    assert (await http.get("/me")).status_code == 401
    http.cookies.clear()
    assert (await through_provider(http))[0].status_code == 401
