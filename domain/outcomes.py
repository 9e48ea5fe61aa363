"""What became of a program's companies, per cohort and follow-up year: the outcome report's
figures as a pure function of the years each follow-up recorded.

Growth compares a company with itself: year N against year N−1 (year 1 against the figures it
completed with, or else the last year before the program as its first survey gave them); a
company that did not answer either year is left out of that comparison, never counted as zero. A
company closed in a year counts as not surviving from that year on. Percentages are rounded to
one decimal; money stays integer won.
"""

from collections import defaultdict
from fractions import Fraction
from statistics import median
from typing import Literal

from pydantic import BaseModel

from domain.followup import SurveyAnswer, YearRecord
from domain.outcome_rules import Baseline, FollowUpPolicy, year_one_baseline

__all__ = ["Baseline", "CompanyOutcome", "OutcomeRow", "TargetResult", "against_targets", "outcome_row",
           "outcome_rows"]


class CompanyOutcome(BaseModel):
    brn: str
    cohort: str  # e.g. the program id and the year of completion: "ai-regional-2025"
    # The figures it completed the program with (final report or settlement), when known; the first
    # survey's "last year before the program" figures stand in for what is not.
    baseline: Baseline = Baseline()
    years: list[YearRecord] = []


class OutcomeRow(BaseModel):
    cohort: str
    year: int
    companies: int
    survived: int
    survival_rate_percent: float
    answered: int
    revenue_total: int
    revenue_growth_total_percent: float | None
    revenue_growth_median_percent: float | None
    jobs_created: int
    new_hires: int
    investment_attracted: int
    patents_filed: int
    patents_granted: int
    exports: int
    awards: int


def _percent(value: Fraction) -> float:
    return round(float(value * 100), 1)


def _previous(company: CompanyOutcome, year: int) -> tuple[int | None, int | None]:
    """(revenue, employees) the company's year `year` is compared with."""
    if year == 1:
        first = _answer(company, 1)
        asked = Baseline(revenue=first.baseline_revenue, employees=first.baseline_employees) if first else Baseline()
        baseline = year_one_baseline(company.baseline, asked)
        return baseline.revenue, baseline.employees
    before = _answer(company, year - 1)
    return (before.revenue, before.employees) if before else (None, None)


def _answer(company: CompanyOutcome, year: int) -> SurveyAnswer | None:
    return next((r.answer for r in company.years if r.year == year and r.answer is not None), None)


def _closed_by(company: CompanyOutcome, year: int) -> bool:
    return any(r.status == "closed" and r.year <= year for r in company.years)


def outcome_row(cohort: str, year: int, companies: list[CompanyOutcome]) -> OutcomeRow:
    """One cohort's figures for one follow-up year."""
    survived = [c for c in companies if not _closed_by(c, year)]
    answers = [(c, a) for c in companies if (a := _answer(c, year)) is not None]
    growth_pairs: list[tuple[int, int]] = []  # (before, now) revenue of companies with both
    jobs = 0
    for company, answer in answers:
        revenue_before, employees_before = _previous(company, year)
        if revenue_before is not None and answer.revenue is not None:
            growth_pairs.append((revenue_before, answer.revenue))
        if employees_before is not None and answer.employees is not None:
            jobs += answer.employees - employees_before
    total_before = sum(before for before, _ in growth_pairs)
    own_growths = [Fraction(now - before, before) for before, now in growth_pairs if before > 0]
    return OutcomeRow(
        cohort=cohort, year=year, companies=len(companies), survived=len(survived),
        survival_rate_percent=_percent(Fraction(len(survived), len(companies))) if companies else 0.0,
        answered=len(answers),
        revenue_total=sum(a.revenue or 0 for _, a in answers),
        revenue_growth_total_percent=(_percent(Fraction(sum(now for _, now in growth_pairs) - total_before,
                                                        total_before)) if total_before > 0 else None),
        revenue_growth_median_percent=_percent(median(own_growths)) if own_growths else None,
        jobs_created=jobs,
        new_hires=sum(a.new_hires or 0 for _, a in answers),
        investment_attracted=sum(a.investment_total() for _, a in answers),
        patents_filed=sum(a.patents_filed or 0 for _, a in answers),
        patents_granted=sum(a.patents_granted or 0 for _, a in answers),
        exports=sum(a.exports or 0 for _, a in answers),
        awards=sum(len(a.awards) for _, a in answers),
    )


def outcome_rows(companies: list[CompanyOutcome], years: int) -> list[OutcomeRow]:
    """Every cohort's rows for follow-up years 1..`years`, cohorts in name order."""
    cohorts: dict[str, list[CompanyOutcome]] = defaultdict(list)
    for company in companies:
        cohorts[company.cohort].append(company)
    return [outcome_row(cohort, year, members) for cohort, members in sorted(cohorts.items())
            for year in range(1, years + 1)]


class TargetResult(BaseModel):
    measure: str
    target: int
    actual: float | int | None
    status: Literal["met", "missed", "no_data"]


def against_targets(row: OutcomeRow, policy: FollowUpPolicy) -> list[TargetResult]:
    """The row's figures against the program's targets, in the program's order."""
    results = []
    for target in policy.targets:
        actual = getattr(row, target.measure)
        status = "no_data" if actual is None else "met" if actual >= target.value else "missed"
        results.append(TargetResult(measure=target.measure, target=target.value, actual=actual, status=status))
    return results
