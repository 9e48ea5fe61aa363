"""What people stumbled on in the browser (issue 25), walked once in a real Chromium, each page
checked by axe-core, in Korean and then in English: a form never loses what was typed (the
application across a file refused as it arrives, a proposal upload and a file reused from 내 서류);
the startup's 포기 set apart and confirmed on a second page, a repeat refused under a rule's heading;
the notice language chosen on its own (the pages' switch leaves it); a final evaluation waits in
the evaluators' inbox and on 평가, its form showing what the startup submitted; 협약 해지 is set apart and confirmed on a second
page, as is disabling a user; the role a person acts in survives a role added, and the last one
chosen is the one they sign in as, the header saying which."""

import re

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from domain.phases import Role
from store.db import session_scope
from store.users import find_by_login, set_roles
from tests.browser.conftest import assert_accessible, ensure_user, screenshot, signed_in
from tests.conftest import Stack, new_brn, wait_until
from tests.documents_support import pdf
from tests.flows import drive
from tests.i18n_support import korean_left
from tests.totp_support import enrol

_axe = Axe()


async def landmarks_unique(page: Page) -> None:
    """No two landmarks share a role and a name (axe's landmark-unique, a moderate finding the
    shared check lets pass)."""
    found = [v for v in (await _axe.run(page)).response["violations"] if v["id"] == "landmark-unique"]
    assert not found, [n["target"] for v in found for n in v["nodes"]]


async def use_language(page: Page, stack: Stack, code: str) -> None:
    await page.context.add_cookies([{"name": "axflow_lang", "value": code, "url": stack.settings.api_url}])


async def in_english(page: Page, data: list[str]) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert korean_left(await page.content(), data) == [], page.url
    await assert_accessible(page)


async def test_what_is_typed_survives_an_upload(stack: Stack, browser: Browser) -> None:
    program, brn = await stack.program(), new_brn()
    page = await signed_in(browser, stack, f"ceo.{brn}", ["startup"], brn=brn)
    await page.goto(f"/portal/apply/{program.id}")
    typed = {"#f-company_name": "읽히는AI", "#f-founded_on": "2021-04-01", "#f-representative": "김대표",
             "#f-email": "ceo@readable.example", "#f-proposal_title": "사출 불량 검출 실증"}
    for selector, value in typed.items():
        await page.fill(selector, value)
    await page.select_option("#f-task_id", "SF-01")
    # A file the server refuses as it arrives (a Windows device name): the way back finds what was typed.
    await page.set_input_files("#proposal-file", files=[{"name": "nul.pdf", "mimeType": "application/pdf",
                                                         "buffer": pdf("refused name")}])
    await page.get_by_role("button", name="파일 올리기").click()
    await expect(page.locator("h1")).to_have_text("파일을 올리지 못했습니다")
    await page.get_by_role("link", name="돌아가기").click()
    for selector, value in typed.items():
        await expect(page.locator(selector)).to_have_value(value)
    # The proposal uploaded after typing: what was typed is still there, the new file chosen.
    await page.set_input_files("#proposal-file", files=[{"name": "사업계획서.pdf", "mimeType": "application/pdf",
                                                         "buffer": pdf("readable proposal")}])
    await page.get_by_role("button", name="파일 올리기").click()
    await expect(page.get_by_role("status")).to_contain_text("쓰던 내용은 임시저장되었습니다")
    for selector, value in typed.items():
        await expect(page.locator(selector)).to_have_value(value)
    await expect(page.locator("#f-task_id")).to_have_value("SF-01")
    await expect(page.locator("#f-task_id option[value=SF-01]")).to_contain_text("사출성형 불량 검출")
    await expect(page.locator("#f-proposal_document input[type=radio]:checked + label")).to_contain_text(
        "사업계획서.pdf")
    await assert_accessible(page)
    await screenshot(page, "portal-apply-uploaded")
    # 마이페이지 names the draft by its program's name.
    await page.goto("/portal/my")
    await expect(page.locator("#drafts-title + ul")).to_contain_text(program.name)
    await expect(page.locator("#drafts-title + ul")).not_to_contain_text(f"{program.id} —")
    await page.goto(f"/portal/apply/{program.id}?uploaded=1")

    await use_language(page, stack, "en")
    await page.reload()
    await expect(page.get_by_role("status")).to_contain_text("What you typed in the application was saved")
    for selector, value in typed.items():
        await expect(page.locator(selector)).to_have_value(value)
    # The tasks by their English titles on an English page (the Korean ones are their names elsewhere).
    await expect(page.locator("#f-task_id option[value=SF-01]")).to_contain_text(
        "Defect detection in injection moulding")
    await in_english(page, [*typed.values(), "사업계획서.pdf", program.name, *(t.sme_region for t in program.tasks)])

    # The next program's form: a file chosen from 내 서류 keeps what was typed there too.
    await use_language(page, stack, "ko")
    second = await stack.program()
    await page.goto(f"/portal/apply/{second.id}")
    await page.fill("#f-proposal_title", "두 번째 사업계획")
    earlier = page.locator("#proposal-reuse option", has_text="사업계획서.pdf")
    await page.select_option("#proposal-reuse", value=await earlier.get_attribute("value"))
    await page.get_by_role("button", name="이 파일 쓰기").click()
    await expect(page.locator("#f-proposal_title")).to_have_value("두 번째 사업계획")
    await expect(page.locator("#f-proposal_document input[type=radio]:checked + label")).to_contain_text(
        "사업계획서.pdf")
    await _withdraw_on_the_portal(page, stack, await stack.apply(second, brn), [second.name, f"테스트AI {brn[-4:]}"])

    # The language of my notices is chosen on its own: the pages' switch (English now) left it Korean.
    await page.goto("/notifications/settings")
    await expect(page.locator("input[name=language][value=ko]")).to_be_checked()
    await page.locator("input[name=language][value=en]").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("saved")
    await expect(page.locator("input[name=language][value=en]")).to_be_checked()
    await in_english(page, [])
    await page.context.close()


