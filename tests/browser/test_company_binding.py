"""내 회사 확인 in the browser: a squatter who typed a company's number at sign-up finds nothing of
it and is refused by the tax register; the real representative binds by 진위확인 (the tax
simulator's register) and 본인확인 (the identity provider simulator's page), then sees the company's
project. Korean, one check in English; axe on each page a person reads."""

from datetime import UTC, datetime

import httpx
from playwright.async_api import Browser, Page, expect

from domain.brn import format_brn
from store.db import session_scope
from store.portal_accounts import issue_link, sign_up, verify
from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack, new_brn

PASSWORD = "Company!check-2025q"


async def portal_person(browser: Browser, stack: Stack, name: str, typed_brn: str) -> Page:
    """Someone who signed up typing `typed_brn` (the sign-up form itself is walked in
    test_portal.py), verified their email and signed in: where does the portal take them?"""
    email = f"{typed_brn}-{len(name)}-{datetime.now(UTC):%H%M%S%f}@company.example"
    now = datetime.now(UTC)
    with session_scope(stack.engine) as session:
        user = sign_up(session, email=email, password=PASSWORD, brn=typed_brn, representative=name,
                       company_name="회사", now=now)
        verify(session, issue_link(session, user, "verify", user.id, now), now)
    context = await browser.new_context(base_url=stack.settings.api_url, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(20_000)
    page = await context.new_page()
    await page.goto("/signin?next=/portal/my")
    await page.fill("#login_id", email)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/portal/company")  # not bound: sent to prove the company first
    return page


async def fill_company(page: Page, brn: str, opened_on: str, representative: str) -> None:
    await page.fill("#f-brn", brn)
    await page.fill("#f-opened_on", opened_on)
    await page.fill("#f-representative", representative)
    await page.click("main form button[type=submit]")


async def test_the_representative_binds_by_register_and_identity_and_a_squatter_is_refused(
        stack: Stack, browser: Browser) -> None:
    program = await stack.program()
    brn = new_brn()
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.settings.tax_authority_url}/_businesses/{brn}",
                        json={"opened_on": "2023-03-03", "representative": "정대표"})).raise_for_status()

    # The squatter: nothing of the company, and the register refuses a guessed representative.
    squatter = await portal_person(browser, stack, "도용자", brn)
    try:
        await expect(squatter.get_by_role("heading", level=1)).to_have_text("내 회사 확인")
        await expect(squatter.locator("#f-brn")).to_have_value(brn)  # what they typed, proven by nothing
        await fill_company(squatter, brn, "2023-03-03", "도용자")
        await expect(squatter.locator("#error-summary")).to_contain_text("국세청 진위확인에서")
        await assert_accessible(squatter)
        await screenshot(squatter, "portal-company-refused")
    finally:
        await squatter.context.close()

    owner = await portal_person(browser, stack, "정대표", brn)
    try:
        await assert_accessible(owner)
        await screenshot(owner, "portal-company")
        await fill_company(owner, brn, "2023-03-03", "정대표")
        # The identity provider's page (a PASS-like simulator on its own origin).
        await owner.wait_for_url(f"{stack.settings.identity_issuer}/authorize**")
        await owner.fill("#name", "정대표")
        await owner.fill("#birthdate", "1979-09-09")
        await owner.click("#confirm")
        await owner.wait_for_url("**/portal/company?outcome=bound")
        await expect(owner.get_by_role("status")).to_contain_text("회사 확인이 끝났습니다")
        await expect(owner.locator("#binding-proof")).to_have_text("진위확인 + 본인확인")
        await assert_accessible(owner)
        await screenshot(owner, "portal-company-bound")
        # Bound: the portal is theirs; it applies for the company (the program's page opens).
        await owner.goto(f"/portal/apply/{program.id}")
        await expect(owner.get_by_role("heading", level=1)).to_be_visible()
        assert "/portal/company" not in owner.url
        # In English, the same page says who confirmed the company and how.
        await owner.context.add_cookies([{"name": "axflow_lang", "value": "en", "url": stack.settings.api_url}])
        await owner.goto("/portal/company")
        await expect(owner.get_by_role("heading", level=1)).to_have_text("Confirm my company")
        await expect(owner.locator("#binding-proof")).to_have_text("Tax register check + identity verification")
        await assert_accessible(owner)
    finally:
        await owner.context.close()

    # Auditors read every step: the squatter's refusal and the representative's binding.
    auditor = await signed_in(browser, stack, "binding.auditor", ["auditor"])
    try:
        await auditor.goto("/console/companies")
        rows = auditor.locator("#binding-events tbody tr", has_text=format_brn(brn))
        await expect(rows.filter(has_text="도용자")).to_contain_text("대표자 성명이 일치하지 않습니다")
        await expect(rows.filter(has_text="정대표")).to_contain_text("진위확인 + 본인확인")
        await expect(auditor.locator("main form")).to_have_count(0)  # auditors decide nothing
        await assert_accessible(auditor)
        await screenshot(auditor, "console-companies")
    finally:
        await auditor.context.close()
