"""The sign-in throttle as an attacker meets it (api/throttle.py): a password guesser at one address
is stopped and told when to try again, while the real person, elsewhere, still signs in and valid
tokens keep working; the count is shared by two API instances on one database; a client's own
X-Forwarded-For changes nothing unless the proxy is trusted; requests without credentials are not
counted."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from api.main import create_app
from domain.phases import Role
from store.db import session_scope
from store.users import create_user
from tests.conftest import ServerThread, Stack, free_port

PASSWORD = "Thrott!le-2025q"
_serial = iter(range(1, 1_000_000))


def person(stack: Stack) -> str:
    login = f"throttle{next(_serial)}.user"
    with session_scope(stack.engine) as session:
        create_user(session, login_id=login, display_name="한시도", kind="staff", roles=["program_officer"],
                    password=PASSWORD)
    return login


@dataclass
class Instances:
    behind_proxy: list[str]  # two replicas that trust the loopback as their reverse proxy
    direct: str  # one that trusts no proxy


@pytest.fixture(scope="module")
async def instances(stack: Stack) -> AsyncIterator[Instances]:
    """API instances on the stack's one database, with a low throttle (started once: they are slow
    to start on a busy machine)."""
    low = {"auth_failure_limit": 3, "auth_failure_limit_per_login": 5}
    proxied = stack.settings.model_copy(update=low | {"trusted_proxies": ["127.0.0.1"]})
    started = [ServerThread(create_app(proxied), free_port()), ServerThread(create_app(proxied), free_port()),
               ServerThread(create_app(stack.settings.model_copy(update=low)), free_port())]
    for server in started:
        await server.start()
    urls = [f"http://127.0.0.1:{server.server.config.port}" for server in started]
    yield Instances(behind_proxy=urls[:2], direct=urls[2])
    for server in started:
        server.stop()


async def sign_in(base: str, login: str, password: str, address: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        form = await http.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        return await http.post("/signin", data={"login_id": login, "password": password,
                                                "csrf_token": token.group(1)})


async def test_the_guesser_is_stopped_on_every_instance_while_the_real_user_signs_in(
        stack: Stack, instances: Instances) -> None:
    login = person(stack)
    first, second = instances.behind_proxy
    attacker, real_user = "203.0.113.7", "198.51.100.20"
    for base in (first, second, first):  # guesses spread over both replicas
        assert (await sign_in(base, login, "Wrong!guess-77", attacker)).status_code == 401
    blocked = await sign_in(second, login, PASSWORD, attacker)  # even the right password, from there
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    assert "다시 시도하십시오" in blocked.text and "KST" in blocked.text
    # The real person, at another address, is not locked out by the attacker.
    assert (await sign_in(first, login, PASSWORD, real_user)).status_code == 303
    # Valid credentials are never refused at the attacker's address either: a token works.
    async with httpx.AsyncClient(base_url=second, headers={"X-Forwarded-For": attacker}) as http:
        assert (await http.get("/me", headers=stack.as_role(Role.AUDITOR))).status_code == 200


async def test_guessing_one_account_from_many_addresses_meets_the_per_login_limit(
        stack: Stack, instances: Instances) -> None:
    login = person(stack)
    base = instances.behind_proxy[0]
    for n in range(5):  # five addresses, one guess each: under each address's limit
        assert (await sign_in(base, login, "Wrong!guess-77", f"203.0.113.{100 + n}")).status_code == 401
    refused = await sign_in(base, login, "Wrong!guess-77", "203.0.113.200")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    other = person(stack)  # another account is not touched
    assert (await sign_in(base, other, PASSWORD, "203.0.113.200")).status_code == 303


async def test_a_clients_own_forwarded_for_is_not_believed(stack: Stack, instances: Instances) -> None:
    login = person(stack)
    base = instances.direct  # no trusted proxy: the TCP peer is the client
    for n in range(3):  # each guess claims another address
        assert (await sign_in(base, login, "Wrong!guess-77", f"198.18.0.{n}")).status_code == 401
    assert (await sign_in(base, login, PASSWORD, "198.18.0.99")).status_code == 429


async def test_requests_without_credentials_are_not_counted(instances: Instances) -> None:
    base = instances.behind_proxy[1]
    headers = {"X-Forwarded-For": "192.0.2.250"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        for _ in range(6):
            assert (await http.get("/startups")).status_code == 401
        # An empty sign-in form is no guess either.
        form = await http.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        for _ in range(4):
            empty = await http.post("/signin", data={"login_id": "", "password": "", "csrf_token": token.group(1)})
            assert empty.status_code == 401
        bad = await http.get("/startups", headers={"Authorization": "Bearer guess"})
        assert bad.status_code == 401  # the first bad credential from this address
