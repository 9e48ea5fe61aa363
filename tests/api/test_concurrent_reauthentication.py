"""Many startups accepting their agreements at once (password typed again) on an API whose database
pool is smaller than the crowd: every acceptance goes through. Issue 28's cohort at concurrency 50
found the API stalled there: a request held its pooled connection while it waited on Temporal (and
argon2 ran on the event loop), so the others' synchronous checkouts ran the pool dry on the loop
itself (QueuePool timeout, HTTP 500, minutes without progress). Real HTTP, Temporal and SQLite."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.main import create_app
from store.db import make_engine
from tests.conftest import ServerThread, Stack, free_port
from tests.flows import match, select, startup_password

CROWD = 5
# Fewer connections than requests at once, and a short wait for one: a request that keeps its
# connection across an await fails the others quickly instead of after 30 s.
SMALL_POOL = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 5}


@pytest.fixture
async def small_pool_api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A second API of the same stack whose engine has a pool of two connections."""
    port = free_port()
    server = ServerThread(create_app(stack.settings), port)
    await server.start()
    app: Any = server.server.config.app
    app.state.engine.dispose()
    app.state.engine = make_engine(stack.settings.database_url, pool=SMALL_POOL)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            yield http
    finally:
        server.stop()


async def test_concurrent_acceptances_with_the_password_all_go_through_a_small_pool(
        stack: Stack, small_pool_api: httpx.AsyncClient) -> None:
    program = await stack.program(slots=CROWD)
    startups = [await stack.apply(program) for _ in range(CROWD)]
    await select(stack, program, dict.fromkeys(startups, 90))
    for startup_id in startups:
        await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"] is not None, "agreement deadline")
    matched = await asyncio.gather(*(match(stack, startup_id) for startup_id in startups))

    async def accept(startup_id: str, state: dict[str, Any]) -> httpx.Response:
        brn = startup_id.rsplit(":", 1)[1]
        return await small_pool_api.post(
            f"/startups/{startup_id}/actions/accept-agreement", headers=stack.as_startup(brn),
            json={"agreement_sha256": state["agreement_document"]["sha256"],
                  "password": startup_password(stack, brn)})

    answers = await asyncio.gather(*(accept(s, m) for s, m in zip(startups, matched, strict=True)))
    assert [a.status_code for a in answers] == [200] * CROWD, [a.text[:300] for a in answers]
    for startup_id, answer in zip(startups, answers, strict=True):
        assert answer.json()["agreement_acceptance"]["by_id"] == stack.user_id(f"startup-{startup_id.rsplit(':', 1)[1]}")
    # A wrong password is still refused, naming the field, on the same crowded path.
    wrong = await small_pool_api.post(
        f"/startups/{startups[0]}/actions/accept-agreement", headers=stack.as_startup(startups[0].rsplit(":", 1)[1]),
        json={"agreement_sha256": matched[0]["agreement_document"]["sha256"], "password": "not-the-password-1"})
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["error"]["details"][0]["field"] == "password"
