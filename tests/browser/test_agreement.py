"""The agreement in two steps, in a real Chromium: the startup reads the generated agreement on
its portal page, is refused with a wrong password (the rule next to the field), accepts with its
own; the program officer countersigns from the console's action form; the startup is contracted.
The page is also read in English at phone size (every word English but the Korean agreement
itself, marked lang="ko", and the company's and program's names), a wrong password refused there
too. Each page is checked by axe-core, and the accept page is photographed (wide, refused, phone)."""

import re

from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import PASSWORD, assert_accessible, ensure_user, screenshot, signed_in
from tests.conftest import Stack
from tests.flows import drive, match
from tests.i18n_support import korean_left


async def set_language(page: Page, stack: Stack, code: str) -> None:
    await page.context.add_cookies([{"name": "axflow_lang", "value": code, "url": stack.settings.api_url}])



FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
# The elements wider than the screen, for a refusal that says what does not fit.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)"""


async def assert_fits_width(page: Page) -> None:
    """No sideways scrolling at the page's width, once the page has laid out what it just showed;
    otherwise the assertion names the widest elements."""
    try:
        await page.wait_for_function(FITS, timeout=5_000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"{page.url} scrolls sideways: {await page.evaluate(TOO_WIDE)}") from None

async def test_the_startup_accepts_on_its_page_and_the_officer_countersigns(stack: Stack, browser: Browser) -> None:
    startup = await drive(stack, "selected")
    document = (await match(stack, startup.id))["agreement_document"]
    login = f"ceo.{startup.brn}"
    page = await signed_in(browser, stack, login, ["startup"], brn=startup.brn)

    await page.goto(f"/portal/agreement/{startup.id}")
    await expect(page.locator("h1")).to_contain_text("협약서 확인 및 동의")
    await expect(page.locator("code.hash")).to_have_text(document["sha256"])
    agreement = page.locator("article.agreement")
    await expect(agreement).to_contain_text("제3조 (사업비와 지급)")
    # A legal Korean document, Korean alone: sector, region and the task by their Korean names.
    await expect(agreement).to_contain_text("분야: 스마트팩토리 · 수요기업 지역: 경상북도")
    await expect(agreement).to_contain_text('SF-01 "사출성형 불량 검출"')
    words = await page.locator(".agreement-reading").inner_text()
    for foreign in ("smart_factory", "Parties", "Signatures", "Agreement", "Defect", "PoC"):
        assert foreign not in words, foreign
    await expect(agreement).to_contain_text("강원 정밀 SME")
    await expect(page.get_by_role("link", name=re.compile("내려받기"))).to_have_attribute(
        "href", f"/documents/{document['id']}")
    await assert_accessible(page)
    await screenshot(page, "portal-agreement")

    # A wrong password is refused next to its field, and nothing is accepted.
    accept = page.get_by_role("button", name=re.compile("협약서에 동의"))
    await page.check("#f-read_confirmed")
    await page.fill("#f-password", "Wrong!pass-2025")
    await accept.click()
    await expect(page.locator("#error-summary")).to_be_visible()
    await expect(page.locator("#f-password-error")).to_contain_text("비밀번호가 맞지 않습니다")
    await expect(page.locator("#f-password")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-read_confirmed")).to_be_checked()  # what was ticked stays ticked
    await assert_accessible(page)
    await screenshot(page, "portal-agreement-refused")
    assert (await stack.state(startup.id))["agreement_acceptance"] is None

    # On a phone the agreement fits the screen's width.
    await page.set_viewport_size({"width": 390, "height": 844})
    await assert_fits_width(page)
    await screenshot(page, "portal-agreement-phone")

    # In English, at phone size: the page's words are English, the agreement stays Korean.
    state = await stack.state(startup.id)
    data = [state["company_name"], state["program_name"], document["filename"]]
    await set_language(page, stack, "en")
    await page.goto(f"/portal/agreement/{startup.id}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Read and accept the agreement")
    await expect(page.locator(".agreement-reading")).to_have_attribute("lang", "ko")
    await expect(page.locator("article.agreement")).to_contain_text("제3조 (사업비와 지급)")
    html = await page.content()
    assert korean_left(html, data) == [], korean_left(html, data)
    await assert_accessible(page)
    await page.check("#f-read_confirmed")
    await page.fill("#f-password", "Wrong!pass-2025")
    await page.get_by_role("button", name="Accept the agreement").click()
    await expect(page.locator("#error-summary")).to_contain_text("Password: The password is not correct.")
    await expect(page.locator("#f-password-error")).to_contain_text("The password is not correct.")
    html = await page.content()
    assert korean_left(html, data) == [], korean_left(html, data)
    await assert_fits_width(page)
    await assert_accessible(page)
    # Not ticking the box is refused beside it, in English too.
    await expect(page.locator("#f-read_confirmed")).to_be_checked()
    await page.uncheck("#f-read_confirmed")
    await page.fill("#f-password", PASSWORD)
    await page.get_by_role("button", name="Accept the agreement").click()
    await expect(page.locator("#f-read_confirmed-error")).to_contain_text("Read the agreement to the end")
    assert (await stack.state(startup.id))["agreement_acceptance"] is None
    await set_language(page, stack, "ko")
    await page.goto(f"/portal/agreement/{startup.id}")
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.check("#f-read_confirmed")
    await page.fill("#f-password", PASSWORD)
    await accept.click()
    await expect(page.locator(".notice-success")).to_contain_text("협약서에 동의했습니다")
    await assert_accessible(page)
    await set_language(page, stack, "en")
    await page.reload()
    await expect(page.locator(".notice-success")).to_contain_text("You accepted the agreement.")
    await expect(page.locator(".agreement-status")).to_contain_text("Waiting for the program officer's countersignature.")
    html = await page.content()
    state = await stack.state(startup.id)
    data.append(state["agreement_acceptance"]["by_name"])
    assert korean_left(html, data) == [], korean_left(html, data)
    await set_language(page, stack, "ko")
    assert state["agreement_acceptance"]["by_id"] == ensure_user(stack, login, ["startup"], startup.brn)
    assert state["agreement_acceptance"]["document"]["sha256"] == document["sha256"]

    # The program officer countersigns from the console's action form.
    officer = await signed_in(browser, stack, "agreement.officer", ["program_officer"])
    await officer.goto(f"/console/startups/{startup.id}/actions/sign-agreement")
    await officer.fill("#f-agreement_no", "AX-2025-0007")
    await officer.get_by_role("button", name="협약 체결").click()
    await expect(officer.locator("#summary")).to_contain_text("협약 체결")
    await stack.wait_phase(startup.id, "contracted")

    await page.reload()
    await expect(page.locator(".agreement-status")).to_contain_text("협약 체결")
    await expect(page.get_by_role("button", name=re.compile("협약서에 동의"))).to_have_count(0)
    await assert_accessible(page)
