"""The desks in a real Chromium. An evaluator scores one startup and, having declared a conflict
of interest with another while its form was open, meets the workflow's refusal (and then the
closed form that says why). An admin creates a program by uploading its definition (a refused
one first, with each error beside what it names); its cohort reaches the finance desk, where a
finance officer bulk-approves two tranches requested by someone else, the one they requested
themselves not offered to them, corrects a refused payment's account, and reconciles with the finance
system; the program's dashboard draws it all, and its XLSX report holds the JSON report's figures.
Every page is checked by axe-core and photographed (docs/screenshots/ under `make screenshots`). The evaluator's and
the finance officer's pages are also read in English (the header's switch): no Korean is left on
them but the data they show, and axe-core passes there too; so are the program pages: the refused
definition with each error beside what it names, the program list, the dashboard with its charts'
text alternatives, and the report's downloads."""

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect
from sqlmodel import select as sql_select

from axflow.programs import sample_definitions
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.timeutil import KST
from store.db import session_scope
from store.tables import ProgramRow, RefusedAttempt, StartupRow
from store.user_tables import User, WorkItem
from tests.browser.conftest import assert_accessible, ensure_user, screenshot, signed_in
from tests.builders import typed_settlement_allowed
from tests.conftest import Stack, new_brn, wait_until
from tests.documents_support import pdf
from tests.flows import FO, PO, match_and_sign, select
from tests.i18n_support import korean_left

CORRECTED_ACCOUNT = "국민 123-45-678901"


