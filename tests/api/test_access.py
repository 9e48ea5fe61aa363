"""Access that holds: the role × route matrix generated from the policy table, tokens that die,
conflicts of interest, score visibility, security headers, size limits and throttled guessing."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from api.main import create_app
from api.policy import PUBLIC_ROUTES, ROUTE_ROLES
from api.token_cache import REVOCATION_DELAY
from domain.phases import Action, Role
from domain.rules import ACTION_RULES
from store.db import session_scope
from store.tables import ApiToken
from store.tokens import create_token, revoke_token
from tests.conftest import ServerThread, Stack, free_port, new_brn, wait_until
from tests.flows import EV, PO, drive

_addresses = iter(range(1, 255))

ROLES = [Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR, Role.AUDITOR, Role.STARTUP]
# On the actions route, each role names an action it may take, so that only the route rule speaks.
OWN_ACTION = {Role.STARTUP: "withdraw", Role.PROGRAM_OFFICER: "suspend", Role.FINANCE_OFFICER: "approve-settlement",
              Role.EVALUATOR: "score", Role.ADMIN: "score", Role.AUDITOR: "score"}


def test_every_published_route_has_an_access_rule() -> None:
    from axflow.config import Settings

    published = {(method.upper(), path) for path, ops in create_app(Settings()).openapi()["paths"].items()
                 for method in ops}
    assert published - PUBLIC_ROUTES == set(ROUTE_ROLES), "a route without a rule (or a rule without a route)"


def allowed_roles(method: str, template: str) -> frozenset[Role]:
    """Who may call a route: an action's route admits every acting role to the route (so that a
    refusal is recorded) and then only the roles the action's own rule names."""
    if "/actions/" in template:
        return ACTION_RULES[Action(template.rsplit("/", 1)[1])].roles
    return ROUTE_ROLES[(method, template)]


@pytest.mark.parametrize("method,template", sorted(ROUTE_ROLES), ids=[f"{m} {t}" for m, t in sorted(ROUTE_ROLES)])
async def test_role_route_matrix(stack: Stack, method: str, template: str) -> None:
    startup = await drive(stack, "under_review")
    for role in ROLES:
        # A startup token of another company: it may reach the route, but never someone else's data.
        headers = stack.as_startup(new_brn()) if role is Role.STARTUP else stack.as_role(role)
        path = template.format(program_id=startup.program.id, startup_id=startup.id, action=OWN_ACTION[role],
                               document_id="no-such-document", user_id="u-000000000000", notice_id=1)
        response = await stack.http.request(method, path, json={}, headers=headers)
        if role in allowed_roles(method, template):
            assert response.status_code not in (401, 403), (role, path, response.text)
        else:
            assert response.status_code == 403, (role, path, response.text)
            assert response.json()["error"]["details"]["rule"] == "role"


