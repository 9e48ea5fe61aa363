"""The startup portal in a phone-sized browser (390×844): a company signs up and verifies its
email from the message the SMTP server received, invites a colleague, saves a draft and submits
its application with a proposal, is selected (staff steps through the API), sees its payment
arrive, submits a deliverable PDF and files its settlement with receipts; a closed business is
refused with the reason. Every portal page is checked with axe-core, for sideways scrolling and
for tap targets, and photographed (docs/screenshots/ under `make screenshots`)."""

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlmodel import select as sql_select

from store.db import session_scope
from store.notifications import list_notices
from store.user_tables import User
from store.users import create_user
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import Stack, new_brn
from tests.documents_support import pdf, png
from tests.flows import EV, FO, MILESTONES, PO, Startup, approve_company, match, pass_milestone, pay, select
from tests.i18n_support import korean_left

PHONE = {"width": 390, "height": 844}
PASSWORD = "Portal!ceo-2025q"
# Controls a finger must hit: at least 44 px (links inside running text are exempt, as in WCAG 2.5.8).
TARGETS = ("button, select, textarea, a.button, .portal-nav a, .link-list a, "
           "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), .choice")


async def phone(browser: Browser, stack: Stack) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(base_url=stack.settings.api_url, locale="ko-KR", timezone_id="Asia/Seoul",
                                        viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    return context, await context.new_page()


async def reload_until_shown(page: Page, selector: str, text: str, timeout: float = 60) -> None:
    """Reload until the page shows `text` in `selector`: the portal reads the read model, which
    follows the workflow's state a moment later than the API's answer the test waited on (on a
    busy two-core machine, many seconds later)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await page.reload()
        if text in await page.locator(selector).inner_text():
            return
        await page.wait_for_timeout(250)
    await expect(page.locator(selector)).to_contain_text(text)


async def check_page(page: Page, name: str) -> None:
    """axe-core, no sideways scrolling at phone width, every tap target ≥ 44 px; a screenshot."""
    await assert_accessible(page)
    wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} scrolls sideways by {wide} px at phone width"
    small = await page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width > 0 && r.height > 0 && (r.height < 43.5 || r.width < 43.5))
        .map(([e, r]) => `${e.tagName.toLowerCase()}#${e.id} "${e.textContent.trim().slice(0, 30)}" ${r.width}x${r.height}`)""",
                                TARGETS)
    assert not small, f"tap targets under 44 px on {page.url}: {small}"
    await screenshot(page, name)


@asynccontextmanager
async def refund_left_unpaid(stack: Stack) -> AsyncIterator[None]:
    """The finance simulator pays a refund back at once by default; the page shows how to pay only
    while it is owed, so the money is held back while the page is read (then the default again)."""
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as finance:
        (await finance.put("/_faults", json={"collections_arrive": False})).raise_for_status()
        try:
            yield
        finally:
            (await finance.put("/_faults", json={})).raise_for_status()


def link_in(message: EmailMessage, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+{re.escape(path)}\S*", text)
    assert found, text
    return found.group(0)


async def set_business(stack: Stack, brn: str, status: str) -> None:
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.settings.tax_authority_url}/_businesses/{brn}",
                        json={"status": status, "since": "2025-02-28"})).raise_for_status()


async def sign_in(page: Page, login: str, password: str = PASSWORD) -> None:
    await page.goto("/signin?next=/portal/my")
    await page.fill("#login_id", login)
    await page.fill("#password", password)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/portal/my")


async def apply_with_proposal(page: Page, program_id: str, title: str, company: str | None = None) -> None:
    """Upload the proposal, fill the form and save the draft."""
    await page.goto(f"/portal/apply/{program_id}")
    await page.set_input_files("#proposal-file", files=[{"name": "사업계획서.pdf", "mimeType": "application/pdf",
                                                         "buffer": pdf("proposal")}])
    await page.click("form[enctype] button[type=submit]")
    await page.fill("#f-founded_on", "2021-04-01")
    await page.select_option("#f-task_id", "SF-01")
    await page.fill("#f-proposal_title", title)
    if company:
        await page.fill("#f-company_name", company)
    await page.click("button[value=save]")
    await expect(page.get_by_role("status")).to_contain_text("임시저장")


