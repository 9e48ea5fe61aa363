"""The review panel (심의위원회) of a running program, for the API and the console alike: naming it
again (`PUT /programs/{id}/appeals/panel`: admins and program officers, checked by
domain/appeal_panel.py, kept in the program's definition row with an audit row by
store/appeal_panel.py), and the panel a decide-appeal command carries to the lifecycle.

The lifecycles and the program call keep the definition they started with; the panel is read from
the row at each decision instead (`Command.appeal_panel`), so a change takes effect for every appeal
decided after it, and the inboxes, which read the row (store/work_items.py), follow at once."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from api.errors import ApiError
from api.refusals import refusals_recorded
from api.services.programs import known_program
from domain.appeal_panel import DECIDING_ROLES, panel_problems
from domain.state import Actor
from domain.text import SINGLE_LINE
from store.appeal_panel import ACTION, set_panel
from store.db import engine_of
from store.tables import ProgramRow
from store.user_tables import User

MemberId = Annotated[str, Field(min_length=1, max_length=64), SINGLE_LINE]


class PanelBody(BaseModel):
    """The whole panel, by user id (an empty list: any program officer or admin decides), and why."""

    model_config = ConfigDict(extra="forbid")

    # Longer than the rule allows, so that the rule (at most 50) answers by its own id.
    panel: Annotated[list[MemberId], Field(max_length=500)]
    reason: Annotated[str, Field(max_length=500), SINGLE_LINE] = ""


class PanelAnswer(BaseModel):
    program_id: str
    panel: list[str]
    panel_before: list[str]


def set_appeal_panel(session: Session, key: bytes, program_id: str, body: PanelBody, actor: Actor,
                     request_id: str | None) -> PanelAnswer:
    """Name the program's panel again. Refused (recorded for auditors, nothing changed): 404 for an
    unknown program; 422 naming the field and each rule broken (panel_size, panel_member_once,
    panel_member_known, panel_member_staff)."""
    with refusals_recorded(engine_of(session), actor, ACTION, request_id, program_id=program_id):
        row = known_program(session, program_id)
        users = session.exec(select(User).where(col(User.id).in_(set(body.panel)))).all() if body.panel else []
        # Staff: an active account that is no startup's (the directory's named service accounts act
        # for staff too) holding a role that decides appeals.
        deciders = {u.id for u in users if u.active and u.kind != "startup" and DECIDING_ROLES & set(u.roles)}
        problems = panel_problems(body.panel, deciders, {u.id for u in users})
        if problems:
            raise ApiError("validation_error", "invalid panel: " + "; ".join(p["message"] for p in problems),
                           problems)
        before = set_panel(session, key, row, body.panel, reason=body.reason.strip(), actor=actor,
                           at=datetime.now(UTC), request_id=request_id)
        return PanelAnswer(program_id=program_id, panel=body.panel, panel_before=before)


def current_panel(session: Session, startup_id: str) -> list[str] | None:
    """The panel the lifecycle's program names now ([]: none named, any officer or admin decides;
    None for a program without a row: the lifecycle's own definition then)."""
    program_id = startup_id.split(":")[1] if startup_id.count(":") == 2 else ""
    row = session.get(ProgramRow, program_id)
    if row is None:
        return None
    return list((row.definition.get("appeals") or {}).get("panel") or [])
