"""The console as people use it, in a real Chromium: an officer finds a startup through the list's
filters, matches it (meeting a refused field first) and signs the agreement through the forms; a
person holding both staff roles requests a tranche and is refused approving it (four eyes, the
rule shown in Korean); a finance officer approves it, and the officer's open page follows the
payment without a reload. Every page is checked by axe-core and photographed."""

import csv
import io
import re

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack
from tests.flows import accept_agreement, drive


async def look(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


async def open_action(page: Page, label: str) -> None:
    await page.locator("#actions").get_by_role("link", name=label).click(timeout=30_000)
    await expect(page.locator("h1")).to_contain_text(label.split(" (")[0])


async def test_an_officer_and_finance_carry_a_startup_from_selection_to_payment(stack: Stack, browser: Browser) -> None:
    startup = await drive(stack, "selected")
    company = (await stack.state(startup.id))["company_name"]
    officer = await signed_in(browser, stack, "walk.officer", ["program_officer"])

    # Home: what waits on the officer, with counts.
    await expect(officer.locator("h1")).to_contain_text("내 할 일")
    await look(officer, "console-home")

    # The list: filters in the URL, the one startup found, the export holds exactly those rows.
    await officer.get_by_role("link", name=re.compile("^스타트업")).first.click()
    await officer.select_option("#program", startup.program.id)
    await officer.select_option("#phase", "selected")
    await officer.fill("#q", company)
    await officer.get_by_role("button", name=re.compile("찾기")).click()
    assert f"program={startup.program.id}" in officer.url and "phase=selected" in officer.url
    rows = officer.locator("table.list tbody tr")
    await expect(rows).to_have_count(1)
    await look(officer, "console-startups")
    export = await officer.request.get(officer.url.replace("/console/startups?", "/console/startups.csv?"))
    table = list(csv.reader(io.StringIO((await export.body()).decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == [startup.id]

    # The startup's page, then matching: a capital-area partner is refused next to its field.
    await rows.get_by_role("link", name=company).click()
    await expect(officer.locator("#summary")).to_contain_text("선정")
    await look(officer, "console-startup")
    await open_action(officer, "수요기업 매칭 (Match)")
    await officer.fill("#f-partners-0-name", "강원 정밀")
    await officer.fill("#f-partners-0-brn", "124-81-00998")
    await officer.fill("#f-partners-0-region", "서울")
    await officer.get_by_role("button", name="수요기업 매칭 (Match)").click()
    await expect(officer.locator("#error-summary")).to_be_visible()
    region = officer.locator("#f-partners-0-region")
    await expect(region).to_have_attribute("aria-invalid", "true")
    await expect(officer.locator("#f-partners-0-region-error")).to_contain_text("capital area")
    await look(officer, "console-action-refused-field")
    await region.fill("강원")
    await officer.get_by_role("button", name="수요기업 매칭 (Match)").click()
    await expect(officer.locator(".notice")).to_contain_text("처리되었습니다")
    await expect(officer.locator("#summary")).to_contain_text("매칭 완료")

    # The startup accepts the generated agreement (its portal's part); the officer's open page
    # follows by itself and offers the countersignature.
    matched = await stack.wait_until_state(
        startup.id, lambda s: not s.get("agreement_two_step") or s.get("agreement_document"), "agreement drawn up")
    await accept_agreement(stack, startup.id, matched)
    await open_action(officer, "협약 체결 (Sign agreement)")
    await officer.fill("#f-agreement_no", "AX-2025-0001")
    await look(officer, "console-action-form")
    await officer.get_by_role("button", name="협약 체결 (Sign agreement)").click()
    await expect(officer.locator("#summary")).to_contain_text("협약 체결")

    # Four eyes: one person with both roles requests, then tries to approve as finance.
    both = await signed_in(browser, stack, "walk.both", ["program_officer", "finance_officer"])
    await both.goto(f"/console/startups/{startup.id}")
    await open_action(both, "사업비 지급 요청 (Request disbursement)")
    await both.select_option("#f-tranche", "advance")
    await both.get_by_role("button", name="사업비 지급 요청 (Request disbursement)").click()
    await expect(both.locator(".notice")).to_contain_text("처리되었습니다")
    await both.goto("/")
    await both.select_option("#role", "finance_officer")
    await both.get_by_role("button", name=re.compile("전환")).click()
    await both.goto(f"/console/startups/{startup.id}/actions/approve-disbursement?tranche=advance")
    await both.get_by_role("button", name="사업비 지급 승인 (Approve disbursement)").click()
    summary = both.locator("#error-summary")
    await expect(summary).to_contain_text("4안 원칙")
    await expect(summary).to_contain_text("four_eyes")
    await look(both, "console-action-refused-rule")

    # A finance officer approves; the officer's page, left open, shows the payment by itself.
    await officer.goto(f"/console/startups/{startup.id}")
    finance = await signed_in(browser, stack, "walk.finance", ["finance_officer"])
    await finance.goto(f"/console/startups/{startup.id}/actions/approve-disbursement?tranche=advance")
    await finance.get_by_role("button", name="사업비 지급 승인 (Approve disbursement)").click()
    await expect(finance.locator(".notice")).to_contain_text("처리되었습니다")
    await expect(officer.locator("#money-title + .table-scroll")).to_contain_text("지급 완료", timeout=30_000)
    await expect(officer.locator(".live-note")).to_contain_text("updated")
    for page in (officer, both, finance):
        await page.context.close()
