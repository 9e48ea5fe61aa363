"""Notifications in the read model: the events workflows emitted, each person's in-app inbox, and
each person's preferences (channels per kind, the daily digest)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.notifications import (
    CHOOSABLE_CHANNELS,
    DEFAULT_CHANNELS,
    KINDS,
    KOREAN,
    NOTICE_LANGUAGES,
    NotificationEvent,
)
from domain.rule_ids import RuleId
from store.binding_tables import CompanyBinding
from store.db import table_of
from store.notification_tables import Notice, NotificationEventRow, NotificationPreference
from store.user_tables import User
from store.users import DESKS, PERSON_ROLES, Recipient


def _now() -> datetime:
    return datetime.now(UTC)


# ---- events


# Built once: the projection records events at many changes (store/projection.py).
_EVENTS = table_of(NotificationEventRow)
_EVENT_KNOWN = select(_EVENTS.c.key).where(_EVENTS.c.key == bindparam("event_key"))
_INSERT_EVENT = insert(_EVENTS)


def record_event(session: Session, event: NotificationEvent, *, dispatched: bool = False) -> None:
    """Keep the event once (a retried activity finds it already there). `dispatched`: recorded by
    the projection, for the worker's dispatcher to deliver; otherwise its own activity delivers it."""
    conn = session.connection()
    if conn.execute(_EVENT_KNOWN, {"event_key": event.key}).first() is not None:
        return
    now = _now()
    conn.execute(_INSERT_EVENT, {"key": event.key, "kind": event.kind, "startup_id": event.startup_id,
                                 "program_id": event.program_id, "brn": event.brn, "recipients": event.recipients,
                                 "data": event.data, "emitted_at": event.at, "recorded_at": now,
                                 "delivered_at": None if dispatched else now, "attempts": 0})


def events_of(session: Session, startup_id: str, kind: str | None = None) -> list[NotificationEventRow]:
    """What one startup's lifecycle told people about, oldest first."""
    query = select(NotificationEventRow).where(NotificationEventRow.startup_id == startup_id)
    if kind is not None:
        query = query.where(NotificationEventRow.kind == kind)
    return list(session.exec(query.order_by(col(NotificationEventRow.emitted_at), col(NotificationEventRow.key))).all())


# ---- the in-app inbox


def add_notice(session: Session, *, user_id: str, event: NotificationEvent, subject: str, body: str) -> Notice:
    """One notice per (event, person): a retried activity gets the one it added before."""
    existing = session.exec(select(Notice).where(Notice.event_key == event.key, Notice.user_id == user_id)).first()
    if existing is not None:
        return existing
    notice = Notice(user_id=user_id, event_key=event.key, kind=event.kind, startup_id=event.startup_id,
                    subject=subject, body=body, created_at=_now())
    try:
        with session.begin_nested():
            session.add(notice)
    except IntegrityError:  # a concurrent attempt added it first
        found = session.exec(select(Notice).where(Notice.event_key == event.key, Notice.user_id == user_id)).one()
        return found
    return notice


# Built once: the dispatcher puts a notice in each person's inbox for every event it delivers.
_NOTICES = table_of(Notice)
_NOTICE_KNOWN = core_select(_NOTICES.c.id).where(_NOTICES.c.event_key == bindparam("event_key"),
                                                 _NOTICES.c.user_id == bindparam("user_id"))
_INSERT_NOTICE = insert(_NOTICES)


def put_notice(session: Session, *, user_id: str, event: NotificationEvent, subject: str, body: str) -> None:
    """`add_notice` with built statements on the session's connection, for a caller that needs no
    Notice back: once per (event, person), a retried or concurrent attempt adds nothing."""
    conn = session.connection()
    if conn.execute(_NOTICE_KNOWN, {"event_key": event.key, "user_id": user_id}).first() is not None:
        return
    try:
        with session.begin_nested():
            conn.execute(_INSERT_NOTICE, {"user_id": user_id, "event_key": event.key, "kind": event.kind,
                                          "startup_id": event.startup_id, "subject": subject, "body": body,
                                          "created_at": _now(), "unread": True, "read_at": None})
    except IntegrityError:  # a concurrent attempt added it first
        pass


