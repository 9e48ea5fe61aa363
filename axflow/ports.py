"""A port for a local server to listen on, picked below Linux's ephemeral range.

Every outgoing connection takes its local port from the ephemeral range (32768-60999), so a port
the kernel reports free there can be taken by someone's connection between the pick and the bind
("address already in use": a test run lost a whole shard's stack to it, and a bench run's Temporal
server exited at start). Drawn with the system's randomness, not `random`, whose seed a test plugin
may fix to the same value in two processes picking at once."""

import random
import socket

LISTEN_PORTS = range(20_000, 32_768)
_pick = random.SystemRandom()


def free_port() -> int:
    """A port nothing listens on now, from LISTEN_PORTS (the caller binds it soon after)."""
    for _ in range(200):
        port = _pick.choice(LISTEN_PORTS)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {LISTEN_PORTS.start}-{LISTEN_PORTS.stop - 1}")
