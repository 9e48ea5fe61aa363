"""The database layer on SQLite and, where one is reachable, PostgreSQL: migrations both ways,
idempotent projections, the hash-chained audit table and tokens."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from domain.io import Projection
from domain.phases import Phase, Role, Stage
from domain.state import Actor, LedgerMove, ScoreEntry, StartupState, Transition
from store.appeal_panel import set_panel
from store.audit import verify_chain
from store.db import alembic_config, make_engine, migrate, session_scope
from store.projection import apply_projection
from store.tables import AuditEvent, LedgerEntry, ProgramRow, StartupRow
from store.tokens import create_token, find_token, revoke_token
from store.user_tables import WorkItem, WorkItemExclusion

KEY = b"audit-key-of-the-store-tests-0123456789"

POSTGRES_ADMIN = os.environ.get("AXFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not _postgres_reachable(), reason="no PostgreSQL reachable (set AXFLOW_TEST_POSTGRES_URL)"))]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
        return
    name = f"axflow_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_upgrade_downgrade_and_upgrade_again(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert {"program", "startup", "audit_event", "ledger_entry", "api_token", "participation_ban"} <= tables
    command.downgrade(alembic_config(database_url), "base")
    assert "startup" not in set(inspect(engine).get_table_names())
    migrate(database_url)
    assert "startup" in set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_migrations_build_exactly_the_tables_the_code_declares(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    engine.dispose()


def _state(version: int, phase: Phase = Phase.UNDER_REVIEW) -> StartupState:
    return StartupState(
        startup_id="startup:p:1248100998", program_id="p", program_name="P", stage=Stage.MICRO,
        brn="1248100998", company_name="한글 회사", founded_on=date(2020, 1, 1), task_id="SF-01",
        sector="smart_factory", region="경북", grant_amount=80_000_000, phase=phase,
        applied_at=datetime(2025, 7, 1, tzinfo=UTC), version=version, transition_count=version,
    )


def _transition(seq: int, to: Phase) -> Transition:
    return Transition(seq=seq, at=datetime(2025, 7, 1, 1, seq, tzinfo=UTC), actor_id="officer.kim",
                      actor_name="김 주무관", role=Role.PROGRAM_OFFICER, action="step", reason="사유",
                      from_phase=Phase.APPLIED, to_phase=to, details={"n": seq})


def test_projections_are_idempotent_and_never_go_backwards(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url, writer=True)
    newer = Projection(state=_state(3, Phase.SELECTED), transitions=[_transition(2, Phase.UNDER_REVIEW),
                                                                      _transition(3, Phase.SELECTED)],
                       ledger=[LedgerMove(key="startup:p:1248100998:committed:-", kind="committed",
                                          amount=80_000_000, at=datetime(2025, 7, 2, tzinfo=UTC))])
    older = Projection(state=_state(1, Phase.APPLIED), transitions=[_transition(1, Phase.APPLIED)])
    with session_scope(engine) as session:
        apply_projection(session, newer, KEY)
        apply_projection(session, newer, KEY)  # a retried activity
        apply_projection(session, older, KEY)  # arriving late
    with session_scope(engine) as session:
        row = session.get(StartupRow, "startup:p:1248100998")
        assert (row.phase, row.version) == ("selected", 3)
        # The state's JSON (Hangul kept as UTF-8 text, store/db.json_text) reads back as the same state.
        assert StartupState.model_validate(row.state) == newer.state
        assert row.state["company_name"] == "한글 회사"
        assert [e.seq for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()] == [2, 3, 1]
        assert len(session.exec(select(LedgerEntry)).all()) == 1
        assert verify_chain(session, KEY).ok
    engine.dispose()


def test_a_projection_answers_where_its_startups_chain_ends(database_url: str) -> None:
    """The anchor returned is the startup's row of highest seq, whatever was inserted (nothing, a
    late lower seq, rows linked after another startup's), and the chain holds across startups."""
    migrate(database_url)
    engine = make_engine(database_url, writer=True)
    other = _state(1).model_copy(update={"startup_id": "startup:p:2208162517", "brn": "2208162517"})

    def last_row(startup_id: str) -> tuple[int, str] | None:
        rows = session.exec(select(AuditEvent).where(AuditEvent.startup_id == startup_id)).all()
        return max(((r.seq, r.hash) for r in rows), default=None)

    with session_scope(engine) as session:
        assert apply_projection(session, Projection(state=_state(0)), KEY) is None  # no chain yet
        steps = [
            (_state(2), [_transition(2, Phase.UNDER_REVIEW)]),
            (other, [_transition(1, Phase.APPLIED)]),  # another startup's row between
            (_state(3), [_transition(2, Phase.UNDER_REVIEW), _transition(3, Phase.SELECTED)]),  # 2 recorded
            (_state(3), [_transition(3, Phase.SELECTED)]),  # a retried activity
            (_state(3), [_transition(1, Phase.APPLIED)]),  # a lower seq arriving late
            (_state(4), []),  # nothing to record
            (other, []),
        ]
        for state, transitions in steps:
            anchor = apply_projection(session, Projection(state=state, transitions=transitions), KEY)
            assert anchor is not None and (anchor.count, anchor.last_hash) == last_row(state.startup_id)
        assert [e.seq for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()] == [2, 1, 3, 1]
        assert verify_chain(session, KEY).ok
    engine.dispose()


