"""Deadlines survive restarts: a deadline that falls due while no worker runs is handled as soon as
one is back, and the Temporal server restarted on its SQLite file keeps every pending timer."""

import asyncio
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkipper

from axflow.devstack import temporal_command
from axflow.worker import running_worker
from domain.io import LifecycleInput
from domain.phases import Role
from domain.state import Actor, Application, StartupState
from tests.conftest import Stack, free_port, new_brn, wait_until
from tests.flows import drive

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


async def _events(handle: WorkflowHandle) -> list[EventType.ValueType]:
    return [event.event_type async for event in handle.fetch_history_events()]


async def test_a_deadline_due_while_no_worker_runs_is_handled_when_one_is_back(stack: Stack) -> None:
    # A lifecycle in its PoC on a task queue of its own, carried on (as after continue-as-new) from a
    # real PoC state with its kickoff milestone due a few seconds from now.
    template = await stack.client.get_workflow_handle((await drive(stack, "in_poc")).id).query(
        "state", result_type=StartupState)
    settings = stack.settings.model_copy(update={"task_queue": "axflow-worker-stop-test"})
    brn = new_brn()
    due = datetime.now(UTC) + timedelta(seconds=10)
    state = template.model_copy(update={
        "startup_id": f"startup:{template.program_id}:{brn}", "brn": brn, "version": 1,
        "milestones": [m.model_copy(update={"due_at": due, "reminders_sent": [7, 3, 1]}) if m.key == "kickoff"
                       else m for m in template.milestones]})
    entry = LifecycleInput(
        program=await stack.program_definition(template.program_id), applicant=Actor(
            id="officer.kim", name="officer.kim", role=Role.PROGRAM_OFFICER),
        application=Application(brn=brn, company_name=state.company_name, founded_on=state.founded_on,
                                task_id="SF-01", representative="홍", email="a@b.kr", proposal_title="p"),
        applied_at=state.applied_at, resume=state)

    async with running_worker(stack.client, settings, stack.engine):
        handle = await stack.client.start_workflow("StartupLifecycle", entry, id=state.startup_id,
                                                   task_queue=settings.task_queue)
        await wait_until(lambda: _events(handle), lambda events: EventType.EVENT_TYPE_TIMER_STARTED in events,
                         what="the kickoff deadline's timer")
    # The worker is stopped before the due instant; the timer fires on the server with nobody to act.
    # The workflow's clock is moved past the due instant rather than waited on; the move completes
    # only once the workflow has caught up, with a worker.
    assert datetime.now(UTC) < due, "the worker took too long to stop; the test proves nothing"
    skipping = asyncio.create_task(stack.skipper.fast_forward(handle, timedelta(minutes=1)))
    try:
        await wait_until(lambda: _events(handle), lambda events: EventType.EVENT_TYPE_TIMER_FIRED in events,
                         timeout=60, what="the timer firing on the server")
        assert not [e for e in await stack.audit_rows(state.startup_id) if e.action == "milestone_overdue"]

        async with running_worker(stack.client, settings, stack.engine):
            overdue = await wait_until(lambda: stack.audit_rows(state.startup_id),
                                       lambda rows: any(e.action == "milestone_overdue" for e in rows),
                                       timeout=60, what="the overdue deadline handled after the restart")
            handled = next(e for e in overdue if e.action == "milestone_overdue")
            assert handled.actor_id == "system:timer" and handled.details["milestone"] == "kickoff"
            assert handled.at.replace(tzinfo=UTC) > due
            live = await handle.query("state", result_type=StartupState)
            assert live.milestone("kickoff").overdue and live.overdue
            await asyncio.wait_for(skipping, timeout=60)
            await handle.terminate("test over")
    finally:
        skipping.cancel()
