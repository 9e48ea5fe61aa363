"""Browser single sign-on: the authorization-code flow with PKCE against a small identity
provider this test runs over real HTTP (tests/oidc_provider.py). The person is one directory user
whether they come by browser or by bearer JWT. The attacks on the flow are in
tests/security/test_oidc_attacks.py."""

from collections.abc import AsyncIterator

import pytest
from fastapi.responses import Response

from api.routes.signin_oidc import _bind_cookie
from axflow.config import Settings
from domain.phases import Role
from tests.conftest import Stack
from tests.oidc_provider import API_AUDIENCE, CLIENT_ID, SingleSignOn, at_provider, running_sso, through_provider


@pytest.fixture(scope="module")
async def sso(stack: Stack) -> AsyncIterator[SingleSignOn]:
    async with running_sso(stack.settings) as running:
        yield running


async def test_code_flow_with_pkce_signs_a_person_in(sso: SingleSignOn) -> None:
    sso.idp.next_claims = {"sub": "agency-0001", "email": "sso@agency.go.kr", "email_verified": True}
    async with sso.browser() as browser:
        assert "/signin/oidc" in (await browser.get("/signin")).text  # the page offers single sign-on
        start = await browser.get("/signin/oidc")
        bound = start.headers["set-cookie"].lower()  # the sign-in is tied to this browser, briefly
        assert "axflow_oidc_login=" in bound and "httponly" in bound and "samesite=lax" in bound
        assert "path=/signin/oidc" in bound and "max-age=600" in bound
        browser.cookies.clear()
        callback, sent = await at_provider(browser)
        assert sent["code_challenge_method"] == ["S256"] and len(sent["code_challenge"][0]) == 43
        assert sent["state"] and sent["nonce"] and sent["scope"] == ["openid profile email"]
        answer = await browser.get(callback)
        assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
        assert 'axflow_oidc_login=""' in answer.headers.get_list("set-cookie")[-1]  # spent, and cleared
        me = (await browser.get("/me")).json()
    assert (me["display_name"], me["acting_role"], me["email"]) == ("강통합", "program_officer", "sso@agency.go.kr")
    assert sso.idp.verifiers_seen  # the provider checked the verifier against the challenge

    # The same person with the provider's JWT as a bearer token is the same user.
    async with sso.browser() as api_client:
        bearer = sso.idp.sign(aud=API_AUDIENCE, sub="agency-0001")
        again = await api_client.get("/me", headers={"Authorization": f"Bearer {bearer}"})
    assert again.status_code == 200 and again.json()["id"] == me["id"]


async def test_several_audiences_are_accepted_when_azp_names_us(sso: SingleSignOn) -> None:
    sso.idp.next_claims = {"sub": "agency-0004", "preferred_username": "officer.four",
                           "aud": [CLIENT_ID, API_AUDIENCE], "azp": CLIENT_ID}
    async with sso.browser() as browser:
        assert (await through_provider(browser)).status_code == 303
        assert (await browser.get("/me")).status_code == 200


async def test_a_disabled_sso_user_cannot_sign_in(stack: Stack, sso: SingleSignOn) -> None:
    sso.idp.next_claims = {"sub": "agency-0003", "preferred_username": "officer.three"}
    async with sso.browser() as browser:
        assert (await through_provider(browser)).status_code == 303
        user_id = (await browser.get("/me")).json()["id"]
        await stack.call("POST", f"/users/{user_id}/disable", stack.as_role(Role.ADMIN), {})
        assert (await browser.get("/me")).status_code == 401
        browser.cookies.clear()
        assert (await through_provider(browser)).status_code == 401


def test_the_binding_cookie_is_secure_outside_development() -> None:
    for env, secure in (("dev", False), ("production", True)):
        response = Response()
        _bind_cookie(response, Settings(env=env), "secret")
        assert ("; secure" in response.headers["set-cookie"].lower()) is secure, env