async def _withdraw_on_the_portal(page: Page, stack: Stack, startup_id: str, shown: list[str]) -> None:
    """The startup's own 포기: set apart, confirmed on a second page (without script), then done;
    a refusal by a rule headed as what it is, as the console heads it."""
    program_name = shown[0]
    await stack.wait_phase(startup_id, "under_review")
    await page.goto(f"/portal/my/{startup_id}")
    zone = page.locator("#withdraw.danger-zone")
    await zone.get_by_label("포기 사유").fill("내부 사정")
    await zone.get_by_role("button").click()
    await expect(page.locator("h1")).to_have_text(f"{program_name} 포기")
    await expect(page.locator(".danger-zone")).to_contain_text("되돌릴 수 없습니다")
    await assert_accessible(page)
    assert (await stack.state(startup_id))["phase"] == "under_review"  # nothing happened yet
    await page.get_by_role("link", name="취소하고 돌아가기").click()
    await use_language(page, stack, "en")
    await page.reload()
    csrf = await zone.locator("input[name=csrf_token]").get_attribute("value")
    await zone.get_by_role("button").click()
    await expect(page.locator("h1")).to_have_text(f"Withdraw from {program_name}")
    await in_english(page, shown)
    await page.get_by_role("button", name="Withdraw").click()
    await expect(page.get_by_role("status")).to_contain_text("You have withdrawn from the program")
    await stack.wait_phase(startup_id, "withdrawn")
    # Confirmed again (a second tab, a stale page): refused by the rule, headed as such.
    again = await page.request.post(f"/portal/my/{startup_id}/withdraw",
                                    form={"csrf_token": csrf or "", "confirmed": "yes", "reason": ""})
    assert again.status == 409 and "This cannot be done now" in await again.text()


async def _reloaded(page: Page, selector: str) -> str:
    await page.reload()
    return await page.locator(selector).inner_text()


