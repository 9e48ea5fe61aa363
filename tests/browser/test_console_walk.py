"""The console as people use it, in a real Chromium: an officer finds a startup through the list's
filters, matches it (meeting a refused field first) and signs the agreement through the forms; a
person holding both staff roles requests a tranche and is refused approving it (four eyes, the
rule shown in Korean); a finance officer approves it, and the officer's open page follows the
payment without a reload. Every page is checked by axe-core and photographed. Then the same pages
in English (the header's switch): the list, its export, the startup's page with its timeline,
every action form it offers, and the four-eyes refusal, with no Korean left but the data."""

import csv
import io
import re
from typing import Any
from urllib.parse import urlencode

from playwright.async_api import Browser, Page, expect

from domain.phases import Role
from domain.program import REGIONS
from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack
from tests.flows import accept_agreement, drive
from tests.i18n_support import HANGUL, korean_left


async def look(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


async def open_action(page: Page, label: str) -> None:
    await page.locator("#actions").get_by_role("link", name=label).click(timeout=30_000)
    await expect(page.locator("h1")).to_contain_text(label)


def shown_data(state: dict[str, Any]) -> list[str]:
    """The Korean data a startup's pages show as they are in either language: names, regions, the
    program's own words for its tranches and milestones, file names."""
    found = [state["company_name"], state["program_name"], state.get("region") or "", *sorted(REGIONS)]
    found += [p["name"] for p in state.get("partners", [])] + [p["region"] for p in state.get("partners", [])]
    found += [t["label"] for t in state.get("tranches", [])]
    found += [m["title"] for m in state.get("milestones", [])] + [m.get("deliverable") or "" for m in
                                                                 state.get("milestones", [])]
    found += [d["filename"] for d in state.get("agreement_documents", [])]
    return found


async def english_only(page: Page, data: list[str]) -> None:
    """The page is in English: <html lang="en"> and no Korean but the data it shows."""
    assert await page.locator("html").get_attribute("lang") == "en"
    assert korean_left(await page.content(), data) == [], page.url


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

    # The startup's page, then matching: a partner's number with a wrong check digit is refused
    # next to its field, the region chosen from the list staying chosen.
    await rows.get_by_role("link", name=company).click()
    await expect(officer.locator("#summary")).to_contain_text("선정")
    await look(officer, "console-startup")
    # The match form's partner rows in English (the header's switch), then back to Korean.
    await officer.get_by_role("link", name="English").click()
    await officer.goto(f"/console/startups/{startup.id}/actions/match")
    await expect(officer.locator("h1")).to_have_text("Match a partner")
    assert "South Gyeongsang" in await officer.locator("#f-partners-0-region option").all_inner_texts()
    await english_only(officer, shown_data(await stack.state(startup.id)))
    await officer.get_by_role("link", name="한국어").click()
    await expect(officer.locator("html")).to_have_attribute("lang", "ko")
    await officer.goto(f"/console/startups/{startup.id}")
    await open_action(officer, "수요기업 매칭")
    await officer.fill("#f-partners-0-name", "강원 정밀")
    await officer.fill("#f-partners-0-brn", "124-81-00999")
    # The region is chosen, not typed: the 시·도 by their names, the capital area not offered.
    region = officer.locator("#f-partners-0-region")
    offered = await region.locator("option").all_inner_texts()
    assert "경상남도" in offered and "강원특별자치도" in offered and "서울특별시" not in offered and "경기도" not in offered
    await region.select_option(label="강원특별자치도")
    await officer.get_by_role("button", name="수요기업 매칭").click()
    await expect(officer.locator("#error-summary")).to_be_visible()
    brn = officer.locator("#f-partners-0-brn")
    await expect(brn).to_have_attribute("aria-invalid", "true")
    await expect(region).to_have_value("강원")  # what was chosen stays chosen
    await look(officer, "console-action-refused-field")
    await brn.fill("124-81-00998")
    await officer.get_by_role("button", name="수요기업 매칭").click()
    await expect(officer.locator(".notice")).to_contain_text("처리되었습니다")
    await expect(officer.locator("#summary")).to_contain_text("매칭 완료")

    # The startup accepts the generated agreement (its portal's part); the officer's open page
    # follows by itself and offers the countersignature.
    matched = await stack.wait_until_state(
        startup.id, lambda s: not s.get("agreement_two_step") or s.get("agreement_document"), "agreement drawn up")
    await accept_agreement(stack, startup.id, matched)
    await open_action(officer, "협약 체결")
    await officer.fill("#f-agreement_no", "AX-2025-0001")
    await look(officer, "console-action-form")
    await officer.get_by_role("button", name="협약 체결").click()
    await expect(officer.locator("#summary")).to_contain_text("협약 체결")

    # Four eyes: one person with both roles requests, then tries to approve as finance.
    both = await signed_in(browser, stack, "walk.both", ["program_officer", "finance_officer"])
    await both.goto(f"/console/startups/{startup.id}")
    await open_action(both, "사업비 지급 요청")
    await both.select_option("#f-tranche", "advance")
    await both.get_by_role("button", name="사업비 지급 요청").click()
    await expect(both.locator(".notice")).to_contain_text("처리되었습니다")
    await both.goto("/")
    await both.select_option("#role", "finance_officer")
    await both.get_by_role("button", name=re.compile("전환")).click()
    await both.goto(f"/console/startups/{startup.id}/actions/approve-disbursement?tranche=advance")
    await both.get_by_role("button", name="사업비 지급 승인").click()
    summary = both.locator("#error-summary")
    await expect(summary).to_contain_text("4안 원칙")
    # A rule's refusal, headed as one, in Korean alone: no rule id, no English gloss.
    await expect(summary.locator("h2")).to_have_text("지금은 할 수 없는 작업입니다")
    await expect(summary).not_to_contain_text("four_eyes")
    await look(both, "console-action-refused-rule")

    # The same refusal in English: the header's switch brings the form back in English.
    await both.get_by_role("link", name="English").click()
    await expect(both.locator("html")).to_have_attribute("lang", "en")
    await both.get_by_role("button", name="Approve disbursement").click()
    await expect(summary).to_contain_text("Four-eyes rule")
    await expect(summary.locator("h2")).to_have_text("This cannot be done now")
    await expect(summary).not_to_contain_text("four_eyes")
    await english_only(both, shown_data(await stack.state(startup.id)))
    await assert_accessible(both)

    # A finance officer approves; the officer's page, left open, shows the payment by itself.
    await officer.goto(f"/console/startups/{startup.id}")
    finance = await signed_in(browser, stack, "walk.finance", ["finance_officer"])
    await finance.goto(f"/console/startups/{startup.id}/actions/approve-disbursement?tranche=advance")
    await finance.get_by_role("button", name="사업비 지급 승인").click()
    await expect(finance.locator(".notice")).to_contain_text("처리되었습니다")
    await expect(officer.locator("#money-title + .table-scroll")).to_contain_text("지급 완료", timeout=30_000)
    await expect(officer.locator(".live-note")).to_contain_text("새 상태로 바뀌었습니다")

    # English: the list (and its export), the startup's page with its timeline, each action form.
    await officer.context.add_cookies([{"name": "axflow_lang", "value": "en", "url": stack.settings.api_url}])
    listed = "/console/startups?" + urlencode({"program": startup.program.id, "q": company})
    await officer.goto(listed)
    await expect(officer.locator("h1")).to_have_text("Startups")
    await expect(rows).to_have_count(1)
    programs = await officer.locator("#program option").all_inner_texts()
    state = await stack.state(startup.id)
    history = await stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(Role.PROGRAM_OFFICER))
    reasons = [e["reason"] for e in history["entries"] if e.get("reason")]  # typed by people: data
    data = shown_data(state) + programs + reasons
    await english_only(officer, data)
    await look(officer, "console-startups-en")
    export = await officer.request.get(listed.replace("/console/startups?", "/console/startups.csv?"))
    header, *lines = csv.reader(io.StringIO((await export.body()).decode("utf-8-sig")))
    assert header[:3] == ["Startup ID", "Company name", "Business registration number"]
    assert not HANGUL.search(",".join(header)) and [r[0] for r in lines] == [startup.id]

    await rows.get_by_role("link", name=company).click()
    await expect(officer.locator("#timeline-title")).to_have_text("Timeline")
    await expect(officer.locator("#timeline")).to_contain_text("Sign agreement")
    await english_only(officer, data)
    await look(officer, "console-startup-en")
    forms = [await link.get_attribute("href") for link in await officer.locator("#actions a").all()]
    assert forms, "the officer has actions on an in-PoC startup"
    for href in forms:
        await officer.goto(href)
        await expect(officer.locator("form.action-form")).to_be_visible()
        await english_only(officer, data)
    await assert_accessible(officer)
    # An action the officer's role may not take: the form says so instead, in English.
    await officer.goto(f"/console/startups/{startup.id}/actions/approve-settlement")
    await expect(officer.locator(".error-summary")).to_contain_text("not open to you")
    await english_only(officer, data)
    for page in (officer, both, finance):
        await page.context.close()
