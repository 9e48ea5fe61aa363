"""Refuse to start in production with what is only fit for a demo."""

import structlog
from sqlalchemy import Engine
from sqlmodel import col, select

from axflow.config import Settings
from axflow.demo_users import DEMO_USERS, demo_email
from store.db import session_scope
from store.tables import ApiToken
from store.user_tables import User

DEV_WEBHOOK_SECRET = Settings.model_fields["finance_webhook_secret"].default
DEV_IDENTITY_SECRET = Settings.model_fields["identity_client_secret"].default
# Names `make run` gives its demo tokens (see axflow/devstack.py).
DEMO_TOKEN_NAMES = ("admin", "officer.kim", "finance.lee", "evaluator.park", "evaluator.choi", "auditor.jung")


def production_problems(settings: Settings, engine: Engine | None) -> list[str]:
    if settings.env != "production":
        return []
    problems = []
    if settings.finance_webhook_secret == DEV_WEBHOOK_SECRET or len(settings.finance_webhook_secret) < 32:
        problems.append("AXFLOW_FINANCE_WEBHOOK_SECRET is the development default or shorter than 32 characters")
    if not settings.audit_key or len(settings.audit_key) < 32:
        problems.append("AXFLOW_AUDIT_KEY (the audit chain's HMAC key, kept out of the database) is unset or "
                        "shorter than 32 characters")
    if settings.database_url.startswith("sqlite"):
        problems.append("AXFLOW_DATABASE_URL points at SQLite; production runs on PostgreSQL")
    if not (settings.public_url or "").startswith("https://"):
        # Links in mail would name an internal host, and browsers drop Secure cookies over HTTP.
        problems.append("AXFLOW_PUBLIC_URL (the address people open from mail) is unset or not https://")
    if "api_url" not in settings.model_fields_set:
        # Its default is this machine's loopback, which no finance system reaches.
        problems.append("AXFLOW_API_URL (where the finance system calls back) is unset")
    if not settings.identity_issuer.startswith("https://"):
        problems.append("AXFLOW_IDENTITY_ISSUER (본인확인 provider) is not an https:// issuer")
    if settings.identity_client_secret == DEV_IDENTITY_SECRET:
        problems.append("AXFLOW_IDENTITY_CLIENT_SECRET is the development default")
    if settings.document_storage == "filesystem" and settings.api_replicas > 1:
        # Each replica (and each worker) would see only the files written on its own machine.
        problems.append(f"AXFLOW_DOCUMENT_STORAGE is filesystem with AXFLOW_API_REPLICAS={settings.api_replicas}; "
                        "replicas share documents only through s3")
    if settings.oidc_jwks_url and not (settings.oidc_issuer or "").startswith("https://"):
        # One provider's keys may sign for several issuers (the tenants of one service): only the
        # issuer tells ours apart, and the browser sign-in needs it to check its ID tokens.
        problems.append("single sign-on is on (AXFLOW_OIDC_JWKS_URL) but AXFLOW_OIDC_ISSUER is not set to the "
                        "provider's https:// issuer identifier")
    if engine is not None:
        with session_scope(engine) as session:
            demo = session.exec(select(ApiToken.name).where(col(ApiToken.name).in_(DEMO_TOKEN_NAMES),
                                                           col(ApiToken.revoked_at).is_(None))).all()
            people = session.exec(select(User.login_id).where(
                col(User.email).in_([demo_email(login) for login, *_ in DEMO_USERS]), col(User.active))).all()
        if demo:
            problems.append(f"demo tokens are live ({', '.join(sorted(demo))}): revoke them")
        if people:
            # Their passwords and two-step keys sit in a development data directory (demo-users.json).
            problems.append(f"demo users are active ({', '.join(sorted(people))}): disable them "
                            "(axflow user disable LOGIN)")
    return problems


def warn_development_mode(settings: Settings, command: str) -> None:
    """`axflow api` and `axflow worker` run in development mode unless told otherwise (so that
    `make run` and the tests need no setting): a deployment that forgot AXFLOW_ENV says so loudly."""
    if settings.env != "production":
        structlog.get_logger().warning(
            "development mode", command=command,
            consequences="no production checks, cookies without Secure, demo tokens and users allowed",
            fix="set AXFLOW_ENV=production on every deployed process")


def refuse_unsafe_production(settings: Settings, engine: Engine | None) -> None:
    problems = production_problems(settings, engine)
    if problems:
        raise SystemExit("refusing to start in production: " + "; ".join(problems))
