"""The program's outcomes are kept per program while its follow-up data stands, and computed again
as soon as a year is recorded: a year projected by the follow-up's own activity (a new year, and a
year rewritten with other figures, which leaves the number of rows as it was) shows in the very
next `GET /programs/{id}/outcomes`, equal to the figures computed without the cache."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.followup_projection import FollowUpProjectionActivities
from api.services.outcome_cache import VersionedCache
from api.services.outcomes import outcomes
from domain.followup import SurveyAnswer, YearRecord
from domain.followup_io import FollowUpYearProjection
from domain.phases import Role
from store.db import session_scope
from tests.conftest import Stack, new_brn

COMPLETED = datetime(2026, 1, 20, 3, 0, tzinfo=UTC)


async def test_a_recorded_year_shows_in_the_next_read_as_computed_without_the_cache(stack: Stack) -> None:
    program = await stack.program()
    brn, project = new_brn(), FollowUpProjectionActivities(stack.engine).project_followup_year
    auditor, path = stack.as_role(Role.AUDITOR), f"/programs/{program.id}/outcomes"

    def record(year: int, revenue: int) -> None:
        answer = SurveyAnswer(fiscal_year=2025 + year, revenue=revenue, employees=10, new_hires=1,
                              **({"baseline_revenue": 500_000_000, "baseline_employees": 9} if year == 1 else {}))
        ActivityEnvironment().run(project, FollowUpYearProjection(
            brn=brn, company_name="캐시AI", stage=program.stage, completed_at=COMPLETED,
            record=YearRecord(year=year, fiscal_year=2025 + year, status="answered", program_id=program.id,
                              answer=answer, answered_at=COMPLETED + timedelta(days=365 * year)),
            recorded_at=COMPLETED + timedelta(days=365 * year + 1)))

    async def read() -> dict[str, Any]:
        answered: dict[str, Any] = await stack.call("GET", path, auditor)
        with session_scope(stack.engine) as session:
            uncached = outcomes(session, program.id, cached=False).model_dump(mode="json")
        assert {key: value for key, value in answered.items() if key != "evidence"} == uncached
        return answered

    def revenue(answered: dict[str, Any]) -> dict[int, int]:
        return {row["year"]: row["revenue_total"] for row in answered["rows"]}

    record(1, 1_000_000_000)
    assert revenue(await read()) == {1: 1_000_000_000}
    assert revenue(await read()) == {1: 1_000_000_000}  # kept: the same answer
    record(2, 1_500_000_000)  # a new year
    assert revenue(await read()) == {1: 1_000_000_000, 2: 1_500_000_000}
    record(2, 1_200_000_000)  # the same year written again with other figures
    assert revenue(await read()) == {1: 1_000_000_000, 2: 1_200_000_000}


def test_the_cache_keeps_the_programs_read_last_and_computes_again_when_the_key_moves() -> None:
    computed: list[str] = []

    def compute(program_id: str, figures: int) -> Callable[[], int]:
        def computing() -> int:
            computed.append(program_id)
            return figures
        return computing

    cache: VersionedCache[int] = VersionedCache(kept=2)
    assert cache.get("a", 1, compute("a", 10)) == 10
    assert cache.get("a", 1, compute("a", 99)) == 10  # same key: kept
    assert cache.get("a", 2, compute("a", 20)) == 20  # the version moved
    cache.get("b", 1, compute("b", 30))
    cache.get("a", 2, compute("a", 99))  # a read last, so b is the oldest
    cache.get("c", 1, compute("c", 40))  # b goes
    assert cache.get("a", 2, compute("a", 99)) == 20 and cache.get("b", 1, compute("b", 31)) == 31
    assert computed == ["a", "a", "b", "c", "b"]
