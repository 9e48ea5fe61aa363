"""docker-compose.yml's topology, run here without Docker: Debian's nginx with a self-signed
certificate in front of two `axflow api` processes in production mode on a fresh PostgreSQL
database, two workers, documents in the S3 server the document tests start, and the session's
embedded Temporal server standing in for the cluster. Everything through the proxy over HTTPS."""

import asyncio
import hashlib
import os
import re
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from unittest.mock import patch

import httpx
import psycopg
import pytest
from temporalio.testing import TimeSkipper, WorkflowEnvironment

from axflow.config import Settings
from axflow.mailbox import MailServer
from axflow.temporal import connect
from axflow.worker import running_worker
from domain.phases import Role
from simulators.finance import create_finance_app
from simulators.notifications import create_notification_app
from simulators.tax_authority import create_tax_authority_app
from store.db import make_engine, migrate, session_scope
from store.storage import make_blob_store
from store.users import create_user
from tests import flows
from tests.conftest import ServerThread, Stack, free_port, wait_until
from tests.documents_support import pdf, s3_endpoint  # noqa: F401
from tests.topology_support import nginx_config, self_signed_certificate, start_api, start_nginx, wait_ready

POSTGRES_ADMIN = os.environ.get("AXFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Topolo!gy-2025q"
_serial = iter(range(1, 1_000_000))


@dataclass
class Topology:
    stack: Stack  # tokens, programs and waits, its HTTP client going through the proxy
    public_url: str
    tls: ssl.SSLContext
    api_ports: list[int]
    apis: list  # the two `axflow api` processes

    def browser(self) -> httpx.AsyncClient:
        """A person's client: its own cookie jar, trusting the proxy's certificate only."""
        return httpx.AsyncClient(base_url=self.public_url, verify=self.tls, timeout=60)


def postgres_database() -> tuple[str, str]:
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3) as conn:
            name = f"axflow_topology_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL reachable (set AXFLOW_TEST_POSTGRES_URL)")
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


@pytest.fixture(scope="module")
async def topology(temporal_env: WorkflowEnvironment, s3_endpoint: str,  # noqa: F811
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Topology]:
    folder = tmp_path_factory.mktemp("topology")
    database, url = postgres_database()
    proxy_port, api_ports = free_port(), [free_port(), free_port()]
    sims = {name: free_port() for name in ("tax", "finance", "notify", "smtp")}
    public_url = f"https://127.0.0.1:{proxy_port}"
    environment = {
        "AXFLOW_ENV": "production", "AXFLOW_DATABASE_URL": url, "AXFLOW_DATA_DIR": str(folder / "data"),
        "AXFLOW_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "AXFLOW_TASK_QUEUE": "axflow-topology", "AXFLOW_PUBLIC_URL": public_url,
        "AXFLOW_API_URL": f"http://127.0.0.1:{api_ports[0]}", "AXFLOW_API_REPLICAS": "2",
        "AXFLOW_TRUSTED_PROXIES": '["127.0.0.1"]', "AXFLOW_DOCUMENT_STORAGE": "s3",
        "AXFLOW_S3_ENDPOINT_URL": s3_endpoint, "AXFLOW_S3_BUCKET": f"axflow-topology-{uuid.uuid4().hex[:8]}",
        "AXFLOW_S3_ACCESS_KEY_ID": "test", "AXFLOW_S3_SECRET_ACCESS_KEY": "test", "AXFLOW_S3_REGION": "us-east-1",
        "AXFLOW_FINANCE_WEBHOOK_SECRET": "f" * 40, "AXFLOW_AUDIT_KEY": "a" * 40,
        "AXFLOW_IDENTITY_ISSUER": "https://id.topology.example", "AXFLOW_IDENTITY_CLIENT_SECRET": "i" * 40,
        "AXFLOW_TAX_AUTHORITY_URL": f"http://127.0.0.1:{sims['tax']}",
        "AXFLOW_FINANCE_URL": f"http://127.0.0.1:{sims['finance']}",
        "AXFLOW_NOTIFY_URL": f"http://127.0.0.1:{sims['notify']}", "AXFLOW_SMTP_PORT": str(sims["smtp"]),
        "AXFLOW_MAIL_DIR": str(folder / "mail"), "AXFLOW_AUTH_FAILURE_LIMIT": "3",
        "AXFLOW_AUTH_FAILURE_LIMIT_PER_LOGIN": "5", "AXFLOW_LOG_LEVEL": "WARNING",
    }
    with patch.dict(os.environ, environment):  # the workers read the same environment as the API processes
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
    migrate(url)
    make_blob_store(settings).create_bucket_if_missing()  # compose's minio-setup does this
    env = {k: v for k, v in os.environ.items() if not k.startswith("AXFLOW_")} | environment
    cert, key = self_signed_certificate(folder)
    servers = [ServerThread(create_tax_authority_app(str(folder / "tax.db")), sims["tax"]),
               ServerThread(create_finance_app(str(folder / "finance.db"), settings.finance_webhook_secret),
                            sims["finance"]),
               ServerThread(create_notification_app(str(folder / "notify.db")), sims["notify"])]
    mail = MailServer(settings.mail_path(), port=sims["smtp"])
    engine = make_engine(url, writer=True)
    tls = ssl.create_default_context(cafile=str(cert))
    async with AsyncExitStack() as stack_of:
        stack_of.callback(drop_database, database)  # last, once everything using it has stopped
        stack_of.callback(engine.dispose)
        # Started first (they take longest) and stopped however the setup ends.
        apis = [start_api(env, port, folder / f"api-{port}.log") for port in api_ports]
        nginx = start_nginx(folder, nginx_config(folder, proxy_port, api_ports, cert, key))
        for process in (*apis, nginx):
            stack_of.callback(stop, process)
        for server in servers:
            await server.start()
            stack_of.callback(server.stop)
        mail.start()
        stack_of.callback(mail.stop)
        for _ in range(2):  # two workers on the task queue, each with its own connections
            worker_engine = make_engine(url, writer=True)
            stack_of.callback(worker_engine.dispose)
            await stack_of.enter_async_context(running_worker(await connect(settings), settings, worker_engine))
        for port, process in zip(api_ports, apis, strict=True):
            await wait_ready(f"http://127.0.0.1:{port}/readyz", process, folder / f"api-{port}.log")
        await wait_ready(f"{public_url}/healthz", nginx, folder / "error.log", verify=tls)
        http = await stack_of.enter_async_context(httpx.AsyncClient(base_url=public_url, verify=tls, timeout=60))
        yield Topology(Stack(settings=settings, client=temporal_env.client, http=http, engine=engine,
                             skipper=TimeSkipper(temporal_env.client), mail_server=mail),
                       public_url, tls, api_ports, apis)


