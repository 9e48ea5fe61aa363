"""docs/settings.md, generated from the Settings class: `python -m axflow.settings_doc` writes it,
`python -m axflow.settings_doc --check` says whether it is current (tests/deploy/test_compose_file.py).

Names, types and defaults come from the class itself. The words for people come from each field's
`Field(description=...)` when it has one (the way to describe a new setting), else from
DESCRIPTIONS below, which keeps the settings written before descriptions lived in the class."""

import sys
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from axflow.config import Settings

TARGET = Path(__file__).resolve().parent.parent / "docs" / "settings.md"

DESCRIPTIONS = {
    "env": "`production` refuses demo tokens and users, the development webhook secret and SQLite",
    "data_dir": "the embedded stack's files (Temporal's SQLite, the read model, simulators, demo sign-ins, "
                "mail, documents, logs)",
    "database_url": "read model, ledger, audit; `postgresql+psycopg://…` in production",
    "temporal_address": "Temporal frontend",
    "temporal_namespace": "Temporal namespace",
    "task_queue": "the workers' task queue",
    "temporal_ui_port": "embedded Temporal Web UI",
    "temporal_time_skipping": "the embedded Temporal server lets a client move one workflow's clock forward "
                              "(`make run` turns it on for `make demo`; tests of `axflow dev`)",
    "worker_metrics_host": "worker's Prometheus endpoint address",
    "worker_metrics_port": "worker's Prometheus port (0: off)",
    "worker_max_cached_workflows": "workflows a worker keeps in memory (about 0.2 MB each); others are "
                                   "replayed when they next have work",
    "worker_sticky_timeout_seconds": "how long a cached workflow's next task waits for the worker holding it "
                                     "before another may take it (after a worker dies, its workflows wait this long)",
    "worker_sandbox": "run workflow code in Temporal's sandbox, which checks every call for non-determinism at "
                      "about twice the worker's CPU; the test suite and replay verification always use it",
    "api_host": "API listen address",
    "api_port": "API port",
    "api_url": "the API as the finance system reaches it (its payment callbacks); links people open use "
               "`AXFLOW_PUBLIC_URL`",
    "finance_url": "finance system",
    "notify_url": "notification system (SMS / 알림톡 gateway)",
    "finance_port": "finance simulator port",
    "notify_port": "notification simulator port",
    "sim_host": "simulators' listen address (0.0.0.0 inside a container)",
    "finance_webhook_secret": "HMAC-SHA256 secret shared with the finance system (32+ random characters in "
                              "production)",
    "tax_authority_url": "the tax authority's business-status service (국세청 사업자등록 상태조회): `make run`'s "
                         "simulator, or the public service",
    "tax_authority_port": "the tax authority simulator's port",
    "tax_authority_service_key": "the public service's `serviceKey` (sent as a query parameter when set)",
    "tax_authority_timeout_seconds": "how long one status request may take",
    "tax_authority_attempts": "tries per check before the eligibility activity fails and Temporal retries it",
    "tax_authority_retry_seconds": "the first pause between tries (doubling)",
    "employment_insurance_url": "the employment-insurance register (고용보험 피보험자 수) the follow-up checks "
                                "typed employees against: `make run`'s simulator, or the public service",
    "employment_insurance_port": "the employment-insurance simulator's port",
    "employment_insurance_timeout_seconds": "how long one head-count lookup may take",
    "employment_insurance_attempts": "tries per lookup before the figure is recorded as unchecked",
    "employment_insurance_retry_seconds": "the first pause between tries (doubling)",
    "log_level": "log level",
    "extra_holidays": "ad-hoc holidays (임시공휴일) that business-day deadlines skip, e.g. `[\"2025-06-03\"]`",
    "max_body_bytes": "largest request body (413 above it)",
    "otel_enabled": "OpenTelemetry traces on/off",
    "otel_endpoint": "OTLP/HTTP traces endpoint",
    "oidc_jwks_url": "single sign-on: the identity provider's JWKS (off when unset)",
    "oidc_issuer": "single sign-on: expected issuer",
    "oidc_audience": "single sign-on: expected audience",
    "oidc_role_claim": "claim naming the axflow role",
    "oidc_brn_claim": "claim naming a startup's registration number",
    "oidc_name_claim": "claim naming the person",
    "oidc_authorization_url": "browser single sign-on: the identity provider's authorization endpoint "
                              "(unset: from the issuer's discovery document)",
    "oidc_token_url": "browser single sign-on: its token endpoint (the code is exchanged there with the PKCE "
                      "verifier)",
    "oidc_client_id": "axflow's client registration at the identity provider (turns browser single sign-on on)",
    "oidc_client_secret": "the secret of that client registration",
    "oidc_redirect_url": "where the provider sends the browser back (`…/signin/oidc/callback`)",
    "session_idle_minutes": "a browser session ends after this many idle minutes",
    "session_warning_minutes": "…with a warning this many minutes before, and a button to extend it (KWCAG 2.2.1)",
    "session_max_hours": "a browser session ends after this many hours in any case",
    "auth_failure_limit": "wrong passwords for one login id from one client address (or bad API tokens from "
                          "one address) before 429, counted in the database (see [security](security.md))",
    "auth_failure_limit_per_login": "wrong passwords for one login id from any address before 429",
    "auth_failure_window_seconds": "…within this sliding window",
    "trusted_proxies": "reverse proxies whose X-Forwarded-For names the client (addresses or networks); empty: "
                       "the TCP peer is the client",
    "document_storage": "where documents' bytes live: `filesystem` or `s3` (see [documents](documents.md))",
    "document_dir": "the filesystem store's directory",
    "s3_bucket": "the bucket, for `s3`",
    "s3_endpoint_url": "an S3-compatible object store's URL (unset: AWS)",
    "s3_region": "its region",
    "s3_access_key_id": "its access key (unset: boto3's usual sources)",
    "s3_secret_access_key": "its secret key (unset: boto3's usual sources)",
    "document_max_bytes": "largest upload (50 MB)",
    "document_max_bytes_by_kind": "per-kind limits, e.g. `{\"receipt\": 10485760}`; kinds not named get the "
                                  "default",
    "document_unreferenced_days": "an upload no action used is deleted by `axflow documents cleanup` after this",
    "clamd_address": "clamd (`host:port` or a socket path): every upload is virus-scanned when set",
    "clamd_timeout_seconds": "how long a scan may take",
    "smtp_host": "where email goes: `make run`'s local server, or the agency's relay",
    "smtp_port": "its port (`make run` serves SMTP there)",
    "smtp_from": "the sender of every email",
    "smtp_user": "the relay's login, when it asks for one",
    "smtp_password": "the relay's password, when it asks for one",
    "smtp_starttls": "upgrade the relay connection with STARTTLS",
    "smtp_timeout_seconds": "how long one SMTP exchange may take",
    "mail_dir": "where `make run`'s SMTP server keeps each message (.eml)",
    "digest_hour_kst": "the hour (KST) of the staff's daily digest (unset: no schedule; `axflow mail digest` "
                       "runs it by hand)",
}

