"""The language switch as a person uses it, in a real Chromium: from the keyboard alone (the skip
link, then the site's name, then the switch), the signed-in home turns English and stays English on
the next page, passes axe-core in English, and the switch back (marked lang="ko") restores Korean on
the same page."""

from playwright.async_api import Browser, expect

from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack
from tests.i18n_support import korean_left


async def test_the_switch_works_from_the_keyboard_and_is_kept(stack: Stack, browser: Browser) -> None:
    page = await signed_in(browser, stack, "switch.officer", ["program_officer"])
    await page.goto("/")
    await expect(page.locator("h1")).to_have_text("내 할 일")
    assert await page.locator("html").get_attribute("lang") == "ko"

    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("본문 바로가기")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("English")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")

    await expect(page.locator("h1")).to_have_text("My work")
    assert await page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/")
    # The companies waiting in the inbox are data (the shared stack's other tests made them).
    inbox = await page.request.get("/me/inbox", params={"limit": 200})
    companies = [item["company_name"] for item in (await inbox.json())["items"]]
    html = await page.content()
    assert korean_left(html, data=companies) == [], korean_left(html, data=companies)
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main menu")).to_contain_text("Startups")
    await assert_accessible(page)
    await screenshot(page, "console-home-en")

    # The choice is kept: the next page is English too.
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Programs").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    here = page.url

    await page.get_by_role("link", name="한국어").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert page.url == here
    await expect(page.get_by_role("navigation", name="주 메뉴")).to_contain_text("스타트업")
    await page.context.close()


async def test_my_notification_pages_are_accessible(stack: Stack, browser: Browser) -> None:
    page = await signed_in(browser, stack, "alim.officer", ["program_officer"])
    await page.get_by_role("link", name="알림", exact=True).click()
    await expect(page.locator("h1")).to_have_text("알림")
    await assert_accessible(page)
    await page.get_by_role("link", name="알림 설정").click()
    await expect(page.locator("h1")).to_have_text("알림 설정")
    await page.get_by_role("checkbox", name="지급 완료 문자·알림톡").check()
    await page.get_by_role("button", name="저장").click()
    await expect(page.get_by_role("status")).to_have_text("알림 설정을 저장했습니다.")
    await expect(page.get_by_role("checkbox", name="지급 완료 문자·알림톡")).to_be_checked()
    await assert_accessible(page)
    await screenshot(page, "notification-settings")
    await page.context.close()
