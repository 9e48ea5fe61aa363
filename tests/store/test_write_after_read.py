"""A request that reads and then writes, on SQLite, while another connection writes in between (the
worker's projections never stop): the API's engine reads each statement's latest committed data
and takes the write lock at its first write, where it waits its turn (store/db.py), instead of
holding a snapshot from its first read that SQLite then refuses to write from ("database is
locked"). The appeal panel named again with its audit row reads the chain's head under the write
lock it takes at BEGIN (store.db.begin_write), so no other appender reads the same head."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from domain.phases import Role
from domain.state import Actor
from store.appeal_panel import audit_chain, set_panel
from store.db import begin_write, make_engine, migrate
from store.tables import AuditEvent, ProgramRow

KEY = b"audit-key-of-the-store-tests-0123456789"
OFFICER = Actor(id="u-officer", name="담당자", role=Role.PROGRAM_OFFICER)


def _sessions(tmp_path: Path) -> tuple[Session, Session]:
    url = f"sqlite:///{tmp_path}/store.db"
    migrate(url)
    api, other = make_engine(url), make_engine(url)
    with Session(api) as session:
        session.add(ProgramRow(id="p1", name="p1", stage="chogi", created_by="u-admin", created_at=datetime.now(UTC),
                               definition={"id": "p1", "appeals": {"panel": ["u-first"]}}))
        session.commit()
    return Session(api, expire_on_commit=False), Session(other)


def _write_elsewhere(other: Session, panel: list[str]) -> None:
    """Another connection (the projector, another request) writes and commits."""
    row = other.get(ProgramRow, "p1")
    assert row is not None
    row.definition = {**row.definition, "appeals": {"panel": panel}}
    other.add(row)
    other.commit()


def test_a_read_then_another_connections_write_then_a_write_succeeds(tmp_path: Path) -> None:
    api, other = _sessions(tmp_path)
    assert api.exec(select(ProgramRow)).all()
    _write_elsewhere(other, ["u-other"])
    api.execute(text("UPDATE program SET name = 'renamed' WHERE id = 'p1'"))
    api.commit()
    row = other.exec(select(ProgramRow)).one()
    other.refresh(row)
    assert (row.name, row.definition["appeals"]["panel"]) == ("renamed", ["u-other"])


def test_begin_write_holds_the_write_lock_from_its_begin(tmp_path: Path) -> None:
    api, other = _sessions(tmp_path)
    begin_write(api)
    assert api.exec(select(ProgramRow)).all()  # only a read so far, and the lock is held
    impatient = sqlite3.connect(tmp_path / "store.db", timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        impatient.execute("BEGIN IMMEDIATE")
    api.commit()
    impatient.execute("BEGIN IMMEDIATE")
    impatient.execute("ROLLBACK")
    impatient.close()


def test_the_panel_and_its_audit_row_are_written_after_another_connection_wrote(tmp_path: Path) -> None:
    api, other = _sessions(tmp_path)
    row = api.get(ProgramRow, "p1")  # the service's read: the program exists
    assert row is not None
    _write_elsewhere(other, ["u-meanwhile"])
    before = set_panel(api, KEY, row, ["u-second"], reason="위원 교체", actor=OFFICER,
                       at=datetime.now(UTC), request_id=None)
    assert before == ["u-meanwhile"]  # read again under the lock: the panel named in between
    check = Session(make_engine(f"sqlite:///{tmp_path}/store.db"))
    stored = check.get(ProgramRow, "p1")
    assert stored is not None and stored.definition["appeals"]["panel"] == ["u-second"]
    audit = check.exec(select(AuditEvent).where(AuditEvent.startup_id == audit_chain("p1"))).all()
    assert [(a.action, a.details["panel_before"]) for a in audit] == [("set-appeal-panel", ["u-meanwhile"])]
