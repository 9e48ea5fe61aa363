"""Ports for local servers: each test shard picks from its own half of the range, so one shard
cannot bind a port the other picked and has not bound yet, and a process never hands out the same
port twice."""

import socket

import pytest

from axflow import ports
from tests.run import shard_ports


def test_a_process_picks_only_from_its_range_and_never_the_same_port_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXFLOW_LISTEN_PORTS", "24000-24011")
    monkeypatch.setattr(ports, "_handed_out", set())
    picked = [ports.free_port() for _ in range(6)]
    assert len(set(picked)) == 6 and all(24_000 <= port <= 24_011 for port in picked)


def test_a_port_something_listens_on_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(ports, "LISTEN_PORTS", range(busy, busy + 1))
        monkeypatch.setenv("AXFLOW_LISTEN_PORTS", f"{busy}-{busy}")
        monkeypatch.setattr(ports, "_handed_out", set())
        with pytest.raises(RuntimeError, match=f"no free port in {busy}-{busy}"):
            ports.free_port()


@pytest.mark.parametrize("given", ["30000", "31000-30000", "1000-2000", "20000-40000"])
def test_a_range_outside_the_listen_ports_is_refused_by_name(given: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXFLOW_LISTEN_PORTS", given)
    with pytest.raises(ValueError, match="AXFLOW_LISTEN_PORTS"):
        ports.free_port()


def test_the_two_shards_split_the_range_between_them() -> None:
    halves = [range(int(a), int(b) + 1) for a, _, b in (shard_ports(name).partition("-") for name in ("1", "2"))]
    assert not set(halves[0]) & set(halves[1])
    assert set(halves[0]) | set(halves[1]) == set(ports.LISTEN_PORTS)
