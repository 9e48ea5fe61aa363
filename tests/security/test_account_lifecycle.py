"""The account lifecycle as an attacker would try it, over real HTTP against the shared stack (real
SMTP, real database): a password reset link that works once, expires, and throws out whoever had
the old password; changing the password (the current one typed); a guessable password refused
by name; the staff second factor (enrolment at first sign-in, a code used once, a recovery code
used once); sign-up that does not tell who is registered; a verification link that a mail scanner
can fetch without spending it."""

import re
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pyotp

from api.sessions import utc_now
from domain.phases import Role
from store.accounts import RESET_VALID, issue_reset, live_reset
from store.db import session_scope
from store.passwords import password_problems
from store.portal_tables import PortalToken
from store.second_factor import enrolled
from store.users import create_user, find_by_login
from tests.conftest import Stack, new_brn
from tests.totp_support import enrol

PASSWORD = "Lifecy!cle-2025q"
NEW_PASSWORD = "Renew!ed-pass-2026"
_serial = iter(range(1, 1_000_000))


def person(stack: Stack, roles: list[str] | None = None) -> tuple[str, str]:
    login = f"life{next(_serial)}.user"
    with session_scope(stack.engine) as session:
        create_user(session, login_id=login, display_name="정생애", kind="staff", roles=roles or ["program_officer"],
                    email=f"{login}@agency.example", password=PASSWORD)
    return login, f"{login}@agency.example"


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def link_in(message: EmailMessage, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+{re.escape(path)}\S*", text)
    assert found, text
    return found.group(0)


async def sign_in(http: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    form = await http.get("/signin")
    return await http.post("/signin", data={"login_id": login, "password": password, "csrf_token": csrf(form.text)})


async def signed_in(http: httpx.AsyncClient) -> bool:
    return (await http.get("/account")).status_code == 200


def client(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=stack.settings.api_url, timeout=30)


async def test_a_reset_link_works_once_and_ends_every_session(stack: Stack) -> None:
    login, email = person(stack)
    async with client(stack) as elsewhere, client(stack) as asker, client(stack) as stranger:
        assert (await sign_in(elsewhere, login)).status_code == 303 and await signed_in(elsewhere)
        form = await asker.get("/signin/reset")
        sent = await asker.post("/signin/reset/request", data={"login_id": login, "csrf_token": csrf(form.text)})
        # Nobody learns whether an account exists: the answer for an unknown one is the same page.
        form = await stranger.get("/signin/reset")
        unknown = await stranger.post("/signin/reset/request", data={"login_id": "no.such.person",
                                                                     "csrf_token": csrf(form.text)})
        assert sent.status_code == unknown.status_code == 200 and sent.text == unknown.text
        link = link_in(await stack.wait_for_mail(email, lambda m: "재설정" in str(m["Subject"])), "/signin/reset")
        for _ in range(2):  # opening the link (a mail scanner, a second look) spends nothing
            opened = await asker.get(link)
            assert opened.status_code == 200 and 'name="token"' in opened.text
        token = re.search(r'name="token" value="([^"]+)"', opened.text)
        assert token
        weak = await asker.post("/signin/reset", data={"token": token.group(1), "password": "Welcome2025!",
                                                       "csrf_token": csrf(opened.text)})
        assert weak.status_code == 422 and "추측하기 쉬운" in weak.text
        done = await asker.post("/signin/reset", data={"token": token.group(1), "password": NEW_PASSWORD,
                                                       "csrf_token": csrf(opened.text)})
        assert done.status_code == 200
        assert not await signed_in(elsewhere)  # whoever had the old password is out
        again = await asker.post("/signin/reset", data={"token": token.group(1), "password": "Another!pass-2027",
                                                        "csrf_token": csrf(opened.text)})
        assert again.status_code == 410  # used up
        assert (await sign_in(asker, login)).status_code == 401
        assert (await sign_in(asker, login, NEW_PASSWORD)).status_code == 303


def test_a_reset_link_expires_and_is_kept_hashed(stack: Stack) -> None:
    with session_scope(stack.engine) as session:
        user = find_by_login(session, person(stack)[0])
        now = utc_now()
        secret = issue_reset(session, user, now)
        assert live_reset(session, secret, now + RESET_VALID - timedelta(seconds=1)) is not None
        assert live_reset(session, secret, now + RESET_VALID) is None
        assert session.get(PortalToken, secret) is None  # only its hash is stored


async def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(stack: Stack) -> None:
    login, _ = person(stack)
    async with client(stack) as here, client(stack) as there:
        for http in (here, there):
            assert (await sign_in(http, login)).status_code == 303
        page = await here.get("/account")
        assert page.status_code == 200 and "지금 이 기기" in page.text
        fields = {"csrf_token": csrf(page.text), "current_password": "Wrong!pass-2025q", "password": NEW_PASSWORD}
        wrong = await here.post("/account/password", data=fields)
        assert wrong.status_code == 422 and "지금 비밀번호가 맞지 않습니다" in wrong.text
        weak = await here.post("/account/password", data=fields | {"current_password": PASSWORD,
                                                                    "password": "Password123!"})
        assert weak.status_code == 422 and "추측하기 쉬운" in weak.text
        changed = await here.post("/account/password", data=fields | {"current_password": PASSWORD})
        assert changed.status_code == 303
        assert await signed_in(here) and not await signed_in(there)
        assert (await sign_in(there, login, NEW_PASSWORD)).status_code == 303


async def test_a_guessable_password_is_refused_by_name(stack: Stack) -> None:
    for guessable in ("Welcome2025!", "Samsung2025!", "Password123!"):
        problems = password_problems(guessable)
        assert problems and "추측하기 쉬운" in problems[0] and "too easy to guess" in problems[0]
    body = {"login_id": f"life{next(_serial)}.weak", "display_name": "김약함", "roles": ["program_officer"],
            "desks": ["program_manager"], "password": "Welcome2025!"}
    refused = await stack.call("POST", "/users", stack.as_role(Role.ADMIN), body, 422)
    assert "password" in str(refused["error"]) and "too easy to guess" in str(refused["error"])


async def test_staff_second_factor_enrolment_codes_used_once_and_recovery(stack: Stack) -> None:
    login, _ = person(stack, ["finance_officer"])
    async with client(stack) as first:
        signed = await sign_in(first, login)
        assert signed.status_code == 303 and signed.headers["location"] == "/signin/second-factor"
        assert not await signed_in(first)  # the password alone starts no session
        enrol = await first.get("/signin/second-factor")
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', enrol.text)
        assert secret and "<svg" in enrol.text  # the key as text, and as a QR code
        totp = pyotp.TOTP(secret.group(1))
        wrong = await first.post("/signin/second-factor", data={"csrf_token": csrf(enrol.text), "code": "000000"})
        assert wrong.status_code == 401 and not await signed_in(first)
        code = totp.now()
        done = await first.post("/signin/second-factor", data={"csrf_token": csrf(enrol.text), "code": code})
        assert done.status_code == 200
        recovery = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.text)
        assert len(recovery) == 10 and await signed_in(first)
    async with client(stack) as replay:
        await sign_in(replay, login)
        asked = await replay.get("/signin/second-factor")
        assert "totp-secret" not in asked.text  # enrolled: a code is asked, no secret shown again
        reused = await replay.post("/signin/second-factor", data={"csrf_token": csrf(asked.text), "code": code})
        assert reused.status_code == 401  # a code seen once is not accepted again
        by_recovery = await replay.post("/signin/second-factor",
                                        data={"csrf_token": csrf(asked.text), "code": recovery[0]})
        assert by_recovery.status_code == 303 and await signed_in(replay)
    async with client(stack) as again:
        await sign_in(again, login)
        asked = await again.get("/signin/second-factor")
        spent = await again.post("/signin/second-factor", data={"csrf_token": csrf(asked.text), "code": recovery[0]})
        assert spent.status_code == 401 and not await signed_in(again)


async def sign_up(http: httpx.AsyncClient, email: str) -> httpx.Response:
    form = await http.get("/portal/signup")
    return await http.post("/portal/signup", data={
        "csrf_token": csrf(form.text), "email": email, "password": PASSWORD, "brn": new_brn(),
        "company_name": "생애주기랩", "representative": "정생애"})


async def test_sign_up_does_not_reveal_a_registered_email_and_a_fetched_link_spends_nothing(stack: Stack) -> None:
    email = f"life{next(_serial)}@startup.example"
    async with client(stack) as first, client(stack) as second:
        made = await sign_up(first, email)
        verification = await stack.wait_for_mail(email, lambda m: "인증" in str(m["Subject"]))
        again = await sign_up(second, email)  # the same address again, by anyone
        assert made.status_code == again.status_code == 200

        def shown(response: httpx.Response) -> str:
            return re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)
        assert shown(made) == shown(again)
        await stack.wait_for_mail(email, lambda m: "가입 시도" in str(m["Subject"]))  # told only to that mailbox

        link = link_in(verification, "/portal/verify")
        for _ in range(2):  # a scanner's GET, then the person's
            opened = await first.get(link)
            assert opened.status_code == 200 and 'action="/portal/verify"' in opened.text
        with session_scope(stack.engine) as session:
            assert find_by_login(session, email).active is False  # nothing spent by fetching
        token = re.search(r'name="token" value="([^"]+)"', opened.text)
        assert token
        confirmed = await first.post("/portal/verify", data={"csrf_token": csrf(opened.text), "token": token.group(1)})
        assert confirmed.status_code == 200
        with session_scope(stack.engine) as session:
            assert find_by_login(session, email).active is True
        assert (await first.get(link)).status_code == 410  # used up