@dataclass
class NoticePage:
    items: list[Notice]
    total: int
    unread: int


def list_notices(session: Session, user_id: str, *, unread_first: bool = True, unread_only: bool = False,
                 limit: int = 20, offset: int = 0) -> NoticePage:
    mine = select(Notice).where(Notice.user_id == user_id)
    if unread_only:
        mine = mine.where(col(Notice.unread).is_(True))
    order = [col(Notice.unread).desc()] if unread_first else []
    items = session.exec(mine.order_by(*order, col(Notice.created_at).desc(), col(Notice.id).desc())
                         .offset(offset).limit(limit)).all()
    total = session.exec(select(func.count()).select_from(mine.subquery())).one()
    return NoticePage(items=list(items), total=int(total), unread=unread_count(session, user_id))


def unread_count(session: Session, user_id: str) -> int:
    return int(session.exec(select(func.count()).select_from(Notice)
                            .where(Notice.user_id == user_id, col(Notice.unread).is_(True))).one())


def get_notice(session: Session, user_id: str, notice_id: int) -> Notice | None:
    """A person's own notice; another person's is as good as absent."""
    notice = session.get(Notice, notice_id)
    return notice if notice is not None and notice.user_id == user_id else None


def mark_read(session: Session, notice: Notice) -> Notice:
    if notice.unread:
        notice.unread, notice.read_at = False, _now()
        session.add(notice)
        session.commit()
    return notice


def mark_all_read(session: Session, user_id: str) -> int:
    result = session.execute(update(Notice).where(col(Notice.user_id) == user_id, col(Notice.unread).is_(True))
                             .values(unread=False, read_at=_now()))
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- preferences


@dataclass(frozen=True)
class Preferences:
    # Only the kinds a person chose; every other kind keeps DEFAULT_CHANNELS.
    channels: dict[str, list[str]] = field(default_factory=dict)
    daily_digest: bool = False
    last_digest_at: datetime | None = None
    language: str = KOREAN

    def channels_for(self, kind: str) -> list[str]:
        return list(self.channels.get(kind, DEFAULT_CHANNELS))

    def effective(self) -> dict[str, list[str]]:
        """Every kind with the channels it goes out on."""
        return {kind: self.channels_for(kind) for kind in KINDS}


class PreferenceError(ValueError):
    """A preference that names an unknown kind or channel, or a digest a startup user cannot have."""

    def __init__(self, field_name: str, rule: RuleId, message: str) -> None:
        super().__init__(message)
        self.field, self.rule = field_name, rule


def check_preferences(channels: dict[str, list[str]], daily_digest: bool, *, staff: bool) -> dict[str, list[str]]:
    """The choices as kept (channels de-duplicated in a fixed order), or PreferenceError naming the
    first field at fault."""
    checked: dict[str, list[str]] = {}
    for kind, chosen in channels.items():
        if kind not in KINDS:
            raise PreferenceError(f"channels.{kind}", RuleId.KNOWN_KIND,
                                  f"알 수 없는 알림 종류입니다 / unknown notification kind {kind!r}")
        for channel in chosen:
            if channel not in CHOOSABLE_CHANNELS:
                raise PreferenceError(f"channels.{kind}", RuleId.KNOWN_CHANNEL,
                                      f"알 수 없는 채널입니다 / unknown channel {channel!r} "
                                      f"(one of {', '.join(CHOOSABLE_CHANNELS)}; the in-app inbox is always on)")
        checked[kind] = [c for c in CHOOSABLE_CHANNELS if c in chosen]
    if daily_digest and not staff:
        raise PreferenceError("daily_digest", RuleId.STAFF_ONLY,
                              "일일 요약 메일은 직원만 선택할 수 있습니다 / the daily digest is for staff only")
    return checked


def check_language(language: str) -> str:
    """The language of a person's notices, or PreferenceError."""
    if language not in NOTICE_LANGUAGES:
        raise PreferenceError("language", RuleId.KNOWN_LANGUAGE,
                              f"알림 언어는 ko(한국어) 또는 en(영어)입니다 / the notice language is ko or en, "
                              f"not {language[:20]!r}")
    return language


