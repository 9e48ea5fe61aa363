"""Deadlines survive restarts: the Temporal server restarted on its SQLite file keeps every pending
timer, and the lifecycle's deadline is enforced after the restart."""

import asyncio
import signal
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkipper

from axflow.devstack import temporal_command
from axflow.worker import running_worker
from domain.io import LifecycleInput
from domain.phases import Role
from domain.state import Actor, Application, StartupState
from tests.conftest import Stack, free_port, wait_until

pytestmark = pytest.mark.strands_workflows


async def test_the_temporal_server_restarted_on_its_file_keeps_pending_timers(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    settings = stack.settings.model_copy(update={
        "temporal_address": f"127.0.0.1:{port}", "temporal_ui_port": free_port(), "data_dir": tmp_path,
        "task_queue": "axflow-restart-test"})
    command = [*temporal_command(settings), "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"]

    def start_server() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def connect() -> Client:
        for _ in range(120):
            try:
                return await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)
            except RuntimeError:
                await asyncio.sleep(0.25)
        raise AssertionError("temporal did not come up")

    server = start_server()
    try:
        client = await connect()
        program = await stack.next_stage_program()
        brn = "1248100998"
        entry = LifecycleInput(
            program=program, applicant=Actor(id="officer.kim", name="officer.kim", role=Role.PROGRAM_OFFICER),
            application=Application(brn=brn, company_name="재시작AI", founded_on="2020-01-01", task_id="SF-01",
                                    representative="홍", email="a@b.kr", proposal_title="p"),
            applied_at=datetime.now().astimezone(), promoted_from=f"startup:earlier:{brn}")
        async with running_worker(client, settings, stack.engine):
            handle = await client.start_workflow("StartupLifecycle", entry, id=f"startup:{program.id}:{brn}",
                                                 task_queue=settings.task_queue)
            await wait_until(lambda: handle.query("state", result_type=StartupState),
                             lambda s: s.agreement_due_at is not None,
                             what="agreement deadline")
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            server = start_server()  # same SQLite file, same port
            client2 = await connect()
            handle = client2.get_workflow_handle(handle.id)
            await TimeSkipper(client2).fast_forward(handle, timedelta(days=20))
            state = await wait_until(lambda: handle.query("state", result_type=StartupState),
                                     lambda s: s.phase.value == "cancelled",
                                     timeout=60, what="the lapse after the restart")
            assert state.termination is None and state.closed_at is not None
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
