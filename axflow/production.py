"""Refuse to start in production with what is only fit for a demo."""

from sqlalchemy import Engine
from sqlmodel import col, select

from axflow.config import Settings
from store.db import session_scope
from store.tables import ApiToken

DEV_WEBHOOK_SECRET = Settings.model_fields["finance_webhook_secret"].default
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
    if settings.oidc_jwks_url and not (settings.oidc_issuer or "").startswith("https://"):
        # One provider's keys may sign for several issuers (the tenants of one service): only the
        # issuer tells ours apart, and the browser sign-in needs it to check its ID tokens.
        problems.append("single sign-on is on (AXFLOW_OIDC_JWKS_URL) but AXFLOW_OIDC_ISSUER is not set to the "
                        "provider's https:// issuer identifier")
    if engine is not None:
        with session_scope(engine) as session:
            demo = session.exec(select(ApiToken.name).where(col(ApiToken.name).in_(DEMO_TOKEN_NAMES),
                                                           col(ApiToken.revoked_at).is_(None))).all()
        if demo:
            problems.append(f"demo tokens are live ({', '.join(sorted(demo))}): revoke them")
    return problems


def refuse_unsafe_production(settings: Settings, engine: Engine | None) -> None:
    problems = production_problems(settings, engine)
    if problems:
        raise SystemExit("refusing to start in production: " + "; ".join(problems))
