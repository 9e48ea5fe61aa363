"""The startup's money by 비목 on its phone, in a real Chromium: the budget plan before the agreement
(a line over its cap refused by name, then a plan that adds up), the plan's table on the agreement
page, evidence uploaded and an expense refused for missing evidence then recorded, corrected and
withdrawn, a budget move within the tolerance (a notice, applied at once) and one into a
prior-approval category (waiting for the officer), and the settlement from the ledger: the
provisional statement, the submission with the interest, the printable statement and its XLSX.
The settlement page is read in English too. Each page is checked with axe-core at phone width and
photographed, its tap targets measured. Staff steps go through the API."""

from datetime import UTC, datetime

from playwright.async_api import Browser, Page, expect

from domain.timeutil import kst_date
from tests.browser.conftest import assert_accessible, signed_in
from tests.browser.test_portal import check_page
from tests.budget_support import AGREED, VENDOR_BRN
from tests.conftest import Stack, wait_until
from tests.documents_support import pdf
from tests.flows import EV, MILESTONES, PO, accept_agreement, drive, match, pass_milestone, pay
from tests.i18n_support import korean_left
from tests.workflows.test_documents_in_actions import upload

PHONE = {"width": 390, "height": 844}
INTEREST = 41_250


async def check(page: Page, name: str) -> None:
    """axe-core, no sideways scrolling, tap targets of 44 px, a screenshot (the portal walk's check)."""
    await check_page(page, name)


async def upload_evidence(page: Page, name: str) -> None:
    await page.set_input_files("#evidence-file", files=[{"name": name, "mimeType": "application/pdf",
                                                         "buffer": pdf(name)}])
    await page.locator("form[enctype] button[type=submit]").click()
    await expect(page.locator("#record")).to_contain_text(name)


