"""The embedded stack for the benchmarks, started from nothing in a temporary directory: the
Temporal dev server, the simulators, the API, the axflow worker and the baseline worker, each in
its own process (so that the worker's memory can be read and no process steals another's GIL)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.testing import TimeSkipper

from axflow.config import Settings
from axflow.devstack import temporal_command, wait_for_temporal, wait_http
from axflow.ports import free_port
from domain.phases import Role
from store.db import make_engine, migrate, session_scope
from store.passwords import hash_password, password_problems
from store.tokens import create_token
from store.users import find_by_login

# Every bench startup user's password: accepting the agreement asks for it again.
STARTUP_PASSWORD = "Bench!agree-2025q"

BASELINE_QUEUE = "bench-baseline"


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class BenchStack:
    settings: Settings
    client: Client
    skipper: TimeSkipper
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    shared_startup_hash: str = ""  # STARTUP_PASSWORD hashed once per run
    startup_brns: set[str] = field(default_factory=set)  # the startups `startup_tokens` made

    def token(self, role: Role, name: str, brn: str | None = None) -> str:
        key = f"{role.value}:{name}:{brn}"
        if key not in self.tokens:
            engine = make_engine(self.settings.database_url)
            with session_scope(engine) as session:
                self.tokens[key] = create_token(session, role, name, brn)
            engine.dispose()
        return self.tokens[key]

    def startup_password(self, brn: str) -> str:
        """The password of the startup user behind `startup_tokens`' token (set with the token).
        Every bench startup shares one, hashed once per bench run: a real client only types it, so
        the driver neither hashes nor writes anything inside a measured window."""
        assert brn in self.startup_brns, f"{brn}: a startup the bench made no token for"
        return STARTUP_PASSWORD

    def startup_password_hash(self) -> str:
        if not self.shared_startup_hash:
            assert not password_problems(STARTUP_PASSWORD), "the bench's password must pass the rule"
            self.shared_startup_hash = hash_password(STARTUP_PASSWORD)
        return self.shared_startup_hash

    def startup_tokens(self, brns: list[str]) -> dict[str, str]:
        """Many startup tokens, each user with the shared password (`startup_password`), made
        before a round's clock starts (a bench may need thousands)."""
        password_hash = self.startup_password_hash()
        engine = make_engine(self.settings.database_url)
        with session_scope(engine) as session:
            made = {brn: create_token(session, Role.STARTUP, f"startup-{brn}", brn) for brn in brns}
            for brn in brns:
                user = find_by_login(session, f"startup-{brn}")
                assert user is not None, brn
                user.password_hash = password_hash
                session.add(user)
            session.commit()
        engine.dispose()
        self.startup_brns.update(brns)
        return made

    def cpu_by_process(self) -> dict[str, float]:
        """CPU seconds used so far by each process of the stack, and by the bench itself."""
        used = {name: cpu_seconds(proc.pid) for name, proc in self.procs.items() if proc.poll() is None}
        return used | {"bench driver": cpu_seconds(os.getpid())}

    def worker_pid(self) -> int:
        return self.procs["worker"].pid

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.settings.data_dir / "logs" / f"{name}.log", "ab")
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        self.procs[name] = proc
        return proc



def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@asynccontextmanager
async def bench_stack(keep: bool = False) -> AsyncIterator[BenchStack]:
    data = Path(tempfile.mkdtemp(prefix="axflow-bench-"))
    logs = data / "logs"  # as under `make run`
    logs.mkdir()
    ports = {name: free_port() for name in ("temporal", "ui", "api", "finance", "notify", "tax", "smtp")}
    env = os.environ | {
        "PYTHONUNBUFFERED": "1",
        "AXFLOW_DATA_DIR": str(data),
        "AXFLOW_DATABASE_URL": f"sqlite:///{data}/axflow.db",
        "AXFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
        "AXFLOW_TEMPORAL_UI_PORT": str(ports["ui"]),
        "AXFLOW_TASK_QUEUE": "axflow-bench",
        "AXFLOW_API_PORT": str(ports["api"]),
        "AXFLOW_API_URL": f"http://127.0.0.1:{ports['api']}",
        "AXFLOW_FINANCE_PORT": str(ports["finance"]),
        "AXFLOW_FINANCE_URL": f"http://127.0.0.1:{ports['finance']}",
        "AXFLOW_NOTIFY_PORT": str(ports["notify"]),
        "AXFLOW_NOTIFY_URL": f"http://127.0.0.1:{ports['notify']}",
        "AXFLOW_TAX_AUTHORITY_PORT": str(ports["tax"]),
        "AXFLOW_TAX_AUTHORITY_URL": f"http://127.0.0.1:{ports['tax']}",
        "AXFLOW_SMTP_PORT": str(ports["smtp"]),
        "AXFLOW_LOG_LEVEL": "WARNING",
    }
    overrides: dict[str, Any] = {k.removeprefix("AXFLOW_").lower(): v for k, v in env.items() if k.startswith("AXFLOW_")}
    settings = Settings(**overrides)
    migrate(settings.database_url)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        # Time skipping is enabled only so that a program's application window can be moved to its
        # close (as the tests do); no lifecycle or baseline workflow skips time.
        temporal = subprocess.Popen(
            [*temporal_command(settings), "--headless",
             "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
            stdout=open(logs / "temporal.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        procs["temporal"] = temporal
        client = await wait_for_temporal(settings, temporal)
        stack = BenchStack(settings=settings, client=client, skipper=TimeSkipper(client), env=env, procs=procs)
        cli = [sys.executable, "-m", "axflow.cli"]
        finance = stack.start("finance", [*cli, "sim", "finance"])
        notify = stack.start("notify", [*cli, "sim", "notify"])
        tax = stack.start("tax", [*cli, "sim", "tax"])
        stack.start("mail", [*cli, "mail", "serve"])
        api = stack.start("api", [*cli, "api"])
        stack.start("worker", [*cli, "worker"])
        stack.start("baseline", [sys.executable, "-m", "bench.baseline"])
        await wait_http(f"{settings.finance_url}/healthz", "finance", finance, logs)
        await wait_http(f"{settings.notify_url}/healthz", "notify", notify, logs)
        await wait_http(f"{settings.tax_authority_url}/healthz", "tax", tax, logs)
        await wait_http(f"{settings.api_url}/healthz", "api", api, logs)
        yield stack
    finally:
        # The server last: the others stop more cleanly while it still answers.
        for name in sorted(procs, key=lambda name: name == "temporal"):
            stop_process(procs[name])
        if not keep:
            shutil.rmtree(data, ignore_errors=True)