async def test_what_waits_is_listed_and_what_cannot_be_undone_is_confirmed(stack: Stack, browser: Browser) -> None:
    startup = await drive(stack, "final_review")
    state = await stack.state(startup.id)
    company, shown = state["company_name"], [state["company_name"], state["region"], startup.program.name]

    # The final evaluation waits on evaluators too: in 내 할 일 and on 평가, its form one click away.
    evaluator = await signed_in(browser, stack, "readable.evaluator", ["evaluator"])
    await wait_until(lambda: _reloaded(evaluator, "main"), lambda text: company in text, what="the inbox item")
    await expect(evaluator.locator("main tr", has_text=company)).to_contain_text("최종평가")
    await evaluator.goto(f"/console/evaluations?program_id={startup.program.id}")
    final = evaluator.get_by_role("link", name=re.compile(f"최종평가하기 {re.escape(company)}"))
    await final.click()
    await expect(evaluator.locator("h1")).to_have_text("최종평가")
    await expect(evaluator.locator("#submitted-title")).to_have_text("제출 서류")
    await assert_accessible(evaluator)
    await landmarks_unique(evaluator)
    await use_language(evaluator, stack, "en")
    await evaluator.goto(f"/console/evaluations?program_id={startup.program.id}")
    await expect(evaluator.get_by_role("link", name=re.compile("Final evaluation"))).to_be_visible()
    # The desk's program choice names every program on the shared stack (other tests' too): data.
    programs = await stack.call("GET", "/programs", stack.as_role(Role.EVALUATOR))
    await in_english(evaluator, [*shown, *(listed["name"] for listed in programs)])
    await evaluator.context.close()

    # 협약 해지 stands apart, and happens only from its second page.
    officer = await signed_in(browser, stack, "readable.officer", ["program_officer"])
    await officer.goto(f"/console/startups/{startup.id}")
    await landmarks_unique(officer)
    # The call's own acts are the system's, said so in words (not "program call (system)").
    await expect(officer.locator("#timeline")).to_contain_text("공고 절차(자동)")
    await expect(officer.locator("#timeline")).not_to_contain_text("program call")
    # A label says itself once: the tranche and milestone by their names, not "선금 (advance, 70%) (advance)".
    assert "(advance" not in await officer.locator("main").inner_text()
    await expect(officer.locator("#actions > .action-list")).not_to_contain_text("협약 해지")
    await officer.locator(".danger-zone").get_by_role("link", name="협약 해지").click()
    await officer.select_option("#f-cause", "abandonment")
    await officer.get_by_role("button", name="협약 해지").click()
    await expect(officer.locator("h1")).to_have_text(f"{company} 협약 해지")
    await expect(officer.locator(".danger-zone")).to_contain_text("환수합니다")
    await assert_accessible(officer)
    await screenshot(officer, "console-terminate-confirm")
    assert (await stack.state(startup.id))["phase"] == "final_review"  # nothing happened yet
    await use_language(officer, stack, "en")
    await officer.goto(f"/console/startups/{startup.id}")
    await expect(officer.locator("#timeline")).to_contain_text("The call (automatic)")
    await officer.goto(f"/console/startups/{startup.id}/actions/terminate")
    await officer.select_option("#f-cause", "abandonment")
    await officer.locator("form.action-form button[type=submit]").click()
    await expect(officer.locator("h1")).to_have_text(f"Terminate the agreement with {company}")
    await in_english(officer, shown)
    await officer.get_by_role("button", name="Terminate the agreement").click()
    await stack.wait_phase(startup.id, "terminated")
    await officer.context.close()

    # A role added does not change the role a person signs in as; the one chosen last does.
    kim = ensure_user(stack, "readable.kim", ["program_officer"], display_name="김담당")
    with session_scope(stack.engine) as session:
        set_roles(session, find_by_login(session, "readable.kim"), ["finance_officer", "program_officer"])
    enrol(stack.engine, kim)  # finance officers sign in with an authenticator code
    page = await signed_in(browser, stack, "readable.kim")
    await expect(page.locator(".who")).to_contain_text("사업 담당자")
    await page.select_option("#role", "finance_officer")
    await page.locator("form[action='/session/role'] button").click()
    await expect(page.locator(".who")).to_contain_text("회계 담당자")
    await page.context.close()
    again = await signed_in(browser, stack, "readable.kim")
    await expect(again.locator(".who")).to_contain_text("회계 담당자")
    await use_language(again, stack, "en")
    await again.reload()
    await expect(again.locator(".who")).to_contain_text("Finance officer")
    await again.context.close()

    # Disabling a user is confirmed on its own page first.
    admin = await signed_in(browser, stack, "readable.admin", ["admin"])
    await admin.goto(f"/console/admin/users/{kim}")
    await admin.locator(".danger-zone").get_by_role("button").click()
    await expect(admin.locator("h1")).to_have_text("readable.kim 비활성화")
    await expect(admin.locator(".danger-zone")).to_contain_text("김담당")
    await assert_accessible(admin)
    with session_scope(stack.engine) as session:
        assert find_by_login(session, "readable.kim").active
    await admin.get_by_role("button", name="비활성화합니다").click()
    await expect(admin.locator(".notice")).to_contain_text("비활성화했습니다")
    with session_scope(stack.engine) as session:
        assert not find_by_login(session, "readable.kim").active
    await admin.context.close()

