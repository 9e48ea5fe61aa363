"""Browser sign-in over real HTTP: the page, CSRF on every form post, a wrong password that says
nothing about which part was wrong, the idle timeout (on a clock the test sets) and its
extension, sign-out, a disabled user's cookie, and the throttle."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import Response

from api import sessions
from api.main import create_app
from domain.phases import Role
from store.db import session_scope
from store.users import create_user
from tests.conftest import ServerThread, Stack, free_port

PASSWORD = "Gkswn!2025x"
_serial = iter(range(1, 1_000_000))


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def browser(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, Clock]]:
    port, clock = free_port(), Clock()
    app = create_app(stack.settings.model_copy(update={"session_idle_minutes": 30}))
    app.state.clock = clock
    server = ServerThread(app, port)
    await server.start()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        yield http, clock
    server.stop()


def user(stack: Stack, roles: list[str] | None = None) -> tuple[str, str]:
    login = f"web{next(_serial)}.user"
    with session_scope(stack.engine) as session:
        made = create_user(session, login_id=login, display_name="최웹사", kind="staff",
                           roles=roles or ["program_officer"], password=PASSWORD)
        return login, made.id


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    form = await http.get("/signin")
    return await http.post("/signin", data={"login_id": login, "password": password, "csrf_token": csrf(form.text)})


async def test_the_sign_in_page_is_accessible_korean_first_and_without_script(browser) -> None:  # type: ignore[no-untyped-def]
    http, _ = browser
    page = await http.get("/signin")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="ko">' in html and "<title>로그인 · axflow</title>" in html
    assert 'href="#content"' in html and 'id="content"' in html  # skip link and its target
    assert '<label for="login_id">' in html and '<label for="password">' in html
    assert "<script" not in html  # nothing needs JavaScript before sign-in
    csp = page.headers["content-security-policy"]
    assert "style-src 'self'" in csp and "default-src 'none'" in csp
    assert len(page.headers.get_list("content-security-policy")) == 1
    assert (await http.get("/static/axflow.css")).status_code == 200
    assert (await http.get("/")).status_code == 303  # not signed in: to the sign-in page


async def test_sign_in_needs_the_form_csrf_token_and_a_right_password(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    http, _ = browser
    login, user_id = user(stack)
    await http.get("/signin")
    no_token = await http.post("/signin", data={"login_id": login, "password": PASSWORD})
    assert no_token.status_code in (403, 422)
    forged = await http.post("/signin", data={"login_id": login, "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 403 and forged.json()["error"]["details"]["rule"] == "csrf"
    wrong_password, unknown_user = await sign_in(http, login, "Wrong!pass99"), await sign_in(http, "nobody.here")
    for refused in (wrong_password, unknown_user):
        assert refused.status_code == 401 and sessions.COOKIE not in refused.cookies
        assert "아이디 또는 비밀번호가 올바르지 않습니다" in refused.text
    # The same words whichever part was wrong.
    message = re.compile(r'<div class="error"[^>]*>(.*?)</div>', re.S)
    assert message.search(wrong_password.text).group(1) == message.search(unknown_user.text).group(1)

    signed = await sign_in(http, login)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert "axflow_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # dev over plain HTTP; outside dev it is (below)
    home = await http.get("/")
    assert home.status_code == 200 and "최웹사" in home.text and "/session/extend" in home.text
    me = await http.get("/me")
    assert me.status_code == 200 and me.json()["id"] == user_id and me.json()["acting_role"] == "program_officer"
    # A cookie-authenticated API write without the session's CSRF header: 403.
    write = await http.post("/evaluators/me/conflicts", json={"brn": "1248100998"})
    assert write.status_code == 403 and write.json()["error"]["details"]["rule"] == "csrf"


def test_the_session_cookie_is_secure_outside_dev(stack: Stack) -> None:
    response = Response()
    sessions.set_cookie(response, sessions.COOKIE, "x", stack.settings.model_copy(update={"env": "production"}))
    assert "Secure" in response.headers["set-cookie"]


async def test_idle_timeout_and_extension(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    http, clock = browser
    login, _ = user(stack)
    assert (await sign_in(http, login)).status_code == 303
    home = await http.get("/")
    token = csrf(home.text)
    assert 'data-warning-seconds="300"' in home.text and 'role="alert"' in home.text

    clock.at += timedelta(minutes=25)
    extended = await http.post("/session/extend", data={"csrf_token": token})
    assert extended.status_code == 303
    clock.at += timedelta(minutes=25)  # 50 minutes after sign-in, 25 after the extension
    assert (await http.get("/me")).status_code == 200
    assert (await http.post("/session/extend", data={})).status_code in (403, 422)  # no CSRF token
    clock.at += timedelta(minutes=31)
    ended = await http.get("/me")
    assert ended.status_code == 401 and ended.json()["error"]["code"] == "unauthorized"
    assert (await http.get("/")).status_code == 303


async def test_sign_out_and_role_switch(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    http, _ = browser
    login, _ = user(stack, ["program_officer", "evaluator"])
    await sign_in(http, login)
    token = csrf((await http.get("/")).text)
    assert (await http.post("/session/role", data={"csrf_token": token, "role": "auditor"})).status_code == 403
    assert (await http.post("/session/role", data={"csrf_token": token, "role": "evaluator"})).status_code == 303
    assert (await http.get("/me")).json()["acting_role"] == "evaluator"
    assert (await http.get("/me", headers={"X-Axflow-Role": "program_officer"})).json()["acting_role"] == \
        "program_officer"
    assert (await http.post("/signout", data={"csrf_token": "wrong"})).status_code == 403
    kept = http.cookies.get(sessions.COOKIE)
    assert (await http.post("/signout", data={"csrf_token": token})).status_code == 303
    assert (await http.get("/me", cookies={sessions.COOKIE: kept})).status_code == 401


async def test_a_disabled_users_cookie_and_token_get_401_at_once(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    http, _ = browser
    login, user_id = user(stack)
    await sign_in(http, login)
    token = (await stack.call("POST", f"/users/{user_id}/tokens", stack.as_role(Role.ADMIN), {}, 201))["token"]
    assert (await http.get("/me")).status_code == 200
    assert (await stack.http.get("/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    await stack.call("POST", f"/users/{user_id}/disable", stack.as_role(Role.ADMIN), {})
    assert (await http.get("/me")).status_code == 401
    assert (await stack.http.get("/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    assert (await sign_in(http, login)).status_code == 401


async def test_the_admin_api_refuses_bad_input_by_name(stack: Stack) -> None:
    admin = stack.as_role(Role.ADMIN)
    body = {"login_id": f"api{next(_serial)}.kim", "display_name": "김관리", "roles": ["program_officer"],
            "desks": ["program_manager"], "email": f"api{next(_serial)}@agency.go.kr", "password": PASSWORD}
    made = await stack.call("POST", "/users", admin, body, 201)
    assert made["id"].startswith("u-") and "password" not in made and "password_hash" not in made
    duplicate = await stack.call("POST", "/users", admin, body | {"email": "other@agency.go.kr"}, 409)
    assert duplicate["error"]["details"]["field"] == "login_id"
    same_email = await stack.call("POST", "/users", admin, body | {"login_id": "another.one"}, 409)
    assert same_email["error"]["details"]["field"] == "email"
    for bad, named in (({"roles": ["boss"]}, "boss"), ({"desks": ["ceo"]}, "ceo"), ({"password": "weak"}, "password")):
        refused = await stack.call("POST", "/users", admin, body | {"login_id": "new.one", "email": None} | bad, 422)
        assert named in str(refused["error"]), refused
    roles = await stack.call("PUT", f"/users/{made['id']}/roles", admin, {"roles": ["evaluator", "finance_officer"]})
    assert roles["roles"] == ["evaluator", "finance_officer"] and roles["desks"] == ["program_manager"]
    assert (await stack.call("PUT", f"/users/{made['id']}/roles", admin, {"roles": ["nope"]}, 422))
    assert (await stack.call("GET", "/users/u-000000000000", admin, expect=404))


async def test_sign_in_failures_are_throttled(stack: Stack) -> None:
    port = free_port()
    server = ServerThread(create_app(stack.settings.model_copy(update={"auth_failure_limit": 3})), port)
    await server.start()
    login, _ = user(stack)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(3):
                assert (await sign_in(http, login, "Wrong!pass99")).status_code == 401
            blocked = await sign_in(http, login)  # even the right password, while slowed down
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    finally:
        server.stop()
