"""Who may call which route: one table, enforced for every request (a route without a rule is
refused to everybody) and turned into a test that calls every route with every role."""

from typing import Annotated

from fastapi import Depends, Request

from api.deps import current_actor
from api.errors import ApiError
from domain.phases import Role
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
    ("GET", "/startups"): READERS | {STARTUP},
    ("GET", "/startups/{startup_id}"): READERS | {STARTUP},
    **ACTION_ROUTES,
    ("GET", "/startups/{startup_id}/history"): READERS,
    ("GET", "/audit/events"): frozenset({AUDITOR}),
    ("GET", "/audit/verify"): frozenset({AUDITOR}),
    ("GET", "/evaluators/me/conflicts"): frozenset({EV}),
    ("POST", "/evaluators/me/conflicts"): frozenset({EV}),
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
