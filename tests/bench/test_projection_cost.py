"""bench.projection_cost at a toy size: a saved lifecycle's projections written twice as two startups
of their own, so the tool that measures the worker's projection CPU is found broken by `make test`
(the figures come from running it by hand)."""

from pathlib import Path

from bench.projection_cost import measure
from store.db import make_engine, session_scope
from store.tables import AuditEvent, StartupRow


def test_the_projection_cost_writes_each_copy_as_a_startup_of_its_own(tmp_path: Path) -> None:
    result = measure(["lifecycle-notify-outbox"], 2, tmp_path / "read.db")
    [life] = result["cpu_ms_per_lifecycle"].values()
    assert result["projections"] == 2 * life["projections"] and life["median"] > 0
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    with session_scope(engine) as session:
        rows = session.query(StartupRow).all()
        assert len(rows) == 2 and len({r.startup_id for r in rows}) == 2
        assert len({r.version for r in rows}) == 1  # both carried to the history's last version
        assert session.query(AuditEvent).count() == 2 * session.query(AuditEvent).filter(
            AuditEvent.startup_id == rows[0].startup_id).count()
    engine.dispose()
