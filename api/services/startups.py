"""Startups: the live state as a caller may see it, the list's query, and the readable trail.
The API's /startups routes and the console's and portal's startup pages read them here."""

import asyncio
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from temporalio.client import WorkflowHistory, WorkflowQueryFailedError
from temporalio.service import RPCError

from api.deps import QUERY_TIMEOUT
from api.errors import ApiError
from api.schemas import History, HistoryEntry, RefusedEntry, StartupPublic, StartupSummary
from api.scope import check_scope, not_found
from api.services.conflicts import declared_conflicts
from api.services.evaluator_pool import program_of, require_cleared
from axflow import history as trail
from domain.conflicts import barred_by_conflicts
from domain.formatting import kst_second
from domain.phases import Role
from domain.rules import allowed_actions
from domain.state import Actor, StartupState
from store.db import as_utc, release, table_of
from store.evaluator_pool_tables import uncleared_programs
from store.tables import RefusedAttempt, StartupRow


def for_caller(state: StartupState, actor: Actor, conflicts: Collection[str] = ()) -> StartupPublic:
    """The state as this caller may see it, with the actions they may take now (less those their
    declared conflicts of interest bar)."""
    barred = barred_by_conflicts(state, conflicts)
    # Built from the validated state's own fields, not dumped and validated again: every action's
    # answer and every state read pass here (a round trip of the whole state, ~0.1 ms; BENCHMARKS.md).
    # The view shares the state's nested values; below, fields are only ever replaced, never changed.
    view = StartupPublic.model_construct(
        **{name: getattr(state, name) for name in StartupState.model_fields},
        allowed_actions=[a for a in allowed_actions(state, actor) if a not in barred])
    # Applicants never see individual scores; an evaluator sees the others' once they scored too.
    hidden = actor.role is Role.STARTUP or (
        actor.role is Role.EVALUATOR and not any(s.evaluator_id == actor.id for s in state.scores))
    if hidden:
        view.scores, view.average_score = [], None
    return view


async def live_state(temporal: Any, session: Session, startup_id: str) -> StartupState:
    """The lifecycle's state as its workflow answers it now, or its last projected state when
    the workflow cannot answer; 404 when there is neither. A read transaction the session holds
    is ended first: no pooled connection is kept while Temporal answers (issue 28: requests
    waiting so with their connections ran the pool dry under load)."""
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        release(session)
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


async def startup_for(session: Session, temporal: Any, actor: Actor, startup_id: str,
                      as_of: datetime | None = None) -> StartupPublic:
    """One startup as `actor` may see it: live, with the actions they may take now, or as it was
    at `as_of`, rebuilt from its history (then with no actions)."""
    check_scope(startup_id, actor)
    require_cleared(session, program_of(startup_id), actor)  # an evaluator: the pool and the pledge first
    if as_of is None:
        conflicts = declared_conflicts(session, actor.id)
        release(session)
        return for_caller(await live_state(temporal, session, startup_id), actor, conflicts)
    try:
        recorded = await trail.projections(temporal.data_converter, await trail.run_histories(temporal, startup_id))
    except RPCError as err:
        raise not_found(startup_id) from err
    past = trail.state_as_of(recorded, as_of)
    if past is None:
        raise ApiError("not_found", f"{startup_id} had not applied yet at {as_of.isoformat()}")
    return StartupPublic(**past.model_dump(), allowed_actions=[])


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
    if actor.role is Role.EVALUATOR:  # not one application of a program whose pool has not admitted them
        query = query.where(col(StartupRow.program_id).not_in(uncleared_programs(actor.id)))
    return query


# The API's list (`GET /startups`, every filter an exact match, no search), read many times a
# minute by clients waiting on a startup's row: its statement built once per set of filters given
# and run on the session's connection, not built and ORM-compiled per request. The same query as
# `summary_query` + `listed`: the summary columns, each filter an equality, a startup only its own
# company's rows, after the cursor, in startup order. (An evaluator's list, which leaves out the
# programs whose pool has not admitted them, takes `summary_query`.)
_ROWS = table_of(StartupRow)
_PAGE_STATEMENTS: dict[tuple[tuple[str, ...], bool, bool], Any] = {}


