"""The outbox: one row per (event, person, channel), claimed before a message goes out and marked
after, so that a retried notification activity never sends the same message twice.

A row's life:  claimed → sent | retry (known not delivered: may be claimed again) | refused (final)
and, for an email whose claim outlived its attempt, unconfirmed. The daily digest queues rows of
channel "digest" (waiting → batched into one digest email → sent).

The one gap is a crash between sending and marking: the row stays "claimed" and nobody knows
whether the message left. An email is then never sent again (the row becomes "unconfirmed", with
the Message-ID chosen before sending, which the relay's log can confirm): at most once, because a
second copy of a grant notice is worse than a missing one that the in-app inbox still holds. An
SMS is sent again with the same idempotency key, which the gateway answers as a duplicate.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import session_scope
from store.notification_tables import Notice, NoticeDelivery

log = structlog.get_logger()

CLAIMED, SENT, RETRY, REFUSED, UNCONFIRMED = "claimed", "sent", "retry", "refused", "unconfirmed"
WAITING, BATCHED = "waiting", "batched"
DIGEST = "digest"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Claim:
    row_id: int
    # The Message-ID recorded with the first claim: a re-claim sends under the same id.
    message_id: str | None


def _find(session: Session, event_key: str, user_id: str, channel: str) -> NoticeDelivery | None:
    return session.exec(select(NoticeDelivery).where(NoticeDelivery.event_key == event_key,
                                                     NoticeDelivery.user_id == user_id,
                                                     NoticeDelivery.channel == channel)).first()


def _move(session: Session, row_id: int, from_status: str, **values: object) -> bool:
    """Change a row only if it is still in `from_status`: of two attempts racing, one wins."""
    result = session.execute(update(NoticeDelivery).where(col(NoticeDelivery.id) == row_id,
                                                          col(NoticeDelivery.status) == from_status)
                             .values(**values))
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def claim(engine: Engine, *, event_key: str, user_id: str, channel: str, address: str,
          message_id: str | None = None, resend_stale: bool = False) -> Claim | None:
    """The right to send this message now, or None when it was sent (or may have been) already.
    `resend_stale` for a channel whose far end drops duplicates (the SMS gateway's idempotency key)."""
    with session_scope(engine) as session:
        row = _find(session, event_key, user_id, channel)
        if row is None:
            row = NoticeDelivery(event_key=event_key, user_id=user_id, channel=channel, status=CLAIMED,
                                 address=address, message_id=message_id, attempts=1, claimed_at=_now())
            try:
                session.add(row)
                session.commit()
                assert row.id is not None
                return Claim(row.id, message_id)
            except IntegrityError:  # another attempt claimed it a moment ago
                session.rollback()
                row = _find(session, event_key, user_id, channel)
                assert row is not None
        assert row.id is not None
        if row.status == RETRY and _move(session, row.id, RETRY, status=CLAIMED, attempts=row.attempts + 1,
                                         address=address, claimed_at=_now()):
            return Claim(row.id, row.message_id)
        if row.status == CLAIMED and resend_stale:
            session.execute(update(NoticeDelivery).where(col(NoticeDelivery.id) == row.id)
                            .values(attempts=row.attempts + 1, claimed_at=_now()))
            session.commit()
            return Claim(row.id, row.message_id)
        if row.status == CLAIMED and _move(session, row.id, CLAIMED, status=UNCONFIRMED, finished_at=_now(),
                                           detail="an earlier attempt ended between sending and recording"):
            log.warning("notification unconfirmed, not sent again", event_key=event_key, user_id=user_id,
                        channel=channel, message_id=row.message_id)
        return None


def finish(engine: Engine, row_id: int, status: str, detail: str = "") -> None:
    """Record how a claimed send ended: sent, retry (not delivered; may be claimed again) or refused."""
    with session_scope(engine) as session:
        session.execute(update(NoticeDelivery).where(col(NoticeDelivery.id) == row_id)
                        .values(status=status, detail=detail[:500], finished_at=_now()))
        session.commit()


def deliveries_of(session: Session, event_key: str) -> list[NoticeDelivery]:
    return list(session.exec(select(NoticeDelivery).where(NoticeDelivery.event_key == event_key)
                             .order_by(col(NoticeDelivery.id))).all())


# ---- the daily digest


def queue_for_digest(session: Session, event_key: str, user_id: str) -> None:
    """Keep the event for the person's next digest instead of an email now (once)."""
    if _find(session, event_key, user_id, DIGEST) is not None:
        return
    try:
        with session.begin_nested():
            session.add(NoticeDelivery(event_key=event_key, user_id=user_id, channel=DIGEST, status=WAITING,
                                       claimed_at=_now()))
    except IntegrityError:
        pass


def waiting_for_digest(session: Session) -> list[str]:
    """The people with notifications waiting for a digest."""
    return list(session.exec(select(NoticeDelivery.user_id).where(NoticeDelivery.channel == DIGEST,
                                                                  NoticeDelivery.status == WAITING)
                             .distinct().order_by(col(NoticeDelivery.user_id))).all())


def batch_for_digest(engine: Engine, user_id: str, digest_key: str) -> list[Notice]:
    """Put everything waiting for `user_id` into the digest `digest_key` and return its notices
    (with any batched into the same digest by an earlier attempt), oldest first."""
    with session_scope(engine) as session:
        session.execute(update(NoticeDelivery).where(col(NoticeDelivery.user_id) == user_id,
                                                     col(NoticeDelivery.channel) == DIGEST,
                                                     col(NoticeDelivery.status) == WAITING)
                        .values(status=BATCHED, detail=digest_key))
        session.commit()
        keys = session.exec(select(NoticeDelivery.event_key).where(NoticeDelivery.user_id == user_id,
                                                                   NoticeDelivery.channel == DIGEST,
                                                                   NoticeDelivery.detail == digest_key)).all()
        if not keys:
            return []
        return list(session.exec(select(Notice).where(Notice.user_id == user_id, col(Notice.event_key).in_(keys))
                                 .order_by(col(Notice.created_at), col(Notice.id))).all())


def settle_digest(engine: Engine, user_id: str, digest_key: str, sent: bool) -> None:
    """After the digest email: its rows are sent, or back to waiting for the next digest."""
    with session_scope(engine) as session:
        session.execute(update(NoticeDelivery).where(col(NoticeDelivery.user_id) == user_id,
                                                     col(NoticeDelivery.channel) == DIGEST,
                                                     col(NoticeDelivery.detail) == digest_key)
                        .values(status=SENT if sent else WAITING, detail=digest_key if sent else "",
                                finished_at=_now() if sent else None))
        session.commit()
