"""`axflow user add|list|disable|set-roles`: the user directory from the command line."""

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated

import typer

from axflow.config import get_settings

if TYPE_CHECKING:  # the store is imported when a command runs, not when the CLI starts
    from sqlmodel import Session

user_app = typer.Typer(help="Users: people and service accounts.", no_args_is_help=True)


def _session() -> "AbstractContextManager[Session]":
    from store.db import make_engine, migrate, session_scope

    settings = get_settings()
    migrate(settings.database_url)
    return session_scope(make_engine(settings.database_url))


def _fail(err: Exception) -> typer.BadParameter:
    return typer.BadParameter(getattr(err, "message", str(err)))


@user_app.command("add")
def add(
    login_id: Annotated[str, typer.Argument(help="login id (영문 소문자, 숫자, . _ @ -)")],
    name: Annotated[str, typer.Option(help="display name, e.g. 김민수")],
    role: Annotated[list[str], typer.Option(help="a role; repeat for several")],
    desk: Annotated[list[str] | None, typer.Option(help="a desk (program_manager, finance_lead); repeatable")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    brn: Annotated[str | None, typer.Option(help="a startup user's business registration number")] = None,
    service: Annotated[bool, typer.Option("--service", help="a service account for a machine")] = False,
    password: Annotated[bool, typer.Option("--password", help="ask for a sign-in password")] = False,
) -> None:
    """Add a user (a startup user when --role startup --brn ...)."""
    from store.users import DirectoryError, create_user

    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    kind = "service" if service else "startup" if "startup" in role else "staff"
    with _session() as session:
        try:
            user = create_user(session, login_id=login_id, display_name=name, kind=kind, roles=role,
                               desks=desk or [], email=email, phone=phone, brn=brn, password=secret)
        except DirectoryError as err:
            raise _fail(err) from err
        typer.echo(f"{user.id}  {user.login_id}  {','.join(user.roles)}")


@user_app.command("list")
def list_() -> None:
    """List users: id, login id, kind, roles, desks, registration number, state."""
    from store.users import list_users

    with _session() as session:
        for u in list_users(session):
            typer.echo(f"{u.id:16} {u.login_id:24} {u.kind:8} {','.join(u.roles):32} {','.join(u.desks) or '-':16} "
                       f"{u.brn or '-':10}  {'active' if u.active else 'disabled'}  {u.display_name}")


@user_app.command("disable")
def disable(login_id: str) -> None:
    """Disable a user: their sessions and tokens end at once."""
    from store.users import disable_user, find_by_login

    with _session() as session:
        user = find_by_login(session, login_id)
        if user is None:
            raise typer.BadParameter(f"no user {login_id!r}")
        disable_user(session, user)
    typer.echo(f"{login_id} disabled; sessions and tokens ended")


@user_app.command("set-roles")
def set_roles_(
    login_id: str,
    role: Annotated[list[str], typer.Option(help="a role; repeat for several")],
    desk: Annotated[list[str] | None, typer.Option(help="a desk; repeat for several (omit: keep)")] = None,
) -> None:
    """Replace a user's roles (and desks, when given)."""
    from store.users import DirectoryError, find_by_login, set_roles

    with _session() as session:
        user = find_by_login(session, login_id)
        if user is None:
            raise typer.BadParameter(f"no user {login_id!r}")
        try:
            set_roles(session, user, role, desk)
        except DirectoryError as err:
            raise _fail(err) from err
        typer.echo(f"{login_id}: {','.join(user.roles)} {','.join(user.desks)}")
