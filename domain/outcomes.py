"""What became of a program's companies, per cohort and follow-up year: the outcome report's
figures as a pure function of the years each follow-up recorded.

Growth compares a company with itself: year N against year N−1 (year 1 against the figures it
completed with, or else the last year before the program as its first survey gave them); a
company that did not answer either year is left out of that comparison, never counted as zero. A
company closed in a year counts as not surviving from that year on. Percentages are rounded to
one decimal; money stays integer won.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

from domain.followup import SurveyAnswer, YearRecord
from domain.outcome_rules import Baseline, FollowUpPolicy, year_one_baseline

__all__ = ["Baseline", "CompanyFigures", "CompanyOutcome", "OutcomeRow", "TargetResult", "YearFigures",
           "against_targets", "company_figures", "exact_median", "outcome_row", "outcome_rows"]


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


class YearFigures(NamedTuple):
    """What the outcome figures read of one recorded year: whether it was answered, and the
    answer's figures (a list as its total or its count; a figure left out as None or 0)."""

    answered: bool
    revenue: int | None = None
    employees: int | None = None
    new_hires: int = 0
    investment: int = 0
    patents_filed: int = 0
    patents_granted: int = 0
    exports: int = 0
    awards: int = 0
    # Asked in the first survey only: the last year before the program (year 1's baseline).
    baseline_revenue: int | None = None
    baseline_employees: int | None = None

    @classmethod
    def of_answer(cls, answer: SurveyAnswer | None) -> "YearFigures":
        if answer is None:
            return UNANSWERED
        return cls(True, answer.revenue, answer.employees, answer.new_hires or 0, answer.investment_total(),
                   answer.patents_filed or 0, answer.patents_granted or 0, answer.exports or 0, len(answer.awards),
                   answer.baseline_revenue, answer.baseline_employees)

    @classmethod
    def of_json(cls, answer: Mapping[str, Any] | None) -> "YearFigures":
        """From a `SurveyAnswer` as the read model keeps it (its JSON, validated when it was given),
        without building the model again: the outcome report reads tens of thousands of them."""
        if answer is None:
            return UNANSWERED
        get = answer.get
        return cls(True, get("revenue"), get("employees"), get("new_hires") or 0,
                   sum(r["amount"] for r in get("investments") or ()), get("patents_filed") or 0,
                   get("patents_granted") or 0, get("exports") or 0, len(get("awards") or ()),
                   get("baseline_revenue"), get("baseline_employees"))


UNANSWERED = YearFigures(False)


@dataclass
class CompanyFigures:
    """A company's recorded years as the outcome figures read them."""

    cohort: str
    baseline: Baseline = field(default_factory=Baseline)
    years: dict[int, YearFigures] = field(default_factory=dict)  # by follow-up year
    closed_in: int | None = None  # the first year recorded closed

    def record(self, year: int, status: str, figures: YearFigures) -> None:
        """One recorded year (an answered record wins over another of the same year)."""
        if year not in self.years or figures.answered:
            self.years[year] = figures
        if status == "closed" and (self.closed_in is None or year < self.closed_in):
            self.closed_in = year


def company_figures(company: CompanyOutcome) -> CompanyFigures:
    figures = CompanyFigures(cohort=company.cohort, baseline=company.baseline)
    for record in company.years:
        figures.record(record.year, record.status, YearFigures.of_answer(record.answer))
    return figures


def _percent(value: Fraction) -> float:
    return round(float(value * 100), 1)


def _answer(company: CompanyFigures, year: int) -> YearFigures | None:
    figures = company.years.get(year)
    return figures if figures is not None and figures.answered else None


def _previous(company: CompanyFigures, year: int) -> tuple[int | None, int | None]:
    """(revenue, employees) the company's year `year` is compared with."""
    if year == 1:
        first = _answer(company, 1)
        asked = Baseline(revenue=first.baseline_revenue, employees=first.baseline_employees) if first else Baseline()
        baseline = year_one_baseline(company.baseline, asked)
        return baseline.revenue, baseline.employees
    before = _answer(company, year - 1)
    return (before.revenue, before.employees) if before else (None, None)


def exact_median(values: list[Fraction]) -> Fraction:
    """The exact median. Sorted by the float first (a rounding that keeps order: a smaller float is
    a smaller fraction) and by the fraction only where floats tie: the same order, far faster."""
    ordered = sorted(values, key=lambda value: (float(value), value))
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def outcome_row(cohort: str, year: int, companies: Sequence[CompanyOutcome | CompanyFigures]) -> OutcomeRow:
    """One cohort's figures for one follow-up year."""
    members = [c if isinstance(c, CompanyFigures) else company_figures(c) for c in companies]
    survived = sum(1 for c in members if c.closed_in is None or c.closed_in > year)
    answers = [(c, a) for c in members if (a := _answer(c, year)) is not None]
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
        cohort=cohort, year=year, companies=len(members), survived=survived,
        survival_rate_percent=_percent(Fraction(survived, len(members))) if members else 0.0,
        answered=len(answers),
        revenue_total=sum(a.revenue or 0 for _, a in answers),
        revenue_growth_total_percent=(_percent(Fraction(sum(now for _, now in growth_pairs) - total_before,
                                                        total_before)) if total_before > 0 else None),
        revenue_growth_median_percent=_percent(exact_median(own_growths)) if own_growths else None,
        jobs_created=jobs,
        new_hires=sum(a.new_hires for _, a in answers),
        investment_attracted=sum(a.investment for _, a in answers),
        patents_filed=sum(a.patents_filed for _, a in answers),
        patents_granted=sum(a.patents_granted for _, a in answers),
        exports=sum(a.exports for _, a in answers),
        awards=sum(a.awards for _, a in answers),
    )


def outcome_rows(companies: Sequence[CompanyOutcome | CompanyFigures], years: int) -> list[OutcomeRow]:
    """Every cohort's rows for follow-up years 1..`years`, cohorts in name order."""
    cohorts: dict[str, list[CompanyFigures]] = defaultdict(list)
    for company in companies:
        cohorts[company.cohort].append(company if isinstance(company, CompanyFigures) else company_figures(company))
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
