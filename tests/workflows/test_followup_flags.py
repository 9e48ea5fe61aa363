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
from sqlmodel import select
from temporalio.client import WorkflowHandle

from domain.followup_io import SurveySubmission
from domain.phases import Role
from domain.program import ProgramDefinition
from store.db import session_scope
from store.tables import AuditEvent
from tests.conftest import Stack, wait_until
from tests.documents_support import pdf
from tests.pages.test_console_upload import csrf, sign_in, stored
from tests.workflows.test_followup import figures, open_all, start, startup, state
from workflows.followup import FollowUp


@dataclass
class Flagged:
    """One program's two companies, each with its year recorded: one flagged on both figures, one
    suspended (휴업) that did not consent to its tax filing being read and that the register does not hold."""

    program: ProgramDefinition
    flagged_brn: str
    resting_brn: str
    flagged_startup_id: str  # the flagged company's lifecycle in the program: its documents are kept under it


@pytest.fixture(scope="module")
async def flagged(stack: Stack) -> Flagged:
    program = await stack.program()
    (brn, one), (resting_brn, other) = await start(stack, 1, program), await start(stack, 1, program)
    startup_id = await stack.apply(program, brn)
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
    return Flagged(program, brn, resting_brn, startup_id)


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


async def test_an_officer_attaches_evidence_to_a_flagged_year_over_the_api_and_on_the_console(
        stack: Stack, flagged: Flagged, site: httpx.AsyncClient) -> None:
    """A note and a document pinned by its SHA-256, on a year whose figures the registers did not
    bear out: refused naming the field and its rule when wrong (nothing kept), else kept with an
    audit row and shown in the outcomes' answer and on the console's page."""
    program_id, brn, startup_id = flagged.program.id, flagged.flagged_brn, flagged.flagged_startup_id
    officer = stack.as_role(Role.PROGRAM_OFFICER)
    await stack.wait_until_state(startup_id, lambda s: s["brn"] == brn, what="the lifecycle projected")
    uploaded = await stack.http.post(f"/startups/{startup_id}/documents", headers=officer, data={"kind": "other"},
                                     files={"file": ("고용보험-가입확인서.pdf", pdf("insured 12"), "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    url = f"/programs/{program_id}/outcomes/evidence"
    body = {"brn": brn, "year": 1, "note": "고용보험 가입 확인서 확인함", "documents": [document["id"]]}
    wrong = await stack.call("POST", url, officer, {**body, "year": 2, "note": " ", "documents": []}, expect=422)
    assert [(d["field"], d["rule"]) for d in wrong["error"]["details"]] == [
        ("year", "flagged_year"), ("note", "evidence_note"), ("documents", "evidence_document")]
    assert all(" — " in d["message"] for d in wrong["error"]["details"])  # Korean — English
    await stack.call("POST", url, officer, {**body, "documents": ["no-such-document"]}, expect=422)
    await stack.call("POST", url, stack.as_role(Role.AUDITOR), body, expect=403)
    attached = await stack.call("POST", url, officer, body, expect=201)
    assert (attached["year"], attached["note"], [d["sha256"] for d in attached["documents"]]) == (
        1, "고용보험 가입 확인서 확인함", [document["sha256"]])
    found = await stack.call("GET", f"/programs/{program_id}/outcomes", stack.as_role(Role.AUDITOR))
    assert [(e["brn"], e["year"], e["documents"][0]["sha256"]) for e in found["evidence"]] == [
        (brn, 1, document["sha256"])]
    with session_scope(stack.engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.startup_id == f"followup-evidence:{brn}")).all()
        assert [(r.action, r.reason, r.details["year"]) for r in rows] == [
            ("attach-flag-evidence", "고용보험 가입 확인서 확인함", 1)]
    # The auditor's check: the chain holds with the keyed row, its chain (no workflow's) unanchored.
    verified = await stack.call("GET", "/audit/verify", stack.as_role(Role.AUDITOR))
    assert verified["ok"] and f"followup-evidence:{brn}" in verified["unanchored"], verified

    # On the console: the form beside the flagged year; a note left empty is refused before the
    # file is kept; then a second document attached and shown with the first.
    await sign_in(site, stack, "evidence.officer", ["program_officer"])
    page = await site.get(f"/console/programs/{program_id}/outcomes")
    assert "고용보험 가입 확인서 확인함" in page.text and document["sha256"][:12] in page.text
    assert f'for="evidence-note-{brn}-1"' in page.text and f'for="evidence-file-{brn}-1"' in page.text
    action = f"/console/programs/{program_id}/outcomes/evidence?brn={brn}&year=1"
    fields = {"csrf_token": csrf(page.text), "kind": "other"}
    scan = {"file": ("사업장-확인.pdf", pdf("workplace"), "application/pdf")}
    before = len(stored(stack, startup_id))
    empty = await site.post(action, data={**fields, "note": ""}, files=scan)
    assert empty.status_code == 422 and "확인 메모를 500자 이내로 적어 주십시오." in empty.text
    assert len(stored(stack, startup_id)) == before
    done = await site.post(action, data={**fields, "note": "사업장 방문 확인"}, files=scan, follow_redirects=True)
    assert done.status_code == 200 and "사업장 방문 확인" in done.text and "사업장-확인.pdf" in done.text
    assert len(stored(stack, startup_id)) == before + 1
    auditor = await stack.call("GET", f"/programs/{program_id}/outcomes", stack.as_role(Role.AUDITOR))
    assert [e["note"] for e in auditor["evidence"]] == ["고용보험 가입 확인서 확인함", "사업장 방문 확인"]
    # And in the workbook's sheet of checks, beside the year, with each document's SHA-256.
    sheet = await stack.http.get(f"/programs/{program_id}/outcomes?format=xlsx", headers=officer)
    header, *rows = load_workbook(io.BytesIO(sheet.content), read_only=True)["수치 확인"].iter_rows(values_only=True)
    [mine] = [row for row in rows if row[header.index("사업자등록번호")] == brn]
    noted = mine[header.index("담당자 확인 증빙")]
    assert noted.startswith("고용보험 가입 확인서 확인함 (고용보험-가입확인서.pdf ") and document["sha256"] in noted
