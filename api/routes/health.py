"""Liveness, readiness and Prometheus metrics."""

import hmac
import ipaddress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.errors import ApiError
from axflow.config import Settings
from store.db import at_head, ping

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> Any:
    state, checks = request.app.state, {}
    try:
        ping(state.engine)
        checks["database"] = "ok" if at_head(state.engine, state.settings.database_url) else "migrations behind"
    except Exception as err:  # readiness reports, it never raises
        checks["database"] = f"unreachable: {type(err).__name__}"
    try:
        await state.temporal.service_client.check_health()
        checks["temporal"] = "ok"
    except Exception as err:
        checks["temporal"] = f"unreachable: {type(err).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
async def metrics(request: Request) -> Response:
    if not metrics_allowed(request, request.app.state.settings):
        raise ApiError("forbidden", "/metrics answers only the monitoring network or its token "
                       "(모니터링 네트워크 또는 토큰으로만 볼 수 있습니다)", {"rule": "metrics_access"})
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def metrics_allowed(request: Request, settings: Settings) -> bool:
    """Open outside production; there only to the configured token or networks (what the
    counters say about routes and load is for operators, not for whoever reaches the API)."""
    if settings.env != "production":
        return True
    given = request.headers.get("authorization", "")
    if settings.metrics_token and hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in settings.metrics_networks)
