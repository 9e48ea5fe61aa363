"""Optional single sign-on: JWTs from the agency's identity provider, checked against its JWKS
(served here by a stand-in identity provider over real HTTP), mapped to axflow roles."""

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from api.main import create_app
from api.oidc_tokens import REFETCH_AFTER, provider_keys
from axflow.config import Settings
from axflow.production import production_problems
from domain.phases import Role
from tests.conftest import ServerThread, Stack, free_port

ISSUER, AUDIENCE = "https://sso.agency.example", "axflow"


@dataclass
class PublishedKeys:
    """What the stand-in provider's JWKS URL serves (a test rotates keys by adding one)."""

    keys: list[RSAKey]
    url: str = ""


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


@pytest.fixture(scope="module")
def jwks(signing_key: RSAKey) -> PublishedKeys:
    return PublishedKeys([signing_key])


@pytest.fixture(scope="module")
async def sso_api(stack: Stack, jwks: PublishedKeys) -> AsyncIterator[httpx.AsyncClient]:
    idp = FastAPI()
    idp.get("/jwks")(lambda: KeySet(list(jwks.keys)).as_dict(private=False))
    idp_port, api_port = free_port(), free_port()
    jwks.url = f"http://127.0.0.1:{idp_port}/jwks"
    settings = stack.settings.model_copy(update={
        "oidc_jwks_url": jwks.url, "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE})
    servers = [ServerThread(idp, idp_port), ServerThread(create_app(settings), api_port)]
    for server in servers:
        await server.start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}") as http:
        yield http
    for server in servers:
        server.stop()


def token(key: RSAKey, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1", "exp": now + 300, "iat": now,
            "preferred_username": "sso.auditor", "axflow_role": "auditor"} | claims
    return {"Authorization": f"Bearer {jwt.encode({'alg': 'RS256', 'kid': key.kid}, body, key)}"}


async def test_a_valid_sso_token_maps_its_claim_to_a_role(stack: Stack, sso_api: httpx.AsyncClient,
                                                         signing_key: RSAKey) -> None:
    response = await sso_api.get("/audit/verify", headers=token(signing_key))
    assert response.status_code == 200
    # The same identity provider's officer is an officer, and an officer is no auditor.
    officer = token(signing_key, axflow_role="program_officer", preferred_username="sso.officer")
    assert (await sso_api.get("/audit/verify", headers=officer)).status_code == 403
    assert (await sso_api.get("/startups", headers=officer)).status_code == 200
    # API tokens keep working beside single sign-on.
    assert (await sso_api.get("/audit/verify", headers=stack.as_role(Role.AUDITOR))).status_code == 200


@pytest.mark.parametrize("claims,reason", [
    ({"aud": "someone-else"}, "audience"),
    ({"iss": "https://evil.example"}, "issuer"),
    ({"exp": int(time.time()) - 60}, "expired"),
    ({"axflow_role": "superuser"}, "role"),
    ({"axflow_role": "startup"}, "registration number"),
])
async def test_bad_sso_tokens_get_401(sso_api: httpx.AsyncClient, signing_key: RSAKey,
                                      claims: dict[str, Any], reason: str) -> None:
    response = await sso_api.get("/audit/verify", headers=token(signing_key, **claims))
    assert response.status_code == 401
    assert reason in response.json()["error"]["message"].lower() or reason in response.json()["error"]["message"]


async def test_a_token_signed_by_another_key_gets_401(sso_api: httpx.AsyncClient) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    response = await sso_api.get("/audit/verify", headers=token(stranger))
    assert response.status_code == 401


async def test_a_rotated_key_is_fetched_but_an_unknown_key_id_does_not_refetch_at_once(
        sso_api: httpx.AsyncClient, jwks: PublishedKeys) -> None:
    assert (await sso_api.get("/audit/verify", headers=token(jwks.keys[0]))).status_code == 200
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig"})
    jwks.keys.append(rotated)
    cached = provider_keys(jwks.url)
    cached.fetched_at = time.monotonic()  # the keys were just fetched (before the rotation)
    assert (await sso_api.get("/audit/verify", headers=token(rotated))).status_code == 401
    cached.fetched_at -= REFETCH_AFTER + 1  # a while later, a token with the new key id fetches them
    assert (await sso_api.get("/audit/verify", headers=token(rotated))).status_code == 200


def test_production_refuses_single_sign_on_without_its_issuer() -> None:
    on = {"env": "production", "oidc_jwks_url": "https://sso.agency.example/jwks", "oidc_audience": AUDIENCE}
    refusal = "AXFLOW_OIDC_ISSUER is not set"
    assert any(refusal in p for p in production_problems(Settings(**on), None))
    assert any(refusal in p for p in production_problems(Settings(**on, oidc_issuer="http://sso.example"), None))
    assert not any(refusal in p for p in production_problems(Settings(**on, oidc_issuer=ISSUER), None))
    assert not any(refusal in p for p in production_problems(Settings(env="production"), None))
