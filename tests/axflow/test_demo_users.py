"""`make run`'s demo admin and finance officer sign in without a phone: they are enrolled with a
two-step key kept in .data/demo-users.json, and `axflow demo code LOGIN` prints the code the real
sign-in accepts (over HTTP, against the shared stack). Production refuses the command and any
active demo user."""

import json
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from typer.testing import CliRunner, Result

from axflow import config
from axflow.cli import app
from axflow.config import Settings
from axflow.demo_users import DEMO_USERS, demo_code, demo_users, read_demo_users, sign_in_lines
from axflow.production import production_problems
from store.db import make_engine, migrate, session_scope
from store.second_factor import enrolled, recovery_codes_left
from store.users import find_by_login
from tests.conftest import Stack

_serial = iter(range(1, 1_000_000))


def axflow(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str, env: str = "dev") -> Result:
    # The Typer app in this process (a subprocess spends seconds importing the stack), reading the
    # environment as a new process would.
    monkeypatch.setenv("AXFLOW_ENV", env)
    monkeypatch.setenv("AXFLOW_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AXFLOW_DATABASE_URL", settings.database_url)
    config.get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        config.get_settings.cache_clear()


def printed_code(result: Result) -> str:
    # The stack's API runs in this process too: its request log lines may land in the same stdout.
    codes = re.findall(r"^\d{6}$", result.stdout, re.MULTILINE)
    assert result.exit_code == 0 and len(codes) == 1, result.output
    return codes[0]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def sign_in_with_code(stack: Stack, login: str, password: str, code: str) -> bool:
    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=30) as http:
        form = await http.get("/signin")
        asked = await http.post("/signin", data={"login_id": login, "password": password,
                                                 "csrf_token": csrf(form.text)})
        assert asked.status_code == 303 and asked.headers["location"] == "/signin/second-factor", asked.text
        form = await http.get("/signin/second-factor")
        await http.post("/signin/second-factor", data={"csrf_token": csrf(form.text), "code": code})
        return (await http.get("/account")).status_code == 200


async def test_axflow_demo_code_prints_the_code_the_sign_in_accepts(
        stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A demo admin of its own (the shared stack's `admin` is the tests' token holder).
    login = f"demo.admin{next(_serial)}"
    dev = stack.settings.model_copy(update={"data_dir": tmp_path})
    password = demo_users(dev, [(login, "관리자", "staff", ["admin"], [], None)])[login]["password"]
    first = printed_code(axflow(monkeypatch, dev, "demo", "code", login))
    assert await sign_in_with_code(stack, login, password, first)
    # A code signs in once: asked again at once, the command gives the next one, accepted too.
    again = printed_code(axflow(monkeypatch, dev, "demo", "code", login))
    assert again != first and await sign_in_with_code(stack, login, password, again)

    refused = axflow(monkeypatch, dev, "demo", "code", login, env="production")
    assert refused.exit_code == 1 and "refusing in production" in refused.stderr
    assert not re.search(r"^\d{6}$", refused.stdout, re.MULTILINE)
    unknown = axflow(monkeypatch, dev, "demo", "code", "officer.nobody")
    assert unknown.exit_code == 1 and "not a demo user" in unknown.stderr


def test_make_run_enrols_the_demo_admin_and_finance_officer_once_and_production_refuses_them(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/demo.db")
    migrate(settings.database_url)
    # Three of them (each password costs a deliberately slow hash): the two who need a code, one not.
    people = [person for person in DEMO_USERS if person[0] in ("admin", "officer.kim", "finance.lee")]
    users = demo_users(settings, people)
    keyed = sorted(login for login, entry in users.items() if "totp_key" in entry)
    assert keyed == ["admin", "finance.lee"]
    path = tmp_path / "demo-users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        for login in keyed:
            user = find_by_login(session, login)
            factor = enrolled(session, user.id)
            assert factor is not None and factor.secret == users[login]["totp_key"]
            assert recovery_codes_left(session, user.id) == 0  # none made: the key is the way back
        assert enrolled(session, find_by_login(session, "officer.kim").id) is None
    # `make run` again keeps every password and key (an app set up from the key keeps working),
    # and a file from before keys (login → password) is read as passwords.
    assert demo_users(settings, people) == users == read_demo_users(settings)
    printed = sign_in_lines(users, ".venv/bin/axflow")
    assert ".venv/bin/axflow demo code admin" in printed and "demo code officer.kim" not in printed
    legacy = {login: entry["password"] for login, entry in users.items()}
    path.write_text(json.dumps(legacy))
    again = demo_users(settings, people)
    assert {login: entry["password"] for login, entry in again.items()} == legacy
    assert sorted(login for login, entry in again.items() if "totp_key" in entry) == keyed

    # Both codes of this moment and the next signed in already: the code given is the one after,
    # and the command waits for the instant the server's one step of drift lets it in.
    at = datetime.now(UTC)
    totp = pyotp.TOTP(again["admin"]["totp_key"])
    with session_scope(engine) as session:
        factor = enrolled(session, find_by_login(session, "admin").id)
        factor.last_step = totp.timecode(at) + 1
        session.add(factor)
        session.commit()
    code, accepted_from = demo_code(settings, "admin", at)
    assert code == totp.generate_otp(totp.timecode(at) + 2)
    assert at < accepted_from <= at + timedelta(seconds=totp.interval)
    assert totp.timecode(accepted_from) == totp.timecode(at) + 1

    production = settings.model_copy(update={"env": "production"})
    problems = production_problems(production, engine)
    assert "demo users are active (admin, finance.lee, officer.kim)" in problems[-1]
    with pytest.raises(SystemExit, match="production"):
        demo_users(production)
    engine.dispose()
