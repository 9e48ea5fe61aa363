"""The money by 비목 of one startup, for the API's routes (api/routes/expenses.py,
api/routes/settlement_statements.py) and the portal's budget and ledger pages alike: the execution
ledger as the read model holds it, each category's budget, executed, disallowed and remaining, and
the settlement statement (final once approved, provisional before)."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from axflow.programs import load_program
from domain.program import ProgramDefinition
from domain.settlement_ledger import ledger_statement, settles_from_ledger
from domain.settlement_statement import SettlementStatement
from domain.state import StartupState
from store.expense_tables import ExpenseEntry
from store.expenses import expenses_of


@dataclass(frozen=True)
class Ledger:
    """The entries in order of entry (cancelled ones marked) and, per category, the supply amounts
    and the won disallowed of the entries that still count."""

    entries: list[ExpenseEntry]
    supply_by_category: dict[str, int]
    disallowed_by_category: dict[str, int]


def ledger_of(session: Session, startup_id: str) -> Ledger:
    rows = list(expenses_of(session, startup_id))
    supply: dict[str, int] = {}
    disallowed: dict[str, int] = {}
    for row in rows:
        if row.cancelled_by is None:
            supply[row.category] = supply.get(row.category, 0) + row.supply_amount
            if row.disallowed_amount:
                disallowed[row.category] = disallowed.get(row.category, 0) + row.disallowed_amount
    return Ledger(rows, supply, disallowed)


def program_of(session: Session, program_id: str) -> ProgramDefinition:
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # the request's session is bound to the app's engine
    program = load_program(engine, program_id)
    assert program is not None  # a lifecycle's program is never deleted
    return program


@dataclass(frozen=True)
class CategoryLine:
    """One category as the startup follows it: its line in the current plan, what the grant bears
    of its expenses so far (pending and accepted), what was disallowed, and what is left."""

    key: str
    name: str
    budget: int
    executed: int
    disallowed: int
    cap: int | None
    prior_approval: bool

    @property
    def remaining(self) -> int:
        # A disallowed part is the company's own cost: it no longer uses the line.
        return self.budget - (self.executed - self.disallowed)


def category_lines(state: StartupState, program: ProgramDefinition) -> list[CategoryLine]:
    """Every category of the program's rules, in the rules' order, with the current plan's line."""
    rules = program.budget_rules
    if rules is None:
        return []
    budget = state.budget
    plan = budget.current.plan().amounts() if budget is not None and budget.current is not None else {}
    executed = budget.executed if budget is not None else {}
    disallowed = budget.disallowed if budget is not None else {}
    return [CategoryLine(c.key, c.name, plan.get(c.key, 0), executed.get(c.key, 0), disallowed.get(c.key, 0),
                         c.cap(state.grant_amount), c.prior_approval) for c in rules.categories]


@dataclass(frozen=True)
class Statement:
    statement: SettlementStatement
    final: bool  # approved by the finance officer; otherwise provisional
    ledger_sha256: str


def statement_of(session: Session, state: StartupState) -> Statement | None:
    """The settlement statement of a lifecycle that settles from its ledger (None for one that
    settles in typed lines): the one the approval pinned, or the one computed now from the state
    (undecided expenses counted as accepted, the money paid so far)."""
    if not settles_from_ledger(state) or state.budget is None:
        return None
    report = state.settlement
    if report is not None and report.approved_at is not None and report.statement is not None:
        return Statement(report.statement, True, state.budget.ledger_sha256)
    statement = ledger_statement(state, program_of(session, state.program_id), report.interest if report else 0)
    return Statement(statement, False, state.budget.ledger_sha256)
