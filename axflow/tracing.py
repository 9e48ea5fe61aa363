"""OpenTelemetry traces, off by default: AXFLOW_OTEL_ENABLED=true exports spans over OTLP/HTTP to
AXFLOW_OTEL_ENDPOINT. The API traces its requests (FastAPI) and its calls into Temporal; workers
trace workflows and activities through the Temporal SDK's OpenTelemetry plugin, so one trace runs
from an HTTP request through the Update into the activities it causes."""

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from temporalio.client import Plugin
from temporalio.contrib.opentelemetry import OpenTelemetryPlugin, create_tracer_provider

from axflow.config import Settings

_configured = False


def configure_tracing(settings: Settings, service: str, exporter: SpanExporter | None = None) -> None:
    """Install the process's tracer provider once (OpenTelemetry allows one per process)."""
    global _configured
    if not settings.otel_enabled or _configured:
        return
    provider = create_tracer_provider(resource=Resource.create({"service.name": f"axflow-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter(endpoint=settings.otel_endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True


def temporal_plugins(settings: Settings) -> list[Plugin]:
    return [OpenTelemetryPlugin(add_temporal_spans=True)] if settings.otel_enabled else []
