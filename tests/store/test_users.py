"""The user directory without a server: the password rule, users and their bad input, recipient
resolution, tokens that belong to users, tokens made before the migration, and the CLI."""

from datetime import UTC
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner, Result

from domain.phases import Role
from store.db import alembic_config, make_engine, migrate, session_scope
from store.passwords import password_problems, verify_password
from store.tables import ApiToken, EvaluatorConflict
from store.tokens import create_token, issue_token, token_user
from store.user_tables import User, WebSession
from store.users import (
    DirectoryError,
    active_users,
    create_user,
    disable_user,
    find_by_login,
    resolve_recipient,
    set_roles,
    users_of_brn,
)
from tests.store.test_database import database_url  # noqa: F401  (SQLite, and PostgreSQL where reachable)


@pytest.mark.parametrize("password,ok", [
    ("Gkswn!2025x", True),        # 11 characters, four kinds
    ("k7#mq2vz9p", True),         # 10 characters, three kinds
    ("tz9k2mq7vb", True),         # 10 characters, two kinds
    ("Tz9k#2mq", False),          # 8 characters: too short even with four kinds
    ("tzkqmvbwxy", False),        # 10 characters of one kind
    ("Tz9km2qvb", True),          # 9 characters, three kinds
    ("tz9km2qvb", False),         # 9 characters, two kinds
    ("Axf1234!zz", False),        # four consecutive characters
    ("Qaaaa!9zzz", False),        # four equal characters
    ("P@ssw0rd", False),
    ("password1!", False),        # on the common list
])
def test_password_rule(password: str, ok: bool) -> None:
    assert (password_problems(password) == []) is ok, password_problems(password)


def test_a_password_may_not_contain_the_login_id() -> None:
    problems = password_problems("Kim.minsu!92", "kim.minsu")
    assert len(problems) == 1 and "아이디" in problems[0] and "login id" in problems[0]
    assert password_problems("Kim.minsu!92", "park.j") == []


def _staff(session, login: str = "officer.kim", **overrides):  # type: ignore[no-untyped-def]
    args = dict(login_id=login, display_name="김민수", kind="staff", roles=["program_officer"],
                email=f"{login}@agency.go.kr", password="Gkswn!2025x") | overrides
    return create_user(session, **args)


