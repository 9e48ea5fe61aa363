"""Traces, when switched on: one trace runs from an HTTP request in the API, through the Temporal
Update, into the workflow and activities in a worker process that exports over OTLP/HTTP (to a
stand-in collector here)."""

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.main import create_app
from axflow.programs import create_program
from axflow.tracing import configure_tracing
from tests.conftest import ServerThread, Stack, free_port, new_brn, wait_until
from tests.operations.test_worker_kill import WorkerProcess

QUEUE = "axflow-trace-test"

pytestmark = pytest.mark.strands_workflows


async def test_one_trace_from_the_request_to_the_worker(stack: Stack, tmp_path: Path) -> None:
    received: list[tuple[str, str]] = []
    collector = FastAPI()

    @collector.post("/v1/traces")
    async def export(request: Request) -> dict[str, str]:
        message = ExportTraceServiceRequest.FromString(await request.body())
        received.extend((span.name, span.trace_id.hex()) for rs in message.resource_spans
                        for ss in rs.scope_spans for span in ss.spans)
        return {}

    ports = {"collector": free_port(), "api": free_port()}
    # The worker first: its process takes the longest to start. Its spans are exported every 0.1 s
    # (the OpenTelemetry SDK's own setting) rather than every 5 s.
    worker = WorkerProcess(stack, tmp_path / "worker.log", QUEUE, AXFLOW_OTEL_ENABLED="true",
                           AXFLOW_OTEL_ENDPOINT=f"http://127.0.0.1:{ports['collector']}/v1/traces",
                           OTEL_BSP_SCHEDULE_DELAY="100")
    worker.start()
    traced = stack.settings.model_copy(update={"otel_enabled": True})
    in_api = InMemorySpanExporter()
    configure_tracing(traced, "api", in_api)
    servers = [ServerThread(collector, ports["collector"]), ServerThread(create_app(traced), ports["api"])]
    try:
        for server in servers:
            await server.start()
        # The application's Update waits for a worker: one still importing could outlast the
        # API's wait for it (it answered 503 on a loaded machine).
        await worker.polling()
        program = await stack.program()
        program = program.model_validate(program.model_dump() | {"id": f"{program.id}-traced"})
        await create_program(stack.engine, stack.client, QUEUE, program, "test")
        brn = new_brn()
        body = {"brn": brn, "company_name": "추적AI", "founded_on": "2021-01-04", "task_id": "SF-01",
                "representative": "홍", "email": "a@b.kr", "proposal_title": "p"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['api']}", timeout=60) as traced_api:
            response = await traced_api.post(f"/programs/{program.id}/applications", json=body,
                                             headers=stack.as_startup(brn))
        assert response.status_code == 201, response.text
        await stack.wait_phase(response.json()["startup_id"], "under_review")
        # The server's span ends after the response has gone out: the client may read it first.
        request_trace = await wait_until(lambda: _api_trace(in_api, "POST /programs/{program_id}/applications"),
                                         bool, timeout=30, what="the API's span of the request")
        in_worker = await wait_until(lambda: _spans(received), lambda spans: any(
            trace_id == request_trace and name.startswith("RunActivity:start_lifecycle") for name, trace_id in spans),
            timeout=60, what="the worker's spans of the same trace")
        assert any(name.startswith("HandleUpdate") and trace_id == request_trace for name, trace_id in in_worker)
    finally:
        worker.stop()
        for server in servers:
            server.stop()


async def _api_trace(exporter: InMemorySpanExporter, name: str) -> str | None:
    """The trace id of the API's finished span `name`, once exported."""
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    return next((format(s.context.trace_id, "032x") for s in exporter.get_finished_spans() if s.name == name), None)


async def _spans(received: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(received)
