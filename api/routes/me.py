"""Who I am (`GET /me`) and what waits on me now across every startup (`GET /me/inbox`)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from api.services.conflicts import declared_conflicts
from api.sessions import now
from domain.formatting import kst_minute
from store.company_binding import bound_brn
from store.db import release
from store.users import get_user
from store.work_items import inbox

router = APIRouter(prefix="/me", tags=["me"], responses=ERROR_RESPONSES)


class MePublic(BaseModel):
    id: str
    login_id: str
    display_name: str
    kind: str
    roles: list[str]
    desks: list[str]
    brn: str | None
    email: str | None
    acting_role: str


class InboxItem(BaseModel):
    role: str
    startup_id: str
    program_id: str
    company_name: str
    kind: str
    subject: str
    due_at: datetime | None
    due_at_kst: str | None
    overdue: bool


class Inbox(BaseModel):
    items: list[InboxItem]
    count: int


@router.get("", response_model=MePublic)
async def me(session: SessionDep, actor: Authorized) -> MePublic:
    user = get_user(session, actor.id)
    # The company I am bound to (never the number typed at sign-up): None until bound.
    company = bound_brn(session, actor.id)
    release(session)
    if user is None:
        raise ApiError("not_found", "this identity has no directory entry")
    return MePublic(id=user.id, login_id=user.login_id, display_name=user.display_name, kind=user.kind,
                    roles=user.roles, desks=user.desks, brn=company, email=user.email, acting_role=actor.role.value)


@router.get("/inbox", response_model=Inbox)
async def my_inbox(request: Request, session: SessionDep, actor: Authorized,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   program_id: Annotated[str | None, Query(max_length=64, description="only this program's work")] = None
                   ) -> Inbox:
    """Everything waiting on me in each of my roles: overdue first, then by due instant."""
    user = get_user(session, actor.id)
    if user is None:
        raise ApiError("not_found", "this identity has no directory entry")
    conflicts = declared_conflicts(session, user.id)  # the person's, whatever role they act in
    entries = inbox(session, user.id, user.roles, bound_brn(session, user.id), conflicts, now(request), limit,
                    program_id)
    release(session)
    items = [InboxItem(**vars(e), due_at_kst=kst_minute(e.due_at) if e.due_at else None)
             for e in entries]
    return Inbox(items=items, count=len(items))
