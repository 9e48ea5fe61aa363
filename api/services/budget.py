"""Money by 비목 across a program, read once for the API (api/routes/expense_review.py) and the
console's pages (api/pages/console/budget*.py, expense*.py), so both answer from the same code:
every expense of a program with its evidence, the finance officer's review queue with its risk
flags, the program's budget vs executed vs disallowed by category, and the check a bulk accept
makes on every entry before it records any."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.services.vendors import vendor_openings
from axflow.programs import load_program
from domain.commands import Command, ReviewExpenseBody
from domain.expense_risk import RiskFlag, risk_flags
from domain.phases import Action
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.rules import RuleViolation, check_command
from domain.state import Actor, StartupState
from store.expense_tables import ExpenseEntry
from store.expenses import entry_of, expenses_of, program_expenses
from store.state_parts import state_parts
from store.tables import StartupRow


def program_of(session: Session, program_id: str) -> ProgramDefinition | None:
    """The program's definition (its budget rules), or None for an unknown program."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # a request's session is bound to the app's engine
    return load_program(engine, program_id)


def program_entries(session: Session, program_id: str) -> list[ExpenseEntry]:
    """Every expense of the program's startups, startup by startup in order of entry (cancelled ones too)."""
    return program_expenses(session, program_id)


def startup_entries(session: Session, startup_id: str) -> list[ExpenseEntry]:
    """One startup's expenses in order of entry, cancelled ones too."""
    return expenses_of(session, startup_id)


def category_name(program: ProgramDefinition, key: str) -> str:
    """A category's name as the program defines it (인건비 …), else its key."""
    category = program.budget_rules.category(key) if program.budget_rules else None
    return category.name if category is not None else key


@dataclass(frozen=True)
class QueuedEntry:
    """An expense waiting for the finance officer's decision, with what the risk rules flag on it."""

    row: ExpenseEntry
    flags: list[RiskFlag]


def review_queue(session: Session, program: ProgramDefinition) -> list[QueuedEntry]:
    """The expenses that still count and wait for a decision: those the risk rules flag first (most
    flags first), then the rest, each startup's in order of entry. Flags are reasons for a closer
    look, never refusals."""
    rows = [row for row in program_expenses(session, program.id) if row.cancelled_by is None]
    startups_by_vendor: dict[str, set[str]] = defaultdict(set)
    by_startup: dict[str, list[ExpenseEntry]] = defaultdict(list)
    for row in rows:
        startups_by_vendor[row.vendor_brn].add(row.startup_id)
        by_startup[row.startup_id].append(row)
    # Opening dates the tax authority gave when an expense to the vendor was recorded (new_vendor).
    opened = vendor_openings(session, startups_by_vendor.keys())
    queued: list[QueuedEntry] = []
    for startup_id, own in by_startup.items():
        others = {brn: frozenset(ids - {startup_id}) for brn, ids in startups_by_vendor.items()}
        flags = risk_flags([entry_of(row) for row in own], program.budget_rules, other_startups_by_vendor=others,
                           vendor_founded_on=opened) if program.budget_rules else []
        queued += [QueuedEntry(row, [f for f in flags if f.entry_id == row.entry_id])
                   for row in own if row.review is None]
    queued.sort(key=lambda q: -len(q.flags))  # stable: each startup's own order is kept
    return queued


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    name: str
    budget: int  # the startups' current plan lines
    executed: int  # grant expense of the entries that still count
    disallowed: int  # 불인정

    @property
    def counted(self) -> int:
        """executed − disallowed: accepted, or waiting for a decision."""
        return self.executed - self.disallowed


@dataclass(frozen=True)
class ProgramBudget:
    startups: int  # those whose agreement carried a budget plan
    categories: list[CategoryTotal]

    @property
    def total(self) -> CategoryTotal:
        return CategoryTotal("", "", sum(c.budget for c in self.categories),
                             sum(c.executed for c in self.categories), sum(c.disallowed for c in self.categories))


BUDGET_PARTS = (("budget", "plans"), ("budget", "executed"), ("budget", "disallowed"))


def program_budget(session: Session, program: ProgramDefinition) -> ProgramBudget:
    """Budget vs executed vs disallowed by category, summed over the program's startups whose
    agreement carried a plan (from their projected states), in the program's category order."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    planned = 0
    # Only the three parts summed, not the whole states (kilobytes each, 1,000 startups a program).
    for plans, executed, disallowed in state_parts(session, BUDGET_PARTS, col(StartupRow.program_id) == program.id):
        plans = plans or []
        if not plans or not plans[0].get("approved_at"):
            continue
        planned += 1
        for line in plans[-1]["lines"]:
            totals[line["category"]][0] += line["amount"]
        for column, figures in ((1, executed or {}), (2, disallowed or {})):
            for category, amount in figures.items():
                totals[category][column] += amount
    rules = program.budget_rules
    order = [c.key for c in rules.categories] if rules else []
    order += sorted(set(totals) - set(order))
    return ProgramBudget(planned, [CategoryTotal(key, category_name(program, key), *totals[key])
                                   for key in order if key in totals])


def check_bulk_accept(state: StartupState, program: ProgramDefinition, entries: Sequence[str], actor: Actor,
                      request_id: str, conflicts: Collection[str], now: datetime) -> None:
    """Refuse the whole bulk accept (일괄 인정) if any one entry would be refused, before any is
    recorded: the validator's own rules on the lifecycle's state, and an entry already decided
    (review that one on its own). The field named is `entries` or `entries[i]`."""
    if len(set(entries)) != len(entries):
        raise RuleViolation("validation_error", "an entry is listed twice (같은 집행 내역이 두 번 있습니다)",
                            {"field": "entries", "rule": RuleId.DISTINCT_ENTRIES})
    marks = state.budget.entries if state.budget else {}
    for i, entry_id in enumerate(entries):
        command = Command[ReviewExpenseBody](actor=actor, request_id=request_id,
                                             body=ReviewExpenseBody(entry_id=entry_id, decision="accept"))
        command.conflicts = list(conflicts)
        try:
            check_command(state, Action.REVIEW_EXPENSE, command, now, program)
            mark = marks.get(entry_id)
            if mark is not None and mark.review is not None:
                raise RuleViolation("conflict", f"entry {entry_id} is already decided; review it on its own "
                                    "(이미 검토한 집행 내역입니다)", {"field": "entry_id", "rule": RuleId.ENTRY_UNDECIDED})
        except RuleViolation as violation:
            if "field" in violation.details:
                violation.details["field"] = f"entries[{i}]"
            raise


def company_names(session: Session, program_id: str) -> dict[str, str]:
    """Startup id → company name, for the program's startups."""
    return dict(session.exec(select(StartupRow.startup_id, StartupRow.company_name)
                             .where(StartupRow.program_id == program_id)).all())
