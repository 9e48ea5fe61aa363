"""The evaluator pool in a real Chromium, one journey: a program officer invites an evaluator into
a program's pool; the evaluator's desk lists none of the program's applications, only the pledge
(서약서) to sign, and the score sheet is closed naming the rule; the evaluator signs it (box ticked,
name typed) and the application appears; they recuse themselves (회피) from it; the officer spreads
the panels and reads the pool's table (load and calibration). Every page is checked by axe-core
and photographed."""


from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, ensure_user, screenshot, signed_in
from tests.conftest import Stack, wait_until


async def look(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


async def _reloaded_text(page: Page, selector: str) -> str:
    await page.reload()
    return await page.locator(selector).inner_text()


async def test_an_evaluator_signs_the_pledge_before_the_application_appears(stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program, company_name="풀평가 AI")
    await stack.wait_phase(startup_id, "under_review")
    evaluator_id = ensure_user(stack, "pool.evaluator", ["evaluator"])

    officer = await signed_in(browser, stack, "pool.officer", ["program_officer"])
    await officer.goto(f"/console/programs/{program.id}/evaluators")
    await officer.select_option("#f-user_id", evaluator_id)
    await officer.get_by_role("button", name="풀에 초대").click()
    await expect(officer.locator(".notice")).to_contain_text("초대했습니다")
    await expect(officer.locator("main table.list").first).to_contain_text("서명 전")

    evaluator = await signed_in(browser, stack, "pool.evaluator", ["evaluator"])
    await evaluator.goto(f"/console/evaluations?program_id={program.id}")
    await expect(evaluator.locator("#pledges-title")).to_be_visible()
    await expect(evaluator.locator("main")).not_to_contain_text("풀평가 AI")
    await evaluator.goto(f"/console/evaluations/{startup_id}")
    await expect(evaluator.locator(".error-summary")).to_contain_text("서약서에 서명한 뒤에")
    await expect(evaluator.locator("main")).not_to_contain_text("풀평가 AI")
    await look(evaluator, "console-evaluation-closed")
    for closed in (f"/console/startups/{startup_id}", f"/console/programs/{program.id}/call"):
        await evaluator.goto(closed)  # the startup's own page, the program's applicants: closed too
        await expect(evaluator.locator(".error-summary")).to_contain_text("서명")
        await expect(evaluator.locator("main")).not_to_contain_text("풀평가 AI")
    await evaluator.goto(f"/console/evaluations/{startup_id}")

    await evaluator.get_by_role("link", name="서약서 읽고 서명하기").click()
    await expect(evaluator.locator("main")).to_contain_text("비밀유지")
    await look(evaluator, "console-evaluator-pledge")
    await evaluator.check("#f-accept")
    await evaluator.fill("#f-name", "다른 사람")  # not the account's name: refused, naming the field
    await evaluator.get_by_role("button", name="서약서에 서명").click()
    await expect(evaluator.locator(".error-summary")).to_contain_text("이름")
    await evaluator.check("#f-accept")
    await evaluator.fill("#f-name", "pool.evaluator")
    await evaluator.get_by_role("button", name="서약서에 서명").click()
    await expect(evaluator.locator(".notice")).to_contain_text("서약서에 서명했습니다")
    await wait_until(lambda: _reloaded_text(evaluator, "main"), lambda text: "풀평가 AI" in text,
                     what="the application listed once the pledge is signed")

    await evaluator.goto(f"/console/evaluations/{startup_id}")
    await evaluator.fill("#f-recusal_reason", "지원 기업 대표와 공동연구")
    await evaluator.get_by_role("button", name="평가 회피").click()
    await expect(evaluator.locator(".notice")).to_contain_text("평가를 회피했습니다")
    await evaluator.goto(f"/console/evaluations/{startup_id}")
    await expect(evaluator.locator("#withdrawn-title")).to_contain_text("회피")

    await officer.goto(f"/console/programs/{program.id}/evaluators")
    await officer.fill("#f-per_startup", "1")
    await officer.get_by_role("button", name="고르게 배정").click()
    await expect(officer.locator(".notice")).to_contain_text("고르게 배정했습니다")
    # The only evaluator recused: the startup keeps no panel, the recusal is listed with its reason.
    await expect(officer.locator("main")).to_contain_text("지원 기업 대표와 공동연구")
    await expect(officer.get_by_role("row", name="풀평가 AI —")).to_be_visible()
    await look(officer, "console-evaluator-pool")
