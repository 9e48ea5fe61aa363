"""Agreement amendments (협약 변경) and appeals (이의신청) in a real Chromium, each page checked by
axe-core: the startup asks for a longer PoC on its agreement page at phone size (an empty day refused
beside its field, then the request sent); another program officer approves it from the console's
decide-amendment form and reads the startup's page; the startup reads 변경 1 waiting for its
acceptance, in Korean and in English (no Korean left but the agreement and the data), and accepts it
with its password typed again. A rejected applicant files an appeal from its 마이페이지 section (empty
reasons refused beside the field, then filed); the panel reads it on the console's startup page and
dismisses it there with its reason (기각), which the applicant reads on its page."""

import re
from datetime import datetime, timedelta

from playwright.async_api import Browser, Page, expect

from domain.timeutil import kst_date
from tests.browser.conftest import PASSWORD, assert_accessible, screenshot, signed_in
from tests.browser.test_agreement import set_language
from tests.conftest import Stack
from tests.flows import PO, drive
from tests.i18n_support import korean_left

PHONE = {"width": 390, "height": 844}


async def phone_sized(page: Page) -> None:
    await page.set_viewport_size(PHONE)


async def test_an_amendment_asked_decided_and_an_appeal_filed(stack: Stack, browser: Browser) -> None:
    startup = await drive(stack, "in_poc")
    sid = startup.id
    state = await stack.state(sid, stack.as_role(PO))
    new_end = kst_date(datetime.fromisoformat(state["milestones"][-1]["due_at"])) + timedelta(days=30)

    # The startup asks on its agreement page, at phone size; an empty day is refused beside its field.
    page = await signed_in(browser, stack, f"ceo.{startup.brn}", ["startup"], brn=startup.brn)
    await phone_sized(page)
    await page.goto(f"/portal/agreement/{sid}")
    amendments = page.locator("#amendments")
    await expect(amendments.locator("h2")).to_have_text("협약 변경")
    await assert_accessible(page)
    await page.select_option("#f-kind", "poc_period")
    await page.fill("#f-reason", "설비 교체 일정")
    await amendments.get_by_role("button", name="협약 변경 신청").click()
    await expect(page.locator("#f-new_end_on-error")).to_be_visible()
    await expect(page.locator("#f-new_end_on")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-reason")).to_have_value("설비 교체 일정")  # what was typed stays
    await assert_accessible(page)
    await screenshot(page, "portal-amendment-refused")
    await page.select_option("#f-kind", "poc_period")
    await page.fill("#f-new_end_on", new_end.isoformat())
    await page.locator("#amendments").get_by_role("button", name="협약 변경 신청").click()
    await expect(page.locator("#amendments .notice-success")).to_contain_text("협약 변경을 신청했습니다")
    await stack.wait_until_state(sid, lambda s: bool(s["amendments"]["requests"]), "the request readable")
    await page.reload()
    await expect(page.locator("#amendments table")).to_contain_text("사업 기간")
    await assert_accessible(page)

    # Another program officer approves it on the console's action form, and reads the startup's page.
    officer = await signed_in(browser, stack, "amend.decider", ["program_officer"])
    await officer.goto(f"/console/startups/{sid}/actions/decide-amendment")
    await assert_accessible(officer)
    await officer.select_option("#f-decision", "approve")
    await officer.fill("#f-reason", "일정 타당")
    await officer.locator("form").get_by_role("button", name=re.compile("협약 변경")).last.click()
    approved = await stack.wait_until_state(sid, lambda s: bool(s["amendments"]["versions"]), "변경 1 readable")
    assert approved["amendments"]["requests"][0]["status"] == "approved"
    await officer.goto(f"/console/startups/{sid}")
    await assert_accessible(officer)
    await screenshot(officer, "console-amendment-decided")

    # The startup reads 변경 1 waiting for its acceptance, in Korean, then in English.
    await page.goto(f"/portal/agreement/{sid}")
    await expect(page.locator("body")).to_contain_text("변경 1")
    await expect(page.locator("#amendments table")).to_contain_text("일정 타당")
    await assert_accessible(page)
    await screenshot(page, "portal-amendment-version")
    await set_language(page, stack, "en")
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#amendments h2")).to_have_text("Agreement amendments")
    version = approved["amendments"]["versions"][0]
    data = [approved["company_name"], approved["program_name"], version["document"]["filename"],
            "설비 교체 일정", "일정 타당"]
    html = await page.content()
    assert korean_left(html, data) == [], korean_left(html, data)
    await assert_accessible(page)
    await set_language(page, stack, "ko")

    # The startup accepts 변경 1 there, its password typed again (what the officer's approval asked).
    await page.goto(f"/portal/agreement/{sid}")
    await page.check("#f-read_confirmed")
    await page.fill("#f-password", PASSWORD)
    await page.get_by_role("button", name="협약서에 동의").click()
    await expect(page.locator(".notice-success")).to_contain_text("변경 1 협약서에 동의했습니다")
    await assert_accessible(page)
    await screenshot(page, "portal-amendment-accepted")
    accepted = await stack.wait_until_state(sid, lambda s: bool(s["amendments"]["versions"][0]["accepted_at"]),
                                            "변경 1 accepted")
    assert accepted["amendments"]["versions"][0]["accepted_by_id"]

    # A rejected applicant files an appeal from its 마이페이지 section; the panel reads it on the console.
    rejected = await drive(stack, "rejected")
    applicant = await signed_in(browser, stack, f"ceo.{rejected.brn}", ["startup"], brn=rejected.brn)
    await phone_sized(applicant)
    await applicant.goto(f"/portal/my/{rejected.id}")
    await expect(applicant.locator("#appeals")).to_be_visible()
    await assert_accessible(applicant)
    # The form leaves the checks to the server (novalidate, as the portal's other forms): empty
    # reasons are refused beside their field, in the page's words.
    await applicant.select_option("#f-kind", "selection")
    await applicant.fill("#f-reasons", "")
    await applicant.locator("#appeals form").last.get_by_role("button").click()
    await expect(applicant.locator("#f-reasons-error")).to_be_visible()
    await assert_accessible(applicant)
    await applicant.select_option("#f-kind", "selection")
    await applicant.fill("#f-reasons", "실증 실적이 점수에 반영되지 않았습니다")
    await applicant.locator("#appeals form").last.get_by_role("button").click()
    await expect(applicant.locator("body")).to_contain_text("이의신청을 접수했습니다")
    await assert_accessible(applicant)
    await screenshot(applicant, "portal-appeal-filed")
    await stack.wait_until_state(rejected.id, lambda s: bool(s["appeals"]["appeals"]), "the appeal readable")
    await officer.goto(f"/console/startups/{rejected.id}")
    await expect(officer.locator("body")).to_contain_text("실증 실적이 점수에 반영되지 않았습니다")
    await assert_accessible(officer)
    await officer.goto(f"/console/startups/{rejected.id}/actions/decide-appeal")
    await assert_accessible(officer)

    # The panel (an officer who took no part in the selection) dismisses it with its reason (기각),
    # which the applicant reads on its 마이페이지.
    await officer.select_option("#f-decision", "dismiss")
    await officer.fill("#f-reason", "평가 기준에 따라 채점되었습니다")
    await officer.locator("form").get_by_role("button", name="이의신청 심의").last.click()
    decided = await stack.wait_until_state(rejected.id, lambda s: s["appeals"]["appeals"][0]["status"] != "pending",
                                           "the appeal decided")
    assert decided["appeals"]["appeals"][0]["status"] == "dismissed"
    await officer.goto(f"/console/startups/{rejected.id}")
    await expect(officer.locator("body")).to_contain_text("평가 기준에 따라 채점되었습니다")
    await assert_accessible(officer)
    await screenshot(officer, "console-appeal-decided")
    await applicant.goto(f"/portal/my/{rejected.id}")
    await expect(applicant.locator("#appeals")).to_contain_text("평가 기준에 따라 채점되었습니다")
    await expect(applicant.locator("#appeals")).to_contain_text("기각")
    await assert_accessible(applicant)
