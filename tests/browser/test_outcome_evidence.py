"""The program officer attaches evidence to a flagged follow-up year on the console's outcome page,
in a real Chromium: the note typed, a file chosen, 증빙 첨부 pressed, and the note, the file's name and
the start of its SHA-256 shown beside the year; axe-core on the page with its form. The flagged
year is written into the read model by the projection's own upsert (store/followup_tables.py), as
the FollowUp workflow's activity writes it (tests/workflows/test_followup_flags.py walks the check
itself and the API)."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, expect

from domain.followup import MismatchFlag, SurveyAnswer, YearRecord
from domain.followup_io import FollowUpYearProjection
from store.db import session_scope
from store.followup_tables import upsert_followup_year
from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack, new_brn
from tests.documents_support import pdf


async def test_an_officer_attaches_a_note_and_a_document_to_a_flagged_year(
        stack: Stack, browser: Browser, tmp_path: Path) -> None:
    program = await stack.program()
    brn = new_brn()
    await stack.apply(program, brn)  # the company's lifecycle in the program: its documents are kept under it
    completed = datetime(2026, 1, 20, 3, 0, tzinfo=UTC)
    flag = MismatchFlag(kind="employees_mismatch", field="employees", typed=12, checked=4,
                        message="입력 12명, 고용보험 피보험자 4명")
    record = YearRecord(year=1, fiscal_year=2026, status="answered", program_id=program.id,
                        answer=SurveyAnswer(fiscal_year=2026, revenue=900_000_000, employees=12, new_hires=3),
                        answered_at=completed + timedelta(days=60), flags=[flag], figures_check="checked")
    with session_scope(stack.engine) as session:
        upsert_followup_year(session, FollowUpYearProjection(
            brn=brn, company_name="증빙AI", stage=program.stage, completed_at=completed, record=record,
            recorded_at=completed + timedelta(days=61)))
    scan = tmp_path / "고용보험-가입확인서.pdf"
    scan.write_bytes(pdf("insured 12"))

    page = await signed_in(browser, stack, "evidence.browser", ["program_officer"])
    await page.goto(f"/console/programs/{program.id}/outcomes")
    checks = page.locator("#outcome-checks")
    await expect(checks.get_by_role("row", name="증빙AI")).to_contain_text("입력 12명, 고용보험 피보험자 4명")
    await assert_accessible(page)
    await page.get_by_label("확인 메모").fill("고용보험 가입 확인서 확인함")
    await page.get_by_label("증빙 문서").set_input_files(str(scan))
    await page.get_by_role("button", name="증빙 첨부").click()
    row = checks.get_by_role("row", name="증빙AI")
    await expect(row).to_contain_text("고용보험 가입 확인서 확인함")
    await expect(row).to_contain_text("고용보험-가입확인서.pdf")
    await expect(row.locator("code")).to_have_text(hashlib.sha256(scan.read_bytes()).hexdigest()[:12])
    await screenshot(page, "console-outcome-evidence")
    await page.context.close()
