"""Startups: lists from the read model, live state and history (actions: api/routes/actions.py)."""

import asyncio
import base64
from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from temporalio.client import WorkflowHistory, WorkflowQueryFailedError
from temporalio.service import RPCError

from axflow import history as trail
from api.deps import QUERY_TIMEOUT, SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.routes.evaluators import declared_conflicts
from api.scope import check_scope, not_found
from api.schemas import History, HistoryEntry, RefusedEntry, StartupPage, StartupPublic, StartupSummary
from domain.conflicts import barred_by_conflicts
from domain.phases import Phase, Role, Stage
from domain.regions import normalize_region
from domain.rules import allowed_actions
from domain.state import Actor, StartupState
from domain.timeutil import to_kst
from store.db import as_utc, release
from store.tables import RefusedAttempt, StartupRow

router = APIRouter(prefix="/startups", tags=["startups"], responses=ERROR_RESPONSES)


def for_caller(state: StartupState, actor: Actor, conflicts: Collection[str] = ()) -> StartupPublic:
    """The state as this caller may see it, with the actions they may take now (less those their
    declared conflicts of interest bar)."""
    barred = barred_by_conflicts(state, conflicts)
    view = StartupPublic(**state.model_dump(),
                         allowed_actions=[a for a in allowed_actions(state, actor) if a not in barred])
    # Applicants never see individual scores; an evaluator sees the others' once they scored too.
    hidden = actor.role is Role.STARTUP or (
        actor.role is Role.EVALUATOR and not any(s.evaluator_id == actor.id for s in state.scores))
    if hidden:
        view.scores, view.average_score = [], None
    return view


async def _live_state(temporal: Any, session: Session, startup_id: str) -> StartupState:
    try:
        return await temporal.get_workflow_handle(startup_id).query("state", result_type=StartupState,
                                                                     rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError) as err:
        row = session.get(StartupRow, startup_id)
        if row is None:
            raise not_found(startup_id) from err
        # The workflow cannot answer (gone past retention, or no worker up to run the query):
        # answer with its last projected state.
        return StartupState.model_validate(row.state)


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


def summary_query(actor: Actor, filters: dict[str, Any], search: str | None = None) -> Any:
    """The list's one query, shared by the API and the console: the summary columns of the
    startups matching `filters` (LIST_FILTERS names; None = any), a search by company name or
    registration number, and for a startup only its own. Not yet ordered or limited."""
    # The summary columns only: the stored state (kilobytes a row) is never read for a list.
    query = select(*(getattr(StartupRow, name) for name in StartupSummary.model_fields))
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(StartupRow, name) == (value.value if hasattr(value, "value") else value))
    if search:
        # A part of a name can be anywhere in it, so no index can be sought: the names are compared
        # in the narrow search index (names and numbers only), and only the rows found are read.
        names = aliased(StartupRow)
        matches = col(names.company_name).contains(search, autoescape=True)
        digits = search.replace("-", "").replace(" ", "")
        if digits.isdigit():
            matches = or_(matches, col(names.brn).startswith(digits, autoescape=True))
        query = query.where(col(StartupRow.startup_id).in_(select(names.startup_id).where(matches)))
    if actor.role is Role.STARTUP:
        query = query.where(StartupRow.brn == actor.brn)
    return query


def summary_of(row: Any) -> StartupSummary:
    return StartupSummary(**dict(row._mapping) | {"next_deadline_at": as_utc(row.next_deadline_at),
                                                  "updated_at": as_utc(row.updated_at)})


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
    query = summary_query(actor, {"program_id": program_id, "stage": stage, "phase": phase, "sector": sector,
                                  "region": normalize_region(region), "overdue": overdue})  # 경상남도 is 경남
    if cursor:
        query = query.where(col(StartupRow.startup_id) > _decode_cursor(cursor))
    rows = session.exec(query.order_by(col(StartupRow.startup_id)).limit(limit + 1)).all()
    items = [summary_of(r) for r in rows[:limit]]
    more = len(rows) > limit
    return StartupPage(items=items, next_cursor=_encode_cursor(rows[limit - 1].startup_id) if more else None)


