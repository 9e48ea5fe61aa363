"""The parts of tests/deploy/test_production_topology.py that are plumbing: a self-signed certificate,
Debian's nginx as the TLS proxy in front of two API processes, and an API process started the
way production starts it (`axflow api`, settings from the environment)."""

import ctypes
import datetime as dt
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

AXFLOW = str(Path(sys.executable).parent / "axflow")
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, its own issuer: the clients trust exactly it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "axflow topology test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256()))
    cert, private = folder / "proxy.crt", folder / "proxy.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, private


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    assert found, "nginx is missing: make test installs it (scripts/prerequisites.sh)"
    return found


def nginx_config(folder: Path, port: int, upstreams: list[int], cert: Path, key: Path) -> Path:
    """HTTPS on `port`, round robin over the API ports. A request that never reached a replica
    (connection refused) goes to the other; one a replica received and died on is answered 502,
    never sent twice: the client's retry with its Idempotency-Key decides. X-Upstream names the
    replica that answered, so the tests can see both at work."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstreams)
    temp = "\n".join(f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                          "scgi"))
    config = folder / "nginx.conf"
    config.write_text(f"""{'user root;' if os.getuid() == 0 else ''}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
    upstream api {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 60m;
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
""")
    return config


def die_with_the_tests() -> None:
    """In the child before it runs: the kernel ends it when the test process dies, however that
    happens (a test run killed by a timeout leaves no proxy or API behind)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_nginx(folder: Path, config: Path) -> subprocess.Popen[bytes]:
    # The master runs in the foreground (daemon off), so it is the child the kernel signals.
    return subprocess.Popen([nginx_binary(), "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_the_tests)


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([AXFLOW, "api"], env={**env, "AXFLOW_API_PORT": str(port)}, stdout=out,
                                stderr=subprocess.STDOUT, preexec_fn=die_with_the_tests)


async def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 120,
                     verify: object = True) -> None:
    """Until `url` answers 200, failing at once (with the process's log) if the process died."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(timeout=5, verify=verify) as http:  # type: ignore[arg-type]
        while True:
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise AssertionError(f"{url}: the process exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            if loop.time() > deadline:
                raise AssertionError(f"{url} not ready after {timeout} s:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.2)