async def test_mails_asked_for_from_a_page_come_in_that_pages_language_only(stack: Stack) -> None:
    english_signup, korean_signup = (f"lang{next(_serial)}@startup.example" for _ in range(2))
    async with client(stack) as english, client(stack) as korean:
        english.cookies.set("axflow_lang", "en")
        await sign_up(english, english_signup)
        await sign_up(korean, korean_signup)
        for address, language, words, other in ((english_signup, "en", "verify your email", "인증"),
                                                (korean_signup, "ko", "이메일 인증", "open the link")):
            mail = await stack.wait_for_mail(address)
            text = str(mail["Subject"]) + mail.get_body(("plain",)).get_content()
            assert mail["Content-Language"] == language and words in text and other not in text.lower(), text
            if language == "en":
                assert not re.search("[가-힣]", text), text


async def test_an_admin_resets_a_lost_second_factor_but_never_their_own(stack: Stack) -> None:
    login, _ = person(stack, ["finance_officer"])
    with session_scope(stack.engine) as session:
        user_id = find_by_login(session, login).id
    enrol(stack.engine, user_id)
    admin = stack.as_role(Role.ADMIN)
    await stack.call("POST", f"/users/{user_id}/second-factor/reset", admin)
    with session_scope(stack.engine) as session:
        assert enrolled(session, user_id) is None
    async with client(stack) as http:
        await sign_in(http, login)
        assert "totp-secret" in (await http.get("/signin/second-factor")).text  # enrols again
    own = await stack.call("POST", f"/users/{stack.user_id('admin')}/second-factor/reset", admin, expect=403)
    assert own["error"]["details"]["rule"] == "not_yourself"
