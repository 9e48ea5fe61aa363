"""An identity verification provider (본인확인: PASS, 간편인증 through 카카오/네이버/토스, a 공동인증서)
as a real server speaking OpenID Connect's authorization code flow with PKCE.

- GET /.well-known/openid-configuration, GET /jwks: discovery and the signing key (RS256).
- GET /authorize: a small page where the simulated person enters their name and birth date (or
  picks a demo person) and confirms, as they would in the PASS app; POST /authorize sends them back
  to the client's redirect URI with a one-use code and the client's state.
- POST /token: the code (with the PKCE verifier and the client's secret) for an id_token naming
  the person: `name`, `birthdate`, and `ci`, the stable person key (연계정보) — the same person
  always gets the same CI, derived here from name and birth date under the simulator's secret.
Faults (PUT /_faults) apply to the token endpoint, as the other simulators' do.
"""

import base64
import hashlib
import hmac
import random
import secrets
import time
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jwt.algorithms import RSAAlgorithm

from simulators.faults import Faults, add_control_routes, apply_faults

# People a demo can pick without typing: ceo.demo's company's representative (the tax simulator's
# register names them, simulators/tax_register.py) and someone who represents no company.
DEMO_PEOPLE = (("홍길동", "1980-01-01"), ("김다른", "1990-05-05"))
CODE_SECONDS = 60
TOKEN_SECONDS = 300


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#111}}
label{{display:block;margin-top:1rem}}input,button{{font-size:1rem;padding:.4rem}}
button{{margin-top:1rem;background:#0b3d91;color:#fff;border:0;border-radius:4px}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>""")


def create_identity_provider_app(issuer: str, client_id: str, client_secret: str, secret: str = "sim-ci") -> FastAPI:
    """The provider at `issuer` (its own base URL) with one registered client."""
    app = FastAPI(title="Identity verification provider simulator (본인확인)")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_hex(4)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": kid, "use": "sig", "alg": "RS256"}
    codes: dict[str, dict[str, Any]] = {}
    state: dict[str, Any] = {"faults": Faults(), "rng": random.Random(17)}

    def person_key(name: str, birthdate: str) -> str:
        digest = hmac.new(secret.encode(), f"{name}|{birthdate}".encode(), hashlib.sha512).digest()
        return base64.b64encode(digest).decode()  # 88 characters, as a real CI

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token", "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "profile"], "claims_supported": ["name", "birthdate", "ci"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]}

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return {"keys": [jwk]}

    def _check_request(params: dict[str, str]) -> None:
        if params.get("client_id") != client_id or params.get("response_type") != "code":
            raise HTTPException(400, "unknown client or response_type (invalid_request)")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            raise HTTPException(400, "PKCE with S256 is required (invalid_request)")
        if not params.get("redirect_uri") or not params.get("state") or not params.get("nonce"):
            raise HTTPException(400, "redirect_uri, state and nonce are required (invalid_request)")

    @app.get("/authorize", response_class=HTMLResponse)
    async def authorize_page(request: Request) -> HTMLResponse:
        params = dict(request.query_params)
        _check_request(params)
        hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
        people = "".join(f'<li><button type="submit" name="pick" value="{escape(n)}|{b}">{escape(n)} ({b})</button></li>'
                         for n, b in DEMO_PEOPLE)
        return _page("본인확인 (시뮬레이터)", f"""<p>휴대폰 본인확인을 흉내 냅니다. 이름과 생년월일을 입력하고 확인하세요.
(Simulated identity verification: enter a name and birth date.)</p>
<form method="post" action="/authorize">{hidden}
<label for="name">이름 (Name)</label><input id="name" name="name" autocomplete="name">
<label for="birthdate">생년월일 (Birth date, YYYY-MM-DD)</label><input id="birthdate" name="birthdate">
<button type="submit" id="confirm">본인 확인 (Confirm)</button>
<h2>데모 사용자 (Demo people)</h2><ul>{people}</ul></form>""")

    @app.post("/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        _check_request(form)
        name, birthdate = form.get("name", "").strip(), form.get("birthdate", "").strip()
        if form.get("pick"):
            name, _, birthdate = form["pick"].partition("|")
        if not name or len(birthdate) != 10:
            raise HTTPException(400, "이름과 생년월일(YYYY-MM-DD)을 입력하세요 (name and birth date are required)")
        code = secrets.token_urlsafe(24)
        codes[code] = {"name": name, "birthdate": birthdate, "nonce": form["nonce"],
                       "redirect_uri": form["redirect_uri"], "challenge": form["code_challenge"],
                       "expires": time.time() + CODE_SECONDS}
        query = urlencode({"code": code, "state": form["state"]})
        return RedirectResponse(f"{form['redirect_uri']}?{query}", 303)

    @app.post("/token")
    async def token(request: Request, grant_type: Annotated[str, Form()] = "", code: Annotated[str, Form()] = "",
                    redirect_uri: Annotated[str, Form()] = "", code_verifier: Annotated[str, Form()] = "",
                    client_id_form: Annotated[str, Form(alias="client_id")] = "",
                    client_secret_form: Annotated[str, Form(alias="client_secret")] = "") -> JSONResponse:
        await apply_faults(state["faults"], state["rng"])
        given_id, given_secret = client_id_form, client_secret_form
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            given_id, _, given_secret = base64.b64decode(basic[6:]).decode().partition(":")
        if given_id != client_id or not hmac.compare_digest(given_secret, client_secret):
            return JSONResponse({"error": "invalid_client"}, 401)
        grant = codes.pop(code, None)  # one use, whatever follows
        if grant_type != "authorization_code" or grant is None or grant["expires"] < time.time() \
                or grant["redirect_uri"] != redirect_uri or _s256(code_verifier) != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant"}, 400)
        now = int(time.time())
        ci = person_key(grant["name"], grant["birthdate"])
        claims = {"iss": issuer, "aud": client_id, "azp": client_id, "iat": now, "exp": now + TOKEN_SECONDS,
                  "sub": hashlib.sha256(ci.encode()).hexdigest()[:32], "nonce": grant["nonce"],
                  "name": grant["name"], "birthdate": grant["birthdate"], "ci": ci}
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
        return JSONResponse({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                             "expires_in": TOKEN_SECONDS, "id_token": id_token, "scope": "openid profile"})

    add_control_routes(app, state)
    return app
