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

from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlmodel import select

from api.deps import SessionDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, from_violation
from api.policy import Authorized
from api.routes.expenses import ExpenseOut, expense_out
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services.actions import perform_action
from api.services.conflicts import declared_conflicts
from api.services.startups import live_state
from axflow.programs import load_program
from domain.commands import Command, ReviewExpenseBody
from domain.expense_risk import risk_flags
from domain.ledger import EntryId
from domain.phases import Action
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.rules import RuleViolation, check_command, check_role
from domain.text import Line
from store.expense_tables import ExpenseEntry
from store.expenses import entry_of, program_expenses
from store.tables import StartupRow

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


def _program(session: SessionDep, program_id: str) -> ProgramDefinition:
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # the request's session is bound to the app's engine
    program = load_program(engine, program_id)
    if program is None:
        raise ApiError("not_found", f"no program {program_id}")
    return program


@router.get("/programs/{program_id}/expenses", response_model=ProgramLedger,
            description="Every expense of the program's startups in order of entry, cancelled ones marked, each "
                        "with its evidence pinned by SHA-256 and the finance officer's decision that stands.")
async def program_ledger(program_id: str, session: SessionDep, actor: Authorized) -> ProgramLedger:
    _program(session, program_id)
    rows = program_expenses(session, program_id)
    return ProgramLedger(program_id=program_id, entries=[
        ProgramExpense(startup_id=row.startup_id, **expense_out(row).model_dump()) for row in rows])


@router.get("/programs/{program_id}/expense-review", response_model=ReviewQueue,
            description="The finance officer's review queue: the expenses that still count and wait for a decision, "
                        "those the risk rules flag first (flags are reasons for a closer look, never refusals).")
async def review_queue(program_id: str, session: SessionDep, actor: Authorized) -> ReviewQueue:
    program = _program(session, program_id)
    rows = [row for row in program_expenses(session, program_id) if row.cancelled_by is None]
    startups_by_vendor: dict[str, set[str]] = defaultdict(set)
    by_startup: dict[str, list[ExpenseEntry]] = defaultdict(list)
    for row in rows:
        startups_by_vendor[row.vendor_brn].add(row.startup_id)
        by_startup[row.startup_id].append(row)
    queued: list[QueuedExpense] = []
    for startup_id, own in by_startup.items():
        others = {brn: frozenset(ids - {startup_id}) for brn, ids in startups_by_vendor.items()}
        flags = risk_flags([entry_of(row) for row in own], program.budget_rules,
                           other_startups_by_vendor=others) if program.budget_rules else []
        for row in own:
            if row.review is None:
                queued.append(QueuedExpense(
                    startup_id=startup_id, **expense_out(row).model_dump(),
                    flags=[FlagOut(rule=f.rule, message=f.message, related=list(f.related))
                           for f in flags if f.entry_id == row.entry_id]))
    queued.sort(key=lambda e: -len(e.flags))  # stable: each startup's own order is kept
    return ReviewQueue(program_id=program_id, entries=queued)


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
    if len(set(body.entries)) != len(body.entries):
        raise ApiError("validation_error", "an entry is listed twice (같은 집행 내역이 두 번 있습니다)",
                       [{"field": "entries", "rule": RuleId.DISTINCT_ENTRIES, "message": "an entry is listed twice"}])
    state = await live_state(temporal, session, startup_id)
    program = _program(session, state.program_id)
    marks = state.budget.entries if state.budget else {}
    now = datetime.now(UTC)
    conflicts = declared_conflicts(session, actor.id)
    for i, entry_id in enumerate(body.entries):
        command = Command[ReviewExpenseBody](actor=actor, request_id=request.state.request_id,
                                             body=ReviewExpenseBody(entry_id=entry_id, decision="accept"))
        command.conflicts = conflicts
        try:
            check_command(state, Action.REVIEW_EXPENSE, command, now, program)
            mark = marks.get(entry_id)
            if mark is not None and mark.review is not None:
                raise RuleViolation("conflict", f"entry {entry_id} is already decided; review it on its own "
                                    "(이미 검토한 집행 내역입니다)", {"field": "entry_id", "rule": RuleId.ENTRY_UNDECIDED})
        except RuleViolation as violation:
            if "field" in violation.details:
                violation.details["field"] = f"entries[{i}]"
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
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    planned = 0
    for state in session.exec(select(StartupRow.state).where(StartupRow.program_id == program_id)).all():
        budget = state.get("budget") or {}
        plans = budget.get("plans") or []
        if not plans or not plans[0].get("approved_at"):
            continue
        planned += 1
        for line in plans[-1]["lines"]:
            totals[line["category"]][0] += line["amount"]
        for column, figures in ((1, budget.get("executed") or {}), (2, budget.get("disallowed") or {})):
            for category, amount in figures.items():
                totals[category][column] += amount
    rules = program.budget_rules
    order = [c.key for c in rules.categories] if rules else []
    order += sorted(set(totals) - set(order))
    return ProgramBudget(program_id=program_id, startups=planned, categories=[
        CategoryTotals(category=key, name=_category_name(program, key), budget=totals[key][0], executed=totals[key][1],
                       disallowed=totals[key][2], counted=totals[key][1] - totals[key][2])
        for key in order if key in totals])


def _category_name(program: ProgramDefinition, key: str) -> str:
    category = program.budget_rules.category(key) if program.budget_rules else None
    return category.name if category is not None else key
