"""The finance officer's review of expenses (집행 검토) across a program, and the auditor's listing:

- `GET /programs/{program_id}/expenses`: every expense of the program's startups, each with its
  evidence pinned by SHA-256 and the review that stands (the auditor's view);
- `GET /programs/{program_id}/expense-review`: the review queue, the expenses that still count and
  wait for a decision, those the risk rules flag (domain/expense_risk.py) first, each flag named;
- `GET /programs/{program_id}/budget`: budget vs executed vs disallowed by category across the
  program's startups whose agreement carried a plan (for the program report and dashboard);
- `POST /startups/{startup_id}/expenses/accept`: a bulk accept, one request whose every decision is
  recorded as its own review-expense action. Every entry is checked against the lifecycle's state
  first, by the rules the workflow's validator applies: one refused entry refuses them all, before
  any is recorded.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, from_violation
from api.policy import Authorized
from api.routes.expenses import ExpenseOut, expense_out
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services import budget
from api.services.actions import perform_action
from api.services.conflicts import declared_conflicts
from api.services.startups import live_state
from domain.ledger import EntryId
from domain.phases import Action
from domain.program import ProgramDefinition
from domain.rules import RuleViolation, check_role
from domain.text import Line

router = APIRouter(tags=["expenses"], responses=ERROR_RESPONSES)


class ProgramExpense(ExpenseOut):
    startup_id: str


class ProgramLedger(BaseModel):
    program_id: str
    entries: list[ProgramExpense]


class FlagOut(BaseModel):
    rule: str  # split_purchase, non_business_day, round_amount, shared_vendor, new_vendor
    message: str
    related: list[str]


class QueuedExpense(ProgramExpense):
    flags: list[FlagOut]


class ReviewQueue(BaseModel):
    program_id: str
    # Flagged expenses first (most flags first), then the rest, each startup's in order of entry.
    entries: list[QueuedExpense]


def _program(session: Session, program_id: str) -> ProgramDefinition:
    program = budget.program_of(session, program_id)
    if program is None:
        raise ApiError("not_found", f"no program {program_id}")
    return program


@router.get("/programs/{program_id}/expenses", response_model=ProgramLedger,
            description="Every expense of the program's startups in order of entry, cancelled ones marked, each "
                        "with its evidence pinned by SHA-256 and the finance officer's decision that stands.")
async def program_ledger(program_id: str, session: SessionDep, actor: Authorized) -> ProgramLedger:
    _program(session, program_id)
    rows = budget.program_entries(session, program_id)
    return ProgramLedger(program_id=program_id, entries=[
        ProgramExpense(startup_id=row.startup_id, **expense_out(row).model_dump()) for row in rows])


@router.get("/programs/{program_id}/expense-review", response_model=ReviewQueue,
            description="The finance officer's review queue: the expenses that still count and wait for a decision, "
                        "those the risk rules flag first (flags are reasons for a closer look, never refusals).")
async def review_queue(program_id: str, session: SessionDep, actor: Authorized) -> ReviewQueue:
    program = _program(session, program_id)
    return ReviewQueue(program_id=program_id, entries=[
        QueuedExpense(startup_id=q.row.startup_id, **expense_out(q.row).model_dump(),
                      flags=[FlagOut(rule=f.rule, message=f.message, related=list(f.related)) for f in q.flags])
        for q in budget.review_queue(session, program)])


class AcceptExpensesBody(BaseModel):
    """Expenses accepted together (일괄 인정): each decision is recorded as its own review."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    entries: Annotated[list[EntryId], Field(min_length=1, max_length=200,
                                            description="the entries' ids (E0001 …), each still counting and "
                                                        "waiting for a decision")]
    reason: Line = ""


class AcceptedExpenses(BaseModel):
    accepted: list[str]
    startup: StartupPublic


@router.post("/startups/{startup_id}/expenses/accept", response_model=AcceptedExpenses,
             description="Accept several expenses of one startup in one request: every entry is checked first "
                         "(one refused entry refuses them all, naming entries[i] and the rule), then each decision "
                         "is recorded as its own review-expense action.")
async def accept_expenses(startup_id: str, body: AcceptExpensesBody, request: Request, session: SessionDep,
                          temporal: TemporalDep, actor: Authorized) -> AcceptedExpenses:
    check_scope(startup_id, actor)
    try:
        check_role(Action.REVIEW_EXPENSE, actor)
    except RuleViolation as violation:
        raise from_violation(violation) from None
    state = await live_state(temporal, session, startup_id)
    try:
        budget.check_bulk_accept(state, _program(session, state.program_id), body.entries, actor,
                                 request.state.request_id, declared_conflicts(session, actor.id), datetime.now(UTC))
    except RuleViolation as violation:
        raise from_violation(violation) from None
    answered: StartupPublic | None = None
    for entry_id in body.entries:
        answered = await perform_action(startup_id, Action.REVIEW_EXPENSE,
                                        {"entry_id": entry_id, "decision": "accept", "reason": body.reason},
                                        actor, session, temporal, request.state.request_id)
    assert answered is not None
    return AcceptedExpenses(accepted=list(body.entries), startup=answered)


class CategoryTotals(BaseModel):
    category: str
    name: str
    budget: int  # the startups' current plan lines
    executed: int  # grant expense of the entries that still count
    disallowed: int  # 불인정
    counted: int  # executed − disallowed: accepted, or waiting for a decision


class ProgramBudget(BaseModel):
    program_id: str
    startups: int  # those whose agreement carried a budget plan
    categories: list[CategoryTotals]


@router.get("/programs/{program_id}/budget", response_model=ProgramBudget,
            description="Budget vs executed vs disallowed by category across the program's startups whose agreement "
                        "carried a budget plan, from their projected states (for the program report and dashboard).")
async def program_budget(program_id: str, session: SessionDep, actor: Authorized) -> ProgramBudget:
    program = _program(session, program_id)
    found = budget.program_budget(session, program)
    return ProgramBudget(program_id=program_id, startups=found.startups, categories=[
        CategoryTotals(category=c.category, name=c.name, budget=c.budget, executed=c.executed,
                       disallowed=c.disallowed, counted=c.counted) for c in found.categories])
