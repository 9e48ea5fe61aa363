"""`make run` supervises its parts: the restart policy on its own, then the real embedded stack
(`axflow dev` as a subprocess, on a data directory and ports of its own) losing its worker and then
its Temporal server to `kill -9` in the middle of a payment, and carrying on."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkipper

from axflow.config import Settings
from axflow.supervision import GiveUp, Restart, RestartPolicy, RestartTracker, StackGaveUp, Supervisor
from domain.program import TrancheRule
from store.db import make_engine
from tests.conftest import Stack, free_port, wait_until
from tests.flows import FO, PO, match_and_sign, select, stack_tranche

# ---- the policy


def test_restarts_back_off_from_one_second_doubling_to_thirty() -> None:
    tracker = RestartTracker(RestartPolicy(give_up_after=100, window=60))
    delays, now = [], 0.0
    for _ in range(7):
        decision = tracker.exited(started_at=now, now=now + 20)  # ran 20 s: a quick failure
        assert isinstance(decision, Restart)
        delays.append(decision.delay)
        now += 20 + decision.delay
    assert delays == [1, 2, 4, 8, 16, 30, 30]


def test_a_part_that_ran_a_while_starts_again_from_one_second() -> None:
    tracker = RestartTracker()
    assert tracker.exited(0, 1) == Restart(1) and tracker.exited(2, 3) == Restart(2)
    assert tracker.exited(5, 5 + 3600) == Restart(1)


def test_five_quick_exits_within_a_minute_give_up_and_slow_ones_never_do() -> None:
    tracker = RestartTracker()
    decisions = [tracker.exited(t, t + 1) for t in (0, 10, 20, 30, 40)]
    assert all(isinstance(d, Restart) for d in decisions[:4])
    assert decisions[4] == GiveUp(exits=5, window=60)
    patient = RestartTracker()
    assert all(isinstance(patient.exited(t, t + 14), Restart) for t in range(0, 1500, 15))


def test_a_part_that_keeps_failing_stops_the_stack_naming_it_and_its_log(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, dict(os.environ), RestartPolicy(first_delay=0.01, max_delay=0.05))
    supervisor.start("flaky", [sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(StackGaveUp) as gave_up:
        for _ in range(2000):  # bounded: a supervisor that never gives up fails here
            supervisor.check()
            time.sleep(0.01)
    assert "flaky exited 5 times within 60 s (last exit code 3)" in str(gave_up.value)
    assert str(tmp_path / "flaky.log") in str(gave_up.value)
    events = [json.loads(line)["event"] for line in (tmp_path / "devstack.log").read_text().splitlines()]
    assert events == ["exited", "restarted"] * 4 + ["gave up"]
    supervisor.stop_all()


def test_no_part_outlives_a_supervisor_killed_with_sigkill(tmp_path: Path) -> None:
    script = ("import sys, time; from pathlib import Path; from axflow.supervision import Supervisor; "
              "s = Supervisor(Path(sys.argv[1]), {}); p = s.start('sleeper', ['sleep', '300']); "
              "print(p.pid, flush=True); time.sleep(300)")
    supervisor = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert supervisor.stdout is not None
    sleeper = int(supervisor.stdout.readline())
    assert alive(sleeper)
    supervisor.kill()
    supervisor.wait()
    deadline = time.monotonic() + 30
    while alive(sleeper) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(sleeper):
        os.kill(sleeper, signal.SIGKILL)
        raise AssertionError("a part outlived its supervisor")


# ---- the real stack

QUEUE = "axflow-supervision-test"


def children(parent: int) -> dict[str, int]:
    """The live parts of the stack by name (worker, api, temporal, ...), from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) != parent or fields[0] == "Z":
            continue
        args = [arg.decode() for arg in command if arg]
        if not args:
            continue
        name = "temporal" if args[0].endswith("temporal") else f"{args[-1]}-sim" if "sim" in args else args[-1]
        found[name] = int(stat.parent.name)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