async def test_a_startup_applies_is_paid_delivers_and_settles_from_a_phone(stack: Stack, browser: Browser) -> None:
    program = await stack.program(name="AI 지역 주력산업 연계 프로젝트 (포털)")
    brn = new_brn()
    email = f"ceo-{brn}@portal.example"
    context, page = await phone(browser, stack)
    try:
        # The public call, readable without signing in, with its countdown in KST.
        await page.goto("/calls")
        await check_page(page, "portal-calls")
        await page.click(f"a[href='/calls/{program.id}']")
        await expect(page.locator(".countdown")).to_contain_text("남음")
        await expect(page.get_by_text("창업 10년 이내")).to_be_visible()
        await check_page(page, "portal-call")

        # Sign-up: a wrong check digit is refused beside the field, then the account is made.
        await page.goto("/portal/signup")
        await page.fill("#f-email", email)
        await page.fill("#f-password", PASSWORD)
        await page.fill("#f-brn", brn[:9] + str((int(brn[9]) + 1) % 10))
        await expect(page.locator("#f-brn-live")).to_contain_text("올바르지 않습니다")  # said as it is typed
        await page.fill("#f-company_name", "포털에이아이")
        await page.fill("#f-representative", "김대표")
        await page.click("main button[type=submit]")
        await expect(page.locator("#error-summary")).to_contain_text("사업자등록번호")
        await check_page(page, "portal-signup-error")
        await page.fill("#f-brn", brn)
        await expect(page.locator("#f-brn-live")).to_contain_text("올바른 사업자등록번호 형식입니다")
        await page.fill("#f-password", PASSWORD)
        await page.click("main button[type=submit]")
        await expect(page.get_by_role("status")).to_contain_text(email)
        await check_page(page, "portal-signup-sent")
        # Not before the email is verified.
        await page.goto("/signin")
        await page.fill("#login_id", email)
        await page.fill("#password", PASSWORD)
        await page.click("main button[type=submit]")
        await expect(page.locator(".error, [role=alert]").first).to_be_visible()
        verification = await stack.wait_for_mail(email, lambda m: "인증" in str(m["Subject"]))
        await page.goto(link_in(verification, "/portal/verify"))
        await page.click("main form[action='/portal/verify'] button")  # the link alone spends nothing
        await expect(page.get_by_role("heading", level=1)).to_contain_text("인증 완료")
        await check_page(page, "portal-verified")
        await page.goto(link_in(verification, "/portal/verify"))  # single use
        await expect(page.get_by_role("heading", level=1)).to_contain_text("쓸 수 없습니다")
        await check_page(page, "portal-link-dead")

        approve_company(stack, email, "포털에이아이")  # the company's binding is walked in test_company_binding.py
        await sign_in(page, email)
        await check_page(page, "portal-my-empty")

        # A colleague, invited by the representative, sets a password from their own link.
        colleague = f"cto-{brn}@portal.example"
        await page.goto("/portal/colleagues")
        await page.fill("#f-email", colleague)
        await page.fill("#f-name", "박기술")
        await page.click("main form button[type=submit]")
        await expect(page.get_by_role("status")).to_contain_text(colleague)
        await check_page(page, "portal-colleagues")
        invitation = await stack.wait_for_mail(colleague, lambda m: "초대" in str(m["Subject"]))
        other, colleague_page = await phone(browser, stack)
        await colleague_page.goto(link_in(invitation, "/portal/password"))
        await check_page(colleague_page, "portal-password")
        await colleague_page.fill("#f-password", "Colleague!2025q")
        await colleague_page.click("main button[type=submit]")
        await sign_in(colleague_page, colleague, "Colleague!2025q")
        await other.close()

        # The application: proposal, a draft with eligibility feedback, a too-early founding date.
        await apply_with_proposal(page, program.id, "AI 사출성형 불량 검출 PoC")
        await expect(page.locator("#checks-title")).to_be_visible()
        await check_page(page, "portal-apply-draft")
        # While typing, the script tells the founding rule; the server says it again on saving.
        await page.fill("#f-founded_on", "2001-01-01")
        await expect(page.locator("#f-founded_on-live")).to_contain_text("창업 10년 이내가 아닙니다")
        # A file of a type axflow does not keep is stopped in the browser, before anything is sent.
        await page.set_input_files("#proposal-file", files=[{"name": "notes.txt", "mimeType": "text/plain",
                                                             "buffer": "메모".encode()}])
        await expect(page.locator("#proposal-file-check")).to_contain_text("허용되지 않는 파일 형식")
        await page.click("button[value=save]")
        await expect(page.locator("#f-founded_on-error")).to_contain_text("창업 10년 이내")
        await page.fill("#f-founded_on", "2021-04-01")
        await page.click("button[value=submit]")
        receipt = page.locator("#receipt-title + dl dd strong")
        await expect(receipt).to_have_text(re.compile(r"^[A-Z]{1,4}\d{2}-\d{4}$"))  # short: T25-0001
        await check_page(page, "portal-apply-submitted")
        receipt_no = await receipt.text_content()
        received = await stack.wait_for_mail(email, lambda m: "접수번호" in str(m["Subject"]))
        assert receipt_no and receipt_no in str(received["Subject"])
        startup_id = f"startup:{program.id}:{brn}"
        state = await stack.wait_phase(startup_id, "under_review")
        assert state["company_name"] == "포털에이아이"

        # Selection and the match by staff (API); the agreement accepted on the portal; the first payment.
        await select(stack, program, {startup_id: 90})
        await stack.wait_phase(startup_id, "selected")
        await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"] is not None, "agreement due")
        await match(stack, startup_id)
        # The startup reads the generated agreement on its own page and accepts it with its password.
        await page.goto(f"/portal/agreement/{startup_id}")
        await page.check("#f-read_confirmed")
        await page.fill("#f-password", PASSWORD)
        await page.get_by_role("button", name=re.compile("협약서에 동의")).click()
        await expect(page.locator(".notice-success")).to_contain_text("협약서에 동의했습니다")
        await stack.act(startup_id, "sign-agreement", stack.as_role(PO), {"agreement_no": "AX-PORTAL-1"})
        await pay(stack, startup_id, "advance")
        await stack.wait_phase(startup_id, "in_poc")
        await page.goto("/portal/my")
        await expect(page.locator("main")).to_contain_text("실증 수행")
        await check_page(page, "portal-my")
        await page.goto(f"/portal/my/{startup_id}")
        await expect(page.locator("#payments")).to_contain_text("지급 완료")

        # The kickoff deliverable: a PDF uploaded and submitted on 마이페이지.
        await page.set_input_files("#deliverable-kickoff", files=[{
            "name": "착수보고서.pdf", "mimeType": "application/pdf", "buffer": pdf("kickoff")}])
        await page.click("#milestone-kickoff form[enctype] button[type=submit]")
        await page.click("#milestone-kickoff form[action*='/milestones/kickoff'] button[type=submit]")
        await expect(page.get_by_role("status")).to_contain_text("산출물을 제출했습니다")
        await check_page(page, "portal-my-project")
        kickoff = next(m for m in (await stack.state(startup_id))["milestones"] if m["key"] == "kickoff")
        assert kickoff["status"] == "submitted" and kickoff["documents"][0]["filename"] == "착수보고서.pdf"

        # The rest of the PoC by staff and the API; the settlement on the portal, with receipts.
        startup = Startup(startup_id, brn, program)
        await stack.act(startup_id, "review-milestone", stack.as_role(PO), {"milestone": "kickoff", "decision": "accept"})
        for key in MILESTONES[1:]:
            await pass_milestone(stack, startup, key)
        await pay(stack, startup_id, "balance")
        await stack.act(startup_id, "final-evaluation", stack.as_role(EV), {"score": 90, "grade": "A"})
        await stack.wait_phase(startup_id, "settlement")
        await page.goto(f"/portal/my/{startup_id}")
        for name, data in (("영수증-인건비.pdf", pdf("receipt 1")), ("영수증-재료비.png", png())):
            await page.set_input_files("#receipt-file", files=[{"name": name, "buffer": data,
                                                                 "mimeType": "application/octet-stream"}])
            await page.click("#settlement form[enctype] button[type=submit]")
        await page.fill("#f-lines-0-item", "인건비")
        await page.fill("#f-lines-0-amount", "50,000,000")
        await page.locator("#f-lines-0-receipts").get_by_label(re.compile("영수증-인건비")).check()
        await page.fill("#f-lines-1-item", "재료비")
        await page.fill("#f-lines-1-amount", "20000000")
        await page.locator("#f-lines-1-receipts").get_by_label(re.compile("영수증-재료비")).check()
        await page.click("#settlement button[value=submit]")
        await expect(page.get_by_role("status")).to_contain_text("정산 보고를 제출했습니다")
        await expect(page.locator("#settlement")).to_contain_text("₩10,000,000")  # ₩80M paid, ₩70M spent
        settlement = (await stack.state(startup_id))["settlement"]
        assert [[r["filename"] for r in line["receipts"]] for line in settlement["lines"]] == \
            [["영수증-인건비.pdf"], ["영수증-재료비.png"]]
        async with refund_left_unpaid(stack):
            await stack.act(startup_id, "approve-settlement", stack.as_role(FO))
            await stack.wait_until_state(startup_id, lambda s: any(c["kind"] == "refund" for c in s["collections"]),
                                         "refund requested")
            await reload_until_shown(page, "#settlement", "납부 방법")
            await check_page(page, "portal-my-settlement")
        await page.goto("/portal/documents")
        await expect(page.locator("main")).to_contain_text("착수보고서.pdf")
        await check_page(page, "portal-documents")

        # A file uploaded once is reused: the proposal, for the next program's application.
        second = await stack.program()
        await page.goto(f"/portal/apply/{second.id}")
        proposal = page.locator("#proposal-reuse option", has_text="사업계획서.pdf")
        await page.select_option("#proposal-reuse", value=await proposal.get_attribute("value"))
        await page.click("#proposal-reuse ~ .actions button")
        await expect(page.locator("#f-proposal_document")).to_contain_text("사업계획서.pdf")

        # Another company's project does not exist for this company.
        stranger = await stack.apply(second)
        response = await page.goto(f"/portal/my/{stranger}")
        assert response is not None and response.status == 404
        await check_page(page, "portal-not-found")
    finally:
        await context.close()


