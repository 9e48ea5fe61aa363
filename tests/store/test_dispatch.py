"""The dispatcher's queue (store/dispatch.py) on SQLite and, where one is reachable, PostgreSQL: due
events leased oldest first and never twice, the next due instant found with the lease, a failure
backing off and a delivery taking the event out of the queue."""

from datetime import UTC, datetime, timedelta

from domain.notifications import NotificationEvent
from store import dispatch
from store.db import make_engine, migrate, session_scope
from store.notifications import record_event
from tests.conftest import wait_until
from tests.store.test_database import database_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)


def _event(n: int) -> NotificationEvent:
    return NotificationEvent(key=f"startup:t:1:n{n}", kind="selection_selected", recipients=["startup"],
                             startup_id="startup:t:1", program_id="t", brn="1018100001",
                             at=datetime(2026, 12, 7, tzinfo=UTC) + timedelta(minutes=n), data={"n": n})


async def test_due_events_are_leased_once_oldest_first_and_back_off_after_a_failure(
        database_url: str) -> None:  # noqa: F811
    migrate(database_url)
    engine = make_engine(database_url, writer=True)
    try:
        assert dispatch.take_due(engine) == dispatch.Lease([], None)
        for n in (1, 2, 3):
            with session_scope(engine) as session:
                record_event(session, _event(n), dispatched=True)
                session.commit()

        first = dispatch.take_due(engine, limit=2)
        assert [e.key for e in first.events] == ["startup:t:1:n1", "startup:t:1:n2"]
        assert first.events[0] == _event(1)  # as the lifecycle emitted it
        assert first.next_due_in == timedelta(0)  # the third is due now
        second = dispatch.take_due(engine, limit=2)
        assert [e.key for e in second.events] == ["startup:t:1:n3"]  # the leased two are not taken again
        assert second.next_due_in is not None and second.next_due_in > dispatch.LEASE - timedelta(minutes=1)

        dispatch.delivered(engine, "startup:t:1:n1")
        dispatch.delivered(engine, "startup:t:1:n3")
        assert dispatch.failed(engine, "startup:t:1:n2", "mailbox busy") == dispatch.FIRST_RETRY
        nothing_yet = dispatch.take_due(engine)
        assert nothing_yet.events == []
        assert nothing_yet.next_due_in is not None and nothing_yet.next_due_in <= dispatch.FIRST_RETRY

        async def lease() -> dispatch.Lease:
            return dispatch.take_due(engine)

        retried = await wait_until(lease, lambda taken: bool(taken.events), timeout=10, what="the back-off to pass")
        assert [e.key for e in retried.events] == ["startup:t:1:n2"] and retried.next_due_in is not None
        dispatch.delivered(engine, "startup:t:1:n2")
        assert dispatch.take_due(engine) == dispatch.Lease([], None) and dispatch.next_due_in(engine) is None
    finally:
        engine.dispose()
