"""The `axflow` command: the embedded stack, its parts, tokens and the demo."""

import asyncio
import os
import sys
from datetime import UTC, timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from axflow.config import get_settings
from axflow.documents_cli import documents_app
from axflow.logging import configure_logging
from axflow.mail_cli import mail_app
from axflow.users_cli import user_app
from domain.phases import Role

# Servers keep an idle connection open well beyond the 5 s an httpx client keeps it: the client
# then always drops it first, and never sends a request on one the server is closing.
KEEP_ALIVE_SECONDS = 75

app = typer.Typer(help="axflow: grant and PoC milestone workflows on Temporal.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
audit_app = typer.Typer(help="Audit tools.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(documents_app, name="documents")
app.add_typer(mail_app, name="mail")


@app.command()
def dev() -> None:
    """Start the embedded stack (Temporal, simulators, worker, API) and load the samples."""
    from axflow.devstack import run_dev

    run_dev(get_settings())


@app.command()
def worker() -> None:
    """Run one worker (both workflows and all activities)."""
    from axflow.production import refuse_unsafe_production, warn_development_mode
    from axflow.worker import serve

    settings = get_settings()
    configure_logging(settings.log_level)
    warn_development_mode(settings, "worker")
    # The worker writes the links in mail and keeps the audit chain: the same settings must hold
    # (the demo tokens are the API's to check, at its start).
    refuse_unsafe_production(settings, None)
    asyncio.run(serve(settings))


@app.command()
def api() -> None:
    """Serve the HTTP API."""
    from api.main import create_app
    from axflow.production import warn_development_mode

    settings = get_settings()
    configure_logging(settings.log_level)
    warn_development_mode(settings, "api")
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the app
    # believes it only from settings.trusted_proxies (api/main.py).
    uvicorn.run(create_app(settings, freeze_heap=True), host=settings.api_host, port=settings.api_port, log_level="warning",
                timeout_keep_alive=KEEP_ALIVE_SECONDS, proxy_headers=False,
                # libuv's event loop and llhttp's parser, uvicorn's faster choices, named so that a
                # missing package fails at start instead of quietly falling back to the slower ones.
                loop="uvloop", http="httptools")


@app.command()
def sim(system: Annotated[str, typer.Argument(help="finance, notify, tax, insurance or identity")]) -> None:
    """Serve a simulator of an outside system."""
    settings = get_settings()
    configure_logging(settings.log_level)
    if system == "finance":
        from simulators.finance import create_finance_app

        simulator = create_finance_app(str(settings.data_dir / "finance-sim.db"), settings.finance_webhook_secret)
        port = settings.finance_port
    elif system == "notify":
        from simulators.notifications import create_notification_app

        simulator = create_notification_app(str(settings.data_dir / "notify-sim.db"))
        port = settings.notify_port
    elif system == "tax":
        from simulators.tax_authority import create_tax_authority_app

        simulator = create_tax_authority_app(str(settings.data_dir / "tax-sim.db"))
        port = settings.tax_authority_port
    elif system == "insurance":
        from simulators.employment_insurance import create_employment_insurance_app

        simulator = create_employment_insurance_app(str(settings.data_dir / "insurance-sim.db"))
        port = settings.employment_insurance_port
    elif system == "identity":
        from simulators.identity_provider import create_identity_provider_app

        simulator = create_identity_provider_app(settings.identity_issuer, settings.identity_client_id,
                                                 settings.identity_client_secret)
        port = settings.identity_port
    else:
        raise typer.BadParameter("finance, notify, tax, insurance or identity")
    uvicorn.run(simulator, host=settings.sim_host, port=port, log_level="warning",
                timeout_keep_alive=KEEP_ALIVE_SECONDS, loop="uvloop", http="httptools")


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest migration."""
    from store.db import migrate as run_migrations

    run_migrations(get_settings().database_url)
    typer.echo("database at head")


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="the token's role")],
    name: Annotated[str, typer.Option(help="the person or system it belongs to")],
    brn: Annotated[str | None, typer.Option(help="for a startup token: its business registration number")] = None,
    expires_days: Annotated[int | None, typer.Option(help="days until it expires")] = None,
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    from domain.brn import normalize_brn
    from store.db import make_engine, migrate, session_scope
    from store.tokens import create_token

    settings = get_settings()
    migrate(settings.database_url)
    try:
        digits = normalize_brn(brn) if brn else None
        with session_scope(make_engine(settings.database_url)) as session:
            token = create_token(session, role, name, digits,
                                 timedelta(days=expires_days) if expires_days else None)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never the tokens themselves): id, role, name, brn, expiry, revocation."""
    from sqlmodel import col, select

    from store.db import make_engine, session_scope
    from store.tables import ApiToken

    with session_scope(make_engine(get_settings().database_url)) as session:
        for row in session.exec(select(ApiToken).order_by(col(ApiToken.id))).all():
            state = "revoked" if row.revoked_at else f"expires {row.expires_at:%Y-%m-%d}" if row.expires_at else "live"
            typer.echo(f"{row.id:>5}  {row.role or 'any':16} {row.name:24} {row.brn or '-':10}  {row.user_id}  {state}")


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (it gets 401 from then on)."""
    from store.db import make_engine, session_scope
    from store.tokens import revoke_token

    with session_scope(make_engine(get_settings().database_url)) as session:
        if not revoke_token(session, token_id):
            raise typer.BadParameter(f"no token {token_id}")
    typer.echo(f"token {token_id} revoked")


@audit_app.command("verify")
def audit_verify(file: Annotated[Path, typer.Argument(exists=True, readable=True,
                                                      help="a history from GET /startups/{id}/history?format=temporal")]
                 ) -> None:
    """Replay an exported history against the current code: deterministic, and its final state."""
    from axflow.replay import report_json, verify

    report = asyncio.run(verify(file))
    typer.echo(report_json(report))
    sys.stdout.flush()
    # Leave without the interpreter's teardown: the SDK's native runtime can crash there after a
    # replay (a known SDK issue), which must not turn a verdict into a crash.
    os._exit(0 if report.deterministic else 1)


@app.command()
def reconcile(program_id: Annotated[str | None, typer.Option("--program", help="one program only")] = None) -> None:
    """List every difference between the ledger and the finance system (exit 1 if any, 2 if the
    finance system cannot be reached)."""
    from axflow.reconcile import FinanceUnreachable, differences
    from store.db import make_engine

    settings = get_settings()
    try:
        found = differences(make_engine(settings.database_url), settings.finance_url, program_id)
    except FinanceUnreachable as err:
        # One line, not a traceback; exit 2 tells "could not compare" apart from "differences found".
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    for difference in found:
        typer.echo(str(difference))
    typer.echo(f"{len(found)} difference(s)")
    raise typer.Exit(1 if found else 0)


# `axflow demo` alone fills the stack; `axflow demo code LOGIN` is a demo user's two-step code.
demo_app = typer.Typer(invoke_without_command=True)
app.add_typer(demo_app, name="demo")


@demo_app.callback()
def demo(ctx: typer.Context,
         api_url: Annotated[str | None, typer.Option(help="the API (default from settings)")] = None) -> None:
    """Fill the running stack with a cohort in every phase whose people can sign in, printing each step."""
    if ctx.invoked_subcommand is not None:
        return
    from axflow.demo import run_demo

    settings = get_settings()
    asyncio.run(run_demo(settings, api_url or settings.api_url))


@demo_app.command("code")
def demo_code(login: Annotated[str, typer.Argument(help="a demo admin or finance officer: admin, finance.lee")]
              ) -> None:
    """Print the 6-digit two-step sign-in code of a `make run` demo user (development only)."""
    import time
    from datetime import datetime

    from axflow.demo_users import DemoRefused
    from axflow.demo_users import demo_code as code_of

    try:
        code, accepted_from = code_of(get_settings(), login, datetime.now(UTC))
    except DemoRefused as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    wait = (accepted_from - datetime.now(UTC)).total_seconds()
    if wait > 0:
        # Each code signs in once: this moment's were used, so the next one is given when it is due.
        typer.echo(f"this moment's code signed in already; the next in {wait:.0f} s", err=True)
        time.sleep(wait)
    typer.echo(code)


if __name__ == "__main__":
    app()