@router.get("/{startup_id}", response_model=StartupPublic)
async def get_startup(startup_id: str, session: SessionDep, temporal: TemporalDep, actor: Authorized,
                      as_of: Annotated[AwareDatetime | None, Query(
                          description="the state as it was at this instant, rebuilt from history")] = None,
                      ) -> StartupPublic:
    check_scope(startup_id, actor)
    if as_of is None:
        conflicts = declared_conflicts(session, actor.id)
        release(session)
        return for_caller(await _live_state(temporal, session, startup_id), actor, conflicts)
    try:
        recorded = await trail.projections(temporal.data_converter, await trail.run_histories(temporal, startup_id))
    except RPCError as err:
        raise not_found(startup_id) from err
    past = trail.state_as_of(recorded, as_of)
    if past is None:
        raise ApiError("not_found", f"{startup_id} had not applied yet at {as_of.isoformat()}")
    return StartupPublic(**past.model_dump(), allowed_actions=[])


@router.get("/{startup_id}/history",
            response_model=History | dict[str, Any] | list[dict[str, Any]],
            description="The readable trail; with `format=temporal`, Temporal's raw history JSON (a list of "
                        "histories when the lifecycle spans several runs).")
async def history(startup_id: str, session: SessionDep, temporal: TemporalDep,
                  actor: Authorized,
                  format: Annotated[str, Query(pattern="^(readable|temporal)$")] = "readable") -> Any:
    check_scope(startup_id, actor)
    try:
        if format == "temporal":
            return JSONResponse(trail.raw(await trail.run_histories(temporal, startup_id)))
        # The trail and the live state (whose links lead to the other stages) are asked for at once.
        histories, state = await asyncio.gather(trail.run_histories(temporal, startup_id),
                                                _live_state(temporal, session, startup_id))
    except RPCError as err:
        raise not_found(startup_id) from err
    return await readable_history(temporal, session, state, histories)


async def readable_history(temporal: Any, session: Session, state: StartupState,
                           histories: list[WorkflowHistory]) -> History:
    """The readable trail of `state`'s lifecycle from its run `histories` (`trail.run_histories`,
    asked for by the caller with the state), with its linked stages' and its refused attempts."""
    startup_id = state.startup_id
    stages = await _linked_stages(temporal, session, state)
    release(session)
    entries: list[HistoryEntry] = []
    runs = 0
    for stage_id, stage in stages:
        stage_histories = histories if stage_id == startup_id else await trail.run_histories(temporal, stage_id)
        runs += len(stage_histories) if stage_id == startup_id else 0
        recorded = await trail.projections(temporal.data_converter, stage_histories)
        entries += [
            HistoryEntry(startup_id=stage_id, stage=stage, seq=t.seq, at=t.at, at_kst=_kst(t.at), actor=t.actor_id,
                         actor_name=t.actor_name, role=t.role.value, action=t.action, reason=t.reason,
                         from_phase=t.from_phase.value, to_phase=t.to_phase.value, request_id=t.request_id,
                         details=t.details)
            for t in trail.transitions(recorded)
        ]
    refused_rows = session.exec(select(RefusedAttempt).where(
        col(RefusedAttempt.startup_id).in_([sid for sid, _ in stages])).order_by(col(RefusedAttempt.id))).all()
    refused = [RefusedEntry(at=as_utc(r.at), at_kst=_kst(as_utc(r.at)), startup_id=r.startup_id, actor=r.actor_id,
                            role=r.role, action=r.action, code=r.code, message=r.message, details=r.details,
                            request_id=r.request_id) for r in refused_rows]
    return History(startup_id=startup_id, previous_startup_id=state.previous_startup_id,
                   next_startup_id=state.next_startup_id, stages=[sid for sid, _ in stages], runs=runs,
                   entries=entries, refused=refused)


def _kst(at: datetime) -> str:
    return to_kst(at).strftime("%Y-%m-%d %H:%M:%S KST")


async def _linked_stages(temporal: Any, session: Session, state: StartupState) -> list[tuple[str, str]]:
    """This startup's lifecycles in every stage, earliest first, following promotion links."""
    chain = [(state.startup_id, state.stage.value)]
    earlier, later = state.previous_startup_id, state.next_startup_id
    while earlier:
        linked = await _live_state(temporal, session, earlier)
        chain.insert(0, (linked.startup_id, linked.stage.value))
        earlier = linked.previous_startup_id
    while later:
        linked = await _live_state(temporal, session, later)
        chain.append((linked.startup_id, linked.stage.value))
        later = linked.next_startup_id
    return chain
