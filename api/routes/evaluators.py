"""Staff declare their conflicts of interest (이해충돌): evaluators above all, but a declaration
belongs to the person, and the lifecycle then refuses every decision of theirs about that company,
in whatever role they act (domain/conflicts.py; the reads and the write: api/services/conflicts.py)."""

from fastapi import APIRouter

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from api.policy import Authorized
from api.services import conflicts
from api.services.conflicts import ConflictIn, ConflictOut

router = APIRouter(prefix="/evaluators", tags=["evaluators"], responses=ERROR_RESPONSES)


@router.get("/me/conflicts", response_model=list[ConflictOut])
async def my_conflicts(session: SessionDep, actor: Authorized) -> list[ConflictOut]:
    return conflicts.conflicts_of(session, actor.id)


@router.post("/me/conflicts", status_code=201, response_model=ConflictOut)
async def declare(body: ConflictIn, session: SessionDep, actor: Authorized) -> ConflictOut:
    return conflicts.declare(session, actor.id, body)