def test_replaced_work_items_take_their_exclusions_with_them(database_url: str) -> None:
    """An item's exclusions go with it (the foreign key's cascade) when the projection replaces
    the startup's items: none is left over to hide a later item from someone."""
    migrate(database_url)
    engine = make_engine(database_url, writer=True)

    def scored(version: int, *evaluators: str) -> StartupState:
        return _state(version).model_copy(update={"scores": [
            ScoreEntry(evaluator_id=e, round="document", score=80, at=datetime(2025, 7, 2, tzinfo=UTC))
            for e in evaluators]})

    def held() -> tuple[list[tuple[str, str]], list[str]]:
        items = session.exec(select(WorkItem)).all()
        excluded = session.exec(select(WorkItemExclusion).order_by(WorkItemExclusion.user_id)).all()
        assert {x.work_item_id for x in excluded} <= {i.id for i in items}
        return [(i.audience, i.kind) for i in items], [x.user_id for x in excluded]

    with session_scope(engine) as session:
        apply_projection(session, Projection(state=scored(1, "eval.lee")), KEY)
        assert held() == ([("evaluator", "score")], ["eval.lee"])
        apply_projection(session, Projection(state=scored(2, "eval.lee", "eval.park")), KEY)
        assert held() == ([("evaluator", "score")], ["eval.lee", "eval.park"])
        apply_projection(session, Projection(state=_state(3, Phase.SELECTED)), KEY)
        assert held() == ([("program_officer", "match")], [])
    engine.dispose()


def test_an_altered_audit_row_breaks_the_chain_at_that_row(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url, writer=True)
    with session_scope(engine) as session:
        apply_projection(session, Projection(state=_state(3), transitions=[
            _transition(1, Phase.APPLIED), _transition(2, Phase.UNDER_REVIEW), _transition(3, Phase.SELECTED)]), KEY)
        second = session.exec(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        report = verify_chain(session, KEY)
        assert (report.ok, report.rows) == (True, 3)
        session.exec(text("UPDATE audit_event SET reason = 'nothing to see' WHERE id = :id").bindparams(
            id=second.id))
        session.commit()
    with session_scope(engine) as session:
        report = verify_chain(session, KEY)
    assert (report.ok, report.first_broken_id) == (False, second.id)
    assert "altered" in report.problem
    engine.dispose()


def test_the_api_appends_to_the_chain_after_the_worker_under_the_lock(database_url: str) -> None:
    """The appeal panel named again through the API's (reader's) engine, after the worker's rows:
    its audit row links to the head the worker left, and the chain still verifies."""
    migrate(database_url)
    worker, api = make_engine(database_url, writer=True), make_engine(database_url)
    with session_scope(worker) as session:
        session.add(ProgramRow(id="p1", name="p1", stage="chogi", created_by="u-admin", created_at=datetime.now(UTC),
                               definition={"appeals": {"panel": ["u-first"]}}))
        session.commit()
        apply_projection(session, Projection(state=_state(2), transitions=[
            _transition(1, Phase.APPLIED), _transition(2, Phase.UNDER_REVIEW)]), KEY)
    with session_scope(api) as session:
        row = session.get(ProgramRow, "p1")
        assert row is not None
        before = set_panel(session, KEY, row, ["u-second"], reason="위원 교체",
                           actor=Actor(id="u-officer", name="담당자", role=Role.PROGRAM_OFFICER),
                           at=datetime.now(UTC), request_id=None)
        assert before == ["u-first"]
        report = verify_chain(session, KEY)
    assert (report.ok, report.rows) == (True, 3)
    worker.dispose()
    api.dispose()


def test_tokens_are_stored_hashed_and_die_when_revoked_or_expired(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        token = create_token(session, Role.AUDITOR, "auditor.jung")
        short = create_token(session, Role.AUDITOR, "temp", expires_in=timedelta(seconds=-1))
        row = find_token(session, token)
        assert row is not None and row.token_hash != token and token not in row.token_hash
        assert find_token(session, short) is None
        assert revoke_token(session, row.id)
        assert find_token(session, token) is None
        with pytest.raises(ValueError, match="--brn"):
            create_token(session, Role.STARTUP, "no brn")
    engine.dispose()