async def look(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


async def _reloaded_text(page: Page, selector: str) -> str:
    await page.reload()
    return await page.locator(selector).inner_text()


def _shown_data(stack: Stack, *more: str) -> list[str]:
    """The Korean a desk shows that is data, not the page's words: every program's name and its
    tranches' labels (the program filter lists them all), companies, regions, accounts on file,
    people; what a test typed (`more`); and the header's link back to Korean (한국어)."""
    with session_scope(stack.engine) as session:
        programs = session.exec(sql_select(ProgramRow)).all()
        startups = session.exec(sql_select(StartupRow)).all()
        people = session.exec(sql_select(User.display_name)).all()
    data = ["한국어", *people, *more]
    for p in programs:
        data += [p.name, *(str(t.get("label", "")) for t in p.definition.get("tranches", []))]
    for row in startups:
        data += [row.company_name, row.region or "", str(row.state.get("bank_account") or "")]
    return data


async def in_english(page: Page, data: list[str]) -> None:
    """The page as it is now is English: it says so, no Korean is left but `data`, axe passes."""
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert korean_left(await page.content(), data) == [], page.url
    await assert_accessible(page)


async def use_language(page: Page, stack: Stack, code: str) -> None:
    await page.context.add_cookies([{"name": "axflow_lang", "value": code, "url": stack.settings.api_url}])


def definition_data(value: Any) -> list[str]:
    """The Korean a definition's preview shows as written: every text in it (task titles, regions,
    tranche and milestone names), and lists and objects as the compact JSON the page shows."""
    if isinstance(value, str):
        return [value]
    found = [json.dumps(value, ensure_ascii=False)] if isinstance(value, (dict, list)) else []
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else []:
        found += definition_data(item)
    return found


async def test_an_evaluator_scores_and_meets_the_conflict_refusal(stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    # The scored one applied with its proposal: the evaluator reads it from the score sheet.
    brn = new_brn()
    proposal = (await stack.http.post(f"/startups/startup:{program.id}:{brn}/documents", headers=stack.as_startup(brn),
                                      data={"kind": "proposal"},
                                      files={"file": ("사업계획서.pdf", pdf("plan"), "application/pdf")})).json()
    scored = await stack.apply(program, brn, proposal_title="사출 불량 검출 실증", proposal_document=proposal["id"])
    conflicted = await stack.apply(program)
    for startup_id in (scored, conflicted):
        await stack.wait_phase(startup_id, "under_review")
    names = {sid: (await stack.state(sid))["company_name"] for sid in (scored, conflicted)}
    evaluator = await signed_in(browser, stack, "desk.evaluator", ["evaluator"])
    evaluator_id = ensure_user(stack, "desk.evaluator", ["evaluator"])

    await evaluator.goto(f"/console/evaluations?program_id={program.id}")
    await wait_until(lambda: _reloaded_text(evaluator, "main"),
                     lambda text: all(name in text for name in names.values()), what="both startups to score")
    await look(evaluator, "console-evaluations")

    # A score through the form: the same Update as the API's, recorded as this person. The
    # proposal is on the sheet with its facts and the uploader by name, one click from its bytes.
    await evaluator.goto(f"/console/evaluations/{scored}")
    documents = evaluator.locator("table.submitted-documents")
    for fact in ("사업계획서.pdf", "사업계획서", "PDF", f"{proposal['size']:,} B", proposal["sha256"],
                 f"startup-{brn}"):
        await expect(documents).to_contain_text(fact)
    await expect(evaluator.locator("main")).to_contain_text("사출 불량 검출 실증")
    assert proposal["uploaded_by"] not in await documents.inner_text()
    download = await evaluator.request.get(await documents.get_by_role("link").first.get_attribute("href") or "")
    assert download.ok and download.headers["x-content-sha256"] == proposal["sha256"]
    await evaluator.select_option("#f-round", "document")
    await evaluator.fill("#f-score", "87")
    await evaluator.fill("#f-reason", "실증 계획이 구체적임")
    await look(evaluator, "console-evaluation-form")
    await evaluator.get_by_role("button", name=re.compile("점수 제출")).click()
    await expect(evaluator.locator(".notice")).to_contain_text("점수를 제출했습니다")
    state = await stack.state(scored)
    assert [(s["evaluator_id"], s["round"], s["score"]) for s in state["scores"]] == [(evaluator_id, "document", 87)]
    # The read model follows the workflow a moment later: scored, it no longer waits on me.
    await wait_until(lambda: _reloaded_text(evaluator, "table.list tbody"),
                     lambda text: names[scored] not in text, what="the scored startup leaves the list")

    # The other startup's form is open in this tab while, in a second tab, the evaluator declares
    # a conflict with that company; sending the open form meets the workflow's own refusal.
    await evaluator.goto(f"/console/evaluations/{conflicted}")
    await evaluator.fill("#f-score", "70")
    second = await evaluator.context.new_page()
    await second.goto(f"/console/evaluations/{conflicted}")
    await second.fill("#conflict-reason", "대표이사와 공동 연구 (3년 이내)")
    await second.get_by_role("button", name=re.compile("이해충돌 신고")).click()
    await expect(second.locator(".closed-form")).to_contain_text("이해충돌")
    await second.close()
    await evaluator.get_by_role("button", name=re.compile("점수 제출")).click()
    summary = evaluator.locator("#error-summary")
    await expect(summary).to_contain_text("이해충돌을 신고한 기업에 관해서는 평가하거나 승인·결정할 수 없습니다")
    await expect(summary.locator("h2")).to_have_text("지금은 할 수 없는 작업입니다")
    await expect(summary).not_to_contain_text("conflict_of_interest")
    await expect(evaluator.locator(".closed-form")).to_contain_text("대표이사와 공동 연구")
    await look(evaluator, "console-evaluation-conflict-refused")
    assert (await stack.state(conflicted))["scores"] == []
    with session_scope(stack.engine) as session:
        refused = session.exec(sql_select(RefusedAttempt).where(RefusedAttempt.startup_id == conflicted)).all()
    assert [(r.actor_id, r.action, r.code) for r in refused] == [(evaluator_id, "score", "forbidden")]

    # Another desk is not an evaluator's: the page says which roles may open it.
    answer = await evaluator.goto("/console/finance")
    assert answer is not None and answer.status == 403
    await expect(evaluator.locator(".error-summary")).to_contain_text("회계 담당자")

    # The list says which form is closed and why, and the declaration is listed as mine.
    await evaluator.goto(f"/console/evaluations?program_id={program.id}")
    await expect(evaluator.locator("table.list").first).to_contain_text("이해충돌로 닫힘")
    await expect(evaluator.locator("#conflicts-title + p + form + table")).to_contain_text("대표이사와 공동 연구")

    # The same pages in English, switched from the header: the list (one form closed by the
    # conflict), the score sheet still open for the other round (a score out of range refused
    # beside its field), and the closed form saying why.
    await evaluator.get_by_role("link", name="English").click()
    await expect(evaluator.locator("table.list").first).to_contain_text("Closed: conflict of interest")
    data = _shown_data(stack, "대표이사와 공동 연구 (3년 이내)", "실증 계획이 구체적임", "사업계획서.pdf",
                       "사출 불량 검출 실증")
    await in_english(evaluator, data)
    await evaluator.goto(f"/console/evaluations/{scored}")
    await expect(evaluator.locator("#score-title")).to_have_text("Score sheet")
    await expect(evaluator.locator("#submitted-title")).to_have_text("Submitted documents")
    await expect(evaluator.locator(".facts")).to_contain_text("Document review: 87 points")
    await in_english(evaluator, data)
    await evaluator.fill("#f-score", "150")
    # The browser would stop 150 itself (max=100); sent anyway, the server refuses it by the field.
    await evaluator.locator("form", has=evaluator.locator("#f-score")).evaluate("form => form.noValidate = true")
    await evaluator.get_by_role("button", name="Submit score").click()
    await expect(evaluator.locator("#f-score-error")).to_be_visible()
    await in_english(evaluator, data)
    await evaluator.goto(f"/console/evaluations/{conflicted}")
    await expect(evaluator.locator(".closed-form")).to_contain_text("Closed: conflict of interest")
    await expect(evaluator.locator(".closed-form")).to_contain_text("대표이사와 공동 연구")
    await in_english(evaluator, data)


def _definition(program_id: str) -> dict[str, Any]:
    sample = typed_settlement_allowed(next(d for d in sample_definitions() if d.id == "ai-regional-2025"))
    now = datetime.now(UTC)
    data = json.loads(sample.model_dump_json())
    return data | {"id": program_id, "name": "데스크 시험 사업", "evaluators_required": 1,
                   "application_opens_at": (now - timedelta(minutes=5)).isoformat(),
                   "application_closes_at": (now + timedelta(hours=1)).isoformat()}


async def _upload(page: Page, data: dict[str, Any]) -> None:
    await page.goto("/console/programs/new")
    await page.set_input_files("#f-definition", files=[{"name": "program.json", "mimeType": "application/json",
                                                       "buffer": json.dumps(data, ensure_ascii=False).encode()}])
    await page.locator("form[action='/console/programs/new'] button[type=submit]").click()


async def _work_items(stack: Stack, program_id: str, kind: str) -> int:
    with session_scope(stack.engine) as session:
        return len(session.exec(sql_select(WorkItem).where(WorkItem.program_id == program_id,
                                                           WorkItem.kind == kind)).all())


async def _finance_faults(stack: Stack, **faults: Any) -> None:
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        (await http.put("/_faults", json=faults)).raise_for_status()


async def test_finance_bulk_approves_under_four_eyes_and_the_dashboard_reports_it(stack: Stack,
                                                                                  browser: Browser) -> None:
    # An admin uploads a definition: refused first, each problem next to what it names.
    admin = await signed_in(browser, stack, "desk.admin", ["admin"])
    program_id = f"desk-{new_brn()}"
    broken = _definition(program_id)
    broken["tranches"][1]["share_percent"] = 0
    broken["slots"] = "열"
    await _upload(admin, broken)
    await expect(admin.locator("#error-summary")).to_contain_text("분할 지급 2번째 › 지급 비율")
    await expect(admin.locator("#f-tranches-1-share_percent")).to_contain_text("값이 너무 작습니다")
    await expect(admin.locator("#f-slots")).to_contain_text("정수")
    await look(admin, "console-program-new-refused")
    # The same refusal in English: each problem still beside what it names.
    await use_language(admin, stack, "en")
    await _upload(admin, broken)
    await expect(admin.locator("#error-summary")).to_contain_text("Tranche 2 › Share (tranches[1].share_percent)")
    await expect(admin.locator("#f-tranches-1-share_percent")).to_contain_text("Error: The value is too small")
    await expect(admin.locator("#f-slots")).to_contain_text("Enter a whole number")
    await expect(admin.locator("h1")).to_have_text("New program")
    await in_english(admin, ["한국어", *definition_data(broken)])
    await screenshot(admin, "console-program-new-refused-en")
    await use_language(admin, stack, "ko")
    await _upload(admin, _definition(program_id))
    await expect(admin.locator(".notice")).to_contain_text("사업을 만들었습니다")
    program = ProgramDefinition.model_validate((await stack.call(
        "GET", f"/programs/{program_id}", stack.as_role(Role.ADMIN)))["definition"])

    # Its cohort: four startups selected and contracted, their advances due.
    startups = [await stack.apply(program) for _ in range(4)]
    await select(stack, program, {sid: 90 - i for i, sid in enumerate(startups)})
    for sid in startups:
        await stack.wait_phase(sid, "selected")
        await match_and_sign(stack, sid)
    others_a, others_b, own, refused_bank = startups
    names = {sid: (await stack.state(sid))["company_name"] for sid in startups}

    # Someone else requests two advances; the finance officer (who is a program officer too)
    # requests the third, in their own session.
    finance = await signed_in(browser, stack, "desk.finance", ["finance_officer", "program_officer"])
    for sid in (others_a, others_b):
        await stack.act(sid, "request-disbursement", stack.as_role(PO), {"tranche": "advance"})
    token = await finance.locator("input[name=csrf_token]").first.get_attribute("value")
    asked = await finance.request.post(f"/startups/{own}/actions/request-disbursement", data={"tranche": "advance"},
                                       headers={"x-csrf-token": token, "x-axflow-role": "program_officer"})
    assert asked.status == 200, await asked.text()
    # The bank refuses the fourth startup's account: approved by another officer, the payment fails.
    await _finance_faults(stack, rejected_brns=[refused_bank.rsplit(":", 1)[1]],
                          accepted_accounts=[CORRECTED_ACCOUNT])
    try:
        await stack.act(refused_bank, "request-disbursement", stack.as_role(PO), {"tranche": "advance"})
        await stack.act(refused_bank, "approve-disbursement", stack.as_role(FO), {"tranche": "advance"})
        await stack.wait_until_state(refused_bank, lambda s: s["tranches"][0]["status"] == "payment_failed",
                                     "payment refused")
        # The desk reads the read model, which follows the workflows a moment later.
        await wait_until(lambda: _work_items(stack, program_id, "approve_disbursement"), lambda n: n == 3,
                         what="approvals listed")
        await wait_until(lambda: _work_items(stack, program_id, "fix_payment"), lambda n: n == 1,
                         what="the refused payment listed")

        await finance.goto(f"/console/finance?program_id={program_id}")
        approvals = finance.locator("#f-item tbody tr")
        await expect(approvals).to_have_count(3)
        await expect(approvals.filter(has_text=names[own])).to_contain_text("본인 요청")
        # What the four-eyes rule forbids is not offered: one's own request has no tick box.
        await expect(approvals.filter(has_text=names[own]).locator("input[type=checkbox]")).to_have_count(0)
        await look(finance, "console-finance")
        for box in await approvals.locator("input[type=checkbox]").all():
            await box.check()
        await finance.fill("#f-reason", "9월 선금 일괄 승인")
        await finance.get_by_role("button", name=re.compile("선택 항목 승인")).click()
        outcomes = finance.locator("#outcomes")
        await expect(outcomes).to_contain_text("2건 승인")
        for sid in (others_a, others_b):
            await expect(outcomes.locator("tr", has_text=names[sid])).to_contain_text("✓ 승인")
        await look(finance, "console-finance-bulk-result")
        for sid in (others_a, others_b):
            await stack.wait_until_state(sid, lambda s: s["tranches"][0]["status"] == "paid", "advance paid")
        assert (await stack.state(own))["tranches"][0]["status"] == "requested"

        # In English (the header's switch): the approval still waiting is the officer's own, not
        # offered to them; the refused payment waits for a program officer.
        await finance.goto(f"/console/finance?program_id={program_id}")
        await finance.get_by_role("link", name="English").click()
        mine = finance.locator("#f-item tbody tr", has_text=names[own])
        await expect(mine).to_contain_text("Your own request")
        await expect(finance.locator(".card", has_text=names[refused_bank])).to_contain_text(
            "A program officer requests it again")
        data = _shown_data(stack, "9월 선금 일괄 승인")
        await in_english(finance, data)
        await expect(mine.locator("input[type=checkbox]")).to_have_count(0)
        assert (await stack.state(own))["tranches"][0]["status"] == "requested"

        # The refused payment, asked for again to the corrected account (as a program officer).
        await finance.goto("/")
        await finance.select_option("#role", "program_officer")
        await finance.locator("form[action='/session/role'] button").click()
        await finance.goto(f"/console/finance?program_id={program_id}")
        failure = finance.locator(".card", has_text=names[refused_bank])
        await expect(failure).to_contain_text("bank account rejected")
        await expect(failure.get_by_label("Corrected account")).to_be_visible()
        await in_english(finance, data)
        await finance.get_by_role("link", name="한국어").click()
        await expect(finance.locator("html")).to_have_attribute("lang", "ko")
        await failure.get_by_label(re.compile("수정한 계좌")).fill(CORRECTED_ACCOUNT)
        await failure.get_by_role("button", name=re.compile("수정 계좌로 다시 요청")).click()
        await expect(finance.locator(".notice")).to_contain_text("다시 요청했습니다")
        await use_language(finance, stack, "en")
        await finance.goto(f"/console/finance?retried=1&program_id={program_id}")
        await expect(finance.locator(".notice")).to_have_text("Asked again.")
        await in_english(finance, _shown_data(stack, "9월 선금 일괄 승인"))
        await use_language(finance, stack, "ko")
        await finance.goto(f"/console/finance?program_id={program_id}")
        state = await stack.state(refused_bank)
        assert state["bank_account"] == CORRECTED_ACCOUNT and state["tranches"][0]["status"] == "requested"
    finally:
        await _finance_faults(stack)

    # Reconciliation: the ledger (written as the payments' news is projected) and the finance
    # system agree.
    async with finance.expect_navigation():  # the reloads below must not cut the POST's navigation short
        await finance.get_by_role("button", name=re.compile("지금 대사")).click()
    await wait_until(lambda: _reloaded_text(finance, "#reconcile-title ~ div[role=status]"),
                     lambda text: "차이 없음" in text, what="the ledger and the finance system agree")
    await look(finance, "console-finance-reconciled")
    await use_language(finance, stack, "en")
    await finance.goto(f"/console/finance?program_id={program_id}&reconcile=1")
    await expect(finance.locator("#reconcile-title ~ div[role=status]")).to_contain_text(
        "No differences: the ledger and the finance system agree")
    await in_english(finance, _shown_data(stack, "9월 선금 일괄 승인"))
    await use_language(finance, stack, "ko")

    # The dashboard draws the cohort; the XLSX holds the JSON report's figures.
    await finance.goto("/console/programs")
    await look(finance, "console-programs")
    await finance.get_by_role("link", name="데스크 시험 사업").first.click()
    await expect(finance.locator("h1")).to_contain_text("데스크 시험 사업")
    for chart in ("funnel", "money", "calendar", "on-time", "waiting"):
        await expect(finance.locator(f"svg[aria-labelledby^='{chart}-title']")).to_have_count(1)
    await expect(finance.locator("#funnel-desc")).to_contain_text("협약 4")
    await expect(finance.locator("#money-desc")).to_contain_text("지급 1억 1,200만 원")
    report = await stack.call("GET", f"/programs/{program_id}/report", stack.as_role(Role.AUDITOR))
    async with finance.expect_download() as download:
        await finance.get_by_role("link", name="XLSX").click()
    downloaded = await download.value
    assert downloaded.suggested_filename == f"{program_id}-report.xlsx"
    with open(await downloaded.path(), "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    money = {row[0]: row[2] for row in book["자금"].iter_rows(min_row=2, values_only=True)}
    assert money == report["money"] and money["paid"] == 112_000_000
    phases = {row[0]: row[2] for row in book["단계"].iter_rows(min_row=2, values_only=True)}
    assert phases == report["counts_by_phase"]
    waiting = [row[0] for row in book["직원 처리 대기"].iter_rows(min_row=2, values_only=True)]
    assert sorted(waiting) == sorted(w["startup_id"] for w in report["waiting_on_staff"])
    csv_download = await finance.request.get(f"/console/programs/{program_id}/report.csv")
    text = (await csv_download.body()).decode("utf-8-sig")
    assert "money,paid,지급 완료,112000000" in text.replace("\r", "")
    assert io.StringIO(text).readline().startswith("구분,항목,설명,값")

    # One startup's clock runs past its kickoff report's due date: the calendar of that month marks
    # the day overdue, in words, beside the three reports still on time.
    kickoff = (await stack.state(others_a))["milestones"][0]
    due = datetime.fromisoformat(kickoff["due_at"])
    await stack.skipper.fast_forward(stack.client.get_workflow_handle(others_a),
                                     due - datetime.now(UTC) + timedelta(days=1))
    await stack.wait_until_state(others_a, lambda s: s["milestones"][0]["overdue"], "kickoff overdue")
    await finance.goto(f"/console/programs/{program_id}?month={due.astimezone(KST):%Y-%m}")
    await wait_until(lambda: _reloaded_text(finance, "#calendar-heading ~ figure"),
                     lambda text: "지연 1" in text, what="the overdue kickoff on the calendar")
    await expect(finance.locator("#calendar-desc")).to_contain_text("그중 1건 지연")
    await look(finance, "console-program-dashboard")

    # The same dashboard in English, its charts' titles and descriptions too; only the data (the
    # program's and companies' names, the milestones' titles) stays as it is.
    data = _shown_data(stack, *(m.title for m in program.milestones))
    await use_language(finance, stack, "en")
    await finance.reload()
    await expect(finance.locator("#funnel-title")).to_have_text("Phase funnel")
    await expect(finance.locator("#money-desc")).to_contain_text("paid 112 million won")
    await expect(finance.locator("#calendar-desc")).to_contain_text("1 of them overdue")
    await expect(finance.locator("#calendar-heading ~ figure")).to_contain_text("Overdue 1")
    await expect(finance.locator("#on-time-title")).to_have_text("On-time rate")
    await in_english(finance, data)
    await screenshot(finance, "console-program-dashboard-en")

    # The program list in English (every program of the stack is listed, each by its own name).
    await finance.goto("/console/programs")
    await expect(finance.locator("h1")).to_have_text("Programs")
    await in_english(finance, data)
    await screenshot(finance, "console-programs-en")

    # The report downloaded from an English page: the same figures under English words.
    english_csv = (await (await finance.request.get(f"/console/programs/{program_id}/report.csv")).body()).decode(
        "utf-8-sig")
    assert english_csv.splitlines()[0] == "Section,Key,Label,Value"
    assert "money,paid,Paid,112000000" in english_csv.replace("\r", "")
    assert korean_left(english_csv, list(names.values())) == []
    english_book = load_workbook(io.BytesIO(await (await finance.request.get(
        f"/console/programs/{program_id}/report.xlsx")).body()))
    assert english_book.sheetnames == ["Summary", "Phases", "Money", "Waiting on staff", "Amendments and appeals"]
    assert {row[0]: row[2] for row in english_book["Money"].iter_rows(min_row=2, values_only=True)} == money
    cells = [str(v) for sheet in english_book for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert korean_left("\n".join(cells), list(names.values())) == []
    await use_language(finance, stack, "ko")