async def test_expired_and_revoked_tokens_get_401_at_once(stack: Stack) -> None:
    with session_scope(stack.engine) as session:
        expired = create_token(session, Role.AUDITOR, "temp.auditor", expires_in=timedelta(seconds=-1))
        revoked = create_token(session, Role.AUDITOR, "gone.auditor")
        token_id = session.exec(select(ApiToken.id).where(ApiToken.name == "gone.auditor")).one()
    live = await stack.http.get("/audit/verify", headers={"Authorization": f"Bearer {revoked}"})
    assert live.status_code == 200
    with session_scope(stack.engine) as session:
        revoke_token(session, token_id)
    for token in (expired, revoked):
        response = await stack.http.get("/audit/verify", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


async def test_a_token_revoked_outside_the_api_stops_working_within_the_revocation_delay(stack: Stack) -> None:
    """The API remembers a token's holder for at most REVOCATION_DELAY (api/token_cache.py). A
    revocation it is told of (above: revoke_token in its process) is at once; one it is not told
    of (the CLI, another API process, the database by hand) within the delay."""
    with session_scope(stack.engine) as session:
        token = create_token(session, Role.AUDITOR, "elsewhere.auditor")
        token_id = session.exec(select(ApiToken.id).where(ApiToken.name == "elsewhere.auditor")).one()
    headers = {"Authorization": f"Bearer {token}"}
    assert (await stack.http.get("/me", headers=headers)).status_code == 200
    with session_scope(stack.engine) as session:  # as another process would: no news to this API
        session.execute(update(ApiToken).where(col(ApiToken.id) == token_id)
                        .values(revoked_at=datetime.now(UTC)))
        session.commit()
    revoked_at = time.monotonic()

    async def status() -> int:
        return (await stack.http.get("/me", headers=headers)).status_code

    await wait_until(status, lambda code: code == 401, what="the revoked token refused",
                     timeout=REVOCATION_DELAY.total_seconds() + 5)
    assert time.monotonic() - revoked_at <= REVOCATION_DELAY.total_seconds() + 1


async def test_an_evaluator_with_a_conflict_cannot_score_and_sees_scores_only_after_scoring(stack: Stack) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    brn = startup_id.rsplit(":", 1)[1]
    await stack.wait_phase(startup_id, "under_review")
    conflicted = {"Authorization": f"Bearer {stack.token(Role.EVALUATOR, 'ev.conflicted')}"}
    declared = await stack.call("POST", "/evaluators/me/conflicts", conflicted, {"brn": brn, "reason": "전 직장"}, 201)
    assert declared["brn"] == brn
    assert (await stack.call("POST", "/evaluators/me/conflicts", conflicted, {"brn": brn}, 409))
    error = await stack.act(startup_id, "score", conflicted, {"round": "document", "score": 99}, expect=403)
    assert error["error"]["details"]["rule"] == "conflict_of_interest"

    await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": 70})
    second = {"Authorization": f"Bearer {stack.token(Role.EVALUATOR, 'ev.second')}"}
    before = await stack.state(startup_id, second)
    assert before["scores"] == [] and before["average_score"] is None
    await stack.act(startup_id, "score", second, {"round": "document", "score": 80})
    after = await stack.state(startup_id, second)
    assert len(after["scores"]) == 2 and after["average_score"] == 75.0
    assert (await stack.state(startup_id, stack.as_startup(brn)))["scores"] == []


async def test_security_headers_on_every_response_and_a_size_limit(stack: Stack) -> None:
    for response in (await stack.http.get("/healthz"), await stack.http.get("/startups"),
                     await stack.http.get("/nowhere", headers=stack.as_role(PO))):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]
    big = {"reason": "x" * (stack.settings.max_body_bytes + 1)}
    response = await stack.http.post("/programs", json=big, headers=stack.as_role(Role.ADMIN))
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


async def test_repeated_failed_authentication_is_slowed_down(stack: Stack) -> None:
    # The failures are counted in the shared database by client address: this server trusts the
    # loopback as its proxy, so the test's client has an address of its own (X-Forwarded-For).
    settings = stack.settings.model_copy(update={"auth_failure_limit": 3, "auth_failure_window_seconds": 30.0,
                                                 "trusted_proxies": ["127.0.0.1"]})
    port = free_port()
    server = ServerThread(create_app(settings), port)
    await server.start()
    guesser = {"X-Forwarded-For": f"192.0.2.{next(_addresses)}"}
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=guesser) as http:
            for _ in range(3):
                assert (await http.get("/startups", headers={"Authorization": "Bearer guess"})).status_code == 401
            blocked = await http.get("/startups", headers={"Authorization": "Bearer guess"})
            assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
            # A right token is never refused: the throttle only answers credentials that failed.
            assert (await http.get("/startups", headers=stack.as_role(PO))).status_code == 200
        assert (await stack.http.get("/startups", headers=stack.as_role(PO))).status_code == 200
    finally:
        server.stop()


async def test_tokens_never_reach_the_logs(stack: Stack, capfd: pytest.CaptureFixture[str]) -> None:
    secret = stack.token(Role.AUDITOR, "log.watcher")
    capfd.readouterr()
    assert (await stack.http.get("/audit/verify", headers={"Authorization": f"Bearer {secret}"})).status_code == 200
    assert (await stack.http.get("/audit/verify", headers={"Authorization": "Bearer axf_wrong-guess"})).status_code \
        == 401
    logged = capfd.readouterr()
    text = logged.out + logged.err
    assert "/audit/verify" in text and "log.watcher" in text  # the request and its actor are logged
    assert secret not in text and "axf_wrong-guess" not in text and secret[4:20] not in text
