"""The axflow API: `create_app(settings)` builds it; `axflow api` serves it."""

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CollectorRegistry, Counter, Histogram
from temporalio.client import Client

from api.errors import install_error_handlers
from api.protection import AuthThrottle, Protection
from api.routes import audit, evaluators, health, programs, startups, webhooks
from axflow.config import Settings
from axflow.production import refuse_unsafe_production
from axflow.temporal import connect
from axflow.tracing import configure_tracing
from store.db import make_engine

log = structlog.get_logger()


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("axflow_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("axflow_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


def create_app(settings: Settings, temporal: Client | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = make_engine(settings.database_url)
        refuse_unsafe_production(settings, app.state.engine)
        app.state.temporal = temporal or await connect(settings)
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="axflow",
        version="0.1.0",
        description="Grant and PoC milestone workflows: programs, startups, actions, history and audit.",
        lifespan=lifespan,
    )
    app.state.metrics = ApiMetrics()
    app.state.auth_throttle = AuthThrottle(settings.auth_failure_limit, settings.auth_failure_window_seconds)
    install_error_handlers(app)
    for router in (programs.router, startups.router, evaluators.router, audit.router, webhooks.router,
                   health.router):
        app.include_router(router)

    @app.middleware("http")
    async def request_context(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics: ApiMetrics = app.state.metrics
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.latency.labels(request.method, route).observe(elapsed)
        actor = getattr(request.state, "actor", None)
        log.info("request", method=request.method, route=route, status=response.status_code,
                 ms=round(elapsed * 1000, 1), actor=actor.id if actor else None)
        response.headers["X-Request-ID"] = request_id
        return response

    # Outermost: its headers and size limit apply to every response, errors included.
    app.add_middleware(Protection, max_body=settings.max_body_bytes)
    if settings.otel_enabled:
        configure_tracing(settings, "api")
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app
