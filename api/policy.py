"""Who may call which route: one table, enforced for every request (a route without a rule is
refused to everybody) and turned into a test that calls every route with every role."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.deps import current_actor
from api.errors import ApiError
from domain.phases import Action, Role
from domain.rules import ACTION_RULES
from domain.state import Actor

ADMIN, PO, FO, EV, AUDITOR, STARTUP = (Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR,
                                       Role.AUDITOR, Role.STARTUP)
STAFF = frozenset({ADMIN, PO, FO, EV})
READERS = STAFF | {AUDITOR}
# Each action's route admits every role that some action names; the action's own role rule (the
# table the workflow's validators use) then refuses the others inside the route, where the refused
# attempt is recorded for auditors.
ACTORS = frozenset().union(*(rule.roles for rule in ACTION_RULES.values()))
ACTION_ROUTES: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", f"/startups/{{startup_id}}/actions/{action.value}"): ACTORS for action in ACTION_RULES
}

ROUTE_ROLES: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", "/programs"): frozenset({ADMIN}),
    ("GET", "/programs"): READERS,
    ("GET", "/programs/{program_id}"): READERS,
    ("POST", "/programs/{program_id}/applications"): frozenset({STARTUP, PO}),
    ("POST", "/programs/{program_id}/selection"): frozenset({PO}),
    ("POST", "/programs/{program_id}/slots/offer"): frozenset({PO}),
    ("GET", "/programs/{program_id}/report"): READERS,
    # The review panel (심의위원회) named again while the program runs (api/services/appeal_panel.py).
    ("PUT", "/programs/{program_id}/appeals/panel"): frozenset({ADMIN, PO}),
    ("GET", "/startups"): READERS | {STARTUP},
    ("GET", "/startups/{startup_id}"): READERS | {STARTUP},
    **ACTION_ROUTES,
    ("GET", "/startups/{startup_id}/history"): READERS,
    # The execution ledger (집행 내역) in full: every reader, and the startup its own.
    ("GET", "/startups/{startup_id}/expenses"): READERS | {STARTUP},
    # A program's expenses with their evidence hashes (auditors and staff), the finance officer's
    # review queue and bulk accept (the review-expense action's role, checked again inside).
    ("GET", "/programs/{program_id}/expenses"): READERS,
    ("GET", "/programs/{program_id}/expense-review"): frozenset({FO, AUDITOR}),
    ("GET", "/programs/{program_id}/budget"): READERS,
    ("POST", "/startups/{startup_id}/expenses/accept"): frozenset({FO}),
    # The settlement statement (정산보고서) from the ledger, as JSON or XLSX: every reader, the startup its own.
    ("GET", "/startups/{startup_id}/settlement-statement"): READERS | {STARTUP},
    # The follow-up after the program (사후관리, api/routes/followup.py): every reader and the startup
    # its own see it; the startup answers its survey, or its program officer enters a paper answer.
    ("GET", "/startups/{startup_id}/followup"): READERS | {STARTUP},
    ("POST", "/startups/{startup_id}/followup/answers"): frozenset({STARTUP, PO}),
    # What became of a program's companies (사후관리 성과, api/routes/outcomes.py): officers and auditors.
    ("GET", "/programs/{program_id}/outcomes"): frozenset({ADMIN, PO, FO, AUDITOR}),
    # The program officer's evidence (a note and documents) on a flagged follow-up year.
    ("POST", "/programs/{program_id}/outcomes/evidence"): frozenset({ADMIN, PO}),
    ("GET", "/audit/events"): frozenset({AUDITOR}),
    ("GET", "/audit/verify"): frozenset({AUDITOR}),
    # Conflicts of interest belong to the person: any staff member declares theirs, and then takes
    # no decision about that company in any of their roles (domain/conflicts.py).
    ("GET", "/evaluators/me/conflicts"): STAFF,
    ("POST", "/evaluators/me/conflicts"): STAFF,
    # The evaluator pool of a program (api/routes/evaluator_pool.py): staff invite and see the pool,
    # its load and calibration; an evaluator signs the pledge before seeing any application and
    # recuses themselves (회피); staff exclude one (제척); the program officer assigns the panels.
    ("GET", "/programs/{program_id}/evaluators"): frozenset({ADMIN, PO, AUDITOR}),
    ("POST", "/programs/{program_id}/evaluators"): frozenset({ADMIN, PO}),
    ("POST", "/programs/{program_id}/evaluators/spread"): frozenset({PO}),
    ("GET", "/programs/{program_id}/pledge"): frozenset({EV}),
    ("POST", "/programs/{program_id}/pledge"): frozenset({EV}),
    ("PUT", "/startups/{startup_id}/evaluators"): frozenset({PO}),
    ("POST", "/startups/{startup_id}/recusal"): frozenset({EV}),
    ("POST", "/startups/{startup_id}/exclusions"): frozenset({ADMIN, PO}),
    # People: who I am and what waits on me (every role); the user directory (admins).
    ("GET", "/me"): READERS | {STARTUP},
    ("GET", "/me/inbox"): READERS | {STARTUP},
    # My notifications (the in-app inbox) and how I want them, for everyone who can sign in.
    ("GET", "/me/notifications"): READERS | {STARTUP},
    ("POST", "/me/notifications/{notice_id}/read"): READERS | {STARTUP},
    ("POST", "/me/notifications/read-all"): READERS | {STARTUP},
    ("GET", "/me/notification-preferences"): READERS | {STARTUP},
    ("PUT", "/me/notification-preferences"): READERS | {STARTUP},
    ("GET", "/users"): frozenset({ADMIN}),
    ("POST", "/users"): frozenset({ADMIN}),
    ("GET", "/users/{user_id}"): frozenset({ADMIN}),
    ("PUT", "/users/{user_id}/roles"): frozenset({ADMIN}),
    ("POST", "/users/{user_id}/disable"): frozenset({ADMIN}),
    ("POST", "/users/{user_id}/second-factor/reset"): frozenset({ADMIN}),
    ("POST", "/users/{user_id}/tokens"): frozenset({ADMIN}),
    # Documents: startups upload their own, officers the signed agreement; readers see all, a startup
    # its own; bulk archives for auditors and finance; the download log for auditors.
    ("POST", "/startups/{startup_id}/documents"): frozenset({STARTUP, PO, ADMIN}),
    ("GET", "/startups/{startup_id}/documents"): READERS | {STARTUP},
    ("GET", "/documents/{document_id}"): READERS | {STARTUP},
    ("POST", "/documents/verify"): READERS,
    ("GET", "/startups/{startup_id}/documents/archive"): frozenset({AUDITOR, FO}),
    ("GET", "/programs/{program_id}/receipts/archive"): frozenset({AUDITOR, FO}),
    ("GET", "/audit/downloads"): frozenset({AUDITOR}),
}

# Routes without tokens: liveness, readiness, metrics, the API docs, and the finance system's
# webhook (its HMAC signature is its credential).
PUBLIC_ROUTES = frozenset({("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
                           ("POST", "/webhooks/finance")})


async def authorize(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    route = getattr(request.scope.get("route"), "path", None)
    roles = ROUTE_ROLES.get((request.method, route or ""))
    if roles is None:
        raise ApiError("forbidden", "no access rule covers this route", {"rule": "route_policy"})
    if actor.role not in roles:
        raise ApiError("forbidden", f"role {actor.role.value} may not call {request.method} {route}",
                       {"rule": "role", "allowed_roles": sorted(r.value for r in roles)})
    return actor


Authorized = Annotated[Actor, Depends(authorize)]


# ---------------------------------------------------------------- pages (console, portal, sign-in)
# Every page route has an entry, and a page route without one is refused to everybody
# (api/pages/shared/common.py checks it for every signed-in page). A page that does what an API route does
# takes that route's entry, narrowed to the page's audience, so the page can never allow what the
# API refuses; a page that takes lifecycle actions takes the actions' own roles (domain/rules.py).

EVERYONE = READERS | {STARTUP}


@dataclass(frozen=True)
class PageRule:
    roles: frozenset[Role]
    # The API route whose work the page does (its roles bound the page's), if there is one.
    mirrors: tuple[str, str] | None = None


def same_as(method: str, path: str, audience: frozenset[Role] = EVERYONE) -> PageRule:
    """The page may be used by whoever may call this API route, among the page's audience."""
    return PageRule(ROUTE_ROLES[(method, path)] & audience, (method, path))