def _page_statement(names: tuple[str, ...], own_company: bool, after: bool) -> Any:
    key = (names, own_company, after)
    statement = _PAGE_STATEMENTS.get(key)
    if statement is None:
        statement = sa_select(*(_ROWS.c[name] for name in StartupSummary.model_fields))
        for name in names:
            statement = statement.where(_ROWS.c[name] == bindparam(name))
        if own_company:
            statement = statement.where(_ROWS.c.brn == bindparam("own_brn"))
        if after:
            statement = statement.where(_ROWS.c.startup_id > bindparam("after"))
        statement = _PAGE_STATEMENTS[key] = statement.order_by(_ROWS.c.startup_id).limit(bindparam("limit"))
    return statement


def api_page(session: Session, actor: Actor, filters: dict[str, Any], *, limit: int,
             after: str | None = None) -> list[StartupSummary]:
    """The API's page of the startups matching `filters` (LIST_FILTERS names; None = any) that
    `actor` may list, after the startup id `after`: `listed(session, summary_query(actor, filters), ...)`."""
    if actor.role is Role.EVALUATOR:
        return listed(session, summary_query(actor, filters), limit=limit, after=after)
    given = {name: value.value if hasattr(value, "value") else value
             for name, value in filters.items() if value is not None}
    own_company = actor.role is Role.STARTUP
    params = given | {"limit": limit} | ({"own_brn": actor.brn} if own_company else {}) | \
        ({"after": after} if after is not None else {})
    statement = _page_statement(tuple(given), own_company, after is not None)
    return [summary_of(r) for r in session.connection().execute(statement, params)]


def summary_of(row: Any) -> StartupSummary:
    return StartupSummary(**dict(row._mapping) | {"next_deadline_at": as_utc(row.next_deadline_at),
                                                  "updated_at": as_utc(row.updated_at)})


def count_of(session: Session, query: Any) -> int:
    """How many startups a `summary_query` finds."""
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def listed(session: Session, query: Any, *, limit: int, after: str | None = None,
           offset: int = 0) -> list[StartupSummary]:
    """One page of a `summary_query`'s startups in startup order: those after the startup id
    `after` (the API's cursor), or from `offset` on (the console's page numbers)."""
    in_order = col(StartupRow.startup_id)
    if after is not None:
        query = query.where(in_order > after)
    if offset:
        # The page's first startup id, found by skipping ids alone (an index holds them with the
        # filters' columns), then the page read from it: an OFFSET over the summary columns read
        # every skipped row's columns, and the pages in the middle of 100,000 were the slowest.
        first = query.with_only_columns(in_order).order_by(in_order).offset(offset).limit(1).scalar_subquery()
        query = query.where(in_order >= first)
    rows = session.exec(query.order_by(in_order).limit(limit)).all()
    return [summary_of(r) for r in rows]


def startup_ids_of_company(session: Session, brn: str) -> list[str]:
    """The lifecycles of one company (by registration number), the latest application first."""
    return list(session.exec(select(StartupRow.startup_id).where(StartupRow.brn == brn)
                             .order_by(col(StartupRow.applied_at).desc())).all())


async def trail_of(session: Session, temporal: Any, actor: Actor, startup_id: str) -> History:
    """The readable trail of one startup's lifecycle, its linked stages' and its refused attempts."""
    check_scope(startup_id, actor)
    require_cleared(session, program_of(startup_id), actor)
    try:
        # The trail and the live state (whose links lead to the other stages) are asked for at once.
        histories, state = await asyncio.gather(trail.run_histories(temporal, startup_id),
                                                live_state(temporal, session, startup_id))
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
    return kst_second(at)


async def _linked_stages(temporal: Any, session: Session, state: StartupState) -> list[tuple[str, str]]:
    """This startup's lifecycles in every stage, earliest first, following promotion links."""
    chain = [(state.startup_id, state.stage.value)]
    earlier, later = state.previous_startup_id, state.next_startup_id
    while earlier:
        linked = await live_state(temporal, session, earlier)
        chain.insert(0, (linked.startup_id, linked.stage.value))
        earlier = linked.previous_startup_id
    while later:
        linked = await live_state(temporal, session, later)
        chain.append((linked.startup_id, linked.stage.value))
        later = linked.next_startup_id
    return chain


def startup_row(session: Session, startup_id: str) -> StartupRow | None:
    """The startup's read-model row (its version, phase and summary), if the read model has it."""
    return session.get(StartupRow, startup_id)


def startup_rows(session: Session, startup_ids: list[str]) -> dict[str, StartupRow]:
    """Startup id → its read-model row, for the ids the read model knows."""
    if not startup_ids:
        return {}
    rows = session.exec(select(StartupRow).where(col(StartupRow.startup_id).in_(startup_ids)))
    return {r.startup_id: r for r in rows}