async def devstack(tmp_path: Path) -> AsyncIterator[tuple[Stack, subprocess.Popen[bytes], Path]]:
    data = tmp_path / "data"
    ports = {name: free_port() for name in ("temporal", "ui", "api", "finance", "notify", "tax", "insurance",
                                            "identity", "smtp")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AXFLOW_")} | {
        # No AXFLOW_DATABASE_URL: the read model follows the data directory.
        "AXFLOW_DATA_DIR": str(data), "AXFLOW_TASK_QUEUE": QUEUE, "AXFLOW_LOG_LEVEL": "WARNING",
        "AXFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}", "AXFLOW_TEMPORAL_UI_PORT": str(ports["ui"]),
        "AXFLOW_API_PORT": str(ports["api"]), "AXFLOW_API_URL": f"http://127.0.0.1:{ports['api']}",
        "AXFLOW_FINANCE_PORT": str(ports["finance"]), "AXFLOW_FINANCE_URL": f"http://127.0.0.1:{ports['finance']}",
        "AXFLOW_NOTIFY_PORT": str(ports["notify"]), "AXFLOW_NOTIFY_URL": f"http://127.0.0.1:{ports['notify']}",
        "AXFLOW_TAX_AUTHORITY_PORT": str(ports["tax"]), "AXFLOW_TAX_AUTHORITY_URL": f"http://127.0.0.1:{ports['tax']}",
        "AXFLOW_EMPLOYMENT_INSURANCE_PORT": str(ports["insurance"]),
        "AXFLOW_EMPLOYMENT_INSURANCE_URL": f"http://127.0.0.1:{ports['insurance']}",
        "AXFLOW_IDENTITY_PORT": str(ports["identity"]), "AXFLOW_IDENTITY_ISSUER": f"http://127.0.0.1:{ports['identity']}",
        "AXFLOW_SMTP_PORT": str(ports["smtp"]),
        # The application window's timer is skipped to, as on the tests' own stack, not waited for.
        "AXFLOW_TEMPORAL_TIME_SKIPPING": "true",
    }
    out = tmp_path / "dev.out"
    with open(out, "wb") as sink:
        # cwd: no .env of the repository is read, nothing lands in its .data/.
        proc = subprocess.Popen([sys.executable, "-m", "axflow.cli", "dev"], env=env, cwd=tmp_path,
                                stdout=sink, stderr=subprocess.STDOUT)
    started: set[int] = set()
    try:
        async def output() -> str:
            if proc.poll() is not None:
                raise AssertionError(f"axflow dev exited with {proc.returncode}:\n{out.read_text()[-3000:]}")
            started.update(children(proc.pid).values())
            return out.read_text()
        await wait_until(output, lambda text: "axflow is up" in text, timeout=240, what="axflow dev up")
        settings = Settings(_env_file=None, **{k.removeprefix("AXFLOW_").lower(): v
                                               for k, v in env.items() if k.startswith("AXFLOW_")})
        assert settings.database_url == f"sqlite:///{data}/axflow.db"
        # Tokens are written straight into the stack's database, beside its worker: take the
        # write lock at BEGIN (as the worker does) rather than fail on a read turned write.
        engine = make_engine(settings.database_url, writer=True)
        client = await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)
        async with httpx.AsyncClient(base_url=settings.api_url, timeout=30) as http:
            yield Stack(settings=settings, client=client, http=http, engine=engine, skipper=TimeSkipper(client)), proc, out
        engine.dispose()
        started.update(children(proc.pid).values())
        # Stopping: SIGTERM as a service manager sends it; everything goes, nothing is left.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0, out.read_text()[-3000:]
        assert "stopped." in out.read_text()
        await wait_until(lambda: _async([pid for pid in started if alive(pid)]), lambda left: not left,
                         timeout=30, what="no process of the stack left")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in started | set(children(proc.pid).values()):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


async def _async(value: Any) -> Any:
    return value


async def faults(stack: Stack, **values: object) -> None:
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        (await http.put("/_faults", json=values)).raise_for_status()


async def payments_for(stack: Stack, key: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=stack.settings.finance_url) as http:
        return [p for p in (await http.get("/payments")).json() if p["idempotency_key"] == key]


async def kill_mid_payment(stack: Stack, dev: subprocess.Popen[bytes], startup_id: str, tranche: str,
                           part: str) -> tuple[int, int]:
    """Pay `tranche`, and kill -9 `part` once the finance system has paid but before the workflow
    knows (the finance system answers late and sends no webhook). Returns the killed and new pids."""
    key = f"{startup_id.split(':', 1)[1]}:{tranche}"
    # Answers held back longer than the payment activity's 10 s timeout, so the workflow learns of
    # the payment only by its retry, and no longer: the simulator, stopping, lets a held answer finish.
    await faults(stack, respond_delay_ms=12_000, webhooks=False)
    await stack.act(startup_id, "request-disbursement", stack.as_role(PO), {"tranche": tranche})
    await stack.act(startup_id, "approve-disbursement", stack.as_role(FO), {"tranche": tranche})
    await wait_until(lambda: payments_for(stack, key), lambda p: len(p) == 1, what=f"{key} paid at finance")
    killed = children(dev.pid)[part]
    os.kill(killed, signal.SIGKILL)
    await faults(stack)
    parts = await wait_until(lambda: _async(children(dev.pid)), lambda c: c.get(part) not in (None, killed),
                             timeout=60, what=f"a new {part}")
    await stack.wait_until_state(startup_id, lambda s: stack_tranche(s, tranche)["status"] == "paid",
                                 f"{tranche} paid after {part} was killed", timeout=120)
    assert len(await payments_for(stack, key)) == 1, "paid more than once"
    return killed, parts[part]


async def test_the_stack_restarts_a_killed_worker_and_temporal_server_and_pays_once(
        devstack: tuple[Stack, subprocess.Popen[bytes], Path]) -> None:
    stack, dev, out = devstack
    tranches = [TrancheRule(key=key, label=key, share_percent=50, trigger="agreement") for key in ("first", "second")]
    program = await stack.program(tranches=tranches)
    startup_id = await stack.apply(program)
    await select(stack, program, {startup_id: 90})
    await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"], "agreement deadline")
    await match_and_sign(stack, startup_id)
    api = children(dev.pid)["api"]

    killed_worker, _ = await kill_mid_payment(stack, dev, startup_id, "first", "worker")
    assert (await stack.http.get("/healthz")).status_code == 200
    assert children(dev.pid)["api"] == api, "the API went down with the worker"

    killed_server, _ = await kill_mid_payment(stack, dev, startup_id, "second", "temporal")
    state = await stack.state(startup_id)
    assert [t["status"] for t in state["tranches"]] == ["paid", "paid"] and state["phase"] == "in_poc"

    text = out.read_text()
    assert f"worker exited with code -{signal.SIGKILL.value}; restarting in 1 s" in text
    assert f"temporal exited with code -{signal.SIGKILL.value}; restarting in 1 s" in text
    restarts = [json.loads(line) for line in (stack.settings.data_dir / "logs" / "devstack.log").read_text().splitlines()]
    assert {(r["event"], r["part"]) for r in restarts} >= {("exited", "worker"), ("restarted", "worker"),
                                                          ("exited", "temporal"), ("restarted", "temporal")}
    assert not alive(killed_worker) and not alive(killed_server)
    # The fixture then stops the stack with SIGTERM and checks that no process is left.
