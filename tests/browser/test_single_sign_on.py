"""Single sign-on in the browser: a person signs in through the agency's provider (a small one the
test runs over real HTTP, tests/oidc_provider.py) by the sign-in page's button; the answer the
provider sent that browser, replayed in another browser, meets the refusal page (axe-checked).
The attacks one by one are in tests/security/test_oidc_attacks.py."""

from playwright.async_api import Browser, Request

from tests.browser.conftest import assert_accessible
from tests.conftest import Stack
from tests.oidc_provider import running_sso


async def test_a_person_signs_in_by_sso_and_the_answer_is_refused_in_another_browser(
        stack: Stack, browser: Browser) -> None:
    async with running_sso(stack.settings) as sso:
        sso.idp.next_claims = {"sub": "agency-browser-1", "preferred_username": "officer.browser", "name": "강브라"}
        person = await browser.new_context(base_url=sso.api_url, locale="ko-KR", timezone_id="Asia/Seoul")
        other = await browser.new_context(base_url=sso.api_url, locale="ko-KR", timezone_id="Asia/Seoul")
        try:
            page = await person.new_page()
            callbacks: list[str] = []

            def remember(request: Request) -> None:
                if "/signin/oidc/callback" in request.url:
                    callbacks.append(request.url)

            page.on("request", remember)
            await page.goto("/signin")
            await page.get_by_role("link", name="기관 통합인증으로 로그인").click()
            await page.wait_for_url(f"{sso.api_url}/", timeout=30_000)
            assert "강브라" in await page.content()
            assert callbacks and not any(c["name"] == "axflow_oidc_login" for c in await person.cookies())

            replay = await other.new_page()
            answer = await replay.goto(callbacks[0])
            assert answer is not None and answer.status == 401
            await replay.get_by_text("통합인증 로그인에 실패했습니다").wait_for()
            await assert_accessible(replay)
        finally:
            await person.close()
            await other.close()
