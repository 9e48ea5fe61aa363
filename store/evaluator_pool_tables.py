"""The evaluator pool (평가위원 풀) of a program: who was invited, who signed the pledge (서약서)
and on which text, who stepped back from a startup (회피) or was excluded from it (제척), and which
evaluators the program officer assigned to each startup. A program with no member rows has no pool:
its evaluators work as before (api/services/evaluator_pool.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel, col, select


def _utc() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def _utc_optional() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class EvaluatorPoolMember(SQLModel, table=True):
    """One evaluator invited into one program's pool, and their pledge once signed."""

    __tablename__ = "evaluator_pool_member"
    __table_args__ = (UniqueConstraint("program_id", "evaluator_id", name="uq_pool_program_evaluator"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: str = Field(index=True, max_length=64)
    evaluator_id: str = Field(index=True, max_length=64)
    invited_by: str = Field(max_length=64)
    invited_at: datetime = _utc()
    # The pledge: when, the name the person typed, the language read and the SHA-256 of that text.
    pledged_at: datetime | None = _utc_optional()
    pledge_name: str | None = Field(default=None, max_length=200)
    pledge_language: str | None = Field(default=None, max_length=8)
    pledge_sha256: str | None = Field(default=None, max_length=64)


class EvaluatorWithdrawal(SQLModel, table=True):
    """회피 (the evaluator recused themselves) or 제척 (staff excluded them) from one startup."""

    __tablename__ = "evaluator_withdrawal"
    __table_args__ = (UniqueConstraint("evaluator_id", "startup_id", name="uq_withdrawal_evaluator_startup"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: str = Field(index=True, max_length=64)
    startup_id: str = Field(index=True, max_length=200)
    brn: str = Field(max_length=10)
    evaluator_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=16)  # "recused" or "excluded"
    reason: str = Field(max_length=2000)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _utc()


class EvaluatorAssignment(SQLModel, table=True):
    """One evaluator assigned to score one startup of a program."""

    __tablename__ = "evaluator_assignment"
    __table_args__ = (UniqueConstraint("startup_id", "evaluator_id", name="uq_assignment_startup_evaluator"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: str = Field(index=True, max_length=64)
    startup_id: str = Field(index=True, max_length=200)
    evaluator_id: str = Field(index=True, max_length=64)
    assigned_by: str = Field(max_length=64)
    assigned_at: datetime = _utc()


def uncleared_programs(evaluator_id: str) -> Any:
    """A query of the program ids whose applications this evaluator may not see yet: programs with
    a pool, less those where they signed the pledge (for a list's or an inbox's `NOT IN`)."""
    signed = select(EvaluatorPoolMember.program_id).where(EvaluatorPoolMember.evaluator_id == evaluator_id,
                                                          col(EvaluatorPoolMember.pledged_at).is_not(None))
    return (select(EvaluatorPoolMember.program_id).distinct()
            .where(col(EvaluatorPoolMember.program_id).not_in(signed)))


def barred_from_scoring(evaluator_id: str) -> Any:
    """A query of the startup ids this evaluator may not score: those with a panel they are not on,
    and those they recused from or were excluded from (for an inbox's `NOT IN`; the lifecycle's
    validator refuses the score itself)."""
    on_panel = select(EvaluatorAssignment.startup_id).where(EvaluatorAssignment.evaluator_id == evaluator_id)
    off_panel = (select(EvaluatorAssignment.startup_id).distinct()
                 .where(col(EvaluatorAssignment.startup_id).not_in(on_panel)))
    withdrawn = select(EvaluatorWithdrawal.startup_id).where(EvaluatorWithdrawal.evaluator_id == evaluator_id)
    return off_panel.union(withdrawn)
