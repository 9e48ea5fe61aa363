"""The auditors' and admins' console in a real Chromium: an auditor looks at a startup as it stood
on an earlier day and exports the events the page shows; an admin adds people, meets the
duplicate-login refusal next to its field, issues a token and reads the embedded mailbox. Every
page passes axe-core and leaves a screenshot (in docs/screenshots/ under `make screenshots`); then the same pages in English
show no Korean but the records they hold (company, program, people, reasons, mail), and the
export's headers are English too."""

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.async_api import Browser, Page

from axflow.mail import send_mail
from domain.phases import Role
from domain.timeutil import to_kst
from tests.browser.conftest import PASSWORD, assert_accessible, screenshot, signed_in
from tests.conftest import Stack, new_brn, wait_until
from tests.documents_support import pdf
from tests.flows import drive
from tests.i18n_support import HANGUL, korean_left

AUDITOR_LOGIN, ADMIN_LOGIN = "console.auditor", "console.admin"


async def table_rows(page: Page, selector: str) -> list[list[str]]:
    return await page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


async def check(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


def korean_data(*records: Any) -> list[str]:
    """Every text holding Korean in the records a page shows (API answers): company and program
    names, regions, people, reasons typed, the API's own messages kept in the trail, details. A
    whole record's JSON too, as the timeline prints details that way."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and HANGUL.search(value):
            found.append(value)
        elif isinstance(value, dict):
            found.append(json.dumps(value, ensure_ascii=False, sort_keys=True))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
    walk(list(records))
    return found


async def in_english(page: Page, data: list[str], name: str | None = None) -> None:
    """The page as it is now: marked English, with no Korean left but `data`, and axe-clean."""
    assert await page.locator("html").get_attribute("lang") == "en"
    left = korean_left(await page.content(), data)
    assert left == [], f"Korean left on {page.url}: {left}"
    await assert_accessible(page)
    if name:
        await screenshot(page, name)


async def to_english(page: Page, stack: Stack) -> None:
    await page.context.add_cookies([{"name": "axflow_lang", "value": "en", "url": stack.settings.api_url}])


async def test_an_auditor_sees_an_earlier_day_and_exports_what_the_page_shows(
        stack: Stack, browser: Browser, tmp_path: Path) -> None:
    # A selection left unsigned: twenty days later by the startup's clock the agreement lapses,
    # so the trail spans two KST days (selected on the first, cancelled on the last).
    startup = await drive(stack, "selected")
    # A refused attempt (money asked for before any agreement) is part of what auditors see.
    await stack.act(startup.id, "request-disbursement", stack.as_role(Role.PROGRAM_OFFICER), {"tranche": "advance"},
                    expect=409)
    await stack.skipper.fast_forward(stack.client.get_workflow_handle(startup.id), timedelta(days=20))
    await stack.wait_phase(startup.id, "cancelled")
    trail = await stack.call("GET", f"/startups/{startup.id}/history", stack.as_role(Role.AUDITOR))
    selected_day = to_kst(_at(trail, "selected")).date()
    lapsed_day = to_kst(_at(trail, "cancelled")).date()
    assert lapsed_day > selected_day

    page = await signed_in(browser, stack, AUDITOR_LOGIN, roles=["auditor"])
    await page.goto(f"/console/audit?q={startup.brn}")
    await check(page, "audit-home")
    await page.click(f"a[href='/console/audit/startups/{startup.id}']")
    assert "선정 취소" in await page.inner_text("#as-of-phase")  # now: cancelled
    await check(page, "audit-startup-now")

    await page.fill("#f-as_of", selected_day.isoformat())
    await page.click("form.audit-as-of button[type=submit]")
    assert f"as_of={selected_day.isoformat()}" in page.url
    assert "선정" == (await page.inner_text("#as-of-phase")).strip()
    later = page.locator("details.audit-later")
    assert "이후의 기록" in await later.inner_text()
    await later.locator("summary").click()
    assert "협약 기한 경과" in await later.inner_text() and "선정 취소" in await later.inner_text()
    refused = page.locator("tr.audit-refused").first
    assert "거부됨" in await refused.inner_text() and "사업비 지급 요청" in await refused.inner_text()
    await check(page, "audit-startup-as-of")

    await page.goto(f"/console/audit/events?startup_id={startup.id}")
    shown = await table_rows(page, "#events")
    assert len(shown) == len(trail["entries"]) and all(row[2] == startup.id for row in shown)
    await check(page, "audit-events")
    async with page.expect_download() as download_info:
        await page.click("a[href^='/console/audit/events.csv']")
    exported = tmp_path / "events.csv"
    await (await download_info.value).save_as(exported)
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["번호", "일시 (KST)", "스타트업 ID"] and rows[1:] == shown
    async with page.expect_download() as download_info:
        await page.click("a[href^='/console/audit/events.xlsx']")
    workbook = tmp_path / "events.xlsx"
    await (await download_info.value).save_as(workbook)
    sheet = load_workbook(workbook).active
    assert [[c.value or "" for c in r] for r in sheet.iter_rows(min_row=2)] == shown

    # A date that is not a date is named next to its field; nothing is guessed.
    await page.goto(f"/console/audit/events?startup_id={startup.id}&since=2025-02-30")
    assert "YYYY-MM-DD" in await page.inner_text("#f-since-error")
    await assert_accessible(page)

    await page.goto("/console/audit/verify")
    assert "정상" in await page.inner_text("#chain-result")
    await page.set_input_files("#f-file", files=[{"name": "보고서.pdf", "mimeType": "application/pdf",
                                                  "buffer": b"%PDF-1.4 never submitted"}])
    await page.click("form[action='/console/audit/verify/file'] button[type=submit]")
    assert "제출된 적 없는" in await page.inner_text("#verify-answer")
    await check(page, "audit-verify")
    await page.goto("/console/audit/verify?sha256=not-a-hash")
    assert "64" in await page.inner_text("#f-sha256-error")
    await assert_accessible(page)
    # An application's proposal: the application that pinned its hash is among the uses, and
    # the people are named, their ids beside them for matching.
    proposal, applicant = await _proposal_applied(stack)

    async def verified() -> dict[str, Any]:
        return (await stack.http.post("/documents/verify", headers=stack.as_role(Role.AUDITOR),
                                      files={"file": ("plan.pdf", pdf("audited plan"))})).json()

    # The use is dated by the apply transition's audit row, which the read model writes a moment
    # after the Update is accepted.
    answer = await wait_until(verified, lambda found: bool(found["submissions"][0]["actions"]),
                              what="the application's use of its proposal recorded")
    [submission] = answer["submissions"]
    assert [(u["action"], u["actor_name"]) for u in submission["actions"]] == [("apply", applicant)]
    assert submission["uploaded_by_name"] == applicant and applicant in answer["message"]
    await page.goto(f"/console/audit/verify?sha256={proposal['sha256']}")
    answer_text = await page.inner_text("#verify-answer")
    assert "신청 #1" in answer_text and applicant in answer_text and proposal["uploaded_by"] in answer_text
    assert "아직 어떤 행위도" not in answer_text
    await check(page, "audit-verify-proposal")

    # The same pages in English: nothing Korean but what the records hold.
    state = await stack.call("GET", f"/startups/{startup.id}", stack.as_role(Role.AUDITOR))
    data = korean_data(state, trail) + ["보고서.pdf"]
    await to_english(page, stack)
    await page.goto(f"/console/audit?q={startup.brn}")
    assert "Results: 1 startup" in await page.inner_text("main")
    await in_english(page, data, "audit-home-en")
    await page.goto(f"/console/audit/startups/{startup.id}?as_of={selected_day.isoformat()}")
    assert (await page.inner_text("#as-of-phase")).strip() == "Selected"
    later = page.locator("details.audit-later")
    await later.locator("summary").click()
    assert "after the chosen day" in await later.inner_text() and "Agreement lapsed" in await later.inner_text()
    refused = page.locator("tr.audit-refused").first
    assert "Refused" in await refused.inner_text() and "Request disbursement" in await refused.inner_text()
    await in_english(page, data, "audit-startup-as-of-en")
    await page.goto(f"/console/audit/startups/{startup.id}?as_of=2025-02-30")
    assert "YYYY-MM-DD" in await page.inner_text("#f-as_of-error")
    await in_english(page, data)

    await page.goto(f"/console/audit/events?startup_id={startup.id}")
    assert await page.eval_on_selector_all("#events thead th", "cells => cells.map(c => c.innerText.trim())") == [
        "No.", "At (KST)", "Startup ID", "Program ID", "Seq.", "Actor", "Role", "Action", "Phase change", "Reason",
        "Details", "Hash"]
    assert await table_rows(page, "#events") == shown  # the records, as they are
    events = await stack.call("GET", f"/audit/events?startup_id={startup.id}", stack.as_role(Role.AUDITOR))
    await in_english(page, data + korean_data(events), "audit-events-en")
    async with page.expect_download() as download_info:
        await page.click("a[href^='/console/audit/events.csv']")
    await (await download_info.value).save_as(exported)
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["No.", "At (KST)", "Startup ID"] and rows[1:] == shown
    async with page.expect_download() as download_info:
        await page.click("a[href^='/console/audit/events.xlsx']")
    await (await download_info.value).save_as(workbook)
    sheet = load_workbook(workbook).active
    assert [c.value for c in sheet[1]][:3] == ["No.", "At (KST)", "Startup ID"]
    await page.goto(f"/console/audit/events?startup_id={startup.id}&since=2025-02-30&until=2025-01-01")
    assert "YYYY-MM-DD" in await page.inner_text("#f-since-error")
    await in_english(page, data)

    await page.goto("/console/audit/verify")
    assert (await page.inner_text("#chain-result")).startswith("Intact: all")
    await page.set_input_files("#f-file", files=[{"name": "보고서.pdf", "mimeType": "application/pdf",
                                                  "buffer": b"%PDF-1.4 never submitted"}])
    await page.click("form[action='/console/audit/verify/file'] button[type=submit]")
    assert "Never submitted to axflow" in await page.inner_text("#verify-answer")
    await in_english(page, data, "audit-verify-en")
    await page.goto("/console/audit/verify?sha256=not-a-hash")
    assert "64 hexadecimal characters" in await page.inner_text("#f-sha256-error")
    await in_english(page, data)
    await page.goto(f"/console/audit/verify?sha256={proposal['sha256']}")
    assert "Apply #1" in await page.inner_text("#verify-answer")
    await in_english(page, data)
    response = await page.goto("/console/audit/startups/startup:none:0000000000")
    assert response is not None and response.status == 404
    assert "Startup not found" in await page.inner_text("h1")
    await in_english(page, data)
    await page.context.close()


async def _proposal_applied(stack: Stack) -> tuple[dict[str, Any], str]:
    """A proposal uploaded and pinned by an application: its record and the applicant's name."""
    program, brn = await stack.program(), new_brn()
    upload = await stack.http.post(f"/startups/startup:{program.id}:{brn}/documents", headers=stack.as_startup(brn),
                                   data={"kind": "proposal"}, files={"file": ("plan.pdf", pdf("audited plan"))})
    assert upload.status_code == 201, upload.text
    await stack.apply(program, brn, proposal_document=upload.json()["id"])
    return upload.json(), f"startup-{brn}"


def _at(trail: dict[str, Any], phase: str) -> datetime:
    """When the trail first reached `phase`."""
    return datetime.fromisoformat(next(e for e in trail["entries"] if e["to_phase"] == phase)["at"])


async def test_an_admin_adds_a_user_meets_the_duplicate_login_and_reads_the_mailbox(
        stack: Stack, browser: Browser) -> None:
    page = await signed_in(browser, stack, ADMIN_LOGIN, roles=["admin"])

    async def add(login_id: str, email: str) -> None:
        await page.goto("/console/admin/users")
        await page.fill("#f-login_id", login_id)
        await page.fill("#f-display_name", "김담당")
        await page.fill("#f-email", email)
        await page.check("input[name=roles][value=program_officer]")
        await page.fill("#f-password", PASSWORD)
        await page.click("form[action='/console/admin/users'] button[type=submit]")

    await add("console.newcomer", "newcomer@agency.kr")
    assert "added=1" in page.url and "사용자를 추가했습니다" in await page.inner_text("main")
    newcomer_page = page.url.split("?")[0]
    await page.select_option("#f-role", "program_officer")
    await page.click("form[action$='/tokens'] button[type=submit]")
    token = (await page.inner_text("#new-token")).strip()
    me = await stack.http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["login_id"] == "console.newcomer"
    await check(page, "admin-user-token")

    await add("Console.Newcomer", "other@agency.kr")
    error = await page.inner_text("#f-login_id-error")
    assert "이미 사용 중인 아이디" in error
    assert await page.get_attribute("#f-login_id", "aria-invalid") == "true"
    assert "f-login_id-error" in (await page.get_attribute("#f-login_id", "aria-describedby") or "")
    assert await page.input_value("#f-login_id") == "Console.Newcomer"  # kept; the password is not
    assert await page.input_value("#f-password") == ""
    await check(page, "admin-users-duplicate-login")

    await send_mail(stack.settings, to="newcomer@agency.kr", subject="[axflow] 협약 체결 기한 안내",
                    text="협약서를 10영업일 안에 제출해 주세요.\nSubmit the agreement within 10 business days.")
    await wait_until(lambda: _mailbox_text(page), lambda text: "협약 체결 기한 안내" in text, what="mail listed")
    await check(page, "admin-mail")
    await page.click("text=[axflow] 협약 체결 기한 안내")
    assert "협약서를 10영업일 안에 제출해 주세요." in await page.inner_text(".audit-mail-body")
    await check(page, "admin-mail-message")
    message_page = page.url

    # The same pages in English: no Korean but people's names and the mail (subjects, bodies).
    people = korean_data(await stack.call("GET", "/users", stack.as_role(Role.ADMIN)))
    await to_english(page, stack)
    await page.goto("/console/admin/users")
    await in_english(page, people, "admin-users-en")
    await add("Console.Newcomer", "third@agency.kr")
    assert "The login ID console.newcomer is already taken" in await page.inner_text("#f-login_id-error")
    await in_english(page, people, "admin-users-duplicate-login-en")
    await page.goto(newcomer_page)
    assert "Roles and desks" in await page.inner_text("main")
    await page.select_option("#f-role", "program_officer")
    await page.click("form[action$='/tokens'] button[type=submit]")
    assert "Shown this once" in await page.inner_text("#token-title + p")
    await in_english(page, people, "admin-user-token-en")
    for box in await page.locator("input[name=roles]:checked").all():
        await box.uncheck()
    await page.click("form[action$='/roles'] button[type=submit]")
    assert "At least one is needed" in await page.inner_text("#f-roles-error")
    await in_english(page, people)
    mail = ["[axflow] 협약 체결 기한 안내"]
    await page.goto("/console/admin/mail")
    mail += korean_data([row[1:] for row in await table_rows(page, "#mail")])  # to, subject, from
    await in_english(page, people + mail, "admin-mail-en")
    await page.goto(message_page)
    mail += korean_data((await page.inner_text(".audit-mail-body")).splitlines())
    assert "Body" in await page.inner_text("main h2")
    await in_english(page, people + mail, "admin-mail-message-en")
    await page.context.close()


async def _mailbox_text(page: Page) -> str:
    await page.goto("/console/admin/mail")
    return await page.inner_text("main")
