"""What people stumbled on in the browser (issue 25), walked once in a real Chromium, each page
checked by axe-core, in Korean and then in English: a form never loses what was typed (the
application across a proposal upload)."""

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack, new_brn
from tests.documents_support import pdf
from tests.i18n_support import korean_left


async def use_language(page: Page, stack: Stack, code: str) -> None:
    await page.context.add_cookies([{"name": "axflow_lang", "value": code, "url": stack.settings.api_url}])


async def in_english(page: Page, data: list[str]) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert korean_left(await page.content(), data) == [], page.url
    await assert_accessible(page)


async def test_what_is_typed_survives_an_upload(stack: Stack, browser: Browser) -> None:
    program, brn = await stack.program(), new_brn()
    page = await signed_in(browser, stack, f"ceo.{brn}", ["startup"], brn=brn)
    await page.goto(f"/portal/apply/{program.id}")
    typed = {"#f-company_name": "읽히는AI", "#f-founded_on": "2021-04-01", "#f-representative": "김대표",
             "#f-email": "ceo@readable.example", "#f-proposal_title": "사출 불량 검출 실증"}
    for selector, value in typed.items():
        await page.fill(selector, value)
    await page.select_option("#f-task_id", "SF-01")
    # The proposal uploaded after typing: what was typed is still there, the new file chosen.
    await page.set_input_files("#proposal-file", files=[{"name": "사업계획서.pdf", "mimeType": "application/pdf",
                                                         "buffer": pdf("readable proposal")}])
    await page.get_by_role("button", name="파일 올리기").click()
    await expect(page.get_by_role("status")).to_contain_text("쓰던 내용은 임시저장되었습니다")
    for selector, value in typed.items():
        await expect(page.locator(selector)).to_have_value(value)
    await expect(page.locator("#f-task_id")).to_have_value("SF-01")
    await expect(page.locator("#f-proposal_document input[type=radio]:checked + label")).to_contain_text(
        "사업계획서.pdf")
    await assert_accessible(page)
    await screenshot(page, "portal-apply-uploaded")

    await use_language(page, stack, "en")
    await page.reload()
    await expect(page.get_by_role("status")).to_contain_text("What you typed in the application was saved")
    for selector, value in typed.items():
        await expect(page.locator(selector)).to_have_value(value)
    task = next(t for t in program.tasks if t.id == "SF-01")
    await in_english(page, [*typed.values(), "사업계획서.pdf", program.name, task.title, task.sme_region,
                            *(t.title for t in program.tasks), *(t.sme_region for t in program.tasks)])
    await page.context.close()
