"""Hostile input: schemathesis generates requests for every route from the OpenAPI schema and
sends them with valid tokens of each role. No answer may be a server error, and every answer must
match the schema."""

import asyncio
import sys
from pathlib import Path

import pytest

from domain.phases import Role
from tests.conftest import Stack
from tests.flows import drive

ST = str(Path(sys.executable).parent / "st")


@pytest.mark.parametrize("role", [Role.PROGRAM_OFFICER, Role.STARTUP, Role.AUDITOR, Role.ADMIN])
async def test_no_server_error_and_every_response_matches_the_schema(stack: Stack, role: Role,
                                                                     tmp_path: Path) -> None:
    startup = await drive(stack, "under_review")
    token = stack.as_startup(startup.brn) if role is Role.STARTUP else stack.as_role(role)
    # Runs as a subprocess so that the worker in this event loop keeps serving the workflows.
    proc = await asyncio.create_subprocess_exec(
        ST, "run", f"{stack.settings.api_url}/openapi.json",
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
