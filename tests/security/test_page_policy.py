"""No page may do what the API forbids: every console, portal and sign-in page route takes its
roles from the policy table the API uses (api/policy.py PAGE_ROLES), and a walk of every page route
× role, each role a signed-in browser session, finds each refusal where the API's table refuses.

Found once: the console's upload checked only "is staff", so an auditor planted a startup's
`agreement` although the API lets only program officers and admins upload it."""

import httpx
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, inspect, select, table

from api import sessions
from api.main import create_app
from api.policy import PAGE_ROLES, PUBLIC_PAGES, PUBLIC_ROUTES, ROUTE_ROLES
from axflow.config import Settings
from domain.phases import Role
from domain.rules import ACTION_RULES
from store.db import session_scope
from store.documents import documents_of
from store.users import find_by_login
from tests.browser.conftest import ensure_user
from tests.conftest import Stack, new_brn
from tests.documents_support import pdf
from tests.flows import drive
from tests.pages.test_console_upload import csrf

ROLES = [Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR, Role.AUDITOR, Role.STARTUP]
# Routes that are neither the API's nor pages: the API's docs, and the catch-all for unknown actions.
NOT_PAGES = ("fastapi.", "api.routes.api_docs", "api.routes.actions")
# What a refused page could have written, had it not been refused (the tables that exist).
WATCHED = ("app_user", "api_token", "document", "evaluator_conflict", "application_draft", "company_binding",
           "notification_preference", "program", "refused_attempt", "idempotent_request", "portal_token")


def page_routes() -> set[tuple[str, str]]:
    routes = set()
    for route in iter_route_contexts(create_app(Settings()).routes):
        module = getattr(route.endpoint, "__module__", "")
        for method in route.methods or ():
            key = (method, route.path)
            if method != "HEAD" and key not in ROUTE_ROLES and key not in PUBLIC_ROUTES \
                    and not module.startswith(NOT_PAGES):
                routes.add(key)
    return routes


def test_every_page_route_has_one_entry_and_never_admits_more_than_its_api_route() -> None:
    routes = page_routes()
    assert routes - set(PAGE_ROLES) - PUBLIC_PAGES == set(), "a page route without an entry"
    assert (set(PAGE_ROLES) | PUBLIC_PAGES) - routes == set(), "an entry without a page route"
    assert not set(PAGE_ROLES) & PUBLIC_PAGES
    for key, rule in PAGE_ROLES.items():
        assert rule.roles, f"{key} admits nobody"
        if rule.mirrors is not None:
            assert rule.roles <= ROUTE_ROLES[rule.mirrors], (key, rule.mirrors)


def fill(template: str, startup_id: str = "startup:no-such-program:1248100998") -> str:
    return template.format(startup_id=startup_id, program_id="no-such-program", action_name="suspend",
                           user_id="u-000000000000", notice_id=1, message_id="no-such-message", key="kickoff",
                           kind="csv", extension="csv", document_id="no-such-document", action="suspend",
                           request_id=0)


def counts(stack: Stack) -> dict[str, int]:
    with session_scope(stack.engine) as session:
        present = set(inspect(session.get_bind()).get_table_names())
        return {name: session.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in WATCHED if name in present}


async def browser_of(stack: Stack, login: str, role: Role) -> tuple[httpx.AsyncClient, str]:
    """A browser-like client of a user holding `role`, with a live session (started as /signin
    starts one, without the second factor some roles are asked for) and its CSRF token."""
    ensure_user(stack, login, [role.value], new_brn() if role is Role.STARTUP else None)
    with session_scope(stack.engine) as db:
        secret = sessions.start(db, find_by_login(db, login), role.value, sessions.utc_now())
    http = httpx.AsyncClient(base_url=stack.settings.api_url, timeout=30, cookies={sessions.COOKIE: secret})
    page = await http.get("/notifications")
    assert page.status_code == 200, (role, page.text)
    return http, csrf(page.text)


