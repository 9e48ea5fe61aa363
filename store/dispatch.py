"""The queue of notification events waiting for the worker's dispatcher: recorded by a lifecycle's
projection in the transaction that records its change, taken by a dispatcher under a lease,
marked delivered, or put back with a back-off after a failure. At least once: an event whose
dispatcher died is taken again when its lease ends, and delivering it twice sends nothing twice
(the outbox, store/outbox.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, bindparam, or_, select, update
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


_EVENTS = table_of(NotificationEventRow)
# Undelivered, and neither leased nor backing off past `now`.
_DUE = and_(_EVENTS.c.delivered_at.is_(None),
            or_(_EVENTS.c.next_attempt_at.is_(None), _EVENTS.c.next_attempt_at <= bindparam("now")))
# Built once. The oldest due events leased in one UPDATE, which checks each row is still due as it
# changes it (on PostgreSQL another dispatcher's lease committed meanwhile fails that check).
_LEASE = (update(_EVENTS)
          .where(_EVENTS.c.key.in_(select(_EVENTS.c.key).where(_DUE).order_by(_EVENTS.c.recorded_at)
                                   .limit(bindparam("limit"))), _DUE)
          .values(next_attempt_at=bindparam("until"), attempts=_EVENTS.c.attempts + 1)
          .returning(_EVENTS.c.key, _EVENTS.c.kind, _EVENTS.c.recipients, _EVENTS.c.startup_id,
                     _EVENTS.c.program_id, _EVENTS.c.brn, _EVENTS.c.emitted_at, _EVENTS.c.data,
                     _EVENTS.c.recorded_at))
_NEXT_ATTEMPT = (select(_EVENTS.c.next_attempt_at).where(_EVENTS.c.delivered_at.is_(None))
                 .order_by(_EVENTS.c.next_attempt_at.is_not(None), _EVENTS.c.next_attempt_at).limit(1))


@dataclass(frozen=True)
class Lease:
    """Events taken to deliver, oldest first, and how long until the earliest undelivered event
    left may be tried (None: nothing else waits)."""

    events: list[NotificationEvent]
    next_due_in: timedelta | None


def take_due(engine: Engine, limit: int = 20) -> Lease:
    """Lease up to `limit` undelivered events whose time has come, in one transaction that also
    finds when the next one falls due. Two dispatchers never take the same event: the lease is
    one guarded UPDATE."""
    now = _now()
    with session_scope(engine) as session:
        conn = session.connection()
        rows = conn.execute(_LEASE, {"now": now, "limit": limit, "until": now + LEASE}).all()
        first = conn.execute(_NEXT_ATTEMPT).first()
        session.commit()
    taken = [NotificationEvent(key=row.key, kind=row.kind, recipients=row.recipients, startup_id=row.startup_id,
                               program_id=row.program_id, brn=row.brn, at=as_utc(row.emitted_at), data=row.data)
             for row in sorted(rows, key=lambda r: (as_utc(r.recorded_at), r.key))]
    return Lease(taken, _due_in(first[0], now) if first is not None else None)


def _due_in(next_attempt_at: datetime | None, now: datetime) -> timedelta:
    return timedelta(0) if next_attempt_at is None else max(as_utc(next_attempt_at) - now, timedelta(0))


_DELIVERED = (update(_EVENTS).where(_EVENTS.c.key == bindparam("event_key"))
              .values(delivered_at=bindparam("at"), next_attempt_at=None, last_error=""))


def mark_delivered(session: Session, key: str) -> None:
    """In the caller's transaction (it commits)."""
    session.connection().execute(_DELIVERED, {"event_key": key, "at": _now()})


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
    with session_scope(engine) as session:
        first = session.connection().execute(_NEXT_ATTEMPT).first()
    return _due_in(first[0], _now()) if first is not None else None
