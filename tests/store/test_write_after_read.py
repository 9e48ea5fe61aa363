"""An API write that reads before it writes, on SQLite, while another connection writes in between:
the appeal panel named again with its audit row (store/appeal_panel.py) takes the write lock at its
BEGIN (store.db.begin_write) instead of turning a stale read transaction into a write, which SQLite
refuses at once ("database is locked"); the row it changes is read again under that lock."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from domain.phases import Role
from domain.state import Actor
from store.appeal_panel import audit_chain, set_panel
from store.db import make_engine, migrate
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


def test_a_stale_read_transaction_cannot_write_on_sqlite(tmp_path: Path) -> None:
    """The hazard itself, so that the test below proves something."""
    api, other = _sessions(tmp_path)
    assert api.exec(select(ProgramRow)).all()
    _write_elsewhere(other, ["u-other"])
    with pytest.raises(OperationalError, match="database is locked"):
        api.execute(text("UPDATE program SET definition = definition WHERE id = 'p1'"))
    api.rollback()


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
