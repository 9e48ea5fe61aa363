"""Small builders for the pure rule and clock tests: a startup of the sample program
"ai-regional-2025" in a given phase, with the tranches, milestones and collections a test needs.
Instants are written out by hand: "due on 2025-10-15" is 23:59:59 KST, i.e. 14:59:59 UTC."""

from datetime import UTC, date, datetime
from typing import Any

from axflow.programs import sample_definitions
from domain.phases import Phase, Role, Stage
from domain.program import ProgramDefinition
from domain.state import Actor, CollectionState, MilestoneState, Settlement, StartupState, TrancheState

STARTUP_BRN = "1248100998"
OTHER_STARTUP_BRN = "2208162517"
PARTNER_BRN = "6138100014"

# The sample program's tranches: 70% and 30% of ₩80,000,000.
TRANCHE_AMOUNTS = {"advance": 56_000_000, "balance": 24_000_000}
TRANCHE_TRIGGERS = {"advance": "agreement", "balance": "midterm"}


def program(program_id: str = "ai-regional-2025") -> ProgramDefinition:
    return typed_settlement_allowed(next(p for p in sample_definitions() if p.id == program_id))


def typed_settlement_allowed(definition: ProgramDefinition) -> ProgramDefinition:
    """The sample program as the tests use it unless they ask for a plan: its agreement may be
    accepted without a budget plan, so the lifecycle settles in typed lines as older programs'
    lifecycles do (the samples themselves require a plan: `plan_required`, docs/budget.md)."""
    if definition.budget_rules is None or not definition.budget_rules.plan_required:
        return definition
    rules = definition.budget_rules.model_copy(update={"plan_required": False})
    return definition.model_copy(update={"budget_rules": rules})


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def kst_end_of(year: int, month: int, day: int) -> datetime:
    """23:59:59 KST on that day, written as the UTC instant (KST = UTC+9)."""
    return utc(year, month, day, 14, 59, 59)


def actor(role: Role, id: str, name: str = "김담당", brn: str | None = None) -> Actor:
    return Actor(id=id, name=name, role=role, brn=brn)


def tranche(key: str, status: str = "locked", **fields: Any) -> TrancheState:
    return TrancheState(key=key, label=key, amount=TRANCHE_AMOUNTS[key], trigger=TRANCHE_TRIGGERS[key],
                        status=status, **fields)


def milestone(key: str, due_at: datetime, status: str = "pending", **fields: Any) -> MilestoneState:
    return MilestoneState(key=key, title=key, due_at=due_at, original_due_at=due_at, status=status, **fields)


COLLECTION_DUE = kst_end_of(2026, 3, 31)


def collection(kind: str, status: str, due_at: datetime = COLLECTION_DUE, opened_by: str = "po-1",
               amount: int = 10_000_000, **fields: Any) -> CollectionState:
    return CollectionState(kind=kind, amount=amount, status=status, due_at=due_at, opened_by=opened_by, **fields)


def settlement(**fields: Any) -> Settlement:
    return Settlement(**fields)


def startup(phase: Phase, **fields: Any) -> StartupState:
    """A startup of the sample program in `phase`; any StartupState field can be given."""
    base: dict[str, Any] = dict(
        startup_id=f"startup:ai-regional-2025:{STARTUP_BRN}",
        program_id="ai-regional-2025",
        program_name="AI 지역 주력산업 연계 프로젝트",
        stage=Stage.MICRO,
        brn=STARTUP_BRN,
        company_name="㈜테스트랩",
        founded_on=date(2021, 3, 1),
        task_id="SF-02",
        sector="smart_factory",
        region="경남",
        grant_amount=80_000_000,
        phase=phase,
        applied_at=utc(2025, 7, 1, 1),
    )
    base.update(fields)
    return StartupState(**base)
