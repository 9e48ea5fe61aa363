"""The audit key: what keys the audit table's hash chain (store/audit.py). It must not live in the
database the chain protects. Production sets AXFLOW_AUDIT_KEY (axflow/production.py refuses to
start without one); development makes one on first use and keeps it in <data_dir>/audit.key, which
every process of the embedded stack (API, worker, CLI) reads."""

import os
import secrets

from axflow.config import Settings

FILE_NAME = "audit.key"


def audit_key(settings: Settings) -> bytes:
    if settings.audit_key:
        return settings.audit_key.encode()
    if settings.env == "production":
        raise RuntimeError("AXFLOW_AUDIT_KEY is required in production")
    path = settings.data_dir / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Created once, readable by its owner only; a process that loses the race reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()
