"""Hostile input: schemathesis generates requests for every route from the OpenAPI schema and
sends them with valid tokens of each role. No answer may be a server error, and every answer must
match the schema."""

import asyncio
import re
import sys
from pathlib import Path

import pytest

from domain.phases import Action, Role
from domain.rules import ACTION_RULES
from tests.conftest import Stack
from tests.flows import drive

ST = str(Path(sys.executable).parent / "st")


# Every route with these roles; each action's route (one per action, its body in the schema) is
# also fuzzed by the roles that alone may take some actions, so that every action's body gets past
# the role check to its validation and the Update path, with that role's token.
ALL_ROUTES: list[str] = []
ACTION_ROUTES = ["--include-path-regex", "/actions/"]
# The admin's run leaves out the routes that act on one user (disable, roles, tokens): the fuzzer
# finds the shared stack's real user ids and disabled every one of them, locking the other tests
# out. tests/test_users.py and tests/test_signin.py cover those routes' bad input.
ADMIN_ROUTES = ["--exclude-path-regex", r"^/users/\{user_id\}"]
RUNS = [(Role.PROGRAM_OFFICER, ALL_ROUTES), (Role.STARTUP, ALL_ROUTES), (Role.EVALUATOR, ACTION_ROUTES),
        (Role.FINANCE_OFFICER, ACTION_ROUTES), (Role.AUDITOR, ALL_ROUTES), (Role.ADMIN, ADMIN_ROUTES)]


def test_every_action_is_fuzzed_by_a_role_that_may_take_it() -> None:
    fuzzing = {role for role, _ in RUNS}
    assert all(rule.roles & fuzzing for rule in ACTION_RULES.values())


@pytest.mark.parametrize("role,routes", RUNS, ids=[role.value for role, _ in RUNS])
async def test_no_server_error_and_every_response_matches_the_schema(stack: Stack, role: Role, routes: list[str],
                                                                     tmp_path: Path) -> None:
    startup = await drive(stack, "under_review")
    # The admin's run acts as an admin of its own: whatever it does to users and tokens (it may
    # disable itself) must not lock the other tests' shared admin out.
    name = "schema-fuzz-admin" if role is Role.ADMIN else None
    token = stack.as_startup(startup.brn) if role is Role.STARTUP else stack.as_role(role, name)
    # Runs as a subprocess so that the worker in this event loop keeps serving the workflows.
    proc = await asyncio.create_subprocess_exec(
        ST, "run", f"{stack.settings.api_url}/openapi.json", *routes,
        "--header", f"Authorization: {token['Authorization']}",
        "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
        "--max-examples", "12", "--request-timeout", "60", "--generation-deterministic",
        # Routes a role may not call answer 403 to everything; the access tests cover those.
        "--warnings", "off", "--report-dir", str(tmp_path), "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=300)
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    if routes is ACTION_ROUTES:
        # Every action's operation was fuzzed (each is its own route with its body in the schema).
        assert re.search(rf"Operations:\s+{len(Action)} selected", text), text[:2000]