def drop_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def replica(response: httpx.Response) -> str:
    """Which API process answered (nginx's X-Upstream: the last address it tried)."""
    return response.headers["x-upstream"].split(",")[-1].strip()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def staff(topology: Topology) -> tuple[str, str]:
    login = f"topology{next(_serial)}.officer"
    with session_scope(topology.stack.engine) as session:
        create_user(session, login_id=login, display_name="배포검", kind="staff", roles=["program_officer"],
                    email=f"{login}@agency.example", password=PASSWORD)
    return login, f"{login}@agency.example"


async def sign_in(http: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    form = await http.get("/signin")
    return await http.post("/signin", data={"login_id": login, "password": password, "csrf_token": csrf(form.text)})


async def test_a_session_holds_on_both_replicas_with_secure_cookies_and_mail_links_are_public(
        topology: Topology) -> None:
    login, email = staff(topology)
    async with topology.browser() as person:
        signed_in = await sign_in(person, login)
        assert signed_in.status_code == 303, signed_in.text
        cookies = signed_in.headers.get_list("set-cookie")
        assert cookies and all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies if "=;" not in cookie)
        served = set()
        for _ in range(4):  # round robin: the same session on each replica in turn
            home = await person.get("/")
            assert home.status_code == 200, home.status_code  # not sent back to the sign-in page
            served.add(replica(home))
        assert served == {f"127.0.0.1:{port}" for port in topology.api_ports}
        # Over plain HTTP the browser would not send the Secure cookie at all: here it never leaves TLS.
        assert all(cookie.secure for cookie in person.cookies.jar)

        form = await person.get("/signin/reset")
        asked = await person.post("/signin/reset/request", data={"login_id": login, "csrf_token": csrf(form.text)})
        assert asked.status_code == 200
    message = await topology.stack.wait_for_mail(email, lambda m: "재설정" in str(m["Subject"]))
    link = re.search(r"https?://\S+/signin/reset\?token=\S+", message.get_body(("plain",)).get_content())
    assert link and link.group(0).startswith(f"{topology.public_url}/signin/reset?token="), message
    async with topology.browser() as person:
        assert (await person.get(link.group(0))).status_code == 200  # the link opens through the proxy


