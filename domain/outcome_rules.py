"""A program's follow-up after the grant (사후관리): program data, not code.

How many years a completed company is followed, the day of the yearly survey (성과 조사), how long
it has to answer, when it is reminded and when its program officer is told it is late, the outcome
indicators (성과지표) it is asked for with their definitions, the cohort targets the outcome report
compares against, and how far a typed figure may differ from a public register before it is
flagged. Definitions written before follow-up existed (and the histories of workflows started with
them) have no `followup`: their companies are not followed.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.text import Name, Text

# What a survey asks (the answer's fields, domain/followup.py SurveyAnswer).
IndicatorKey = Literal[
    "revenue",          # 매출액, won, the fiscal year's
    "employees",        # 상시 근로자 수 at the end of the fiscal year
    "new_hires",        # 신규 고용, people hired during the fiscal year
    "investment",       # 투자 유치, won, each round with its investor
    "patents_filed",    # 특허 출원
    "patents_granted",  # 특허 등록
    "exports",          # 수출액, won
    "awards",           # 수상
]
INDICATOR_UNITS: dict[str, str] = {
    "revenue": "won", "employees": "people", "new_hires": "people", "investment": "won",
    "patents_filed": "count", "patents_granted": "count", "exports": "won", "awards": "count",
}

# What the outcome report measures per cohort and year (domain/outcomes.py OutcomeRow).
MeasureKey = Literal[
    "revenue_growth_total_percent",   # growth of the cohort's summed revenue over the year before
    "revenue_growth_median_percent",  # the median company's growth
    "jobs_created",                   # net new employees over the year before
    "investment_attracted",           # won, all rounds of the year
    "survival_rate_percent",          # companies not closed, of the cohort
    "patents_granted", "exports", "awards",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutcomeIndicator(_Strict):
    key: IndicatorKey
    name: Name            # Korean, as the survey form shows it
    name_en: Name
    definition: Text      # what counts, in the words of the program's guideline
    required: bool = True


class OutcomeTarget(_Strict):
    measure: MeasureKey
    # The target for each follow-up year (a percent, people, won or a count, by the measure).
    value: Annotated[int, Field(ge=0, le=100_000_000_000_000)]


Days = Annotated[int, Field(gt=0, le=300)]


class FollowUpPolicy(_Strict):
    years: Annotated[int, Field(ge=1, le=10)] = 5
    # The yearly survey opens on this KST day at 09:00; it asks for the calendar year before.
    survey_month: Annotated[int, Field(ge=1, le=12)] = 3
    survey_day: Annotated[int, Field(ge=1, le=31)] = 2
    # The answer is due at the end of the KST day this many days after the survey opens.
    answer_days: Days = 30
    reminder_days_before: list[Annotated[int, Field(gt=0, le=60)]] = [7, 1]
    # The program officer is told this many days after the due date (0: as it passes).
    escalate_after_days: Annotated[int, Field(ge=0, le=300)] = 7
    # After this many days from opening an unanswered survey is recorded as unanswered and the
    # follow-up goes on to the next year: it must end before the next year's survey opens.
    closes_after_days: Days = 120
    indicators: Annotated[list[OutcomeIndicator], Field(min_length=1)]
    targets: list[OutcomeTarget] = []
    # A typed figure further than this from the public register's is flagged to the officer.
    employees_tolerance: Annotated[int, Field(ge=0, le=10_000)] = 1
    revenue_tolerance_percent: Annotated[int, Field(ge=0, le=100)] = 5

    @model_validator(mode="after")
    def _coherent(self) -> "FollowUpPolicy":
        try:
            date(2001, self.survey_month, self.survey_day)  # a day every year has (not 29 February)
        except ValueError:
            raise ValueError(f"survey_month/survey_day {self.survey_month}/{self.survey_day} is not a day "
                             "of every year") from None
        if any(days >= self.answer_days for days in self.reminder_days_before):
            raise ValueError("reminder_days_before must each be fewer than answer_days")
        if self.answer_days + self.escalate_after_days >= self.closes_after_days:
            raise ValueError("closes_after_days must come after the due date and the escalation")
        for name, keys in (("indicator", [i.key for i in self.indicators]),
                           ("target measure", [t.measure for t in self.targets])):
            if len(keys) != len(set(keys)):
                raise ValueError(f"duplicate {name}")
        return self

    def indicator(self, key: str) -> OutcomeIndicator | None:
        return next((i for i in self.indicators if i.key == key), None)

    def target(self, measure: str) -> int | None:
        return next((t.value for t in self.targets if t.measure == measure), None)


class Baseline(BaseModel):
    """What a company's follow-up year 1 is compared with: its revenue (won) and employees when it
    completed the program; None where unknown."""

    revenue: int | None = None
    employees: int | None = None


def year_one_baseline(completion: Baseline, asked: Baseline) -> Baseline:
    """Year 1's growth baseline, figure by figure: the figures the company completed with (its final
    report or settlement) when they are known, else the ones its first survey asked for as the last
    year before the program. A figure neither gives stays unknown: that growth is not counted."""
    return Baseline(revenue=completion.revenue if completion.revenue is not None else asked.revenue,
                    employees=completion.employees if completion.employees is not None else asked.employees)