def preferences_of(session: Session, user_id: str) -> Preferences:
    row = session.get(NotificationPreference, user_id)
    if row is None:
        return Preferences()
    return Preferences(channels=dict(row.channels), daily_digest=row.daily_digest, last_digest_at=row.last_digest_at,
                       language=row.language or KOREAN)


_PREFERENCES = table_of(NotificationPreference)
_PREFERENCES_OF = core_select(_PREFERENCES.c.channels, _PREFERENCES.c.daily_digest, _PREFERENCES.c.last_digest_at,
                              _PREFERENCES.c.language).where(_PREFERENCES.c.user_id == bindparam("user_id"))


def stored_preferences(session: Session, user_id: str) -> Preferences:
    """`preferences_of` read with a built statement on the session's connection: what is stored
    (not a change to the row pending in this session), for the deliveries, which change none."""
    row = session.connection().execute(_PREFERENCES_OF, {"user_id": user_id}).first()
    if row is None:
        return Preferences()
    return Preferences(channels=dict(row.channels), daily_digest=row.daily_digest,
                       last_digest_at=row.last_digest_at, language=row.language or KOREAN)


def save_preferences(session: Session, user_id: str, channels: dict[str, list[str]], daily_digest: bool,
                     language: str | None = None) -> Preferences:
    """Replace a person's choices (checked by check_preferences and check_language first); without a
    language the one chosen before stays."""
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id, channels=channels, daily_digest=daily_digest, updated_at=_now(),
                                     language=language or KOREAN)
    else:
        row.channels, row.daily_digest, row.updated_at = channels, daily_digest, _now()
        row.language = language or row.language
    session.add(row)
    session.commit()
    return preferences_of(session, user_id)


def digest_sent(session: Session, user_id: str, at: datetime) -> None:
    row = session.get(NotificationPreference, user_id)
    if row is not None:
        row.last_digest_at = at
        session.add(row)


# ---- recipients


# Built once: the people an event's recipients name (the same as store.users.resolve_recipient,
# which reads through the ORM), for the dispatcher's every event.
_USERS = table_of(User)
_BINDINGS = table_of(CompanyBinding)
_PERSON = (_USERS.c.id, _USERS.c.display_name, _USERS.c.email, _USERS.c.phone)
_PEOPLE_OF_BRN = (core_select(*_PERSON)
                  .where(_USERS.c.id.in_(core_select(_BINDINGS.c.user_id)
                                         .where(_BINDINGS.c.brn == bindparam("brn"), _BINDINGS.c.revoked_at.is_(None))),
                         _USERS.c.active.is_(True), _USERS.c.kind == "startup")
                  .order_by(_USERS.c.login_id))
_ACTIVE_PEOPLE = (core_select(*_PERSON, _USERS.c.roles, _USERS.c.desks)
                  .where(_USERS.c.active.is_(True), _USERS.c.kind != "service").order_by(_USERS.c.login_id))


class RecipientReader:
    """Resolves a policy's recipients ("startup", a role or a desk) to people in one transaction,
    as store.users.resolve_recipient does, with built statements: the staff directory is read
    once however many roles and desks an event names."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._staff: list[tuple[Recipient, list[str], list[str]]] | None = None

    def resolve(self, recipient: str, brn: str | None = None) -> list[Recipient]:
        if recipient == "startup":
            if not brn:
                return []
            rows = self._session.connection().execute(_PEOPLE_OF_BRN, {"brn": brn})
            return [Recipient(row.id, row.display_name, row.email, row.phone) for row in rows]
        if recipient in DESKS:
            return [person for person, _, desks in self._directory() if recipient in desks]
        if recipient in PERSON_ROLES:
            return [person for person, roles, _ in self._directory() if recipient in roles]
        raise ValueError(f"unknown recipient {recipient!r}")

    def _directory(self) -> list[tuple[Recipient, list[str], list[str]]]:
        if self._staff is None:
            rows = self._session.connection().execute(_ACTIVE_PEOPLE)
            self._staff = [(Recipient(row.id, row.display_name, row.email, row.phone), row.roles, row.desks)
                           for row in rows]
        return self._staff
