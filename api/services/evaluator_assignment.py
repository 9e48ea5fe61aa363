"""Which pool evaluators score which startup: the program officer assigns them by hand or lets the
system spread them evenly (domain/evaluator_pool.py's `spread`), never onto a startup they declared
a conflict with (이해충돌, the startup or its SME partner), recused from (회피) or were excluded from
(제척); and the officer's table of each evaluator's load and calibration (how far their scores sit
from their panels' mean)."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, delete, select

from api.errors import ApiError
from api.services.evaluator_pool import UserId, companies_related_to, members, program_of
from api.services.programs import known_program
from domain.evaluator_pool import calibration, spread
from domain.rule_ids import RuleId
from domain.state import Actor
from store.db import as_utc, release
from store.evaluator_pool_tables import EvaluatorAssignment, EvaluatorWithdrawal
from store.tables import EvaluatorConflict, StartupRow
from store.user_tables import User

# The phases in which a startup waits for evaluators (a spread assigns only these).
AWAITING_EVALUATION = ("applied", "under_review")


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluator_ids: Annotated[list[UserId], Field(max_length=20, description="the startup's whole panel")]


class SpreadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_startup: Annotated[int, Field(strict=True, ge=1, le=20, description="evaluators on each startup's panel")]


class PanelRow(BaseModel):
    """One pool evaluator in the officer's table."""

    evaluator_id: str
    name: str
    pledged_at: datetime | None
    load: int
    scores: int
    compared: int
    offset: float | None = Field(description="mean of (score − the panel's mean); None: no panel to compare")
    related: list[str] = Field(default=[], description="the startups their recorded employer is related to "
                               "(the startup, its SME partner or a former partner): never assigned, score refused")


def _involved(row: StartupRow) -> set[str]:
    partners = (row.state or {}).get("partners") or []
    return {row.brn, *(str(p["brn"]) for p in partners if isinstance(p, dict) and p.get("brn"))}


def barred(session: Session, rows: list[StartupRow]) -> dict[str, set[str]]:
    """Startup id → the evaluators who may not score it: a declared conflict with the startup or
    one of its partners, a recusal, an exclusion."""
    brns = set().union(*(_involved(r) for r in rows)) if rows else set()
    conflicts = session.exec(select(EvaluatorConflict.evaluator_id, EvaluatorConflict.brn)
                             .where(col(EvaluatorConflict.brn).in_(brns))).all()
    withdrawn = session.exec(select(EvaluatorWithdrawal.evaluator_id, EvaluatorWithdrawal.startup_id)
                             .where(col(EvaluatorWithdrawal.startup_id).in_([r.startup_id for r in rows]))).all()
    out = {r.startup_id: {e for e, brn in conflicts if brn in _involved(r)} for r in rows}
    for evaluator, startup_id in withdrawn:
        out[startup_id].add(evaluator)
    for startup_id, evaluators in known_relations(session, rows).items():
        out[startup_id] |= evaluators
    return out


def known_relations(session: Session, rows: list[StartupRow]) -> dict[str, set[str]]:
    """Startup id → the evaluators whose recorded employer is the startup, one of its SME partners
    or a former partner of it: barred as a declared conflict is, with no declaration needed."""
    employed = session.exec(select(User.id, User.employer_brn).where(col(User.employer_brn).is_not(None))).all()
    if not employed:
        return {}
    related = {r.startup_id: companies_related_to(session, r.brn) for r in rows}
    return {r.startup_id: {e for e, employer in employed if employer in related[r.startup_id]} for r in rows}


def _cleared(session: Session, program_id: str) -> list[str]:
    """The pool's evaluators who signed the pledge, in the order invited."""
    return [m.evaluator_id for m in members(session, program_id) if m.pledged_at is not None]


def assigned(session: Session, program_id: str) -> dict[str, list[str]]:
    """Startup id → its assigned evaluators, for the program."""
    out: dict[str, list[str]] = {}
    for startup_id, evaluator in session.exec(select(EvaluatorAssignment.startup_id, EvaluatorAssignment.evaluator_id)
                                              .where(EvaluatorAssignment.program_id == program_id)
                                              .order_by(col(EvaluatorAssignment.id))).all():
        out.setdefault(startup_id, []).append(evaluator)
    return out


