"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, installed by
.ci/run; nothing is downloaded at test time) against the shared `stack`'s API over real HTTP.

- `browser`: one headless Chromium for the session.
- `await signed_in(browser, stack, login_id, roles=[...], brn=None)`: a fresh browser context for
  a user (created once, with a known password) signed in through the real /signin form.
- `await assert_accessible(page)`: axe-core (bundled by axe-playwright-python) finds no serious or
  critical violation.
- `await screenshot(page, "name")`: a full-page PNG for reviewers, in `$AXFLOW_SCREENSHOTS` (or
  the temporary folder's axflow-screenshots/): a test run leaves the tracked docs/screenshots/ alone,
  and `make screenshots` points the variable there to refresh the README's pictures.
"""

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from store.db import session_scope
from store.users import create_user, find_by_login
from tests.conftest import Stack
from tests.totp_support import enrol, needs_factor, next_code

CHROMIUM = os.environ.get("AXFLOW_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("AXFLOW_SCREENSHOTS") or Path(tempfile.gettempdir()) / "axflow-screenshots")
PASSWORD = "Brow!ser-2025q"
SERIOUS = frozenset({"serious", "critical"})
_axe = Axe()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        await launched.close()


def ensure_user(stack: Stack, login_id: str, roles: list[str], brn: str | None = None,
                display_name: str | None = None) -> str:
    """The user's id; created with the known password the first time a test asks for them."""
    with session_scope(stack.engine) as session:
        found = find_by_login(session, login_id)
        if found is not None:
            return found.id
        kind = "startup" if roles == ["startup"] else "staff"
        made = create_user(session, login_id=login_id, display_name=display_name or login_id, kind=kind,
                           roles=roles, brn=brn, password=PASSWORD)
        user_id = made.id
    if needs_factor(roles):  # admins and finance officers sign in with an authenticator code
        enrol(stack.engine, user_id)
    return user_id


async def signed_in(browser: Browser, stack: Stack, login_id: str, roles: list[str] | None = None,
                    brn: str | None = None) -> Page:
    """A page in a context of its own (its own cookies), signed in through the /signin form."""
    user_id = ensure_user(stack, login_id, roles or ["program_officer"], brn)
    context = await browser.new_context(base_url=stack.settings.api_url, locale="ko-KR",
                                        timezone_id="Asia/Seoul", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.goto("/signin")
    await page.fill("#login_id", login_id)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    if page.url.endswith("/signin/second-factor"):
        await page.fill("#code", await next_code(stack.engine, user_id))
        await page.click("form.card button[type=submit]")
        await page.wait_for_load_state()
    assert "/signin" not in page.url, f"sign-in of {login_id} failed: {await page.content()}"
    return page


async def assert_accessible(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical violation (each one listed)."""
    results = await _axe.run(page)
    found = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    listing = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(str(n["target"])
                                                               for n in v["nodes"][:5])
        for v in found)
    assert not found, f"accessibility violations on {page.url}:\n{listing}"


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
