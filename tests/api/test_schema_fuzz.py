"""Hostile input: schemathesis generates requests for every route from the OpenAPI schema and
sends them with valid tokens of each role that may call the route. No answer may be a server
error, and every answer must match the schema."""

import asyncio
import re
import sys
from functools import cache
from pathlib import Path

import pytest

from api.main import create_app
from api.policy import PUBLIC_ROUTES, ROUTE_ROLES
from axflow.config import Settings
from domain.phases import Action, Role
from domain.rules import ACTION_RULES
from tests.conftest import Stack
from tests.flows import drive

ST = str(Path(sys.executable).parent / "st")

# Admins last: the admin's run acts on users. It leaves out the routes that act on one user
# (disable, roles, tokens): the fuzzer found the shared stack's real user ids and disabled every
# one of them, locking the other tests out. tests/store/test_users.py and tests/api/test_signin.py cover
# those routes' bad input.
ROLES = [Role.PROGRAM_OFFICER, Role.STARTUP, Role.EVALUATOR, Role.FINANCE_OFFICER, Role.AUDITOR, Role.ADMIN]
ONE_USER = re.compile(r"^/users/\{user_id\}")


def may_call(role: Role, method: str, path: str) -> bool:
    """Whether `role` gets past the role checks of a route: the access table, and for an action's
    route the action's own rule (the route admits every acting role, to record a refusal)."""
    if (method, path) in PUBLIC_ROUTES:
        return role is Role.PROGRAM_OFFICER  # no token needed: fuzzed once
    if role is Role.ADMIN and ONE_USER.match(path):
        return False
    if "/actions/" in path:
        return role in ACTION_RULES[Action(path.rsplit("/", 1)[1])].roles
    return role in ROUTE_ROLES[(method, path)]


@cache
def published() -> frozenset[tuple[str, str]]:
    return frozenset((method.upper(), path) for path, ops in create_app(Settings()).openapi()["paths"].items()
                     for method in ops)


def fuzzed_by(role: Role) -> list[tuple[str, str]]:
    """The routes fuzzed with `role`'s token: those it may call. A route refused to a role answers
    403 to anything before reading its input (tests/api/test_access.py checks every role on every
    route), so fuzzing it with that role's token spent time and proved nothing more."""
    return sorted(route for route in published() if may_call(role, *route))


def test_every_route_and_every_action_is_fuzzed_by_a_role_that_may_call_it() -> None:
    fuzzed = set().union(*(fuzzed_by(role) for role in ROLES))
    assert fuzzed == {(method, path) for method, path in published() if not ONE_USER.match(path)}
    for action, rule in ACTION_RULES.items():
        route = ("POST", f"/startups/{{startup_id}}/actions/{action.value}")
        assert all(route in fuzzed_by(role) for role in rule.roles), action


@pytest.mark.parametrize("role", ROLES, ids=[role.value for role in ROLES])
async def test_no_server_error_and_every_response_matches_the_schema(stack: Stack, role: Role,
                                                                     tmp_path: Path) -> None:
    startup = await drive(stack, "under_review")
    # The admin's run acts as an admin of its own: whatever it does to users and tokens (it may
    # disable itself) must not lock the other tests' shared admin out.
    name = "schema-fuzz-admin" if role is Role.ADMIN else None
    token = stack.as_startup(startup.brn) if role is Role.STARTUP else stack.as_role(role, name)
    routes = fuzzed_by(role)
    selected = [arg for method, path in routes for arg in ("--include-name", f"{method} {path}")]
    # Runs as a subprocess so that the worker in this event loop keeps serving the workflows.
    proc = await asyncio.create_subprocess_exec(
        ST, "run", f"{stack.settings.api_url}/openapi.json", *selected,
        "--header", f"Authorization: {token['Authorization']}",
        "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
        "--max-examples", "4", "--request-timeout", "60", "--generation-deterministic",
        # NUL and the other control characters in generated strings (tests/security/ checks the 422s).
        "--generation-allow-x00", "true",
        "--warnings", "off", "--report-dir", str(tmp_path), "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=300)
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    # Every route the role may call was fuzzed, and no other.
    assert re.search(rf"Operations:\s+{len(routes)} selected", text), text[:2000]
