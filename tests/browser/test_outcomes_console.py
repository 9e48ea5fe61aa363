"""The program's outcome page (사후관리 성과) as an auditor reads it, in a real Chromium: a cohort of
three companies over two follow-up years (one closed in year 2, one whose revenue fell), its four
charts with their tables, the targets and the XLSX link; axe-core on the page. The years are
written into the read model by the projection's own upsert (store/followup_tables.py), as the
FollowUp workflow's activity writes them (tests/workflows/test_followup.py walks that)."""

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, expect

from domain.followup import SurveyAnswer, YearRecord
from domain.followup_io import FollowUpYearProjection
from domain.timeutil import KST
from store.db import session_scope
from store.followup_tables import upsert_followup_year
from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack, new_brn


async def test_an_auditor_reads_a_cohorts_outcomes_with_charts_and_tables(stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    completed = datetime(2026, 1, 20, 3, 0, tzinfo=UTC)
    # (revenue, employees) per year; None: no answer (closed that year).
    companies = {"성장AI": [(1_000_000_000, 10), (1_500_000_000, 16)], "감소AI": [(800_000_000, 8), (600_000_000, 7)],
                 "폐업AI": [(300_000_000, 4), None]}
    with session_scope(stack.engine) as session:
        for name, years in companies.items():
            brn = new_brn()
            for year, figures in enumerate(years, start=1):
                answer = SurveyAnswer(fiscal_year=2025 + year, revenue=figures[0], employees=figures[1], new_hires=1) \
                    if figures else None
                record = YearRecord(year=year, fiscal_year=2025 + year, status="answered" if figures else "closed",
                                    program_id=program.id, answer=answer,
                                    answered_at=completed + timedelta(days=60 + 365 * (year - 1)) if figures else None)
                upsert_followup_year(session, FollowUpYearProjection(
                    brn=brn, company_name=name, stage=program.stage, completed_at=completed, record=record,
                    recorded_at=completed + timedelta(days=90 + 365 * (year - 1))))

    page = await signed_in(browser, stack, "outcomes.auditor", ["auditor"])
    await page.goto(f"/console/programs/{program.id}")
    await page.get_by_role("link", name="사후관리 성과").click()
    await expect(page.locator("h1")).to_have_text(f"{program.name} 사후관리 성과")
    cohort = completed.astimezone(KST).year
    await expect(page.get_by_role("img", name="생존율 (%)")).to_be_visible()
    await expect(page.get_by_role("img")).to_have_count(4)
    figures = page.locator("#outcome-figures")
    await expect(figures.get_by_role("columnheader", name=f"{cohort}년 완료 · 2년차")).to_be_visible()
    # Year 2: two of three survive; the two answering grew 1.8B → 2.1B together (16.7%), one by 50% and
    # one by −25% (median 12.5%).
    await expect(figures.get_by_role("row", name="생존율 (%)")).to_contain_text("66.7%")
    await expect(figures.get_by_role("row", name="매출액 합계 (원)")).to_contain_text("2,100,000,000")
    await expect(figures.get_by_role("row", name="매출 증가율, 합계 (%)")).to_contain_text("16.7%")
    await expect(figures.get_by_role("row", name="매출 증가율, 중앙값 (%)")).to_contain_text("12.5%")
    await expect(page.locator("#outcome-targets")).to_contain_text("미달")
    await expect(page.get_by_role("link", name="XLSX 내려받기")).to_have_attribute(
        "href", f"/programs/{program.id}/outcomes?format=xlsx")
    await assert_accessible(page)
    await screenshot(page, "console-outcomes")
    await page.context.close()
