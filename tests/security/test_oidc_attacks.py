"""Attacks on browser single sign-on, replayed against the real flow: the API and a small identity
provider over real HTTP (tests/oidc_provider.py). Each is refused with the sign-in page's 401 and
leaves no session behind."""

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func
from sqlmodel import select

from api import oidc_logins
from store.db import session_scope
from store.user_tables import OidcLogin
from tests.conftest import Stack
from tests.oidc_provider import API_AUDIENCE, CLIENT_ID, SingleSignOn, at_provider, running_sso

REFUSED = "통합인증 로그인에 실패했습니다"


@pytest.fixture(scope="module")
async def sso(stack: Stack) -> AsyncIterator[SingleSignOn]:
    async with running_sso(stack.settings) as running:
        yield running


@pytest.fixture(autouse=True)
def honest_provider(sso: SingleSignOn) -> None:
    sso.idp.next_claims = {"sub": "agency-victim", "preferred_username": "officer.victim"}
    sso.idp.forge_with = None


async def refused(browser: httpx.AsyncClient, callback: str) -> bool:
    """True when the callback was refused with the sign-in page and left no session; otherwise the
    assertion says what came back instead."""
    answer = await browser.get(callback)
    me = await browser.get("/me")
    assert (answer.status_code, REFUSED in answer.text, me.status_code) == (401, True, 401), (
        f"callback answered {answer.status_code}: {answer.text[:300]!r}; /me answered {me.status_code}")
    return True


def with_state(callback: str, state: str) -> str:
    url = urlparse(callback)
    return f"{url.path}?{urlencode(parse_qs(url.query) | {'state': [state]}, doseq=True)}"


async def test_a_callback_replayed_from_another_browser_is_refused(sso: SingleSignOn) -> None:
    async with sso.browser() as victim, sso.browser() as attacker:
        callback, _ = await at_provider(victim)
        # Without the victim's cookie the state finds nothing, whether the attacker's browser has
        # no sign-in of its own or one it started itself.
        assert await refused(attacker, callback)
        await attacker.get("/signin/oidc")
        assert await refused(attacker, callback)
        # Neither attempt spent the victim's sign-in; spent once, it is gone, cookie or not.
        binding = victim.cookies["axflow_oidc_login"]
        assert (await victim.get(callback)).status_code == 303
        assert (await victim.get("/me")).status_code == 200
    async with sso.browser() as victim_again:
        victim_again.headers["cookie"] = f"axflow_oidc_login={binding}"
        assert await refused(victim_again, callback)


async def test_a_planted_state_or_a_stolen_code_is_refused(sso: SingleSignOn) -> None:
    async with sso.browser() as victim, sso.browser() as attacker:
        stolen, _ = await at_provider(victim)
        attackers_own, _ = await at_provider(attacker)
        # The attacker's state planted in the victim's browser (login CSRF): not this browser's.
        assert await refused(victim, attackers_own)
        # The victim's code brought back under the attacker's own sign-in: the attacker's PKCE
        # verifier does not match the victim's challenge, so the provider will not exchange it.
        attackers_state = parse_qs(urlparse(attackers_own).query)["state"][0]
        seen = len(sso.idp.verifiers_seen)
        assert await refused(attacker, with_state(stolen, attackers_state))
        assert len(sso.idp.verifiers_seen) == seen
        # An error from the provider spends the sign-in too.
        callback, _ = await at_provider(victim)
        state = parse_qs(urlparse(callback).query)["state"][0]
        assert await refused(victim, f"/signin/oidc/callback?{urlencode({'error': 'access_denied', 'state': state})}")
        assert await refused(victim, callback)


def _claims_now() -> int:
    return int(time.time())


# Each a rule of OIDC Core §3.1.3.7 that a faulty or hostile provider's ID token breaks.
BROKEN_RULES: dict[str, Any] = {
    "tampered nonce": lambda: {"nonce": "a-nonce-of-another-sign-in"},
    "wrong issuer": lambda: {"iss": "https://evil.example"},
    "wrong audience": lambda: {"aud": "another-client"},
    "our client id not among the audiences": lambda: {"aud": ["another-client", API_AUDIENCE]},
    "several audiences and no azp": lambda: {"aud": [CLIENT_ID, API_AUDIENCE]},
    "azp names another client": lambda: {"aud": [CLIENT_ID, API_AUDIENCE], "azp": "another-client"},
    "azp names another client, one audience": lambda: {"azp": "another-client"},
    "expired": lambda: {"exp": _claims_now() - 120},
    "issued in the future": lambda: {"iat": _claims_now() + 600},
    "issued long before this exchange": lambda: {"iat": _claims_now() - 3600, "exp": _claims_now() + 3600},
    "no issued-at time": lambda: {"iat": None},
}


@pytest.mark.parametrize("why", BROKEN_RULES)
async def test_an_id_token_that_breaks_a_rule_is_refused(sso: SingleSignOn, why: str) -> None:
    sso.idp.next_claims |= BROKEN_RULES[why]()
    async with sso.browser() as browser:
        callback, _ = await at_provider(browser)
        assert await refused(browser, callback), why


async def test_an_id_token_signed_by_another_key_is_refused(sso: SingleSignOn) -> None:
    sso.idp.forge_with = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    async with sso.browser() as browser:
        callback, _ = await at_provider(browser)
        assert await refused(browser, callback)


async def test_pending_sign_ins_are_pruned_expired_and_bounded(stack: Stack) -> None:
    now = datetime.now(UTC)
    with session_scope(stack.engine) as db:
        oidc_logins.prune(db, now, keep=0)
        expired = oidc_logins.begin(db, now - oidc_logins.LOGIN_TTL - timedelta(seconds=1))
        waiting = [oidc_logins.begin(db, now - timedelta(minutes=5 - n)) for n in range(4)]
        # An expired sign-in cannot be taken even before anything prunes it.
        assert oidc_logins.take(db, expired.state, expired.browser_secret, now) is None
        expired = oidc_logins.begin(db, now - oidc_logins.LOGIN_TTL - timedelta(seconds=1))
        newest = oidc_logins.begin(db, now, keep=3)  # the expired one goes, then the oldest beyond 3
        assert db.exec(select(func.count()).select_from(OidcLogin)).one() == 3
        kept = [oidc_logins.take(db, s.state, s.browser_secret, now) is not None for s in (*waiting, newest)]
        assert kept == [False, False, True, True, True]
        assert oidc_logins.take(db, expired.state, expired.browser_secret, now) is None
