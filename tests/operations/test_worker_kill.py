"""Exactly-once payments when the worker dies at the worst moment: the finance system has
accepted the payment, the workflow has not yet recorded it. A real worker process is killed with
SIGKILL while three tranches are in that state at once, and a new one started."""

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import PendingActivityState

from axflow.programs import create_program
from axflow.reconcile import differences
from tests.conftest import Stack, free_port, wait_until
from tests.flows import FO, PO, accept_agreement, match, match_and_sign, select, stack_tranche

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
        self.queue = queue
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "axflow.cli", "worker"], env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)

    async def polling(self, timeout: float = 120) -> None:
        """Wait until this process's worker polls its task queue for workflow and activity tasks
        (the SDK's own gauge on its metrics endpoint). A worker process takes seconds to import the
        stack on a loaded machine; an Update sent before then waits for it, and may be given up on."""
        assert self.proc is not None

        async def polling_kinds() -> set[str]:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"the worker exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                async with httpx.AsyncClient(timeout=5) as http:
                    text = (await http.get(f"http://127.0.0.1:{self.metrics_port}/metrics")).text
            except httpx.HTTPError:
                return set()  # not serving its metrics yet
            return {line.split('poller_type="', 1)[1].split('"', 1)[0] for line in text.splitlines()
                    if line.startswith("temporal_num_pollers{") and float(line.rsplit(" ", 1)[1]) > 0}

        await wait_until(polling_kinds, lambda kinds: {"workflow_task", "activity_task"} <= kinds, timeout,
                         f"worker {self.proc.pid} polling {self.queue}")

    def kill(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, "the worker died on its own"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def module_worker(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One worker process for this module's tests: each start costs seconds of importing."""
    worker = WorkerProcess(stack, tmp_path_factory.mktemp("kill") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker_process(module_worker: WorkerProcess) -> WorkerProcess:
    """The module's worker, started again if an earlier test left it killed."""
    if module_worker.proc is None or module_worker.proc.poll() is not None:
        module_worker.start()
    return module_worker


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

    keys = {tranche: f"{program.id}:{brn}:{tranche}" for tranche in ("first", "second", "third")}
    try:
        # Webhooks off and answers held back beyond the payment activity's 10 s timeout: the only way
        # the workflow can learn of these payments is its own retry.
        await faults(stack, respond_delay_ms=12_000, webhooks=False)
        for tranche in keys:
            await stack.act(startup_id, "request-disbursement", stack.as_role(PO), {"tranche": tranche})
            await stack.act(startup_id, "approve-disbursement", stack.as_role(FO), {"tranche": tranche})
        for tranche, key in keys.items():
            await wait_until(lambda key=key: payments_for(stack, key), lambda p: len(p) == 1,
                             what=f"{tranche} payment accepted")
        # The three payments at once: paid at the finance system, unknown to the workflow.
        worker_process.kill()
        await faults(stack)
        worker_process.start()
        await stack.wait_until_state(
            startup_id, lambda s: all(stack_tranche(s, tranche)["status"] == "paid" for tranche in keys),
            "every tranche paid after the restart", timeout=90)
        for key in keys.values():
            assert len(await payments_for(stack, key)) == 1, key
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


async def _projection_worker(stack: Stack, startup_id: str) -> str | None:
    """The identity (pid@host) of the worker running the startup's projection, once one runs it."""
    description = await stack.client.get_workflow_handle(startup_id).describe()
    return next((a.last_worker_identity for a in description.raw_description.pending_activities
                 if a.activity_type.name == "project_startup"
                 and a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED), None)


async def test_a_projection_lost_with_its_worker_is_written_within_seconds_of_a_new_worker(
        stack: Stack, worker_process: WorkerProcess, tmp_path: Path) -> None:
    # A second worker on the queue, polling before anything is lost: the time measured below is
    # Temporal's to notice the loss and retry, not a new process's to import the stack.
    other = WorkerProcess(stack, tmp_path / "other-worker.log")
    other.start()
    try:
        sample = await stack.program()
        program = sample.model_validate(sample.model_dump() | {"id": f"{sample.id}-lag"})
        await create_program(stack.engine, stack.client, QUEUE, program, "test")
        startup_id = await stack.apply(program)
        await select(stack, program, {startup_id: 90})
        await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"], "agreement deadline")
        # Matched and accepted first: matching stores the generated agreement, a write of its own
        # that the lock below would hold up along with the match.
        await accept_agreement(stack, startup_id, await match(stack, startup_id))
        await other.polling()

        # Hold the read model's write lock: the countersignature's projection starts and waits on
        # it, and the worker running it is killed meanwhile.
        lock = sqlite3.connect(stack.settings.database_url.removeprefix("sqlite:///"), timeout=30)
        try:
            lock.execute("BEGIN IMMEDIATE")
            await stack.act(startup_id, "sign-agreement", stack.as_role(PO), {"agreement_no": "AX-1"})
            running_on = await wait_until(lambda: _projection_worker(stack, startup_id), bool,
                                          what="projection waiting on the lock")
            victim = next(w for w in (worker_process, other) if w.proc and running_on.startswith(f"{w.proc.pid}@"))
            victim.kill()
        finally:
            lock.rollback()
            lock.close()
        # Before projections heartbeat, the lost attempt was retried only after its 30 s timeout.
        await wait_until(lambda: _listed_phase(stack, startup_id), lambda phase: phase == "contracted", timeout=20,
                         what="read model caught up")
    finally:
        other.stop()


async def _listed_phase(stack: Stack, startup_id: str) -> str | None:
    listing = await stack.call("GET", f"/startups?program_id={startup_id.split(':')[1]}", stack.as_role(PO))
    return next((row["phase"] for row in listing["items"] if row["startup_id"] == startup_id), None)
