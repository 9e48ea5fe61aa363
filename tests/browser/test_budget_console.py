"""The staff's side of the money by 비목 in a real Chromium. A startup driven over the API to its
PoC with a budget plan, three expenses, a notice-type move and a change request waiting is reviewed
in the console: the finance officer's queue shows the risk flag first with its reason, one expense
is disallowed (불인정) with a reason from the list and the rest accepted together; the program
officer, told of both moves in their notifications (patch budget-change-notices), approves the
change request, and the plan's new version carries its own agreement and hash; the statement is
printed; the auditor reads every expense with its evidence's SHA-256, and the program's budget vs
executed vs disallowed by category as a table, a chart and an XLSX. Every page is checked by
axe-core and photographed; the auditor's pages are read in English too."""

import io
import json
import os
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect

from domain.phases import Role
from tests.browser.conftest import assert_accessible, ensure_user, screenshot, signed_in
from tests.browser.test_console_desks import _shown_data, in_english, use_language
from tests.budget_support import AGREED
from tests.conftest import Stack, wait_until
from tests.workflows.test_settlement_from_ledger import in_poc_with_an_expense

SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-budget-change-notices.json"


async def look(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


async def _reloaded(page: Page, selector: str = "main") -> str:
    await page.reload()
    return await page.locator(selector).inner_text()


async def test_staff_review_a_startups_money_by_category(stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    me = stack.as_startup(startup_id.rsplit(":", 1)[1])
    expense, invoice, transfer = await in_poc_with_an_expense(stack, program, startup_id, "AX-B1")
    await stack.act(startup_id, "record-expense", me, expense | {"category": "marketing", "supply_amount": 2_000_000,
                                                                 "vat": 200_000, "description": "전시회 부스"})
    await stack.act(startup_id, "record-expense", me, expense | {"supply_amount": 1_000_000, "vat": 0})
    ensure_user(stack, "budget.officer", ["program_officer"])  # told of the moves below
    await stack.act(startup_id, "request-budget-change", me,
                    {"from_category": "materials", "to_category": "fees", "amount": 300_000})
    await stack.act(startup_id, "request-budget-change", me, {
        "from_category": "materials", "to_category": "equipment", "amount": 1_000_000, "reason": "계측 장비"})
    names = {c.key: c.name for c in program.budget_rules.categories} if program.budget_rules else {}

    # The finance officer's queue: the round amount flagged first with its reason; one expense
    # disallowed in part with a reason from the list, the other two accepted together.
    finance = await signed_in(browser, stack, "budget.finance", ["finance_officer"])
    await finance.goto(f"/console/programs/{program.id}/expense-review")
    queue = finance.locator("#f-item tbody")
    await wait_until(lambda: _reloaded(finance, "main"), lambda text: all(e in text for e in ("E0001", "E0002", "E0003")),
                     30, "the expenses in the queue")
    first = queue.locator("tr").first
    await expect(first).to_contain_text("E0003")
    await expect(first).to_contain_text("딱 떨어지는 금액 (₩1,000,000)")
    await look(finance, "console-expense-review")
    await finance.select_option("#f-entry", f"{startup_id}|E0002")
    await finance.select_option("#f-decision", "disallow")
    await finance.get_by_role("button", name="검토 결과 기록").click()  # without the reason: the rule says so
    await expect(finance.locator("#error-summary")).to_contain_text("불인정 사유: 불인정 사유를 고르십시오")
    await expect(finance.locator("#f-disallow_reason")).to_have_attribute("aria-invalid", "true")
    await expect(finance.locator("#f-entry")).to_have_value(f"{startup_id}|E0002")
    await finance.select_option("#f-disallow_reason", "outside_purpose")
    await finance.fill("#f-disallowed_amount", "500,000")
    await finance.fill("#f-reason", "부스 외 비용")
    await finance.get_by_role("button", name="검토 결과 기록").click()
    await expect(finance.locator(".notice")).to_contain_text("불인정으로 기록했습니다")
    await finance.check(f"input[name=item][value='{startup_id}|E0001']")
    await finance.check(f"input[name=item][value='{startup_id}|E0003']")
    await finance.get_by_role("button", name="선택 항목 인정").click()
    await expect(finance.locator("#outcomes h2")).to_contain_text("2건 인정, 0건 거절")
    marks = (await stack.state(startup_id))["budget"]["entries"]
    assert [(marks[e]["review"], marks[e]["disallowed"]) for e in ("E0001", "E0002", "E0003")] == [
        ("accept", 0), ("disallow", 500_000), ("accept", 0)]

    # The program officer sees the notice-type move and approves the change request waiting.
    officer = await signed_in(browser, stack, "budget.officer", ["program_officer"])
    company = (await stack.state(startup_id))["company_name"]
    await officer.goto("/notifications")
    await wait_until(lambda: _reloaded(officer), lambda text: all(
        f"{what}: {company}, {names['materials']} → {names[to]}" in text
        for what, to in (("비목 변경 통보", "fees"), ("비목 변경 승인 요청", "equipment"))), 30,
        "the officer told of both moves")
    await officer.goto(f"/console/startups/{startup_id}")
    await officer.get_by_role("link", name=re.compile("사업비")).click()
    await expect(officer.locator("#pending-title + dl")).to_contain_text("₩1,000,000")
    await expect(officer.locator(".version").first).to_contain_text("통보 (승인 불필요)")
    await look(officer, "console-budget-change")
    await officer.select_option("#f-decision", "approve")
    await officer.fill("#f-reason", "계측 장비 필요 인정")
    await officer.get_by_role("button", name="결정 기록").click()
    await expect(officer.locator(".notice")).to_contain_text("비목 변경을 승인했습니다")
    newest = officer.locator(".version").first
    await expect(newest).to_contain_text("제3판 · 변경 승인")
    await expect(newest).to_contain_text(f"{names['equipment']} +₩1,000,000")
    plans = (await stack.state(startup_id))["budget"]["plans"]
    assert [p["basis"] for p in plans] == ["agreement", "notice", "approval"]
    await expect(newest).to_contain_text(plans[2]["sha256"])
    await expect(newest).to_contain_text(plans[2]["document"]["sha256"])
    await expect(officer.locator("#pending-title + p")).to_contain_text("승인을 기다리는 비목 변경이 없습니다")
    # The statement as it stands (provisional until the settlement is approved), printable and as XLSX.
    await expect(officer.locator("#statement-title ~ dl")).to_contain_text("₩5,500,000")
    xlsx = await officer.request.get(await officer.get_by_role("link", name="XLSX").get_attribute("href") or "")
    assert xlsx.ok and "spreadsheetml" in xlsx.headers["content-type"]
    await officer.get_by_role("link", name="인쇄용 정산보고서").click()
    await expect(officer.locator(".statement-document")).to_contain_text("정산보고서 해시")
    await look(officer, "console-settlement-statement")

    # The auditor: every expense with its evidence's hash and the decision that stands; the budget
    # by category across the program, as a table, a chart and a spreadsheet.
    auditor = await signed_in(browser, stack, "budget.auditor", ["auditor"])
    await auditor.goto(f"/console/programs/{program.id}/expenses")
    await wait_until(lambda: _reloaded(auditor, "#expenses"), lambda text: "불인정" in text and text.count("인정") >= 3,
                     30, "the reviews projected")
    listing = auditor.locator("#expenses")
    for digest in (invoice["sha256"], transfer["sha256"]):
        await expect(listing).to_contain_text(digest)
    await expect(listing).to_contain_text("불인정: 목적 외 사용 ₩500,000")
    await look(auditor, "console-expense-ledger")
    await auditor.goto(f"/console/programs/{program.id}/budget")
    table = auditor.locator("#budget-table")
    await wait_until(lambda: _reloaded(auditor, "#budget-table"), lambda text: "₩500,000" in text, 30,
                     "the program's budget by category")
    marketing = table.locator("tr", has_text=names["marketing"])
    await expect(marketing).to_contain_text("₩5,000,000")
    await expect(marketing).to_contain_text("₩2,000,000")
    await expect(marketing).to_contain_text("₩1,500,000")
    await expect(auditor.locator("svg#budget, svg[aria-labelledby^=budget]")).to_have_count(1)
    await look(auditor, "console-program-budget")
    sheet = load_workbook(io.BytesIO(await (await auditor.request.get(
        f"/console/programs/{program.id}/budget.xlsx")).body())).active
    assert sheet is not None
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["marketing"][2:] == (5_000_000, 2_000_000, 500_000, 1_500_000)
    assert rows["materials"][2:4] == (AGREED["materials"] - 1_300_000, 4_000_000)
    # The program's dashboard and its XLSX report carry the same table.
    await auditor.goto(f"/console/programs/{program.id}")
    await expect(auditor.locator("#budget-table tr", has_text=names["marketing"])).to_contain_text("₩1,500,000")
    await assert_accessible(auditor)
    report = load_workbook(io.BytesIO(await (await auditor.request.get(
        f"/console/programs/{program.id}/report.xlsx")).body()))
    by_category = {row[0]: row for row in report.worksheets[-1].iter_rows(values_only=True)}
    assert by_category["marketing"][2:] == rows["marketing"][2:] and by_category["total"][2] == 80_000_000

    # In English: no Korean left on the auditor's two pages but the data they show.
    await use_language(auditor, stack, "en")
    shown = _shown_data(stack, *names.values(), "㈜한빛소재", "시제품 부품", "전시회 부스", "세금계산서.pdf",
                        "이체확인증.pdf", "부스 외 비용", "budget.finance")
    await auditor.goto(f"/console/programs/{program.id}/budget")
    await expect(auditor.locator("h1")).to_have_text(re.compile("budget vs executed by category"))
    await in_english(auditor, shown)
    for page in ("expenses", "expense-review"):
        await auditor.goto(f"/console/programs/{program.id}/{page}")
        await in_english(auditor, shown)
    await auditor.goto(f"/console/startups/{startup_id}/budget")
    documents = [p["document"]["filename"] for p in plans if p.get("document")]
    agreement = (await stack.state(startup_id))["agreement_document"]["filename"]
    await in_english(auditor, [*shown, "budget.officer", agreement, *documents])
    await _capture(stack, startup_id)


async def _capture(stack: Stack, startup_id: str) -> None:
    """The walk's lifecycle saved for tests/workflows/test_replay.py (AXFLOW_CAPTURE_HISTORIES=1):
    under patch budget-change-notices both moves tell the program officer."""
    capture = os.environ.get("AXFLOW_CAPTURE_HISTORIES")
    if capture and (not SAVED_HISTORY.exists() or capture == "overwrite"):
        exported = await stack.call("GET", f"/startups/{startup_id}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")
