"""One Settings object, read from the environment (prefix AXFLOW_)."""

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting, from AXFLOW_<NAME> environment variables (or a .env file); the README lists
    them all with their defaults."""

    model_config = SettingsConfigDict(env_prefix="AXFLOW_", env_file=".env", extra="ignore")

    # "production" refuses demo tokens, the development webhook secret and SQLite. Only these two
    # values: a typo ("prod") stops the start instead of quietly running in development mode.
    env: Literal["dev", "production"] = "dev"
    data_dir: Path = Path(".data")
    # Unless set, the SQLite file inside data_dir: a stack given another data directory gets its
    # own read model, never one describing workflows that live in another Temporal file.
    database_url: str = ""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "axflow"
    temporal_ui_port: int = 8233
    # The embedded dev server lets a client move one workflow's clock forward (Temporal's
    # per-workflow time skipping): for tests that drive `axflow dev` past a real timer.
    temporal_time_skipping: bool = False
    # The worker's Prometheus endpoint (the Temporal SDK's metrics); off when 0.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = 0
    # How many workflows a worker keeps in memory between their tasks (about 0.2 MB each);
    # one evicted from this cache is rebuilt by replaying its history when it next has work.
    worker_max_cached_workflows: int = 500
    # How long a cached workflow's next task waits for the worker holding it before any worker may
    # take it (and rebuild it from its history): after that worker died, its workflows wait this long.
    worker_sticky_timeout_seconds: float = 10.0
    # Run workflow code inside Temporal's sandbox, which re-imports the workflow module for every
    # workflow it loads and checks each call for non-determinism (datetime.now, I/O, random).
    # A checker, not a behaviour: the test suite and every replay verification run with it; a
    # production worker runs trusted, replay-verified code without its cost (about half the
    # worker's CPU when many workflows come back from the cache at once).
    worker_sandbox: bool = False

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_url: str = "http://127.0.0.1:8000"
    # Two addresses that differ behind a proxy: api_url is where the finance system calls back
    # (often an internal host), public_url what people open from mail (verification, invitation,
    # reset and notification links; the identity provider's callback).
    public_url: str | None = Field(None, description="the address people open (links in mail, the identity "
                                   "provider's callback), https in production; unset: `api_url` (development only)")
    # How many API processes share this deployment: documents kept on one machine's filesystem
    # cannot be read by another replica, so production refuses that with more than one.
    api_replicas: int = Field(1, ge=1, description="how many API replicas serve this deployment (production refuses "
                              "filesystem documents with more than one)")

    finance_url: str = "http://127.0.0.1:8101"
    notify_url: str = "http://127.0.0.1:8102"
    finance_port: int = 8101
    notify_port: int = 8102
    # Where the simulators listen (0.0.0.0 inside a container).
    sim_host: str = "127.0.0.1"
    # Shared secret of the finance system's webhook signatures (HMAC-SHA256).
    finance_webhook_secret: str = "dev-finance-webhook-secret"
    # The tax authority's business-status service (국세청 사업자등록 상태조회): the simulator under
    # make run, or the public service (https://api.odcloud.kr, with its serviceKey) in production.
    # Each ask is tried tax_authority_attempts times (pause doubling from retry_seconds); after
    # that the eligibility check waits on Temporal's retries until the service answers.
    tax_authority_url: str = "http://127.0.0.1:8103"
    tax_authority_port: int = 8103
    tax_authority_service_key: str | None = None
    tax_authority_timeout_seconds: float = 5.0
    tax_authority_attempts: int = 3
    tax_authority_retry_seconds: float = 0.5
    # The employment-insurance register (고용보험 피보험자 수): the follow-up checks a company's typed
    # employees against it (simulators/employment_insurance.py under make run). Each ask is tried
    # employment_insurance_attempts times; after that the figure is recorded as unchecked.
    employment_insurance_url: str = "http://127.0.0.1:8105"
    employment_insurance_port: int = 8105
    employment_insurance_timeout_seconds: float = 5.0
    employment_insurance_attempts: int = 3
    employment_insurance_retry_seconds: float = 0.5
    # 본인확인 (identity verification): an OpenID Connect provider naming the person (name, birth
    # date, the stable person key CI) — the simulator under make run (simulators/identity_provider.py),
    # the agency's contracted provider (PASS, 간편인증 ...) in production. Its callback is
    # {public_url}/portal/company/identity unless identity_redirect_url says otherwise.
    identity_issuer: str = Field("http://127.0.0.1:8104", description="본인확인: the identity verification "
                                 "provider's issuer (OpenID Connect discovery); `make run`'s simulator, or the "
                                 "agency's contracted provider over https")
    identity_port: int = Field(8104, description="the identity provider simulator's port")
    identity_client_id: str = Field("axflow-portal", description="axflow's client id at the identity provider")
    identity_client_secret: str = Field("dev-identity-secret", description="axflow's client secret at the identity "
                                        "provider (the provider's own in production, never this default)")
    identity_redirect_url: str | None = Field(None, description="the callback registered with the identity provider; "
                                              "unset: `{public_url}/portal/company/identity`")

    log_level: str = "INFO"

    # Ad-hoc public holidays (임시공휴일) on top of the `holidays` package's Korean calendar, as a JSON
    # list of dates, e.g. ["2025-06-03"]. Business-day deadlines skip them.
    extra_holidays: list[date] = []

    # Requests over this size get 413.
    max_body_bytes: int = 1_048_576

    # OpenTelemetry traces (off by default), exported over OTLP/HTTP.
    otel_enabled: bool = False
    otel_endpoint: str = "http://127.0.0.1:4318/v1/traces"

    # The API's interactive documentation and its schema (/docs, /openapi.json): Swagger UI from the
    # pinned swagger-ui-bundle package. Unset: on in development, off in production.
    api_docs: bool | None = Field(None, description="serve `/docs` and `/openapi.json`; unset: on except in production")
    # The key of the audit table's hash chain (HMAC-SHA256), kept out of the database it protects.
    audit_key: str | None = Field(None, description="HMAC key of the audit chain (at least 32 characters); "
                                  "required in production, generated into `<data_dir>/audit.key` in development")
    # Prometheus' /metrics in production: open to a request with this bearer token or from one
    # of these networks; with neither set it is closed (403). In development it is open.
    metrics_token: str | None = Field(None, description="in production, `/metrics` answers a request with "
                                      "`Authorization: Bearer` this token")
    metrics_networks: list[str] = Field([], description="in production, `/metrics` answers these client networks "
                                        "(CIDR, e.g. `[\"10.0.5.0/24\"]`)")

    # Optional OIDC/JWT single sign-on (off unless the JWKS URL is set).
    oidc_jwks_url: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_role_claim: str = "axflow_role"
    oidc_brn_claim: str = "axflow_brn"
    oidc_name_claim: str = "preferred_username"
    # Browser single sign-on (OIDC authorization code + PKCE) beside the JWTs above: the endpoints
    # come from the issuer's discovery document unless set here.
    oidc_authorization_url: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_url: str | None = None

    # Browser sessions end after this many idle minutes, with a warning this many minutes before
    # and a button to extend (KWCAG 2.2.1), and in any case after session_max_hours.
    session_idle_minutes: int = 30
    session_warning_minutes: int = 5
    session_max_hours: int = 12

    # The sign-in throttle (api/throttle.py, counted in the database): this many wrong passwords
    # for one login id from one client address (or bad API tokens from one address), and
    # auth_failure_limit_per_login for one login id from anywhere, within the window.
    auth_failure_limit: int = 10
    auth_failure_limit_per_login: int = 50
    auth_failure_window_seconds: float = 900.0
    # Reverse proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips,
    # applied inside the app): addresses or networks, e.g. ["10.0.0.0/8"]. Empty: the TCP peer
    # is the client and no request's header is believed.
    trusted_proxies: list[str] = []

    # Documents (proposals, agreements, deliverables, receipts): where their bytes live.
    # "filesystem" keeps them under document_dir (default: <data_dir>/documents); "s3" in a bucket
    # of any S3-compatible object store (endpoint unset: AWS itself).
    document_storage: Literal["filesystem", "s3"] = "filesystem"
    document_dir: Path | None = None
    s3_bucket: str = "axflow-documents"
    s3_endpoint_url: str | None = None
    s3_region: str = "ap-northeast-2"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    # Largest upload per kind in bytes (JSON, e.g. {"receipt": 10485760}); kinds not named get the default.
    document_max_bytes: int = 50 * 1024 * 1024
    document_max_bytes_by_kind: dict[str, int] = {}
    # An upload that no action has used is deleted by `axflow documents cleanup` after this many days.
    document_unreferenced_days: int = 30
    # clamd ("host:port" or a unix socket path): when set, every upload is scanned before it is kept.
    clamd_address: str | None = None
    clamd_timeout_seconds: float = 60.0

    # E-mail: make run (and the tests) start a local SMTP server on smtp_port that keeps every
    # message under mail_dir (default <data_dir>/mail); production points smtp_host at the
    # agency's relay, with STARTTLS and a login when it asks for them.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_from: str = "axflow 알림 <noreply@axflow.local>"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_dir: Path | None = None
    # Staff who chose a daily digest get it at this hour (KST), from a Temporal Schedule the
    # worker keeps; unset, no schedule is made (run it with `axflow mail digest`).
    digest_hour_kst: Annotated[int, Field(ge=0, le=23)] | None = 8

    def public_base(self) -> str:
        """The base of every link a person opens, without a trailing slash."""
        return (self.public_url or self.api_url).rstrip("/")

    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"

    def mail_path(self) -> Path:
        return self.mail_dir or self.data_dir / "mail"

    def document_limit(self, kind: str) -> int:
        return self.document_max_bytes_by_kind.get(kind, self.document_max_bytes)

    def largest_document_limit(self) -> int:
        return max([self.document_max_bytes, *self.document_max_bytes_by_kind.values()])

    def documents_path(self) -> Path:
        return self.document_dir or self.data_dir / "documents"

    @model_validator(mode="after")
    def _database_in_data_dir(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'axflow.db'}"
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