def taking(*actions: Action) -> PageRule:
    """A page that takes these lifecycle actions: the roles the actions' own rule names."""
    return PageRule(frozenset().union(*(ACTION_RULES[action].roles for action in actions)))


def page_only(*roles: Role) -> PageRule:
    """A page with no API counterpart (a desk, the local mailbox, colleagues, one's session)."""
    return PageRule(frozenset(roles))


A = Action
STARTUP_ROUTE = ("GET", "/startups/{startup_id}")
PAGE_ROLES: dict[tuple[str, str], PageRule] = {
    # One's own session and home: anyone signed in (a startup's home is the portal).
    ("GET", "/"): page_only(*EVERYONE),
    ("POST", "/signout"): page_only(*EVERYONE),
    ("POST", "/session/extend"): page_only(*EVERYONE),
    ("POST", "/session/role"): page_only(*EVERYONE),
    ("GET", "/account"): page_only(*EVERYONE),
    ("POST", "/account/password"): page_only(*EVERYONE),
    ("POST", "/account/sessions/end"): page_only(*EVERYONE),
    ("GET", "/account/second-factor"): page_only(*EVERYONE),
    ("POST", "/account/second-factor"): page_only(*EVERYONE),
    ("POST", "/account/second-factor/off"): page_only(*EVERYONE),
    ("GET", "/notifications"): same_as("GET", "/me/notifications"),
    ("POST", "/notifications/read-all"): same_as("POST", "/me/notifications/read-all"),
    ("POST", "/notifications/{notice_id}/read"): same_as("POST", "/me/notifications/{notice_id}/read"),
    ("GET", "/notifications/settings"): same_as("GET", "/me/notification-preferences"),
    ("POST", "/notifications/settings"): same_as("PUT", "/me/notification-preferences"),
    # The console's startups (a startup user is sent to the portal).
    ("GET", "/console/startups"): same_as("GET", "/startups"),
    ("GET", "/console/startups.{kind}"): same_as("GET", "/startups"),
    ("GET", "/console/startups/{startup_id}"): same_as(*STARTUP_ROUTE),
    ("GET", "/console/startups/{startup_id}/live"): same_as(*STARTUP_ROUTE),
    ("GET", "/console/startups/{startup_id}/version"): same_as(*STARTUP_ROUTE),
    # An action's form and its post: the action route's entry; the action's own role rule then
    # refuses the others in `perform_action`, recorded, exactly as the API does.
    ("GET", "/console/startups/{startup_id}/actions/{action_name}"): PageRule(ACTORS),
    ("POST", "/console/startups/{startup_id}/actions/{action_name}"): PageRule(ACTORS),
    ("POST", "/console/startups/{startup_id}/documents"): same_as("POST", "/startups/{startup_id}/documents",
                                                                   READERS),
    # Programs.
    ("GET", "/console/programs"): same_as("GET", "/programs"),
    ("GET", "/console/programs/new"): same_as("POST", "/programs"),
    ("POST", "/console/programs/new"): same_as("POST", "/programs"),
    ("GET", "/console/programs/{program_id}"): same_as("GET", "/programs/{program_id}"),
    ("GET", "/console/programs/{program_id}/report.xlsx"): same_as("GET", "/programs/{program_id}/report"),
    ("GET", "/console/programs/{program_id}/report.csv"): same_as("GET", "/programs/{program_id}/report"),
    ("GET", "/console/programs/{program_id}/call"): same_as("GET", "/programs/{program_id}"),
    ("POST", "/console/programs/{program_id}/selection"): same_as("POST", "/programs/{program_id}/selection"),
    ("POST", "/console/programs/{program_id}/slots/offer"): same_as("POST", "/programs/{program_id}/slots/offer"),
    ("GET", "/console/programs/{program_id}/appeals/panel"): same_as("PUT", "/programs/{program_id}/appeals/panel"),
    ("POST", "/console/programs/{program_id}/appeals/panel"): same_as("PUT", "/programs/{program_id}/appeals/panel"),
    ("GET", "/console/programs/{program_id}/copy"): same_as("POST", "/programs"),
    ("POST", "/console/programs/{program_id}/copy"): same_as("POST", "/programs"),
    # The desks.
    ("GET", "/console/finance"): page_only(FO, PO, AUDITOR),
    ("POST", "/console/finance/approve"): taking(A.APPROVE_DISBURSEMENT, A.APPROVE_SETTLEMENT, A.WAIVE_CLAWBACK),
    ("POST", "/console/finance/retry-payment"): taking(A.REQUEST_DISBURSEMENT),
    ("POST", "/console/finance/retry-collection"): taking(A.RETRY_COLLECTION),
    # Money by 비목 (api/pages/console/budget.py, expense_review.py, expense_ledger.py).
    ("GET", "/console/startups/{startup_id}/budget"): same_as(*STARTUP_ROUTE, READERS),
    ("POST", "/console/startups/{startup_id}/budget/decision"): taking(A.DECIDE_BUDGET_CHANGE),
    ("GET", "/console/startups/{startup_id}/statement"): same_as("GET", "/startups/{startup_id}/settlement-statement",
                                                                READERS),
    ("GET", "/console/programs/{program_id}/outcomes"): same_as("GET", "/programs/{program_id}/outcomes", READERS),
    ("POST", "/console/programs/{program_id}/outcomes/evidence"): same_as("POST",
                                                                          "/programs/{program_id}/outcomes/evidence"),
    ("GET", "/console/programs/{program_id}/budget"): same_as("GET", "/programs/{program_id}/budget", READERS),
    ("GET", "/console/programs/{program_id}/budget.xlsx"): same_as("GET", "/programs/{program_id}/budget", READERS),
    ("GET", "/console/programs/{program_id}/expenses"): same_as("GET", "/programs/{program_id}/expenses", READERS),
    ("GET", "/console/programs/{program_id}/expense-review"): same_as("GET", "/programs/{program_id}/expense-review",
                                                                      READERS),
    ("POST", "/console/programs/{program_id}/expense-review/decision"): taking(A.REVIEW_EXPENSE),
    ("POST", "/console/programs/{program_id}/expense-review/accept"): same_as(
        "POST", "/startups/{startup_id}/expenses/accept", READERS),
    ("GET", "/console/evaluations"): page_only(EV),
    ("GET", "/console/evaluations/{startup_id}"): page_only(EV),
    ("POST", "/console/evaluations/{startup_id}/score"): taking(A.SCORE),
    ("POST", "/console/evaluations/conflicts"): same_as("POST", "/evaluators/me/conflicts", frozenset({EV})),
    ("POST", "/console/evaluations/{startup_id}/recusal"): same_as("POST", "/startups/{startup_id}/recusal"),
    ("GET", "/console/programs/{program_id}/pledge"): same_as("GET", "/programs/{program_id}/pledge"),
    ("POST", "/console/programs/{program_id}/pledge"): same_as("POST", "/programs/{program_id}/pledge"),
    ("GET", "/console/programs/{program_id}/evaluators"): same_as("GET", "/programs/{program_id}/evaluators"),
    ("POST", "/console/programs/{program_id}/evaluators"): same_as("POST", "/programs/{program_id}/evaluators"),
    ("POST", "/console/programs/{program_id}/evaluators/spread"): same_as(
        "POST", "/programs/{program_id}/evaluators/spread"),
    ("POST", "/console/programs/{program_id}/evaluators/assign"): same_as("PUT", "/startups/{startup_id}/evaluators"),
    ("POST", "/console/programs/{program_id}/evaluators/exclude"): same_as(
        "POST", "/startups/{startup_id}/exclusions"),
    ("GET", "/console/audit"): same_as("GET", "/audit/events"),
    ("GET", "/console/audit/startups/{startup_id}"): same_as("GET", "/startups/{startup_id}/history",
                                                             frozenset({AUDITOR})),
    ("GET", "/console/audit/events"): same_as("GET", "/audit/events"),
    ("GET", "/console/audit/events.{extension}"): same_as("GET", "/audit/events"),
    ("GET", "/console/audit/verify"): same_as("GET", "/audit/verify"),
    ("POST", "/console/audit/verify/file"): same_as("POST", "/documents/verify", frozenset({AUDITOR})),
    # Administration.
    ("GET", "/console/admin/users"): same_as("GET", "/users"),
    ("POST", "/console/admin/users"): same_as("POST", "/users"),
    ("GET", "/console/admin/users/{user_id}"): same_as("GET", "/users/{user_id}"),
    ("POST", "/console/admin/users/{user_id}/roles"): same_as("PUT", "/users/{user_id}/roles"),
    ("POST", "/console/admin/users/{user_id}/disable"): same_as("POST", "/users/{user_id}/disable"),
    ("POST", "/console/admin/users/{user_id}/employer"): same_as("PUT", "/users/{user_id}/roles"),
    ("POST", "/console/admin/users/{user_id}/tokens"): same_as("POST", "/users/{user_id}/tokens"),
    ("GET", "/console/admin/mail"): page_only(ADMIN),
    ("GET", "/console/admin/mail/{message_id}"): page_only(ADMIN),
    # The portal: a startup's own records.
    ("GET", "/portal/agreement/{startup_id}"): same_as(*STARTUP_ROUTE),
    ("POST", "/portal/agreement/{startup_id}"): taking(A.ACCEPT_AGREEMENT),
    ("POST", "/portal/agreement/{startup_id}/amendment"): taking(A.REQUEST_AMENDMENT),
    ("GET", "/portal/apply/{program_id}"): same_as("POST", "/programs/{program_id}/applications", frozenset({STARTUP})),
    ("POST", "/portal/apply/{program_id}"): same_as("POST", "/programs/{program_id}/applications",
                                                    frozenset({STARTUP})),
    ("POST", "/portal/apply/{program_id}/proposal"): same_as("POST", "/startups/{startup_id}/documents",
                                                             frozenset({STARTUP})),
    ("POST", "/portal/apply/{program_id}/reuse"): same_as("POST", "/startups/{startup_id}/documents",
                                                          frozenset({STARTUP})),
    ("GET", "/portal/documents"): same_as("GET", "/startups/{startup_id}/documents", frozenset({STARTUP})),
    ("POST", "/portal/documents/{program_id}"): same_as("POST", "/startups/{startup_id}/documents",
                                                        frozenset({STARTUP})),
    ("POST", "/portal/documents/{program_id}/reuse"): same_as("POST", "/startups/{startup_id}/documents",
                                                              frozenset({STARTUP})),
    ("GET", "/portal/my"): same_as(*STARTUP_ROUTE, frozenset({STARTUP})),
    ("GET", "/portal/my/{startup_id}"): same_as(*STARTUP_ROUTE, frozenset({STARTUP})),
    ("POST", "/portal/my/{startup_id}/milestones/{key}"): taking(A.SUBMIT_MILESTONE),
    ("POST", "/portal/my/{startup_id}/settlement"): taking(A.SUBMIT_SETTLEMENT),
    ("POST", "/portal/my/{startup_id}/withdraw"): taking(A.WITHDRAW),
    ("POST", "/portal/my/{startup_id}/appeal"): taking(A.FILE_APPEAL),
    # The yearly survey of the follow-up (api/pages/portal/followup.py).
    ("GET", "/portal/followup/{startup_id}"): same_as("GET", "/startups/{startup_id}/followup", frozenset({STARTUP})),
    ("POST", "/portal/followup/{startup_id}"): same_as("POST", "/startups/{startup_id}/followup/answers",
                                                       frozenset({STARTUP})),
    # The money by 비목 (api/pages/portal/budget*.py, ledger.py): the plan, the ledger, the settlement.
    ("GET", "/portal/budget/{startup_id}/plan"): same_as(*STARTUP_ROUTE, frozenset({STARTUP})),
    ("POST", "/portal/budget/{startup_id}/plan"): taking(A.SUBMIT_BUDGET_PLAN),
    ("POST", "/portal/budget/{startup_id}/move"): taking(A.REQUEST_BUDGET_CHANGE),
    ("GET", "/portal/ledger/{startup_id}"): same_as("GET", "/startups/{startup_id}/expenses", frozenset({STARTUP})),
    ("POST", "/portal/ledger/{startup_id}/record"): taking(A.RECORD_EXPENSE),
    ("POST", "/portal/ledger/{startup_id}/cancel"): taking(A.CANCEL_EXPENSE),
    ("GET", "/portal/budget/{startup_id}/settlement"): same_as("GET", "/startups/{startup_id}/settlement-statement",
                                                              frozenset({STARTUP})),
    ("POST", "/portal/budget/{startup_id}/settlement"): taking(A.SUBMIT_SETTLEMENT),
    ("GET", "/portal/budget/{startup_id}/statement"): same_as("GET", "/startups/{startup_id}/settlement-statement",
                                                             frozenset({STARTUP})),
    ("GET", "/portal/colleagues"): page_only(STARTUP),
    ("POST", "/portal/colleagues"): page_only(STARTUP),
    # 내 회사 확인: a startup user, bound or not yet, proves which company is theirs.
    ("GET", "/portal/company"): page_only(STARTUP),
    ("POST", "/portal/company"): page_only(STARTUP),
    ("GET", "/portal/company/identity"): page_only(STARTUP),
    # Company binding in the console: requests a program officer decides; the record auditors read.
    ("GET", "/console/companies"): page_only(PO, ADMIN, AUDITOR),
    ("POST", "/console/companies/requests/{request_id}"): page_only(PO),
}

# Pages for people not signed in: signing in (its second factor, a forgotten password), the calls
# for applications, signing up, setting a password from its emailed link, the language switch.
# They change nothing but the visitor's own account or cookie; each checks its own CSRF token.
PUBLIC_PAGES = frozenset({
    ("GET", "/signin"), ("POST", "/signin"), ("GET", "/signin/oidc"), ("GET", "/signin/oidc/callback"),
    ("GET", "/signin/second-factor"), ("POST", "/signin/second-factor"),
    ("GET", "/signin/reset"), ("POST", "/signin/reset/request"), ("POST", "/signin/reset"),
    ("GET", "/language/{code}"), ("GET", "/calls"), ("GET", "/calls/{program_id}"),
    ("GET", "/portal/signup"), ("POST", "/portal/signup"), ("POST", "/portal/signup/resend"),
    ("GET", "/portal/verify"), ("POST", "/portal/verify"), ("GET", "/portal/password"), ("POST", "/portal/password"),
})


def page_roles(method: str, path: str) -> frozenset[Role] | None:
    """Who may use a page route (HEAD as its GET); None when the table has no entry for it."""
    rule = PAGE_ROLES.get(("GET" if method == "HEAD" else method, path))
    return rule.roles if rule is not None else None
