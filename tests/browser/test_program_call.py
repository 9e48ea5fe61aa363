"""A program's call in a real Chromium, the steps that used to need the API: an admin copies a
program as a new call (a window closing before it opens is refused beside the field); the program
officer is refused finalizing the selection while the window is open and finalizes it once the
window has closed (one selected, one waitlisted; the officer's home names such a call); after the
selected startup left with money paid, the officer offers its free slot to the waitlisted one.
Each new page is checked by axe-core and photographed. The same pages in English (cookie
axflow_lang=en): the copy form refused and accepted, the call page refused and after the offer,
with <html lang="en"> and no Korean left but the data they show (the program's and companies' names,
the reasons people wrote)."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from playwright.async_api import Browser, Page, expect

from api.services.programs import calls_awaiting_selection
from domain.timeutil import KST
from store.db import session_scope
from tests.browser.conftest import assert_accessible, screenshot, signed_in
from tests.conftest import Stack, wait_until
from tests.flows import EV, match_and_sign, pay
from tests.i18n_support import korean_left


async def look(page: Page, name: str) -> None:
    await assert_accessible(page)
    await screenshot(page, name)


async def speak(page: Page, language: str) -> None:
    """The page's language from now on (the header's switch keeps it in this cookie)."""
    origin = urlsplit(page.url)
    await page.context.add_cookies([{"name": "axflow_lang", "value": language,
                                     "url": f"{origin.scheme}://{origin.netloc}/"}])


async def english_only(page: Page, data: list[str]) -> None:
    """The page is in English: <html lang="en">, no Korean but the data it shows, axe-clean."""
    assert await page.locator("html").get_attribute("lang") == "en"
    assert korean_left(await page.content(), data) == [], page.url
    await assert_accessible(page)


async def test_an_admin_opens_a_call_and_the_officer_selects_and_offers_a_freed_slot(
        stack: Stack, browser: Browser) -> None:
    source = await stack.program(slots=1, budget=80_000_000)
    call_id = f"{source.id}-call"

    # The admin copies the program as a new call, in Korean time.
    admin = await signed_in(browser, stack, "call.admin", ["admin"])
    await admin.goto(f"/console/programs/{source.id}")
    await admin.get_by_role("link", name=re.compile("새 공고로 복사")).click()
    await expect(admin.locator("#f-id")).to_have_value(re.compile(rf"^{source.id}-\d{{8}}-\d{{4}}$"))
    await look(admin, "console-program-copy")
    await admin.fill("#f-id", call_id)
    await admin.fill("#f-application_closes_at", await admin.input_value("#f-application_opens_at"))
    create = admin.get_by_role("button", name=re.compile("새 공고 만들기"))
    await create.click()
    await expect(admin.locator("#f-application_closes_at-error")).to_contain_text(
        "접수 마감 시각은 접수 시작 시각보다 뒤여야 합니다")
    assert "application_opens_at" not in await admin.locator("main").inner_text()
    await assert_accessible(admin)
    # The same refusal in English, then the call is created from the English form.
    await speak(admin, "en")
    suggested_name = await admin.input_value("#f-name")
    await create.click()  # the Korean page's button; its answer is in English
    await expect(admin.locator("#f-application_closes_at-error")).to_contain_text(
        "Error: The window must close after it opens")
    assert "application_opens_at" not in await admin.locator("main").inner_text()
    await expect(admin.locator("#error-summary")).to_contain_text("Window closes (KST)")
    await expect(admin.locator("h1")).to_have_text("Copy as a new call")
    await english_only(admin, [source.name])
    await screenshot(admin, "console-program-copy-refused-en")
    await admin.fill("#f-application_closes_at", f"{datetime.now(KST) + timedelta(hours=1):%Y-%m-%dT%H:%M}")
    await admin.get_by_role("button", name="Create the call").click()
    await expect(admin.get_by_role("status")).to_have_text(
        "The call was created. Startups apply on its public page while the window is open.")
    program = await stack.program_definition(call_id)
    assert program.name == suggested_name
    await english_only(admin, [source.name, program.name])
    assert program.tasks == source.tasks and program.application_closes_at is not None

    first, second = await stack.apply(program), await stack.apply(program)
    for startup_id, score in ((first, 90), (second, 80)):
        await stack.wait_phase(startup_id, "under_review")
        await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": score})

    # The officer reaches the call from the dashboard; the window is open, so the rule refuses.
    officer = await signed_in(browser, stack, "call.officer", ["program_officer"])
    await officer.goto(f"/console/programs/{call_id}")
    await officer.get_by_role("link", name=re.compile("공고와 선정")).click()
    await expect(officer.locator("table.list tbody tr")).to_have_count(2)
    # The button that cannot work yet says why beside it and is not offered as if it could.
    finalize = officer.get_by_role("button", name=re.compile("선정 확정"))
    await expect(finalize).to_be_disabled()
    await expect(officer.locator("#finalize-why")).to_contain_text("접수가 마감된 뒤에")
    # Sent anyway (a page left open, or a hand-made post), the rule's refusal is headed as what it is.
    await finalize.evaluate("button => button.disabled = false")
    await finalize.click()
    await expect(officer.locator("#error-summary h2")).to_have_text("아직 선정을 확정할 수 없습니다")
    await expect(officer.locator("#error-summary")).to_contain_text("접수가 마감된 뒤에")
    await expect(officer.locator("#error-summary")).not_to_contain_text("window_closed_first")
    await look(officer, "console-program-call-refused")
    # The same refusal in English, with the companies that applied listed by name.
    names = [(await stack.state(sid))["company_name"] for sid in (first, second)]
    await speak(officer, "en")
    await finalize.evaluate("button => button.disabled = false")
    await finalize.click()  # the Korean page's button; its answer is in English
    await expect(officer.locator("#error-summary h2")).to_have_text("Selection cannot be finalized yet")
    await expect(officer.locator("#finalize-why")).to_contain_text("only after applications close")
    await expect(officer.locator("h1")).to_contain_text("Call and selection")
    await expect(officer.locator("#window-title + dl")).to_contain_text("Open")
    await english_only(officer, [program.name, *names])
    await screenshot(officer, "console-program-call-refused-en")
    await speak(officer, "ko")
    assert (await stack.call_status(call_id))["finalized_at"] is None

    # Once the window has closed (by the call's clock, moved forward here; the officer's home goes
    # by the wall clock, so it is asked as of the closing instant) the selection waits.
    with session_scope(stack.engine) as session:
        assert (call_id, program.name, 2) not in calls_awaiting_selection(session, datetime.now(UTC))
        closed = program.application_closes_at + timedelta(seconds=1)
        assert (call_id, program.name, 2) in calls_awaiting_selection(session, closed)
    await stack.close_window(program)
    await officer.goto(f"/console/programs/{call_id}/call")
    await officer.fill("#f-reason", "선정평가위원회 결과")
    await finalize.click()
    await expect(officer.get_by_role("status")).to_contain_text("선정 1곳, 예비 후보 1곳")
    await stack.wait_phase(first, "selected")
    await stack.wait_phase(second, "waitlisted")
    await look(officer, "console-program-call")

    # The selected startup leaves after its advance was paid: the slot waits for the officer.
    await match_and_sign(stack, first)
    await pay(stack, first, "advance")
    await stack.wait_phase(first, "in_poc")
    await stack.act(first, "withdraw", stack.as_startup(first.rsplit(":", 1)[1]), {"reason": "대표 사임"})
    await wait_until(lambda: stack.call_status(call_id), lambda s: bool(s["vacated"]), what="slot vacated")
    await officer.reload()
    second_name = (await stack.state(second))["company_name"]
    await expect(officer.locator("#slots ~ form")).to_contain_text(second_name)
    await officer.fill("#slots ~ form #f-reason", "중도 포기에 따른 추가 선정")
    await officer.get_by_role("button", name=re.compile("자리 제안")).click()
    await expect(officer.get_by_role("status")).to_contain_text(second_name)
    await expect(officer.locator("main")).to_contain_text("call.officer 제안")
    await stack.wait_phase(second, "selected")
    await look(officer, "console-program-call-offered")

    # The call page after the offer, in English: the slots, the waitlist, the slot offered again.
    await speak(officer, "en")
    await officer.reload()
    await expect(officer.locator("#slots + dl")).to_contain_text("1 of 1 held, 0 free")
    await expect(officer.locator("main")).to_contain_text("Offered by call.officer")
    await expect(officer.locator("#selection + p")).to_contain_text("Finalized on")
    await english_only(officer, [program.name, *names, "중도 포기에 따른 추가 선정"])
    await screenshot(officer, "console-program-call-offered-en")
