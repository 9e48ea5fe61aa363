"""Exactly-once payments when the worker dies at the worst moment: the finance system has
accepted the payment, the workflow has not yet recorded it. A real worker process is killed with
SIGKILL and a new one started, over several tranches."""

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from axflow.programs import create_program
from axflow.reconcile import differences
from tests.conftest import Stack, free_port, new_brn, wait_until
from tests.flows import FO, PO, match_and_sign, select, stack_tranche

QUEUE = "axflow-kill-test"

pytestmark = pytest.mark.strands_workflows


class WorkerProcess:
    def __init__(self, stack: Stack, log: Path, queue: str = QUEUE, **extra_env: str) -> None:
        settings = stack.settings
        self.metrics_port = free_port()
        self.env = os.environ | {
            "AXFLOW_TEMPORAL_ADDRESS": settings.temporal_address, "AXFLOW_TASK_QUEUE": queue,
            "AXFLOW_DATABASE_URL": settings.database_url, "AXFLOW_FINANCE_URL": settings.finance_url,
            "AXFLOW_NOTIFY_URL": settings.notify_url, "AXFLOW_API_URL": settings.api_url,
            "AXFLOW_TAX_AUTHORITY_URL": settings.tax_authority_url,
            "AXFLOW_SMTP_PORT": str(settings.smtp_port),
            "AXFLOW_WORKER_METRICS_PORT": str(self.metrics_port),
            # The worker stores the agreements it generates where the API serves documents from.
            "AXFLOW_DATA_DIR": str(settings.data_dir), **extra_env,
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "axflow.cli", "worker"], env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "the worker died on its own"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture
def worker_process(stack: Stack, tmp_path: Path) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(stack, tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


async def faults(stack: Stack, **values: object) -> None:
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        (await http.put("/_faults", json=values)).raise_for_status()


async def payments_for(stack: Stack, key: str) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        return [p for p in (await http.get("/payments")).json() if p["idempotency_key"] == key]


async def test_killing_the_worker_mid_payment_pays_each_tranche_exactly_once(
        stack: Stack, worker_process: WorkerProcess) -> None:
    sample = await stack.program()
    tranches = [{"key": key, "label": key, "share_percent": share, "trigger": "agreement"}
                for key, share in (("first", 40), ("second", 30), ("third", 30))]
    program = sample.model_validate(sample.model_dump() | {"id": f"{sample.id}-kill", "tranches": tranches})
    await create_program(stack.engine, stack.client, QUEUE, program, "test")
    startup_id = await stack.apply(program)
    brn = startup_id.rsplit(":", 1)[1]
    await select(stack, program, {startup_id: 90})
    await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"], "agreement deadline")
    await match_and_sign(stack, startup_id)

    try:
        for tranche in ("first", "second", "third"):
            key = f"{program.id}:{brn}:{tranche}"
            # Webhooks off: the only way the workflow can learn of this payment is its own retry.
            await faults(stack, respond_delay_ms=30_000, webhooks=False)
            await stack.act(startup_id, "request-disbursement", stack.as_role(PO), {"tranche": tranche})
            await stack.act(startup_id, "approve-disbursement", stack.as_role(FO), {"tranche": tranche})
            await wait_until(lambda: payments_for(stack, key), lambda p: len(p) == 1, what="payment accepted")
            worker_process.kill()  # paid at the finance system, unknown to the workflow
            await faults(stack)
            worker_process.start()
            await stack.wait_until_state(startup_id, lambda s: stack_tranche(s, tranche)["status"] == "paid",
                                         f"{tranche} paid after the restart", timeout=90)
            assert len(await payments_for(stack, key)) == 1
    finally:
        await faults(stack)

    state = await stack.wait_phase(startup_id, "in_poc")
    assert sum(t["amount"] for t in state["tranches"] if t["status"] == "paid") == 80_000_000
    await wait_until(lambda: _no_differences(stack, program.id), lambda ok: ok, what="ledger equals finance")
    # The restarted worker reports the SDK's own metrics for operators.
    async with httpx.AsyncClient() as http:
        metrics = (await http.get(f"http://127.0.0.1:{worker_process.metrics_port}/metrics")).text
    assert "temporal_activity_execution_latency" in metrics and "temporal_workflow_task" in metrics


async def _no_differences(stack: Stack, program_id: str) -> bool:
    return differences(stack.engine, stack.settings.finance_url, program_id) == []


async def _projection_running(stack: Stack, startup_id: str) -> bool:
    description = await stack.client.get_workflow_handle(startup_id).describe()
    return any(a.activity_type.name == "project_startup" for a in description.raw_description.pending_activities)


async def test_a_projection_lost_with_its_worker_is_written_within_seconds_of_a_new_worker(
        stack: Stack, worker_process: WorkerProcess) -> None:
    sample = await stack.program()
    program = sample.model_validate(sample.model_dump() | {"id": f"{sample.id}-lag"})
    await create_program(stack.engine, stack.client, QUEUE, program, "test")
    startup_id = await stack.apply(program)
    await select(stack, program, {startup_id: 90})
    await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"], "agreement deadline")

    # Hold the read model's write lock: the next projection starts and waits on it, and the
    # worker running it is killed meanwhile.
    lock = sqlite3.connect(stack.settings.database_url.removeprefix("sqlite:///"), timeout=30)
    try:
        lock.execute("BEGIN IMMEDIATE")
        await stack.act(startup_id, "match", stack.as_role(PO),
                        {"partners": [{"name": "강원 정밀 SME", "brn": new_brn(), "region": "강원"}]})
        await wait_until(lambda: _projection_running(stack, startup_id), lambda running: running,
                         what="projection waiting on the lock")
        worker_process.kill()
    finally:
        lock.rollback()
        lock.close()
    worker_process.start()
    # Before projections heartbeat, the lost attempt was retried only after its 30 s timeout.
    await wait_until(lambda: _listed_phase(stack, startup_id), lambda phase: phase == "matched", timeout=20,
                     what="read model caught up")


async def _listed_phase(stack: Stack, startup_id: str) -> str | None:
    listing = await stack.call("GET", f"/startups?program_id={startup_id.split(':')[1]}", stack.as_role(PO))
    return next((row["phase"] for row in listing["items"] if row["startup_id"] == startup_id), None)