def test_users_bad_input_names_the_field_and_creates_nothing(database_url: str) -> None:  # noqa: F811
    migrate(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        user = _staff(session)
        assert user.id.startswith("u-") and user.password_hash and "Gkswn" not in user.password_hash
        cases = [
            (dict(login="new.one", roles=["boss"]), "validation_error", "roles", "boss"),
            (dict(login="new.one", desks=["ceo"]), "validation_error", "desks", "ceo"),
            (dict(login="OFFICER.KIM", email="x@agency.go.kr"), "conflict", "login_id", "officer.kim"),
            (dict(login="new.one", email="Officer.Kim@agency.go.kr"), "conflict", "email", "officer.kim@"),
            (dict(login="new.one", password="short1"), "validation_error", "password", "10"),
            (dict(login="new.one", kind="startup", roles=["startup"]), "validation_error", "brn", "registration"),
            (dict(login="new.one", kind="startup", roles=["startup"], brn="1248100990"), "validation_error", "brn",
             "check digit"),
            (dict(login="new.one", roles=["startup"]), "validation_error", "roles", "staff"),
            (dict(login="x"), "validation_error", "login_id", "3"),
        ]
        for overrides, code, field, named in cases:
            with pytest.raises(DirectoryError) as refused:
                _staff(session, **overrides)
            assert (refused.value.code, refused.value.field) == (code, field)
            assert named in refused.value.message, refused.value.message
        assert [u.login_id for u in session.exec(select(User)).all()] == ["officer.kim"]
        with pytest.raises(DirectoryError, match="boss"):
            set_roles(session, user, ["program_officer", "boss"])
    with session_scope(engine) as session:
        assert find_by_login(session, "officer.kim").roles == ["program_officer"]
    engine.dispose()


def test_recipients_by_role_desk_and_company(database_url: str) -> None:  # noqa: F811
    migrate(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        kim = _staff(session, desks=["program_manager"])
        lee = _staff(session, "finance.lee", display_name="이서연", roles=["finance_officer"], desks=["finance_lead"])
        gone = _staff(session, "finance.old", roles=["finance_officer"])
        ceo = create_user(session, login_id="ceo.demo", display_name="대표 홍길동", kind="startup", roles=["startup"],
                          brn="124-81-00998", email="ceo@demo-ai.kr")
        create_token(session, Role.FINANCE_OFFICER, "finance-robot")  # a service account: never a recipient
        disable_user(session, gone)
        assert [r.user_id for r in active_users(session, role="finance_officer")] == [lee.id]
        assert [r.user_id for r in resolve_recipient(session, "program_manager")] == [kim.id]
        assert [r.user_id for r in resolve_recipient(session, "finance_lead")] == [lee.id]
        assert [(r.user_id, r.email) for r in users_of_brn(session, "1248100998")] == [(ceo.id, "ceo@demo-ai.kr")]
        assert resolve_recipient(session, "startup", "1248100998")[0].display_name == "대표 홍길동"
        with pytest.raises(ValueError):
            resolve_recipient(session, "nobody")
    engine.dispose()


def test_disabling_ends_tokens_and_sessions_at_once(database_url: str) -> None:  # noqa: F811
    migrate(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        user = _staff(session, roles=["program_officer", "finance_officer"])
        any_role = issue_token(session, user, None)
        one_role = issue_token(session, user, Role.FINANCE_OFFICER)
        with pytest.raises(ValueError, match="does not hold"):
            issue_token(session, user, Role.AUDITOR)
        assert token_user(session, any_role)[0].role is None and token_user(session, one_role)[0].role == "finance_officer"
        from datetime import datetime

        from api.sessions import start
        start(session, user, "program_officer", datetime.now(UTC))
        disable_user(session, user)
        assert token_user(session, any_role) is None and token_user(session, one_role) is None
        assert all(s.ended_at is not None for s in session.exec(select(WebSession)).all())
    engine.dispose()


def test_tokens_made_before_the_migration_keep_working(database_url: str) -> None:  # noqa: F811
    cfg = alembic_config(database_url)
    command.upgrade(cfg, "0004")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO api_token (name, role, brn, token_hash, created_at) VALUES "
            "('officer.kim', 'program_officer', NULL, :h1, '2025-07-01'), "
            "('officer.kim', 'evaluator', NULL, :h2, '2025-07-01'), "
            "('데모AI', 'startup', '1248100998', :h3, '2025-07-01')"),
            {"h1": _hash("axf_old-officer"), "h2": _hash("axf_old-evaluator"), "h3": _hash("axf_old-startup")})
        connection.execute(text("INSERT INTO evaluator_conflict (evaluator_id, brn, reason, declared_at) "
                                "VALUES ('officer.kim', '1248100998', '전 직장', '2025-07-01')"))
    command.upgrade(cfg, "head")
    with session_scope(engine) as session:
        officer, as_officer = token_user(session, "axf_old-officer")[::-1]
        assert token_user(session, "axf_old-evaluator")[1].id == officer.id  # one person, two tokens
        assert as_officer.role == "program_officer" and sorted(officer.roles) == ["evaluator", "program_officer"]
        startup = token_user(session, "axf_old-startup")[1]
        assert (startup.brn, startup.roles, startup.display_name) == ("1248100998", ["startup"], "데모AI")
        conflict = session.exec(select(EvaluatorConflict)).one()
        assert conflict.evaluator_id == officer.id  # conflicts now key on the user id
        # A token made by name afterwards joins the same account.
        later = create_token(session, Role.EVALUATOR, "officer.kim")
        assert token_user(session, later)[1].id == officer.id
        assert len(session.exec(select(ApiToken)).all()) == 4
    engine.dispose()


def _hash(token: str) -> str:
    from store.tokens import hash_token
    return hash_token(token)


def test_the_cli_adds_lists_sets_roles_and_disables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The Typer app in this process (a subprocess per command spent seconds importing the stack):
    # the command line, its exit codes and its messages are the same.
    from axflow import config
    from axflow.cli import app

    monkeypatch.setenv("AXFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AXFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")

    def axflow(*args: str) -> Result:
        config.get_settings.cache_clear()  # each command reads the environment, as a new process would
        try:
            return CliRunner().invoke(app, ["user", *args])
        finally:
            config.get_settings.cache_clear()

    added = axflow("add", "officer.park", "--name", "박지훈", "--role", "program_officer", "--role", "evaluator",
                   "--desk", "program_manager", "--email", "park@agency.go.kr")
    assert added.exit_code == 0, added.output
    assert axflow("add", "officer.park", "--name", "다른 사람", "--role", "evaluator").exit_code != 0
    unknown = axflow("add", "x.user", "--name", "엑스", "--role", "boss")
    assert unknown.exit_code != 0 and "boss" in unknown.stderr
    assert axflow("set-roles", "officer.park", "--role", "finance_officer").exit_code == 0
    assert axflow("disable", "officer.park").exit_code == 0
    listed = axflow("list").stdout
    assert "officer.park" in listed and "finance_officer" in listed and "disabled" in listed and "박지훈" in listed
    engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
    with session_scope(engine) as session:
        assert verify_password(None, "anything") is False
        assert find_by_login(session, "officer.park").desks == ["program_manager"]
    engine.dispose()
