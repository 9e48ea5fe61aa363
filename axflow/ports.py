"""A port for a local server to listen on, picked below Linux's ephemeral range.

Every outgoing connection takes its local port from the ephemeral range (32768-60999), so a port
the kernel reports free there can be taken by someone's connection between the pick and the bind
("address already in use": a test run lost a whole shard's stack to it, and a bench run's Temporal
server exited at start). Drawn with the system's randomness, not `random`, whose seed a test plugin
may fix to the same value in two processes picking at once.

Two processes picking from the same range at once can still both be told a port is free before
either binds it: the test shards, side by side, once started a production-topology replica on a
port the other shard's API had just bound, and the proxy then sent half the requests to the wrong
stack. `AXFLOW_LISTEN_PORTS` ("first-last") gives a process a range of its own (tests/run.py gives
each shard half), and a process never hands out the same port twice."""

import os
import random
import socket

LISTEN_PORTS = range(20_000, 32_768)
_pick = random.SystemRandom()
_handed_out: set[int] = set()


def listen_ports() -> range:
    """LISTEN_PORTS, or the part of it AXFLOW_LISTEN_PORTS names."""
    given = os.environ.get("AXFLOW_LISTEN_PORTS")
    if not given:
        return LISTEN_PORTS
    first, _, last = given.partition("-")
    ports = range(int(first), int(last) + 1) if first.isdigit() and last.isdigit() else range(0)
    if not ports or ports.start < LISTEN_PORTS.start or ports.stop > LISTEN_PORTS.stop:
        raise ValueError(f"AXFLOW_LISTEN_PORTS={given!r}: give first-last within "
                         f"{LISTEN_PORTS.start}-{LISTEN_PORTS.stop - 1}")
    return ports


def free_port() -> int:
    """A port nothing listens on now and this process has not handed out before (the caller binds
    it soon after)."""
    ports = listen_ports()
    for _ in range(200):
        port = _pick.choice(ports)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")
