"""Which startups a caller may see: a startup only its own, staff and auditors all. Anything else
answers 404, the same as an id that does not exist, revealing nothing."""

from api.errors import ApiError
from domain.phases import Role
from domain.state import Actor


def brn_of(startup_id: str) -> str:
    return startup_id.rsplit(":", 1)[-1]


def not_found(startup_id: str) -> ApiError:
    return ApiError("not_found", f"unknown startup {startup_id!r}")


def check_scope(startup_id: str, actor: Actor) -> None:
    """404 for an id that is not a lifecycle id or, for a startup, not its own."""
    parts = startup_id.split(":")
    if len(parts) != 3 or parts[0] != "startup" or (actor.role is Role.STARTUP and parts[2] != actor.brn):
        raise not_found(startup_id)
