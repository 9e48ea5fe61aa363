"""Staff declare their conflicts of interest (이해충돌): evaluators above all, but a declaration
belongs to the person, and the lifecycle then refuses every decision of theirs about that company,
in whatever role they act (domain/conflicts.py)."""

from datetime import datetime, timezone

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES, ApiError
from api.policy import Authorized
from domain.commands import BRN, Text
from store.db import as_utc, release
from store.tables import EvaluatorConflict

router = APIRouter(prefix="/evaluators", tags=["evaluators"], responses=ERROR_RESPONSES)


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brn: BRN
    reason: Text = ""


class ConflictOut(BaseModel):
    brn: str
    reason: str
    declared_at: datetime


def declared_conflicts(session: Session, evaluator_id: str) -> list[str]:
    return list(session.exec(select(EvaluatorConflict.brn).where(EvaluatorConflict.evaluator_id == evaluator_id)))


@router.get("/me/conflicts", response_model=list[ConflictOut])
async def my_conflicts(session: SessionDep, actor: Authorized) -> list[ConflictOut]:
    rows = session.exec(select(EvaluatorConflict).where(EvaluatorConflict.evaluator_id == actor.id)
                        .order_by(col(EvaluatorConflict.id))).all()
    # SQLite hands the instant back without its zone: it is UTC, and the answer says so.
    return [ConflictOut(brn=r.brn, reason=r.reason, declared_at=as_utc(r.declared_at)) for r in rows]


@router.post("/me/conflicts", status_code=201, response_model=ConflictOut)
async def declare(body: ConflictIn, session: SessionDep, actor: Authorized) -> ConflictOut:
    already = ApiError("conflict", "this conflict is already declared", {"field": "brn"})
    if body.brn in declared_conflicts(session, actor.id):
        raise already
    # A write in a new transaction: on SQLite a read transaction that turns into a write fails at
    # once ("database is locked") if the worker wrote in between, where a fresh one waits its turn.
    release(session)
    row = EvaluatorConflict(evaluator_id=actor.id, brn=body.brn, reason=body.reason,
                            declared_at=datetime.now(timezone.utc))
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # declared by a request racing this one
        raise already from None
    return ConflictOut(brn=row.brn, reason=row.reason, declared_at=row.declared_at)