async def test_documents_are_shared_by_both_replicas_and_the_workers(topology: Topology) -> None:
    stack = topology.stack
    program = await stack.program()
    startup_id = await stack.apply(program)
    brn = startup_id.rsplit(":", 1)[1]
    await stack.wait_phase(startup_id, "under_review", timeout=60)
    content = pdf("kickoff through one replica")
    uploaded = await stack.http.post(f"/startups/{startup_id}/documents", headers=stack.as_startup(brn),
                                     data={"kind": "deliverable", "milestone": "kickoff"},
                                     files={"file": ("착수.pdf", content, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    await downloads_from_both(topology, uploaded.json()["id"], stack.as_startup(brn), content)

    await flows.select(stack, program, {startup_id: 90})
    await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"] is not None, "agreement deadline", 60)
    matched = await flows.match(stack, startup_id)  # a worker renders the agreement into the bucket
    agreement = matched["agreement_document"]
    fetched = await downloads_from_both(topology, agreement["id"], stack.as_role(Role.PROGRAM_OFFICER))
    assert hashlib.sha256(fetched).hexdigest() == agreement["sha256"]


async def downloads_from_both(topology: Topology, document_id: str, headers: dict[str, str],
                              content: bytes | None = None) -> bytes:
    seen: dict[str, bytes] = {}
    for _ in range(6):
        response = await topology.stack.http.get(f"/documents/{document_id}", headers=headers)
        assert response.status_code == 200, response.text
        seen[replica(response)] = response.content
        if len(seen) == 2:
            break
    assert len(seen) == 2 and len(set(seen.values())) == 1, seen.keys()
    found = next(iter(seen.values()))
    assert content is None or found == content
    return found


async def test_the_sign_in_throttle_counts_across_both_replicas(topology: Topology) -> None:
    login, _ = staff(topology)

    async def attempt(http: httpx.AsyncClient, password: str) -> httpx.Response:
        # Three requests per attempt (one more than the form and its post): under round robin each
        # attempt's post lands on the other replica than the one before.
        await http.get("/healthz")
        return await sign_in(http, login, password)
    async with topology.browser() as guesser:
        wrong = [await attempt(guesser, "Not-the-pass-1") for _ in range(3)]
        assert [r.status_code for r in wrong] == [401, 401, 401]
        assert len({replica(r) for r in wrong}) == 2  # the guesses were spread over both
        refused = [await attempt(guesser, PASSWORD) for _ in range(2)]  # the right password, too late
    assert [r.status_code for r in refused] == [429, 429] and len({replica(r) for r in refused}) == 2
    assert all(r.headers["retry-after"] for r in refused)


async def test_a_replica_killed_mid_traffic_loses_no_request_a_retry_would_not_answer(topology: Topology) -> None:
    stack = topology.stack
    program = await stack.program()
    startups = list(await asyncio.gather(*(stack.apply(program) for _ in range(6))))
    await asyncio.gather(*(stack.wait_phase(s, "under_review", timeout=60) for s in startups))
    requests = [(s, evaluator, f"score-{uuid.uuid4().hex}") for s in startups for evaluator in ("ev.kang", "ev.yoon")]
    answered: list[httpx.Response] = []
    retried: list[str] = []
    victim = topology.apis[0]

    async def score(startup_id: str, evaluator: str, key: str) -> None:
        headers = stack.as_role(Role.EVALUATOR, evaluator) | {"Idempotency-Key": key}
        for attempt in range(10):
            try:
                response = await stack.http.post(f"/startups/{startup_id}/actions/score", headers=headers,
                                                 json={"round": "document", "score": 80})
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200:
                answered.append(response)
                return
            retried.append(key)  # the replica died holding it: the same key again
            await asyncio.sleep(0.2 * attempt)
        raise AssertionError(f"{startup_id} {evaluator}: not answered after retries")

    async def answers() -> int:
        return len(answered)

    async def kill_when_busy() -> None:
        await wait_until(answers, lambda n: n >= 3, 60, "traffic under way")
        victim.kill()  # SIGKILL: no graceful shutdown, requests in its hands cut off

    lanes = asyncio.Semaphore(4)

    async def in_lane(request: tuple[str, str, str]) -> None:
        async with lanes:
            await score(*request)
    await asyncio.gather(kill_when_busy(), *(in_lane(r) for r in requests))
    assert victim.wait(timeout=10) != 0 and len(answered) == len(requests)
    survivor = f"127.0.0.1:{topology.api_ports[1]}"
    assert any(replica(r) == survivor for r in answered[3:])  # traffic went on through the other replica
    for startup_id in startups:  # each score applied once, whatever the retries
        rows = await wait_until(lambda startup_id=startup_id: stack.audit_rows(startup_id),
                                lambda rows: sum(r.action == "score" for r in rows) >= 2, 60, "scores projected")
        assert sum(r.action == "score" for r in rows) == 2, [r.action for r in rows]
