"""An account's lifecycle in a real Chromium, every page checked by axe-core: a finance officer's
first sign-in sets up the second factor (the key as text and a QR code, then recovery codes shown
once), a forgotten password is reset from the emailed link, and signing in again asks for the
authenticator's code."""

import re

from playwright.async_api import Browser, expect

from store.db import session_scope
from store.users import create_user, find_by_login
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import Stack
from tests.totp_support import next_code

PASSWORD = "Walk!through-2025q"
NEW_PASSWORD = "Walk!renewed-2026z"


async def test_second_factor_enrolment_a_reset_and_a_totp_sign_in(browser: Browser, stack: Stack) -> None:
    login = "account.walk.finance"
    email = f"{login}@agency.example"
    with session_scope(stack.engine) as session:
        user_id = (find_by_login(session, login) or create_user(
            session, login_id=login, display_name="윤회계", kind="staff", roles=["finance_officer"],
            desks=["finance_lead"], email=email, password=PASSWORD)).id
    context = await browser.new_context(base_url=stack.settings.api_url, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    page = await context.new_page()

    # First sign-in: the password is right, but a finance officer has no session before a second factor.
    await page.goto("/signin")
    await page.fill("#login_id", login)
    await page.fill("#password", PASSWORD)
    await page.click("form.card button[type=submit]")
    await expect(page.locator("h1")).to_have_text("2단계 인증 설정")
    await expect(page.locator(".totp-qr svg")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "account-second-factor-enrol")
    secret = (await page.locator("#totp-secret").inner_text()).strip()
    await page.fill("#code", await next_code(stack.engine, user_id, secret))
    await page.click("form.card button[type=submit]")
    await expect(page.locator("h1")).to_have_text("복구 코드")
    assert len(await page.locator("#recovery-codes li").all()) == 10
    await assert_accessible(page)
    await page.get_by_role("link", name="계속").click()
    await page.goto("/account")
    await expect(page.locator("#factor-title")).to_be_visible()
    await assert_accessible(page)
    await page.click("form[action='/signout'] button")

    # A forgotten password: the link by email, the new password, every session ended.
    await page.goto("/signin")
    await page.get_by_role("link", name="비밀번호를 잊으셨나요?").click()
    await assert_accessible(page)
    await page.fill("#login_id", email)
    await page.click("form.card button[type=submit]")
    await expect(page.get_by_role("status")).to_contain_text("재설정 링크")
    message = await stack.wait_for_mail(email, lambda m: "재설정" in str(m["Subject"]))
    link = re.search(r"https?://\S+/signin/reset\?token=\S+", message.get_body(("plain",)).get_content())
    assert link
    await page.goto(link.group(0))
    await assert_accessible(page)
    await page.fill("#password", "Welcome2025!")  # guessable: refused, with the rule said
    await page.click("form.card button[type=submit]")
    await expect(page.get_by_role("alert")).to_contain_text("추측하기 쉬운")
    await page.fill("#password", NEW_PASSWORD)
    await page.click("form.card button[type=submit]")
    await expect(page.locator("h1")).to_have_text("비밀번호를 바꾸었습니다")
    await assert_accessible(page)

    # Signing in again: the new password, then the authenticator's code.
    await page.get_by_role("link", name="로그인").last.click()
    await page.fill("#login_id", login)
    await page.fill("#password", NEW_PASSWORD)
    await page.click("form.card button[type=submit]")
    await expect(page.locator("h1")).to_have_text("2단계 인증")
    await assert_accessible(page)
    await page.fill("#code", await next_code(stack.engine, user_id, secret))
    await page.click("form.card button[type=submit]")
    await page.wait_for_load_state()
    assert "/signin" not in page.url
    await page.goto("/account")
    await expect(page.locator("h1")).to_have_text("내 계정")
    await context.close()
