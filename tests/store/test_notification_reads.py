"""The deliveries' reads with built statements (store/notifications.py) give what the directory's and
the inbox's ORM reads give: the same people for every recipient, the same preferences, one notice
per (event, person)."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from domain.notifications import NotificationEvent
from domain.phases import Role
from store.company_binding import bind
from store.db import make_engine, migrate, session_scope
from store.notification_tables import Notice
from store.notifications import (
    RecipientReader,
    add_notice,
    preferences_of,
    put_notice,
    save_preferences,
    stored_preferences,
)
from store.tokens import create_token
from store.user_tables import User
from store.users import DESKS, PERSON_ROLES, create_user, disable_user, resolve_recipient
from tests.store.test_database import database_url  # noqa: F401  (SQLite, and PostgreSQL where reachable)

BRN, OTHER_BRN = "1248100998", "2208162517"


def _people(url: str) -> dict[str, str]:
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        def staff(login: str, roles: list[str], desks: list[str] = []) -> str:  # noqa: B006
            return create_user(session, login_id=login, display_name=login, kind="staff", roles=roles, desks=desks,
                               email=f"{login}@agency.go.kr", phone="010-1111-2222").id

        ids = {"kim": staff("officer.kim", ["program_officer", "admin"], ["program_manager"]),
               "lee": staff("finance.lee", ["finance_officer"], ["finance_lead"]),
               "ahn": staff("audit.ahn", ["auditor", "evaluator"]),
               "gone": staff("finance.old", ["finance_officer"])}
        for login, brn in (("ceo.demo", BRN), ("cto.demo", BRN), ("ceo.other", OTHER_BRN)):
            ids[login] = create_user(session, login_id=login, display_name=f"대표 {login}", kind="startup",
                                     roles=["startup"], brn=brn, email=f"{login}@demo-ai.kr").id
        create_token(session, Role.FINANCE_OFFICER, "finance-robot")  # a service account: never a recipient
        disable_user(session, _user(session, ids["gone"]))
        # The CTO moves to the other company: the earlier binding is revoked.
        bind(session, _user(session, ids["cto.demo"]), OTHER_BRN, proof="staff_approval", by=ids["kim"],
             at=datetime.now(UTC))
        session.commit()
    engine.dispose()
    return ids


def _user(session: Session, user_id: str) -> User:
    return session.get_one(User, user_id)


def test_the_recipient_reader_names_the_people_resolve_recipient_names(database_url: str) -> None:  # noqa: F811
    _people(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        reader = RecipientReader(session)
        for recipient in sorted(set(DESKS) | PERSON_ROLES):
            assert reader.resolve(recipient) == resolve_recipient(session, recipient), recipient
        for brn in (BRN, OTHER_BRN, "1111111111", None):
            assert reader.resolve("startup", brn) == resolve_recipient(session, "startup", brn), brn
        assert [p.display_name for p in reader.resolve("startup", BRN)] == ["대표 ceo.demo"]
        assert len(reader.resolve("finance_officer")) == 1  # the disabled one and the robot are not
        with pytest.raises(ValueError):
            reader.resolve("nobody")
    engine.dispose()


def test_stored_preferences_and_put_notice_as_the_orm_reads_and_writes(database_url: str) -> None:  # noqa: F811
    ids = _people(database_url)
    engine = make_engine(database_url)
    event = NotificationEvent(key="ev-1", kind="selection_selected", recipients=["startup"], startup_id="s-1",
                              program_id="p-1", brn=BRN, at=datetime.now(UTC), data={})
    with session_scope(engine) as session:
        assert stored_preferences(session, ids["kim"]) == preferences_of(session, ids["kim"])
        save_preferences(session, ids["kim"], {"selection_selected": ["email", "sms"]}, True, "en")
    with session_scope(engine) as session:
        assert stored_preferences(session, ids["kim"]) == preferences_of(session, ids["kim"])
        assert stored_preferences(session, ids["kim"]).language == "en"
        put_notice(session, user_id=ids["ceo.demo"], event=event, subject="선정", body="본문")
        put_notice(session, user_id=ids["ceo.demo"], event=event, subject="선정", body="본문")  # a retry
        add_notice(session, user_id=ids["kim"], event=event, subject="선정", body="본문")
        session.commit()
    with session_scope(engine) as session:
        notices = session.exec(select(Notice).where(Notice.event_key == "ev-1").order_by(Notice.id)).all()
        built, orm = notices
        assert len(notices) == 2 and built.user_id == ids["ceo.demo"]
        fields = ("event_key", "kind", "startup_id", "subject", "body", "unread", "read_at")
        assert [getattr(built, f) for f in fields] == [getattr(orm, f) for f in fields]
        assert built.created_at is not None and add_notice(
            session, user_id=ids["ceo.demo"], event=event, subject="x", body="y").id == built.id
    engine.dispose()