async def test_a_closed_business_is_refused_with_the_reason(stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    brn = new_brn()
    await set_business(stack, brn, "closed")
    login = f"closed-{brn}@portal.example"
    with session_scope(stack.engine) as session:
        create_user(session, login_id=login, display_name="폐업 대표", kind="startup", roles=["startup"],
                    email=login, brn=brn, password=PASSWORD)
    context, page = await phone(browser, stack)
    try:
        await sign_in(page, login)
        # Bytes that are not what their name says pass the browser's check and are refused by the server.
        await page.goto(f"/portal/apply/{program.id}")
        await page.set_input_files("#proposal-file", files=[{"name": "사업계획서.pdf", "mimeType": "application/pdf",
                                                             "buffer": b"MZ\x90\x00 not a pdf at all"}])
        await page.click("form[enctype] button[type=submit]")
        await expect(page.get_by_role("alert")).to_contain_text("허용되지 않는 파일 형식")
        await check_page(page, "portal-upload-refused")
        await apply_with_proposal(page, program.id, "폐업 테스트", company="닫힌회사")
        # The draft's feedback already names the status; the server's check decides after submitting.
        await expect(page.locator("#checks-title + ul")).to_contain_text("폐업")
        await page.click("button[value=submit]")
        await expect(page.locator("#receipt-title")).to_be_visible()
        startup_id = f"startup:{program.id}:{brn}"
        await stack.wait_phase(startup_id, "ineligible")
        await page.goto(f"/portal/my/{startup_id}")
        await expect(page.locator(".closed-note")).to_contain_text("폐업")
        await check_page(page, "portal-my-ineligible")
    finally:
        await context.close()


def portal_user(stack: Stack, brn: str, name: str) -> str:
    login = f"{name}-{brn}@portal.example"
    with session_scope(stack.engine) as session:
        create_user(session, login_id=login, display_name=name, kind="startup", roles=["startup"], email=login,
                    brn=brn, password=PASSWORD)
    return login


async def test_the_server_refuses_a_second_application_and_a_draft_after_the_window_closes(
        stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    applied, late = new_brn(), new_brn()
    await stack.apply(program, applied)  # this company applied through the API already
    contexts = []
    try:
        pages = []
        for brn, name in ((applied, "twice"), (late, "late")):
            context, page = await phone(browser, stack)
            contexts.append(context)
            await sign_in(page, portal_user(stack, brn, name))
            await apply_with_proposal(page, program.id, "마감 직전", company=f"{name} 회사")
            pages.append(page)
        twice, late_page = pages
        await twice.click("button[value=submit]")
        await expect(twice.locator(".closed-note[role=alert]")).to_contain_text("이미 이 사업에 신청한 회사")

        # The window closes by the program call's own clock while the page still shows it open.
        await stack.close_window(program)
        await late_page.click("button[value=submit]")
        await expect(late_page.locator(".closed-note[role=alert]")).to_contain_text("서버 시계로 접수가 마감")
        assert not [m for m in stack.mail_to(f"late-{late}@portal.example") if "접수번호" in str(m["Subject"])]
        await late_page.reload()
        await expect(late_page.locator("button[value=submit]")).to_be_disabled()
        await expect(late_page.locator("main")).to_contain_text("더 이상 제출할 수 없습니다")
        await check_page(late_page, "portal-apply-closed")
        response = await stack.http.get(f"/startups/startup:{program.id}:{late}", headers=stack.as_role(PO))
        assert response.status_code == 404  # nothing was created for the late draft
    finally:
        for context in contexts:
            await context.close()


async def in_english(page: Page, data: list[str] = ()) -> None:
    """The page is in English alone: <html lang="en"> and no Korean but the data it shows."""
    assert await page.get_attribute("html", "lang") == "en"
    html = await page.content()
    assert korean_left(html, data) == [], page.url


async def test_the_calls_and_sign_up_in_english_from_a_phone(stack: Stack, browser: Browser) -> None:
    """The header's "English" link switches the portal; the calls, a call's live countdown, sign-up
    (a wrong check digit refused as it is typed and by the server), the verification, colleagues and
    a colleague's password are then in English alone, but for the data (program, tasks, regions,
    the company and its people)."""
    program = await stack.program(name="AI 지역 주력산업 연계 프로젝트 (영문)")
    brn = new_brn()
    email = f"ceo-en-{brn}@portal.example"
    program_data = [program.name, *(t.title for t in program.tasks), *(t.sme_region for t in program.tasks),
                    *(t.label for t in program.tranches), *(m.title for m in program.milestones)]
    company = ["포털영문", "김대표", "박기술"]
    context, page = await phone(browser, stack)
    try:
        await page.goto("/calls")
        await page.get_by_role("link", name="English").click()
        await page.wait_for_url("**/calls")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Calls for applications")
        names = await page.locator("main .link-list > li > a").all_text_contents()
        await in_english(page, names)
        await check_page(page, "portal-calls-en")

        # The countdown keeps ticking in English (the page's clock moved on ten minutes).
        await page.clock.install()
        await page.click(f"a[href='/calls/{program.id}']")
        countdown = page.locator(".countdown")
        await expect(countdown).to_have_text(re.compile(r"^\d+ min left$"))
        before = await countdown.text_content()
        await page.clock.fast_forward("10:00")
        await expect(countdown).not_to_have_text(before or "")
        await expect(countdown).to_have_text(re.compile(r"^\d+ min left$"))
        await expect(page.get_by_text("Founded within 10 years of the closing date")).to_be_visible()
        await in_english(page, program_data)
        await check_page(page, "portal-call-en")
        response = await page.goto("/calls/no-such-call")
        assert response is not None and response.status == 404
        await expect(page.get_by_role("alert")).to_contain_text("There is no program no-such-call.")
        await in_english(page)

        await page.goto("/portal/signup")
        await page.fill("#f-email", email)
        await page.fill("#f-password", PASSWORD)
        await page.fill("#f-brn", brn[:9] + str((int(brn[9]) + 1) % 10))
        await expect(page.locator("#f-brn-live")).to_have_text(re.compile("^This business registration number is not valid"))
        await page.fill("#f-company_name", company[0])
        await page.fill("#f-representative", company[1])
        await in_english(page, company)
        await page.click("main button[type=submit]")
        await expect(page.locator("#error-summary")).to_contain_text("check digit")
        await in_english(page, company)
        await check_page(page, "portal-signup-error-en")
        await page.fill("#f-brn", brn)
        await expect(page.locator("#f-brn-live")).to_have_text("The check digit matches")
        await page.fill("#f-password", PASSWORD)
        await page.click("main button[type=submit]")
        await expect(page.get_by_role("status")).to_contain_text(f"We sent a verification link to {email}")
        await in_english(page)
        await check_page(page, "portal-signup-sent-en")

        verification = await stack.wait_for_mail(email, lambda m: "verify your email" in str(m["Subject"]))
        await page.goto(link_in(verification, "/portal/verify"))
        await page.click("main form[action='/portal/verify'] button")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Email verified")
        await in_english(page, company)
        await check_page(page, "portal-verified-en")
        await page.goto(link_in(verification, "/portal/verify"))  # single use
        await expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
        await in_english(page)

        approve_company(stack, email, company[0])
        await sign_in(page, email)
        colleague = f"cto-en-{brn}@portal.example"
        await page.goto("/portal/colleagues")
        await page.fill("#f-email", colleague)
        await page.fill("#f-name", company[2])
        await page.click("main form button[type=submit]")
        await expect(page.get_by_role("status")).to_have_text(f"Invitation sent to {colleague}.")
        await expect(page.locator("main table")).to_contain_text("Invited")
        await in_english(page, company)
        await check_page(page, "portal-colleagues-en")

        invitation = await stack.wait_for_mail(colleague, lambda m: "you are invited" in str(m["Subject"]))
        other, colleague_page = await phone(browser, stack)
        try:
            await other.add_cookies([{"name": "axflow_lang", "value": "en", "url": stack.settings.api_url}])
            await colleague_page.goto(link_in(invitation, "/portal/password"))
            await expect(colleague_page.get_by_role("heading", level=1)).to_have_text("Set your password")
            await in_english(colleague_page, company)
            await check_page(colleague_page, "portal-password-en")
            await colleague_page.fill("#f-password", "Colleague!2025q")
            await colleague_page.click("main button[type=submit]")
            await expect(colleague_page.get_by_role("heading", level=1)).to_have_text("Password set")
            await in_english(colleague_page, company)
        finally:
            await other.close()
    finally:
        await context.close()


def notice_subjects(stack: Stack, login: str) -> list[str]:
    """The subjects of a person's notifications: stored as they were sent (Korean), so data here."""
    with session_scope(stack.engine) as session:
        user = session.exec(sql_select(User).where(User.login_id == login)).one()
        return [n.subject for n in list_notices(session, user.id, limit=200).items]


async def test_applying_my_page_documents_and_settlement_in_english_from_a_phone(
        stack: Stack, browser: Browser) -> None:
    """In English at phone size: an upload refused; the application form with its eligibility
    checklist, a founding date refused beside the field, the draft and the receipt (and its email);
    my page with the phase, the next deadline and the payments; the agreement accepted; a deliverable
    submitted; the settlement form refused beside its row and by the rule (more than was paid), then
    filed, with the refund owed; the documents. No Korean is left but the data: the program (title,
    tasks, regions, tranches, milestones), what the company typed (its name, the proposal's title,
    a budget item), file names and the notifications' stored subjects."""
    program = await stack.program(name="AI 지역 주력산업 연계 프로젝트 (영문 신청)")
    brn = new_brn()
    login = portal_user(stack, brn, "english")
    company, title = "영문에이아이", "AI 사출성형 불량 검출 PoC"
    data = [program.name, *(t.title for t in program.tasks), *(t.sme_region for t in program.tasks),
            *(t.label for t in program.tranches), *(m.title for m in program.milestones), company, title,
            "사업계획서.pdf", "착수보고서.pdf", "영수증-인건비.pdf", "인건비"]
    startup_id = f"startup:{program.id}:{brn}"
    context, page = await phone(browser, stack)
    await context.add_cookies([{"name": "axflow_lang", "value": "en", "url": stack.settings.api_url}])
    try:
        await sign_in(page, login)
        await expect(page.locator("main")).to_contain_text("You have not applied to a program yet.")
        await in_english(page, data)
        await check_page(page, "portal-my-empty-en")

        # Bytes that are not what their name says are refused by the server, in English.
        await page.goto(f"/portal/apply/{program.id}")
        await page.set_input_files("#proposal-file", files=[{"name": "사업계획서.pdf", "mimeType": "application/pdf",
                                                             "buffer": b"MZ\x90\x00 not a pdf at all"}])
        await page.click("form[enctype] button[type=submit]")
        await expect(page.get_by_role("heading", level=1)).to_have_text("The file was not accepted")
        await expect(page.get_by_role("alert")).to_contain_text("This file type is not accepted")
        await in_english(page, data)
        await check_page(page, "portal-upload-refused-en")
        await page.get_by_role("link", name="Back").click()

        # The application: the proposal, then a founding date too early, refused beside the field.
        await page.set_input_files("#proposal-file", files=[{"name": "사업계획서.pdf", "mimeType": "application/pdf",
                                                             "buffer": pdf("proposal")}])
        await page.click("form[enctype] button[type=submit]")
        await page.fill("#f-company_name", company)
        await page.fill("#f-founded_on", "2001-01-01")
        await page.select_option("#f-task_id", "SF-01")
        await page.fill("#f-proposal_title", title)
        await page.click("button[value=save]")
        await expect(page.locator("#f-founded_on-error")).to_contain_text(
            "The company must be founded within 10 years of the closing date")
        await expect(page.locator("#checks-title")).to_have_text("Eligibility, as of this save")
        checks = page.locator("#checks-title + ul")
        await expect(checks).to_contain_text("Founded within 10 years")
        await expect(checks).to_contain_text("Problem")
        await expect(checks).to_contain_text("Business status at the tax authority")
        await in_english(page, data)
        await check_page(page, "portal-apply-refused-en")
        await page.fill("#f-founded_on", "2021-04-01")
        await page.click("button[value=save]")
        await expect(page.get_by_role("status")).to_have_text("Draft saved.")
        await expect(checks).not_to_contain_text("Problem")
        await expect(checks).to_contain_text("Active business")
        await in_english(page, data)
        await check_page(page, "portal-apply-draft-en")
        await page.click("button[value=submit]")
        await expect(page.locator("#receipt-title")).to_have_text("Submitted")
        await in_english(page, data)
        receipt_no = await page.locator("#receipt-title + dl dd strong").text_content()
        received = await stack.wait_for_mail(login, lambda m: "Application received" in str(m["Subject"]))
        assert receipt_no and receipt_no in str(received["Subject"])
        assert korean_left(received.get_body(("plain",)).get_content(), data) == []

        # Selected (staff, through the API): my page names the phase and the agreement's deadline.
        await stack.wait_phase(startup_id, "under_review")
        await select(stack, program, {startup_id: 90})
        await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"] is not None, "agreement due")
        await page.goto("/portal/my")
        card = page.locator("main article.card")
        await expect(card).to_contain_text("Selected")
        await expect(card).to_contain_text(re.compile(r"Next deadline\s*Agreement"))
        await expect(card).to_contain_text(re.compile(r"D-\d+ \(\d+ days? left\)"))
        await in_english(page, data + notice_subjects(stack, login))
        await check_page(page, "portal-my-en")

        # Matched; the agreement accepted on its page; countersigned and the advance paid.
        data.append((await match(stack, startup_id))["agreement_document"]["filename"])
        await page.goto(f"/portal/agreement/{startup_id}")
        await page.check("#f-read_confirmed")
        await page.fill("#f-password", PASSWORD)
        await page.get_by_role("button", name="Accept the agreement").click()
        await expect(page.locator(".notice-success")).to_contain_text("You accepted the agreement.")
        await stack.act(startup_id, "sign-agreement", stack.as_role(PO), {"agreement_no": "AX-PORTAL-EN"})
        await pay(stack, startup_id, "advance")
        await stack.wait_phase(startup_id, "in_poc")
        await page.goto(f"/portal/my/{startup_id}")
        await expect(page.locator("#summary")).to_contain_text("In PoC")
        await expect(page.locator("#payments")).to_contain_text("Paid")
        await expect(page.locator("#milestones")).to_contain_text("Pending")

        # The kickoff deliverable, submitted in English.
        await page.set_input_files("#deliverable-kickoff", files=[{
            "name": "착수보고서.pdf", "mimeType": "application/pdf", "buffer": pdf("kickoff")}])
        await page.click("#milestone-kickoff form[enctype] button[type=submit]")
        await page.click("#milestone-kickoff form[action*='/milestones/kickoff'] button[type=submit]")
        await expect(page.get_by_role("status")).to_have_text("Deliverable submitted.")
        await expect(page.locator("#milestone-kickoff")).to_contain_text("1 submission")
        await in_english(page, data + notice_subjects(stack, login))
        await check_page(page, "portal-my-project-en")

        # The rest of the PoC by staff; the settlement: a row refused as typed, then by the rule.
        startup = Startup(startup_id, brn, program)
        await stack.act(startup_id, "review-milestone", stack.as_role(PO), {"milestone": "kickoff", "decision": "accept"})
        for key in MILESTONES[1:]:
            await pass_milestone(stack, startup, key)
        await pay(stack, startup_id, "balance")
        await stack.act(startup_id, "final-evaluation", stack.as_role(EV), {"score": 90, "grade": "A"})
        await stack.wait_phase(startup_id, "settlement")
        await page.goto(f"/portal/my/{startup_id}")
        await page.set_input_files("#receipt-file", files=[{"name": "영수증-인건비.pdf", "buffer": pdf("receipt"),
                                                            "mimeType": "application/pdf"}])
        await page.click("#settlement form[enctype] button[type=submit]")
        await page.fill("#f-lines-0-item", "인건비")
        await page.fill("#f-lines-0-amount", "3천만원")
        await page.locator("#f-lines-0-receipts").get_by_label(re.compile("영수증-인건비")).check()
        await page.click("#settlement button[value=submit]")
        await expect(page.locator("#f-lines-0-amount-error")).to_contain_text("Enter the amount as a whole number of won")
        await in_english(page, data + notice_subjects(stack, login))
        await page.fill("#f-lines-0-amount", "90,000,000")
        await page.click("#settlement button[value=submit]")
        await expect(page.locator("#error-summary")).to_contain_text("The total spent cannot exceed the amount paid.")
        await in_english(page, data + notice_subjects(stack, login))
        await check_page(page, "portal-my-settlement-refused-en")
        await page.fill("#f-lines-0-amount", "70,000,000")
        await page.click("#settlement button[value=submit]")
        await expect(page.get_by_role("status")).to_have_text("Settlement report submitted.")
        async with refund_left_unpaid(stack):
            await stack.act(startup_id, "approve-settlement", stack.as_role(FO))
            await stack.wait_until_state(startup_id, lambda s: any(c["kind"] == "refund" for c in s["collections"]),
                                         "refund requested")
            await reload_until_shown(page, "#settlement", "How to pay")
            await expect(page.locator("#settlement")).to_contain_text("Refund: ₩10,000,000")
            await in_english(page, data + notice_subjects(stack, login))
            await check_page(page, "portal-my-settlement-en")

        await page.goto("/portal/documents")
        await expect(page.locator("main")).to_contain_text("착수보고서.pdf")
        await expect(page.locator("main")).to_contain_text("Deliverable")
        await in_english(page, data)
        await check_page(page, "portal-documents-en")
    finally:
        await context.close()
