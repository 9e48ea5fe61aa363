"""The axflow API: `create_app(settings)` builds it; `axflow api` serves it."""

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Client
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import templating
from api.errors import install_error_handlers
from api.i18n import LanguageFromCookie
from api.pages.console import admin as admin_pages
from api.pages.console import appeal_panel as appeal_panel_pages
from api.pages.console import audit as audit_pages
from api.pages.console import budget as budget_pages
from api.pages.console import company_requests, expense_ledger, program_actions, program_copy
from api.pages.console import documents as console_documents
from api.pages.console import evaluations as evaluation_pages
from api.pages.console import evaluator_pool as evaluator_pool_pages
from api.pages.console import expense_review as expense_review_pages
from api.pages.console import finance as finance_pages
from api.pages.console import home as home_page
from api.pages.console import outcomes as outcome_pages
from api.pages.console import programs as program_pages
from api.pages.console import startup as startup_page
from api.pages.console import startups as startup_list
from api.pages.portal import agreement as agreement_page
from api.pages.portal import appeal as portal_appeal
from api.pages.portal import apply as portal_apply
from api.pages.portal import budget as portal_budget
from api.pages.portal import budget_settlement as portal_budget_settlement
from api.pages.portal import calls as call_pages
from api.pages.portal import company as portal_company
from api.pages.portal import documents as portal_documents
from api.pages.portal import followup as portal_followup
from api.pages.portal import ledger as portal_ledger
from api.pages.portal import my as portal_my
from api.pages.portal import signup as portal_signup
from api.pages.shared import language as language_page
from api.pages.shared import notifications as notification_pages
from api.pages.shared.common import PageRefused, page_refused
from api.protection import Protection
from api.routes import (
    account,
    actions,
    api_docs,
    audit,
    documents,
    evaluator_pool,
    evaluators,
    expense_review,
    expenses,
    followup,
    health,
    me,
    notifications,
    outcomes,
    password_reset,
    programs,
    settlement_statements,
    signin,
    signin_factor,
    signin_oidc,
    startups,
    users,
    webhooks,
)
from api.text_guard import TextGuard
from api.throttle import SigninThrottle
from api.uploads import upload_body_limit
from axflow.config import Settings
from axflow.heap import freeze_startup_heap
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


class RequestContext:
    """ASGI middleware: a request id for every request (taken from X-Request-ID or made), bound to
    the logs and echoed back; one log line and the metrics per request. Plain ASGI rather than
    `@app.middleware("http")`, which streams every response through an extra task."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:100] or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            actor = state.get("actor")
            # Asked first: below INFO (the bench runs at WARNING) the line's processors (context,
            # level, name, timestamp) would run for a line the standard-library logger then drops.
            if log.is_enabled_for(logging.INFO):
                log.info("request", method=method, route=route, status=status, ms=round(elapsed * 1000, 1),
                         actor=actor.id if actor else None, actor_name=actor.name if actor else None)


def create_app(settings: Settings, temporal: Client | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """`freeze_heap`: for the served process (`axflow api`), what is alive once it has started is
    kept out of the garbage collector's full passes (axflow/heap.py)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = make_engine(settings.database_url)
        # For writes that read first (the portal's drafts and accounts): on SQLite it takes the
        # write lock at BEGIN, as the worker does (api/pages/shared/common.py `writing`).
        app.state.write_engine = make_engine(settings.database_url, writer=True)
        refuse_unsafe_production(settings, app.state.engine)
        app.state.temporal = temporal or await connect(settings)
        if freeze_heap:
            freeze_startup_heap()
        yield
        app.state.engine.dispose()
        app.state.write_engine.dispose()

    app = FastAPI(
        title="axflow",
        version="0.1.0",
        description="Grant and PoC milestone workflows: programs, startups, actions, history and audit.",
        lifespan=lifespan,
        # FastAPI's own /docs page loads Swagger UI from a CDN; ours serves the pinned package.
        docs_url=None, redoc_url=None, openapi_url="/openapi.json" if settings.docs_enabled() else None,
    )
    if settings.docs_enabled():
        api_docs.install(app)
    app.state.metrics = ApiMetrics()
    # Failed sign-ins are counted in the database every replica shares (api/throttle.py).
    app.state.auth_throttle = SigninThrottle(settings, lambda: app.state.engine, lambda: app.state.write_engine)
    install_error_handlers(app)
    # A page the acting role may not use: its error page. (Starlette types a handler as taking any
    # Exception; this one takes the PageRefused it is registered for.)
    app.add_exception_handler(PageRefused, page_refused)  # type: ignore[arg-type]
    for router in (programs.router, startups.router, actions.router, evaluators.router, audit.router,
                   webhooks.router, health.router):
        app.include_router(router)
    actions.publish_body_schemas(app)
    app.include_router(documents.router)
    app.include_router(expenses.router)
    app.include_router(expense_review.router)
    app.include_router(settlement_statements.router)
    app.include_router(followup.router)
    app.include_router(outcomes.router)
    app.include_router(notifications.router)
    app.include_router(evaluator_pool.router)
    for router in (me.router, users.router, signin.router, signin_oidc.router):
        app.include_router(router)
    for router in (signin_factor.router, password_reset.router, account.router):  # one's own account
        app.include_router(router)
    # The console and the portal: server-rendered pages (api/pages/console/, portal/, shared/),
    # one line per module, in this order (a page's fixed paths before another's path parameters).
    app.include_router(home_page.router)
    app.include_router(startup_list.router)
    app.include_router(startup_page.router)
    app.include_router(program_pages.router)
    app.include_router(program_actions.router)
    app.include_router(appeal_panel_pages.router)
    app.include_router(program_copy.router)
    app.include_router(finance_pages.router)
    app.include_router(budget_pages.router)
    app.include_router(outcome_pages.router)
    app.include_router(expense_review_pages.router)
    app.include_router(expense_ledger.router)
    app.include_router(evaluation_pages.router)
    app.include_router(evaluator_pool_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(agreement_page.router)
    app.include_router(call_pages.router)
    app.include_router(portal_signup.router)
    app.include_router(portal_apply.router)
    app.include_router(portal_documents.router)
    app.include_router(portal_my.router)
    app.include_router(portal_appeal.router)
    app.include_router(portal_followup.router)
    app.include_router(portal_ledger.router)
    app.include_router(portal_budget.router)
    app.include_router(portal_budget_settlement.router)
    app.include_router(portal_company.router)
    app.include_router(company_requests.router)
    app.include_router(language_page.router)
    app.include_router(notification_pages.router)
    app.include_router(console_documents.router)
    signin.mount_static(app)
    templating.link_with(app)  # for links in templates rendered without a request at hand

    # Innermost: no body string with a control or format character reaches a route (api/text_guard.py).
    app.add_middleware(TextGuard)
    app.add_middleware(LanguageFromCookie)
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    # Outermost: its headers and size limit apply to every response, errors included.
    app.add_middleware(Protection, max_body=settings.max_body_bytes,
                       larger_body=lambda method, path: upload_body_limit(method, path,
                                                                         settings.largest_document_limit()))
    if settings.trusted_proxies:  # only then is X-Forwarded-For the client's address (outermost)
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    if settings.otel_enabled:
        configure_tracing(settings, "api")
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app
