"""The checks of a program's follow-up years as officers use them: every company-year's checks in
the outcome workbook (수치 확인), and an officer's evidence (a document pinned by its SHA-256 and a
note) on a flagged year, on the console's outcome page and over the API. On the real Temporal
server, the registers' simulators and the API; each follow-up runs one year."""

import io
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from temporalio.client import WorkflowHandle

from domain.followup_io import SurveySubmission
from domain.phases import Role
from domain.program import ProgramDefinition
from tests.conftest import Stack, wait_until
from tests.workflows.test_followup import figures, open_all, start, startup, state
from workflows.followup import FollowUp


@dataclass
class Flagged:
    """One program's two companies, each with its year recorded: one flagged on both figures, one
    suspended (휴업) that did not consent to its tax filing being read and that the register does not hold."""

    program: ProgramDefinition
    flagged_brn: str
    resting_brn: str


@pytest.fixture(scope="module")
async def flagged(stack: Stack) -> Flagged:
    program = await stack.program()
    (brn, one), (resting_brn, other) = await start(stack, 1, program), await start(stack, 1, program)
    await open_all(stack, one, other)
    fiscal_year = (await state(one)).schedule.fiscal_year
    async with httpx.AsyncClient() as http:
        filed = {"years": {str(fiscal_year): {"corp_sales_amt": 700_000_000}}}
        (await http.put(f"{stack.settings.tax_authority_url}/_filings/{brn}", json=filed)).raise_for_status()
        (await http.put(f"{stack.settings.employment_insurance_url}/_workplaces/{brn}",
                        json={"insured": 4, "months": {}})).raise_for_status()
        (await http.put(f"{stack.settings.tax_authority_url}/_businesses/{resting_brn}",
                        json={"status": "suspended", "since": "2027-02-01"})).raise_for_status()
    answers: list[tuple[str, WorkflowHandle[Any, Any], Any]] = [
        (brn, one, figures(fiscal_year, revenue_consent=True)), (resting_brn, other, figures(fiscal_year))]
    for each, handle, answer in answers:
        await handle.execute_update(FollowUp.answer_survey, SurveySubmission(actor=startup(each), answer=answer))
        await handle.result()
    return Flagged(program, brn, resting_brn)


async def test_the_outcome_workbook_lists_every_company_years_checks(stack: Stack, flagged: Flagged) -> None:
    url = f"/programs/{flagged.program.id}/outcomes"
    officer = stack.as_role(Role.PROGRAM_OFFICER)
    await wait_until(lambda: stack.call("GET", url, officer), lambda o: o["companies"] == 2, what="both years projected")
    sheet = await stack.http.get(f"{url}?format=xlsx", headers=officer)
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content), read_only=True)
    header, *rows = book["수치 확인"].iter_rows(values_only=True)
    assert header[:6] == ("코호트 (완료 연도)", "연차", "실적 연도", "기업명", "사업자등록번호", "응답 상태")
    by_brn = {row[header.index("사업자등록번호")]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_brn) == {flagged.flagged_brn, flagged.resting_brn}
    mismatched, resting = by_brn[flagged.flagged_brn], by_brn[flagged.resting_brn]
    assert [mismatched[c] for c in ("종업원 수 (입력, 명)", "고용보험 피보험자 (명)", "고용 확인", "매출액 (입력, 원)",
                                    "국세청 신고 매출 (원)", "매출 확인", "사업 상태")] == [
        12, 4, "불일치", 900_000_000, 700_000_000, "불일치", "—"]
    assert [resting[c] for c in ("응답 상태", "고용보험 피보험자 (명)", "고용 확인", "국세청 신고 매출 (원)", "매출 확인",
                                 "사업 상태")] == ["응답함", None, "기록 없음", None, "동의 없음", "휴업"]
    # In English when English is chosen.
    english = await stack.http.get(f"{url}?format=xlsx", headers={**officer, "Cookie": "axflow_lang=en"})
    english_book = load_workbook(io.BytesIO(english.content), read_only=True)
    assert english_book.sheetnames[-1] == "Checks"
