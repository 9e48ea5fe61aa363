"""Conflicts of interest (이해충돌) a person declared: read by every decision of theirs (the
lifecycle refuses their decisions about those companies, domain/conflicts.py) and declared from the
API and the evaluation desk alike."""

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.errors import ApiError
from domain.commands import BRN
from domain.text import Text
from store.db import add_once, as_utc, table_of
from store.tables import EvaluatorConflict


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brn: BRN
    reason: Text = ""


class ConflictOut(BaseModel):
    brn: str
    reason: str
    declared_at: datetime


# Read before every action (the answer's allowed actions depend on it too): built once and run on
# the session's connection, it skips building and ORM-compiling a statement per request
# (about 0.3 ms of the API's CPU per action; BENCHMARKS.md).
_CONFLICTS = table_of(EvaluatorConflict)
_DECLARED = sa_select(_CONFLICTS.c.brn).where(_CONFLICTS.c.evaluator_id == bindparam("person"))


def declared_conflicts(session: Session, person_id: str) -> list[str]:
    """The registration numbers of the companies `person_id` declared a conflict with."""
    return list(session.connection().execute(_DECLARED, {"person": person_id}).scalars())


def conflicts_of(session: Session, person_id: str) -> list[ConflictOut]:
    """`person_id`'s declarations, in the order they were made."""
    rows = session.exec(select(EvaluatorConflict).where(EvaluatorConflict.evaluator_id == person_id)
                        .order_by(col(EvaluatorConflict.id))).all()
    # SQLite hands the instant back without its zone: it is UTC, and the answer says so.
    return [ConflictOut(brn=r.brn, reason=r.reason, declared_at=as_utc(r.declared_at)) for r in rows]


def declare(session: Session, person_id: str, body: ConflictIn) -> ConflictOut:
    """Record one declaration; 409 when it is already declared."""
    already = ApiError("conflict", "this conflict is already declared", {"field": "brn"})
    if body.brn in declared_conflicts(session, person_id):
        raise already
    row = EvaluatorConflict(evaluator_id=person_id, brn=body.brn, reason=body.reason,
                            declared_at=datetime.now(UTC))
    add_once(session, row, already)
    return ConflictOut(brn=row.brn, reason=row.reason, declared_at=row.declared_at)
