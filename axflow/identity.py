"""A client of the identity verification provider (본인확인): OpenID Connect's authorization code
flow with PKCE and a nonce (Authlib builds the requests, httpx sends them); the id_token checked against the provider's published
keys (signature, issuer, audience, authorized party, expiry, nonce) before anything in it is
believed. The provider is the simulator under `make run` and the tests, the agency's contracted one
(PASS, 간편인증 ...) in production: settings `identity_*`."""

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from axflow.config import Settings

TIMEOUT = httpx.Timeout(10.0)


class IdentityFailed(Exception):
    """The provider did not say who the person is (down, refused the code, or a bad id_token)."""


@dataclass(frozen=True)
class VerifiedPerson:
    name: str
    birthdate: str
    ci: str  # the provider's stable person key (연계정보)


@dataclass(frozen=True)
class Start:
    """Where to send the browser, and what to keep until it comes back."""
    url: str
    state: str
    nonce: str
    code_verifier: str


def redirect_url(settings: Settings) -> str:
    return settings.identity_redirect_url or f"{settings.public_base()}/portal/company/identity"


async def _discovery(settings: Settings) -> dict[str, Any]:
    url = settings.identity_issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            response = await http.get(url)
            response.raise_for_status()
            found = response.json()
    except (httpx.HTTPError, ValueError) as err:
        raise IdentityFailed(f"the provider's discovery document did not load: {err}") from None
    if found.get("issuer") != settings.identity_issuer.rstrip("/"):
        raise IdentityFailed("the provider's discovery document names another issuer")
    return found


async def start(settings: Settings) -> Start:
    """The provider's authorization URL with a fresh state, nonce and PKCE verifier."""
    endpoints = await _discovery(settings)
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    url = prepare_grant_uri(endpoints["authorization_endpoint"], settings.identity_client_id, "code",
                            redirect_uri=redirect_url(settings), scope="openid profile", state=state, nonce=nonce,
                            code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256")
    return Start(url=url, state=state, nonce=nonce, code_verifier=verifier)


async def finish(settings: Settings, code: str, code_verifier: str, nonce: str) -> VerifiedPerson:
    """Exchange the code for the id_token and say whom it names; IdentityFailed otherwise."""
    endpoints = await _discovery(settings)
    body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_url(settings),
                                 code_verifier=code_verifier)
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            answer = await http.post(endpoints["token_endpoint"], content=body,
                                     auth=(settings.identity_client_id, settings.identity_client_secret),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
            answer.raise_for_status()
            token = answer.json()
            keys = (await http.get(endpoints["jwks_uri"])).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as err:
        raise IdentityFailed(f"the provider refused or did not answer: {err}") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise IdentityFailed("the provider's answer has no id_token")
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = next(k for k in jwt.PyJWKSet.from_dict(keys).keys if k.key_id == kid)
        claims = jwt.decode(id_token, key.key, algorithms=["RS256"], audience=settings.identity_client_id,
                            issuer=settings.identity_issuer.rstrip("/"),
                            options={"require": ["exp", "iat", "iss", "aud", "nonce"]})
    except (StopIteration, jwt.PyJWTError, ValueError) as err:
        raise IdentityFailed(f"the id_token does not verify: {err}") from None
    if not secrets.compare_digest(str(claims.get("nonce")), nonce):
        raise IdentityFailed("the id_token's nonce is not this sign-in's")
    if claims.get("azp", settings.identity_client_id) != settings.identity_client_id:
        raise IdentityFailed("the id_token was issued to another client")
    if not all(isinstance(claims.get(c), str) and claims[c] for c in ("name", "birthdate", "ci")):
        raise IdentityFailed("the id_token lacks the person's name, birth date or CI")
    return VerifiedPerson(name=claims["name"], birthdate=claims["birthdate"], ci=claims["ci"])