# Defaults computed from another setting, in words.
COMPUTED_DEFAULTS = {
    "database_url": "`axflow.db` in `AXFLOW_DATA_DIR`",
    "document_dir": "`<data dir>/documents`",
    "mail_dir": "`<data dir>/mail`",
}

HEADER = """# Settings

<!-- Generated by `.venv/bin/python -m axflow.settings_doc` from the Settings class in
axflow/config.py; tests/deploy/test_compose_file.py fails when this file is not current. Do not edit. -->

One pydantic-settings `Settings` class (`axflow/config.py`) reads every value from an `AXFLOW_*`
environment variable (or a `.env` file in the working directory); secrets come only from the
environment. `make run` needs none of them. Production sets them in `.env` for
`docker-compose.yml` (see [operations](operations.md)). Values that are lists or objects are JSON.

| variable | type | default | what |
|---|---|---|---|
"""


def type_words(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        return type_words(get_args(annotation)[0])
    if origin is Literal:
        return " or ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        return type_words(kept[0]) if len(kept) == 1 else " or ".join(type_words(arg) for arg in kept)
    if origin is list:
        return f"JSON list of {type_words(get_args(annotation)[0])}"
    if origin is dict:
        return "JSON object"
    return {"str": "text", "int": "integer", "float": "number", "bool": "true/false", "Path": "path",
            "date": "dates"}.get(getattr(annotation, "__name__", ""), str(annotation))


def default_words(name: str, field: FieldInfo) -> str:
    if name in COMPUTED_DEFAULTS:
        return COMPUTED_DEFAULTS[name]
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def undescribed() -> list[str]:
    return [name for name, field in Settings.model_fields.items()
            if not field.description and name not in DESCRIPTIONS]


def render() -> str:
    missing = undescribed()
    if missing:
        raise SystemExit("describe these settings with Field(description=...) in axflow/config.py: "
                         + ", ".join(f"AXFLOW_{name.upper()}" for name in missing))
    rows = []
    for name, field in Settings.model_fields.items():
        words = (field.description or DESCRIPTIONS[name]).replace("|", "\\|")
        rows.append(f"| `AXFLOW_{name.upper()}` | {type_words(field.annotation)} | "
                    f"{default_words(name, field)} | {words} |\n")
    return HEADER + "".join(rows)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.name} is not current: run .venv/bin/python -m axflow.settings_doc", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
