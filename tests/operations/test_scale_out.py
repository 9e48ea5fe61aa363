"""Scale-out on one machine: two worker processes on one task queue, 24 lifecycles driven through
the API at concurrency 12, one worker killed with SIGKILL midway (both having run workflow tasks
and activities by then). Every lifecycle completes and every payment is made exactly once."""

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from axflow.programs import create_program
from axflow.reconcile import differences
from domain.phases import Role
from store.db import session_scope
from store.tables import StartupRow
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import EV, FO, PO, sign
from tests.operations.test_worker_kill import WorkerProcess

QUEUE = "axflow-scale-test"
# Twice the concurrency: when half are paid and the worker is killed, a full set of lifecycles is
# still in flight, at every step from the agreement to the settlement.
LIFECYCLES, CONCURRENCY = 24, 12

pytestmark = pytest.mark.strands_workflows


async def until(stack: Stack, startup_id: str, check: Any, what: str, timeout: float = 120) -> dict[str, Any]:
    """Polls gently: twenty lifecycles wait at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        state = await stack.state(startup_id)
        if check(state):
            return state
        assert loop.time() < deadline, f"{startup_id}: no {what} after {timeout} s (phase {state['phase']})"
        await asyncio.sleep(0.3)


async def executed(worker: WorkerProcess, metric: str) -> float:
    """How many workflow tasks or activities (`metric`, an SDK histogram) the worker has run."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{worker.metrics_port}/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(metric) and line.split("{")[0].endswith("_count"))


async def patient_match(stack: Stack, startup_id: str) -> dict[str, Any]:
    """The match, waiting for its answer as long as it takes: its Update waits for the agreement
    to be generated (an activity), and one lost with the killed worker is retried only after its
    30 s timeout, which the stack's client does not wait out."""
    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=120) as patient:
        response = await patient.post(f"/startups/{startup_id}/actions/match", headers=stack.as_role(PO),
                                      json={"partners": [{"name": "SME", "brn": "1248100998", "region": "강원"}]})
    assert response.status_code == 200, f"match {startup_id}: {response.status_code} {response.text}"
    return response.json()


async def completed_in_read_model(stack: Stack, program_id: str) -> int:
    with session_scope(stack.engine) as session:
        return session.exec(select(func.count()).select_from(StartupRow).where(
            StartupRow.program_id == program_id, StartupRow.phase == "completed")).one()


async def test_two_workers_one_killed_every_lifecycle_completes_and_pays_once(stack: Stack, tmp_path: Path) -> None:
    # A workflow cached on the killed worker waits 2 s (not 10 s) for it before the other takes it.
    workers = [WorkerProcess(stack, tmp_path / f"worker-{n}.log", QUEUE, AXFLOW_WORKER_STICKY_TIMEOUT_SECONDS="2")
               for n in ("a", "b")]
    for worker in workers:
        worker.start()
    try:
        # Both polling before any work is sent: on a loaded machine, Updates sent to the program while
        # the two processes were still starting were aborted after 10 s (the application answered 503).
        for worker in workers:
            await worker.polling()
        sample = await stack.program()
        program = sample.model_validate(sample.model_dump() | {
            "id": f"{sample.id}-scale", "slots": LIFECYCLES, "budget": LIFECYCLES * sample.grant_amount,
            "tranches": [{"key": "grant", "label": "grant", "share_percent": 100, "trigger": "agreement"}],
            "milestones": [{"key": "final_report", "title": "final report", "days_after_agreement": 180}]})
        await create_program(stack.engine, stack.client, QUEUE, program, "test")
        gate = asyncio.Semaphore(CONCURRENCY)

        async def apply(n: int) -> str:
            async with gate:
                startup_id = await stack.apply(program, new_brn(), task_id=program.tasks[n % len(program.tasks)].id)
                await until(stack, startup_id, lambda s: s["phase"] == "under_review", "review")
                await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": 90})
                return startup_id

        ids = await asyncio.gather(*(apply(n) for n in range(LIFECYCLES)))
        await stack.close_window(program)
        result = await stack.call("POST", f"/programs/{program.id}/selection", stack.as_role(PO), {})
        assert sorted(result["selected"]) == sorted(ids)

        paid = 0

        async def live(startup_id: str) -> str:
            nonlocal paid
            brn = startup_id.rsplit(":", 1)[1]
            me = stack.as_startup(brn)
            async with gate:
                await until(stack, startup_id, lambda s: s["agreement_due_at"], "agreement deadline")
                matched = await patient_match(stack, startup_id)
                await sign(stack, startup_id, matched, "S")
                await stack.act(startup_id, "request-disbursement", stack.as_role(PO), {"tranche": "grant"})
                await stack.act(startup_id, "approve-disbursement", stack.as_role(FO), {"tranche": "grant"})
                await until(stack, startup_id, lambda s: s["phase"] == "in_poc", "payment")
                paid += 1
                if paid == LIFECYCLES // 2:
                    # Midway: half the cohort paid, the rest in flight, the queue's work shared.
                    for worker in workers:
                        for metric in ("temporal_workflow_task_execution_latency", "temporal_activity_execution_latency"):
                            assert await executed(worker, metric) > 0, f"{worker.log.name} ran no {metric}"
                    workers[0].kill()
                await stack.act(startup_id, "submit-milestone", me, {"milestone": "final_report", "deliverable": "r"})
                await stack.act(startup_id, "review-milestone", stack.as_role(PO),
                                {"milestone": "final_report", "decision": "accept"})
                await stack.act(startup_id, "final-evaluation", stack.as_role(EV), {"score": 80, "grade": "B"})
                await stack.act(startup_id, "submit-settlement", me,
                                {"lines": [{"item": "all", "amount": program.grant_amount}]})
                await stack.act(startup_id, "approve-settlement", stack.as_role(FO))
                state = await until(stack, startup_id, lambda s: s["phase"] == "completed", "completion")
                return state["phase"]

        phases = await asyncio.gather(*(live(startup_id) for startup_id in ids))
        assert Counter(phases) == {"completed": LIFECYCLES}
        # The phase above is each workflow's live state. A projection that was running on the
        # killed worker is retried once its heartbeat is missed, so the read model (the ledger,
        # the report) may lag until then; it must catch up, with nothing lost.
        await wait_until(lambda: completed_in_read_model(stack, program.id), lambda n: n == LIFECYCLES, 120,
                         "the read model to catch up")
        async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
            payments = [p for p in (await http.get("/payments")).json() if p["program_id"] == program.id]
        assert len(payments) == LIFECYCLES
        assert max(Counter(p["idempotency_key"] for p in payments).values()) == 1
        assert differences(stack.engine, stack.settings.finance_url, program.id) == []
        report = await stack.call("GET", f"/programs/{program.id}/report", stack.as_role(Role.AUDITOR))
        assert report["money"]["paid"] == LIFECYCLES * program.grant_amount <= program.budget
    finally:
        for worker in workers:
            worker.stop()