async def test_a_startup_plans_records_moves_and_settles_from_its_ledger_on_a_phone(stack: Stack, browser: Browser) -> None:
    startup = await drive(stack, "selected")
    page = await signed_in(browser, stack, f"ceo.{startup.brn}", ["startup"], brn=startup.brn)
    await page.set_viewport_size(PHONE)

    # The plan, from the agreement page: a line over its cap is refused beside that line, naming the rule.
    await page.goto(f"/portal/agreement/{startup.id}")
    await page.get_by_role("link", name="사업비 계획 작성").click()
    await expect(page.locator("h1")).to_have_text("사업비 계획")
    for key, amount in (AGREED | {"personnel": 45_000_000, "outsourcing": 5_000_000}).items():
        await page.fill(f"#f-amount-{key}", f"{amount:,}")
    await page.get_by_role("button", name="합계 계산").click()
    await expect(page.locator("#f-total")).to_contain_text("합계 ₩80,000,000")
    await page.get_by_role("button", name="사업비 계획 제출").click()
    await expect(page.locator("#f-amount-personnel-error")).to_contain_text("비목의 한도를 넘습니다")
    await expect(page.locator("#error-summary")).to_contain_text("인건비")
    await check(page, "portal-budget-plan-refused")
    for key, amount in AGREED.items():
        await page.fill(f"#f-amount-{key}", str(amount))
    await page.get_by_role("button", name="사업비 계획 제출").click()
    await expect(page.get_by_role("status").first).to_contain_text("사업비 계획을 제출했습니다")

    # The officer matches (the agreement is made with the plan), the startup accepts, the officer signs.
    await accept_agreement(stack, startup.id, await match(stack, startup.id))
    await stack.act(startup.id, "sign-agreement", stack.as_role(PO), {"agreement_no": "AX-B1"})
    await pay(stack, startup.id, "advance")
    await stack.wait_phase(startup.id, "in_poc")
    await page.goto(f"/portal/agreement/{startup.id}")
    await expect(page.locator("#budget-plan")).to_contain_text("사업비 계획 제1판")
    await expect(page.locator("#budget-plan")).to_contain_text("₩30,000,000")

    # The ledger: evidence uploaded, an expense without the transfer's receipt refused by name.
    await page.get_by_role("link", name="집행 내역").click()
    await expect(page.locator("#budget")).to_contain_text("재료비")
    await upload_evidence(page, "세금계산서.pdf")
    await upload_evidence(page, "이체확인증.pdf")
    today = kst_date(datetime.now(UTC)).isoformat()
    await page.fill("#f-spent_on", today)
    await page.select_option("#f-category", "materials")
    await page.fill("#f-vendor_name", "㈜한빛소재")
    await page.fill("#f-vendor_brn", VENDOR_BRN)
    await page.fill("#f-description", "시제품 부품")
    await page.fill("#f-supply_amount", "3,000,000")
    await page.fill("#f-vat", "300000")
    await page.get_by_label("세금계산서.pdf").select_option("tax_invoice")
    await page.get_by_role("button", name="집행 등록").click()
    await expect(page.locator("#f-evidence-error")).to_contain_text("증빙이 부족합니다")
    await expect(page.locator("#f-vendor_name")).to_have_value("㈜한빛소재")  # the form comes back as typed
    await check(page, "portal-ledger-refused")
    await page.get_by_label("이체확인증.pdf").select_option("transfer_receipt")
    await page.get_by_role("button", name="집행 등록").click()
    await expect(page.get_by_role("status").first).to_contain_text("집행 내역을 등록했습니다")
    entries = await wait_until(lambda: _reloaded(page), lambda text: "E0001" in text, 30, "E0001 projected")
    assert "전자세금계산서: 세금계산서.pdf" in entries and "이체확인증: 이체확인증.pdf" in entries

    # A correction is a new entry cancelling the old one; then it is withdrawn with its reason.
    await page.get_by_role("link", name="E0001 정정").click()
    await expect(page.locator("#f-vendor_name")).to_have_value("㈜한빛소재")
    await page.fill("#f-supply_amount", "2500000")
    async with page.expect_navigation():  # the reload below must not cut the POST's own navigation short
        await page.get_by_role("button", name="정정 등록").click()
    await wait_until(lambda: _reloaded(page), lambda text: "E0002로 정정됨" in text, 30, "the correction projected")
    await page.fill("#f-cancel-E0002", "거래처 환불")
    async with page.expect_navigation():
        await page.get_by_role("button", name="E0002 취소").click()
    await wait_until(lambda: _reloaded(page), lambda text: "거래처 환불" in text, 30, "the withdrawal projected")

    # Moves: within the tolerance a notice (a new plan version at once); into equipment, approval.
    me = startup.me(stack)
    invoice_doc = await _receipt(stack, startup.id)
    await stack.act(startup.id, "record-expense", me, {
        "spent_on": today, "category": "materials", "vendor_name": "㈜한빛소재", "vendor_brn": VENDOR_BRN,
        "description": "센서 모듈", "supply_amount": 1_500_000, "vat": 150_000, "payment_method": "card",
        "evidence": [{"kind": "card_slip", "document": invoice_doc}]})
    await page.goto(f"/portal/ledger/{startup.id}")
    await page.select_option("#f-move-from_category", "materials")
    await page.select_option("#f-move-to_category", "marketing")
    await page.fill("#f-move-amount", "1,000,000")
    await page.get_by_role("button", name="비목 변경 신청").click()
    await expect(page.locator("#budget")).to_contain_text("제2판: 통보로 반영")
    await page.select_option("#f-move-from_category", "outsourcing")
    await page.select_option("#f-move-to_category", "equipment")
    await page.fill("#f-move-amount", "2000000")
    await page.fill("#f-move-reason", "검사 장비")
    await page.get_by_role("button", name="비목 변경 신청").click()
    await expect(page.locator("#budget")).to_contain_text("승인 대기 중인 비목 변경")
    await check(page, "portal-ledger")

    # The settlement from the ledger: the provisional statement, submitted with the interest.
    await stack.act(startup.id, "decide-budget-change", stack.as_role(PO), {"decision": "reject", "reason": "불필요"})
    for key in MILESTONES:
        await pass_milestone(stack, startup, key)
    await stack.act(startup.id, "final-evaluation", stack.as_role(EV), {"score": 90, "grade": "A"})
    await page.goto(f"/portal/ledger/{startup.id}")
    await page.get_by_role("link", name="정산보고서 보기").click()
    await expect(page.locator("#statement")).to_contain_text("잠정")
    await expect(page.locator("#statement")).to_contain_text("₩1,500,000")
    await page.fill("#f-interest", f"{INTEREST:,}")
    await page.get_by_role("button", name="정산 보고 제출").click()
    await expect(page.get_by_role("status").first).to_contain_text("정산 보고를 제출했습니다")
    await expect(page.locator("#statement")).to_contain_text("₩41,250")
    await check(page, "portal-settlement-ledger")
    xlsx = await page.request.get(await page.get_by_role("link", name="XLSX 내려받기").get_attribute("href") or "")
    assert xlsx.ok and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    await page.get_by_role("link", name="인쇄용 정산보고서").click()
    await expect(page.locator("h1")).to_have_text("인쇄용 정산보고서")
    await expect(page.locator("article.statement-document")).to_contain_text("정산보고서 해시")
    await assert_accessible(page)

    # The settlement page in English: every word English but the program's data.
    state = await stack.state(startup.id)
    data = [state["company_name"], state["program_name"], *(c.name for c in startup.program.budget_rules.categories)]
    await page.context.add_cookies([{"name": "axflow_lang", "value": "en", "url": stack.settings.api_url}])
    await page.goto(f"/portal/budget/{startup.id}/settlement")
    await expect(page.locator("h1")).to_have_text("Settlement")
    html = await page.content()
    assert korean_left(html, data) == [], korean_left(html, data)
    await check(page, "portal-settlement-ledger-en")
    # The ledger in English too: what is left in Korean is the company's own data.
    await page.goto(f"/portal/ledger/{startup.id}")
    typed = ["㈜한빛소재", "시제품 부품", "센서 모듈", "거래처 환불", "검사 장비", "세금계산서.pdf", "이체확인증.pdf",
             "카드전표.pdf"]
    assert korean_left(await page.content(), data + typed) == []
    # The printable statement stays a Korean document in an English page.
    await page.goto(f"/portal/budget/{startup.id}/statement")
    await expect(page.locator("h1")).to_have_text("Printable settlement statement")
    await expect(page.locator("[lang=ko] article.statement-document")).to_contain_text("정산보고서 해시")
    await page.context.close()


async def _reloaded(page: Page) -> str:
    await page.reload()
    return await page.locator("#entries").inner_text()


async def _receipt(stack: Stack, startup_id: str) -> str:
    """The id of a card slip uploaded over the API (a third expense for the statement)."""
    brn = startup_id.rsplit(":", 1)[1]
    made = await upload(stack, startup_id, stack.as_startup(brn), pdf("카드전표"), "카드전표.pdf", "receipt")
    return str(made["id"])

