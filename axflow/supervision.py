"""Keeping the embedded stack's processes alive, as a process manager would.

`RestartTracker` is the policy alone (pure, tested without processes): after each exit of a part it
answers "restart after N s" (1 s, doubling up to 30 s; back to 1 s after a part ran a while) or
"give up" (5 exits within 60 s: something is wrong that restarting will not mend).
`Supervisor` applies it to child processes: it notices exits, restarts each part on its same command
(the Temporal server on its same SQLite file), holds back a part until the parts it needs answer,
says every restart on stdout and in `devstack.log`, and stops everything on request.
"""

import ctypes
import json
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    # This many exits within `window` seconds end the stack instead of another restart.
    give_up_after: int = 5
    window: float = 60.0
    # A part that ran at least this long before it exited starts again from `first_delay`.
    stable_after: float = 60.0


@dataclass(frozen=True)
class Restart:
    delay: float


@dataclass(frozen=True)
class GiveUp:
    exits: int
    window: float


class RestartTracker:
    """The restart decisions for one part, from the times it started and exited."""

    def __init__(self, policy: RestartPolicy = RestartPolicy()) -> None:
        self.policy = policy
        self._exits: deque[float] = deque()
        self._delay: float | None = None

    def exited(self, started_at: float, now: float) -> Restart | GiveUp:
        policy = self.policy
        self._exits.append(now)
        while self._exits and now - self._exits[0] >= policy.window:
            self._exits.popleft()
        if len(self._exits) >= policy.give_up_after:
            return GiveUp(len(self._exits), policy.window)
        if self._delay is None or now - started_at >= policy.stable_after:
            self._delay = policy.first_delay
        else:
            self._delay = min(self._delay * 2, policy.max_delay)
        return Restart(self._delay)


class StackGaveUp(Exception):
    """A part kept failing; the message names it and its log file."""


def port_open(address: str) -> Callable[[], bool]:
    """A readiness check: something accepts connections at host:port."""
    host, port = address.rsplit(":", 1)

    def check() -> bool:
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return True
        except OSError:
            return False
    return check


# Linux: a child asks for SIGTERM when the supervisor itself dies (even by kill -9), so that no part
# outlives it holding its port. Resolved here, in the parent: between fork and exec the child only
# makes the call (the parent has other threads, e.g. the Temporal client's; loading a library there
# could wait forever on a lock one of them held).
_prctl: Callable[..., int] | None
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


@dataclass
class Part:
    name: str
    command: list[str]
    log: Path
    needs: tuple[str, ...] = ()
    ready: Callable[[], bool] = lambda: True
    tracker: RestartTracker = field(default_factory=RestartTracker)
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    def __init__(self, log_dir: Path, env: dict[str, str], policy: RestartPolicy = RestartPolicy(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log_dir, self.env, self.policy, self.clock = log_dir, env, policy, clock
        self.parts: dict[str, Part] = {}

    def start(self, name: str, command: list[str], needs: tuple[str, ...] = (),
              ready: Callable[[], bool] = lambda: True) -> subprocess.Popen[bytes]:
        part = Part(name, command, self.log_dir / f"{name}.log", needs, ready, RestartTracker(self.policy))
        self.parts[name] = part
        self._spawn(part)
        assert part.proc is not None
        return part.proc

    def _spawn(self, part: Part) -> None:
        with open(part.log, "ab") as log:
            part.proc = subprocess.Popen(part.command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                         start_new_session=True, preexec_fn=_die_with_parent if _prctl else None)
        part.started_at, part.restart_at = self.clock(), None

    def check(self) -> None:
        """One round: notice parts that exited, and restart those whose time has come."""
        now = self.clock()
        for part in self.parts.values():
            if part.restart_at is None and part.proc is not None and part.proc.poll() is not None:
                self._exited(part, now)
            elif part.restart_at is not None and now >= part.restart_at and self._needs_met(part):
                part.restarts += 1
                self._spawn(part)
                assert part.proc is not None
                self._say("restarted", part, f"{part.name} restarted (pid {part.proc.pid}, restart #{part.restarts})"
                          f" · {part.name} 다시 시작됨", pid=part.proc.pid)

    def _exited(self, part: Part, now: float) -> None:
        code = part.proc.returncode if part.proc else None
        decision = part.tracker.exited(part.started_at, now)
        if isinstance(decision, GiveUp):
            message = (f"{part.name} exited {decision.exits} times within {decision.window:g} s (last exit code {code}):"
                       f" stopping the stack; see {part.log} · {part.name}이(가) {decision.window:g}초 안에 "
                       f"{decision.exits}번 종료되어 전체를 멈춥니다. 로그: {part.log}")
            self._record("gave up", part, exit_code=code, exits=decision.exits)
            raise StackGaveUp(message)
        part.restart_at = now + decision.delay
        self._say("exited", part, f"{part.name} exited with code {code}; restarting in {decision.delay:g} s · "
                  f"{part.name} 종료(코드 {code}), {decision.delay:g}초 후 다시 시작 · log {part.log}",
                  exit_code=code, restart_in_s=decision.delay)

    def _needs_met(self, part: Part) -> bool:
        # A worker or API started while the Temporal server is still coming back would only fail
        # to connect and spend one of its restarts: it waits until the server answers.
        return all(self.parts[n].running() and self.parts[n].ready() for n in part.needs)

    def _say(self, event: str, part: Part, line: str, **fields: object) -> None:
        print(f"[axflow dev] {line}", flush=True)
        self._record(event, part, **fields)

    def _record(self, event: str, part: Part, **fields: object) -> None:
        level = "error" if event == "gave up" else "warning"
        entry = {"timestamp": datetime.now(UTC).isoformat(), "level": level, "event": event,
                 "part": part.name, "log": str(part.log), **fields}
        with open(self.log_dir / "devstack.log", "a") as log:
            log.write(json.dumps(entry) + "\n")

    def stop_all(self, timeout: float = 20) -> None:
        """SIGTERM to every part (the last started first), then SIGKILL to any still running."""
        procs = [p.proc for p in reversed(self.parts.values()) if p.proc is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.parts.clear()