def _write(session: Session, program_id: str, panels: dict[str, list[str]], by: Actor) -> None:
    release(session)
    now = datetime.now(UTC)
    for startup_id, panel in panels.items():
        session.exec(delete(EvaluatorAssignment).where(col(EvaluatorAssignment.startup_id) == startup_id))
        session.add_all(EvaluatorAssignment(program_id=program_id, startup_id=startup_id, evaluator_id=e,
                                            assigned_by=by.id, assigned_at=now) for e in panel)
    session.commit()


def assign(session: Session, startup_id: str, body: AssignIn, by: Actor) -> list[str]:
    """Set one startup's panel; every evaluator must be a signed pool member not barred from it."""
    row = session.get(StartupRow, startup_id)
    if row is None:
        raise ApiError("not_found", f"no startup {startup_id}")
    program_id = program_of(startup_id) or row.program_id
    cleared, bars = set(_cleared(session, program_id)), barred(session, [row])[startup_id]
    related = known_relations(session, [row]).get(startup_id, set())
    wrong = [e for e in body.evaluator_ids if e not in cleared or e in bars]
    if wrong:
        raise ApiError("validation_error", "not assignable to this startup", [
            {"field": "evaluator_ids", "evaluator_id": e,
             "rule": RuleId.KNOWN_RELATION if e in related else RuleId.ASSIGNABLE_EVALUATOR,
             "message": "their recorded employer is this startup, its SME partner or a former partner"
             if e in related else "in conflict, recused or excluded" if e in bars
             else "not a pool member who signed the pledge"}
            for e in wrong])
    panel = list(dict.fromkeys(body.evaluator_ids))
    _write(session, program_id, {startup_id: panel}, by)
    return panel


def spread_program(session: Session, program_id: str, body: SpreadIn, by: Actor) -> dict[str, list[str]]:
    """Give every startup awaiting evaluation that has no panel yet `per_startup` evaluators,
    spread evenly over the signed pool (counting what each already carries), none barred."""
    known_program(session, program_id)
    current = assigned(session, program_id)
    rows = [r for r in session.exec(select(StartupRow).where(StartupRow.program_id == program_id,
                                                               col(StartupRow.phase).in_(AWAITING_EVALUATION))
                                    .order_by(col(StartupRow.startup_id))).all() if r.startup_id not in current]
    evaluators = _cleared(session, program_id)
    load = {e: sum(e in panel for panel in current.values()) for e in evaluators}
    panels = spread(evaluators, [r.startup_id for r in rows], body.per_startup, barred(session, rows), load)
    _write(session, program_id, panels, by)
    return panels


def panel_table(session: Session, program_id: str) -> list[PanelRow]:
    """Each pool evaluator's load (startups assigned) and calibration over the program's scores."""
    pool = members(session, program_id)
    current = assigned(session, program_id)
    startups = session.exec(select(StartupRow).where(StartupRow.program_id == program_id)
                            .order_by(col(StartupRow.startup_id))).all()
    states = [(r.startup_id, r.state) for r in startups]
    relations = known_relations(session, list(startups))
    scored = calibration((s["evaluator_id"], startup_id, s["round"], int(s["score"]))
                         for startup_id, state in states for s in (state or {}).get("scores") or [])
    rows = []
    for m in pool:
        found = scored.get(m.evaluator_id)
        rows.append(PanelRow(evaluator_id=m.evaluator_id, name=m.name, pledged_at=as_utc(m.pledged_at),
                             load=sum(m.evaluator_id in panel for panel in current.values()),
                             scores=found.scores if found else 0, compared=found.compared if found else 0,
                             offset=found.offset if found else None,
                             related=[s for s, barred_ones in relations.items() if m.evaluator_id in barred_ones]))
    return rows


def awaiting(session: Session, program_id: str) -> list[tuple[str, str]]:
    """(startup id, company name) of the program's startups awaiting evaluation."""
    return [(r.startup_id, r.company_name) for r in session.exec(
        select(StartupRow).where(StartupRow.program_id == program_id, col(StartupRow.phase).in_(AWAITING_EVALUATION))
        .order_by(col(StartupRow.startup_id))).all()]
