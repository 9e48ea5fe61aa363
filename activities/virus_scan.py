"""Virus scanning through clamd (ClamAV's daemon), over its INSTREAM protocol.

The file is streamed to clamd in length-prefixed chunks, ended by a zero length; clamd answers
`stream: OK` or `stream: <signature> FOUND`. clamd listens on TCP ("host:port") or on a unix
socket (a path). Blocking: the API calls it on a worker thread.
"""

import socket
import struct
from pathlib import Path

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or answered with an error: the upload cannot be vouched for."""


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("unix:") or address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address.removeprefix("unix:"))
        return sock
    host, _, port = address.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)


def scan_file(address: str, path: Path, timeout: float = 60.0) -> str | None:
    """None when clamd finds the file clean, else the name of what it found."""
    try:
        with _connect(address, timeout) as sock, path.open("rb") as f:
            sock.sendall(b"zINSTREAM\0")
            while chunk := f.read(CHUNK):
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                more = sock.recv(4096)
                if not more:
                    break
                reply += more
    except (OSError, ValueError) as err:
        raise ScannerUnavailable(f"clamd at {address}: {err}") from err
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip()
    if answer.endswith("OK"):
        return None
    raise ScannerUnavailable(f"clamd at {address} answered {answer!r}")
