"""The yearly survey of the follow-up (사후관리) as a company answers it, in a real Chromium: the
open survey, a figure typed as words refused beside its field (announced at the
top, linked to it), then answered, the year listed as answered; the form and the page after it
pass axe-core. The follow-up is started as the lifecycle's end starts it (tests/workflows/test_followup.py
walks that) for a company that has applied, and its clock is skipped to the survey."""

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, expect

from domain.followup_io import FollowUpInput, FollowUpState, followup_workflow_id
from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack, wait_until
from tests.flows import drive
from workflows.followup import FollowUp


async def test_a_company_answers_its_yearly_survey_from_its_page(stack: Stack, browser: Browser) -> None:
    startup = await drive(stack, "under_review")
    assert startup.program.followup is not None
    completed = FollowUpInput(brn=startup.brn, company_name="설문AI", program_id=startup.program.id,
                              program_name=startup.program.name, stage=startup.program.stage,
                              completed_at=datetime.now(UTC), policy=startup.program.followup)
    followup = await stack.client.start_workflow(FollowUp.run, completed, id=followup_workflow_id(startup.brn),
                                                 task_queue=stack.settings.task_queue)
    waiting: FollowUpState = await followup.query(FollowUp.current_state)
    await stack.skipper.fast_forward(followup, waiting.schedule.opens_at - datetime.now(UTC) + timedelta(hours=1))
    await wait_until(lambda: followup.query(FollowUp.current_state), lambda s: s.status == "asking",
                     what="the survey opened")

    page = await signed_in(browser, stack, f"survey.{startup.brn}", ["startup"], startup.brn)
    await page.goto(f"/portal/followup/{startup.id}")
    await expect(page.locator("h1")).to_have_text("성과 조사 (사후관리)")
    await page.get_by_label("매출액 (원)", exact=True).fill("12억")
    for label, value in (("상시 근로자 수 (연말, 명)", "9"), ("신규 고용 (명)", "3"), ("특허 출원 (건수)", "1"),
                         ("특허 등록 (건수)", "0"), ("참여 전 연도 매출액 (원)", "700,000,000"),
                         ("참여 전 연도 상시 근로자 수 (연말, 명)", "6")):
        await page.get_by_label(label, exact=True).fill(value)
    await page.get_by_label("매출 확인을 위해 국세청 신고 매출(부가세·법인세) 조회에 동의합니다 (선택)").check()
    await page.get_by_role("button", name="응답 제출").click()
    await expect(page.get_by_role("alert")).to_contain_text("매출액")
    await expect(page.get_by_label("매출액 (원)", exact=True)).to_have_attribute("aria-invalid", "true")
    await assert_accessible(page)
    await screenshot(page, "portal-followup-refused")

    await page.get_by_label("매출액 (원)", exact=True).fill("850,000,000")
    await page.get_by_role("button", name="응답 제출").click()
    await expect(page.get_by_role("status")).to_have_text("성과 조사 응답을 제출했습니다.")
    recorded = await wait_until(lambda: followup.query(FollowUp.current_state), lambda s: s.year == 2,
                                what="the year recorded")
    # The refused form kept what was typed: the consent and the year before the program went with it.
    answer = recorded.records[0].answer
    assert answer is not None and (answer.revenue_consent, answer.baseline_revenue, answer.baseline_employees) == (
        True, 700_000_000, 6)
    await page.reload()
    await expect(page.get_by_role("table")).to_contain_text("응답함")
    await assert_accessible(page)
    await page.context.close()