async def role_sessions(stack: Stack) -> dict[Role, tuple[httpx.AsyncClient, str]]:
    return {role: await browser_of(stack, f"policy.{role.value.replace('_', '.')}", role) for role in ROLES}


async def ask_page(http: httpx.AsyncClient, token: str, method: str, url: str) -> httpx.Response:
    if method == "GET":
        return await http.get(url)
    return await http.post(url, data={"csrf_token": token, "reason": "policy walk", "kind": "agreement"},
                           files={"file": ("planted.pdf", pdf("planted"), "application/pdf")})


async def test_every_page_refuses_every_role_its_entry_does_not_name_and_writes_nothing(stack: Stack) -> None:
    clients = await role_sessions(stack)
    try:
        before = counts(stack)
        admitted: list[tuple[Role, str, tuple[str, str]]] = []
        for (method, template), rule in sorted(PAGE_ROLES.items()):
            url = fill(template)
            for role in ROLES:
                if role in rule.roles:
                    if rule.mirrors is not None:
                        admitted.append((role, template, rule.mirrors))
                    elif method == "GET":  # the table says what the page itself lets in
                        answer = await clients[role][0].get(url)
                        assert answer.status_code != 403, (role.value, template, answer.text[:300])
                    continue
                http, token = clients[role]
                answer = await ask_page(http, token, method, url)
                assert answer.status_code == 403, (role.value, method, template, answer.status_code)
                assert "error-summary" in answer.text, (role.value, method, template)  # the error page
        assert counts(stack) == before, "a refused page wrote something"

        # Where the page admits a role, the API route it mirrors admits it too.
        for role, template, (api_method, api_template) in admitted:
            headers = stack.as_startup(new_brn()) if role is Role.STARTUP else stack.as_role(role)
            answer = await stack.http.request(api_method, fill(api_template), json={}, headers=headers)
            refused_by_role = answer.status_code == 403 and answer.json()["error"]["details"].get("rule") == "role"
            assert not refused_by_role, (role.value, template, api_method, api_template)
    finally:
        for http, _ in clients.values():
            await http.aclose()


async def test_an_action_page_refuses_whom_the_actions_api_refuses(stack: Stack) -> None:
    """The action pages admit the action route's roles; the action's own role rule then refuses
    on the page exactly as on the API (a startup is sent to its portal). Each role tries the first
    action it may not take: the page and the API share `perform_action`'s role check."""
    startup = await drive(stack, "under_review")
    clients = await role_sessions(stack)
    try:
        for role in ROLES:
            action = next(a for a, rule in ACTION_RULES.items() if role not in rule.roles)
            headers = stack.as_startup(new_brn()) if role is Role.STARTUP else stack.as_role(role)
            api = await stack.http.post(f"/startups/{startup.id}/actions/{action.value}", json={}, headers=headers)
            assert api.status_code == 403, (action.value, role.value, api.text)
            http, token = clients[role]
            page = await http.post(f"/console/startups/{startup.id}/actions/{action.value}",
                                   data={"csrf_token": token})
            assert page.status_code in (403, 303), (action.value, role.value, page.status_code)
            if page.status_code == 303:
                assert role is Role.STARTUP and page.headers["location"] == "/portal/my"
        assert (await stack.state(startup.id))["phase"] == "under_review"
    finally:
        for http, _ in clients.values():
            await http.aclose()


async def test_an_auditor_cannot_plant_a_document_from_the_console(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    for role in (Role.AUDITOR, Role.FINANCE_OFFICER, Role.EVALUATOR):
        http, token = await browser_of(stack, f"planter.{role.value.replace('_', '.')}", role)
        try:
            planted = await http.post(f"/console/startups/{startup.id}/documents",
                                      data={"csrf_token": token, "kind": "agreement"},
                                      files={"file": ("planted.pdf", pdf("planted"), "application/pdf")})
        finally:
            await http.aclose()
        assert planted.status_code == 403, (role.value, planted.text)
        assert "사업 담당자" in planted.text, planted.text  # the page names the roles that may
    with session_scope(stack.engine) as session:
        assert documents_of(session, startup.id) == []
