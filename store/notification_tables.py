"""Tables of notifications to people: the events the workflows emitted, the in-app inbox, the
outbox that makes each delivery happen once, and each person's preferences."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class NotificationEventRow(SQLModel, table=True):
    """One event a workflow emitted (kind, recipients as roles/desks/"startup", its data), kept
    once by its key whatever happens to its deliveries. An event a projection recorded waits
    (`delivered_at` empty) until the worker's dispatcher has delivered it."""

    __tablename__ = "notification_event"
    __table_args__ = (
        Index("ix_notification_event_startup_kind", "startup_id", "kind"),
        Index("ix_notification_event_undelivered", "next_attempt_at", "recorded_at",
              postgresql_where=text("delivered_at IS NULL"), sqlite_where=text("delivered_at IS NULL")),
    )

    key: str = Field(primary_key=True, max_length=120)
    kind: str = Field(max_length=40)
    startup_id: str = Field(max_length=100)
    program_id: str = Field(max_length=64)
    # Whose people "startup" names: the dispatcher delivers from the row alone.
    brn: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    recipients: list[str] = Field(sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    emitted_at: datetime = _utc()
    recorded_at: datetime = _utc()
    delivered_at: datetime | None = _utc_optional()
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Not before then: a dispatcher's lease while it delivers, a back-off after a failure.
    next_attempt_at: datetime | None = _utc_optional()
    last_error: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})


class Notice(SQLModel, table=True):
    """One notification in a person's in-app inbox (`GET /me/notifications`)."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("event_key", "user_id", name="uq_notice_event_user"),
        # The inbox reads one person's notices, unread first, newest first.
        Index("ix_notice_user_unread", "user_id", "unread", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id"), nullable=False))
    event_key: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    startup_id: str = Field(max_length=100)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _utc()
    unread: bool = True
    read_at: datetime | None = _utc_optional()


class NoticeDelivery(SQLModel, table=True):
    """The outbox: one row per (event, person, channel), claimed before anything is sent and marked
    after, so a retried activity finds the row and never sends twice. The daily digest is itself
    an event ("digest:<user>:<day>") with its own email row."""

    __tablename__ = "notice_delivery"
    __table_args__ = (
        UniqueConstraint("event_key", "user_id", "channel", name="uq_notice_delivery"),
        # The digest job reads the deliveries waiting for it.
        Index("ix_notice_delivery_waiting", "channel", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=120)
    user_id: str = Field(max_length=40, index=True)
    channel: str = Field(max_length=16)  # email | sms | inbox | digest
    # claimed → sent | failed | unconfirmed; a digest row: waiting → sent
    status: str = Field(max_length=16)
    address: str | None = Field(default=None, max_length=254)
    # The Message-ID chosen before sending (an email), so a relay's log can confirm an unconfirmed one.
    message_id: str | None = Field(default=None, max_length=200)
    detail: str = Field(default="", max_length=500)
    attempts: int = 0
    claimed_at: datetime = _utc()
    finished_at: datetime | None = _utc_optional()


class NotificationPreference(SQLModel, table=True):
    """A person's choices: channels per kind of notification (kinds not named keep the defaults),
    and for staff one daily digest email instead of an email per event."""

    __tablename__ = "notification_preference"

    user_id: str = Field(sa_column=Column(String(40), ForeignKey("app_user.id"), primary_key=True))
    channels: dict[str, list[str]] = Field(sa_column=Column(JSON, nullable=False))
    daily_digest: bool = False
    last_digest_at: datetime | None = _utc_optional()
    updated_at: datetime = _utc()
    # The one language of this person's notices ("ko" or "en"): inbox, email and SMS alike.
    language: str = Field(default="ko", sa_column=Column(String(2), nullable=False, server_default="ko"))
