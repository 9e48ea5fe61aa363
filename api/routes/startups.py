"""Startups: lists from the read model, live state and history (actions: api/routes/actions.py;
the reads: api/services/startups.py)."""

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from temporalio.service import RPCError

from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.schemas import History, StartupPage, StartupPublic
from api.scope import check_scope, not_found
from api.services import startups
from axflow import history as trail
from domain.phases import Phase, Stage
from domain.regions import normalize_region

router = APIRouter(prefix="/startups", tags=["startups"], responses=ERROR_RESPONSES)


def _encode_cursor(startup_id: str) -> str:
    return base64.urlsafe_b64encode(startup_id.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
        if decoded.startswith("startup:"):
            return decoded
    except (ValueError, UnicodeDecodeError):
        pass
    raise ApiError("validation_error", "cursor is not one this API handed out",
                   [{"field": "cursor", "rule": "opaque_cursor", "message": "use next_cursor as given"}])


@router.get("", response_model=StartupPage)
async def list_startups(
    session: SessionDep,
    actor: Authorized,
    program_id: str | None = None,
    stage: Stage | None = None,
    phase: Phase | None = None,
    sector: Annotated[str | None, Query(max_length=32)] = None,
    region: Annotated[str | None, Query(max_length=8)] = None,
    overdue: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> StartupPage:
    found = startups.api_page(session, actor, {"program_id": program_id, "stage": stage, "phase": phase,
                                               "sector": sector, "region": normalize_region(region),  # 경상남도 is 경남
                                               "overdue": overdue},
                              after=_decode_cursor(cursor) if cursor else None, limit=limit + 1)
    more = len(found) > limit
    return StartupPage(items=found[:limit], next_cursor=_encode_cursor(found[limit - 1].startup_id) if more else None)


@router.get("/{startup_id}", response_model=StartupPublic)
async def get_startup(startup_id: str, session: SessionDep, temporal: TemporalDep, actor: Authorized,
                      as_of: Annotated[AwareDatetime | None, Query(
                          description="the state as it was at this instant, rebuilt from history")] = None,
                      ) -> StartupPublic:
    return await startups.startup_for(session, temporal, actor, startup_id, as_of)


@router.get("/{startup_id}/history",
            response_model=History | dict[str, Any] | list[dict[str, Any]],
            description="The readable trail; with `format=temporal`, Temporal's raw history JSON (a list of "
                        "histories when the lifecycle spans several runs).")
async def history(startup_id: str, session: SessionDep, temporal: TemporalDep,
                  actor: Authorized,
                  format: Annotated[str, Query(pattern="^(readable|temporal)$")] = "readable") -> Any:
    if format == "readable":
        return await startups.trail_of(session, temporal, actor, startup_id)
    check_scope(startup_id, actor)
    try:
        return JSONResponse(trail.raw(await trail.run_histories(temporal, startup_id)))
    except RPCError as err:
        raise not_found(startup_id) from err
