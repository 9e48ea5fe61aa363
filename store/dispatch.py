"""The queue of notification events waiting for the worker's dispatcher: recorded by a lifecycle's
projection in the transaction that records its change, taken by a dispatcher under a lease,
marked delivered, or put back with a back-off after a failure. At least once: an event whose
dispatcher died is taken again when its lease ends, and delivering it twice sends nothing twice
(the outbox, store/outbox.py)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, or_, select, update
from sqlmodel import Session, col

from domain.notifications import NotificationEvent
from store.db import as_utc, session_scope, table_of
from store.notification_tables import NotificationEventRow

# Longer than delivering one event takes (the SMTP and gateway calls time out after 10 s each).
LEASE = timedelta(minutes=2)
# After the n-th failed attempt wait FIRST_RETRY × 2^(n-1), at most LONGEST_WAIT: a mailbox that
# refuses for a moment gets its mail within seconds, a relay that is down is not hammered.
FIRST_RETRY = timedelta(seconds=1)
LONGEST_WAIT = timedelta(minutes=10)


def _now() -> datetime:
    return datetime.now(UTC)


def take_due(engine: Engine, limit: int = 20) -> list[NotificationEvent]:
    """Lease up to `limit` undelivered events whose time has come, oldest first. Two dispatchers
    never take the same event: each lease is one guarded UPDATE."""
    now = _now()
    table = table_of(NotificationEventRow)
    due = and_(table.c.delivered_at.is_(None), or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now))
    taken: list[NotificationEvent] = []
    with session_scope(engine) as session:
        rows = session.execute(select(table).where(due).order_by(table.c.recorded_at).limit(limit)).all()
        for row in rows:
            leased = session.execute(update(table).where(table.c.key == row.key, due).values(
                next_attempt_at=now + LEASE, attempts=table.c.attempts + 1))
            if leased.rowcount:  # type: ignore[attr-defined]
                taken.append(NotificationEvent(key=row.key, kind=row.kind, recipients=row.recipients,
                                               startup_id=row.startup_id, program_id=row.program_id,
                                               brn=row.brn, at=as_utc(row.emitted_at),
                                               data=row.data))
        session.commit()
    return taken


def mark_delivered(session: Session, key: str) -> None:
    """In the caller's transaction (it commits)."""
    session.execute(update(NotificationEventRow).where(col(NotificationEventRow.key) == key)
                    .values(delivered_at=_now(), next_attempt_at=None, last_error=""))


def delivered(engine: Engine, key: str) -> None:
    with session_scope(engine) as session:
        mark_delivered(session, key)
        session.commit()


def failed(engine: Engine, key: str, error: str) -> timedelta:
    """Put the event back to be tried again later; how long it waits."""
    with session_scope(engine) as session:
        row = session.get(NotificationEventRow, key)
        attempts = row.attempts if row is not None else 1
        wait: timedelta = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)
        session.execute(update(NotificationEventRow).where(col(NotificationEventRow.key) == key)
                        .values(next_attempt_at=_now() + wait, last_error=error[:500]))
        session.commit()
    return wait


def next_due_in(engine: Engine) -> timedelta | None:
    """How long until the earliest undelivered event may be tried (None: nothing waits)."""
    table = table_of(NotificationEventRow)
    with session_scope(engine) as session:
        first = session.execute(select(table.c.next_attempt_at).where(table.c.delivered_at.is_(None))
                                .order_by(table.c.next_attempt_at.is_not(None), table.c.next_attempt_at)
                                .limit(1)).first()
    if first is None:
        return None
    return timedelta(0) if first[0] is None else max(as_utc(first[0]) - _now(), timedelta(0))
