"""The follow-up's pure rules (사후관리): the survey calendar in KST, an answer checked field by field
in Korean and English, typed figures against public registers, the outcome report's arithmetic and
the follow-up as program data."""

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from domain.followup import (
    PublicFigures,
    SurveyAnswer,
    YearRecord,
    check_answer,
    insured_month,
    mismatch_flags,
    revenue_check,
    survey_events,
    survey_schedule,
)
from domain.outcome_rules import FollowUpPolicy, year_one_baseline
from domain.outcomes import Baseline, CompanyOutcome, against_targets, outcome_row, outcome_rows
from domain.program import ProgramDefinition
from domain.violation import RuleViolation
from tests.builders import kst_end_of, program, utc

POLICY = program().followup
assert POLICY is not None


def test_every_sample_program_follows_its_companies_and_an_older_definition_still_parses() -> None:
    assert POLICY.years == 5 and {i.key for i in POLICY.indicators} >= {"revenue", "employees", "investment"}
    older = program().model_dump(mode="json")
    del older["followup"]
    assert ProgramDefinition.model_validate(older).followup is None


@pytest.mark.parametrize("change, words", [
    ({"survey_month": 2, "survey_day": 29}, "not a day of every year"),
    ({"reminder_days_before": [30]}, "fewer than answer_days"),
    ({"closes_after_days": 37}, "after the due date"),
])
def test_a_follow_up_policy_that_cannot_run_is_refused(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        FollowUpPolicy.model_validate(POLICY.model_dump() | change)


def test_the_first_survey_is_the_first_survey_day_after_completion_at_nine_in_kst() -> None:
    # Completed 2025-12-31: year 1 opens 2026-03-02 09:00 KST (00:00 UTC) and asks for 2025.
    s = survey_schedule(utc(2025, 12, 31, 6), 1, POLICY)
    assert (s.opens_at, s.fiscal_year) == (utc(2026, 3, 2, 0), 2025)
    assert s.due_at == kst_end_of(2026, 4, 1)  # 30 days after, to the end of the KST day
    assert s.reminders == [kst_end_of(2026, 3, 25), kst_end_of(2026, 3, 31)]
    assert s.escalates_at == kst_end_of(2026, 4, 8)
    assert s.closes_at == kst_end_of(2026, 6, 30)
    assert survey_schedule(utc(2025, 12, 31, 6), 5, POLICY).opens_at == utc(2030, 3, 2, 0)


def test_a_company_completed_on_the_survey_day_after_nine_kst_is_first_asked_a_year_later() -> None:
    assert survey_schedule(utc(2026, 3, 1, 23, 59), 1, POLICY).opens_at == utc(2026, 3, 2, 0)  # 08:59 KST
    assert survey_schedule(utc(2026, 3, 2, 0, 0), 1, POLICY).opens_at == utc(2027, 3, 2, 0)  # 09:00 KST


def test_survey_events_run_reminders_then_escalation_then_close_and_skip_what_passed() -> None:
    s = survey_schedule(utc(2025, 12, 31), 1, POLICY)
    assert [e.kind for e in survey_events(s, s.opens_at)] == ["reminder", "reminder", "escalation", "close"]
    late = survey_events(s, s.escalates_at + timedelta(seconds=1))
    assert [e.kind for e in late] == ["close"]


SCHEDULE = survey_schedule(utc(2025, 12, 31), 1, POLICY)


def answer(**fields: Any) -> SurveyAnswer:
    figures = {"fiscal_year": 2025, "revenue": 1_200_000_000, "employees": 14, "new_hires": 4,
               "patents_filed": 2, "patents_granted": 1, "investments": [
                   {"investor": "한국벤처투자", "round": "series_a", "amount": 3_000_000_000}]}
    return SurveyAnswer.model_validate(figures | fields)


def refusal(a: SurveyAnswer) -> dict[str, Any]:
    with pytest.raises(RuleViolation) as refused:
        check_answer(a, POLICY, SCHEDULE)
    assert refused.value.code == "validation_error"
    return refused.value.details | {"message": refused.value.message}


def test_a_complete_answer_passes() -> None:
    check_answer(answer(), POLICY, SCHEDULE)
    check_answer(answer(exports=None, awards=[], investments=[]), POLICY, SCHEDULE)  # optional or empty


@pytest.mark.parametrize("fields, field, rule", [
    ({"fiscal_year": 2024}, "fiscal_year", "survey_fiscal_year"),
    ({"revenue": None}, "revenue", "required_indicator"),
    ({"employees": -1}, "employees", "non_negative"),
    ({"exports": 10**15}, "exports", "at_most"),
    ({"new_hires": 20}, "new_hires", "new_hires_within_employees"),
    ({"investments": [{"investor": "A", "round": "seed", "amount": 0}]}, "investments[0].amount", "positive_won"),
])
def test_a_bad_answer_is_refused_naming_its_field_and_rule_in_korean_and_english(
        fields: dict[str, Any], field: str, rule: str) -> None:
    details = refusal(answer(**fields))
    assert (details["field"], details["rule"]) == (field, rule)
    assert any("가" <= ch <= "힣" for ch in details["message"]) and any(ch.isascii() and ch.isalpha()
                                                                       for ch in details["message"])


@pytest.mark.parametrize("fields", [{"revenue": 1.5}, {"revenue": "12억"}, {"awards": ["상\u202e"]}])
def test_figures_are_whole_won_and_names_are_plain_text(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        answer(**fields)


def test_typed_figures_are_flagged_against_the_registers_beyond_the_tolerance() -> None:
    a = answer(employees=14, revenue=1_000_000_000, revenue_consent=True)
    within = PublicFigures(business_status="active", insured_employees=13, filed_revenue=1_050_000_000)
    assert mismatch_flags(a, within, POLICY) == []  # 1 person and 5% are the sample tolerances
    off = PublicFigures(business_status="active", insured_employees=11, filed_revenue=900_000_000)
    flags = {f.kind: f for f in mismatch_flags(a, off, POLICY)}
    assert set(flags) == {"employees_mismatch", "revenue_mismatch"}
    assert (flags["employees_mismatch"].typed, flags["employees_mismatch"].checked) == (14, 11)
    assert "고용보험" in flags["employees_mismatch"].message
    closed = mismatch_flags(None, PublicFigures(business_status="closed"), POLICY)
    assert [f.kind for f in closed] == ["business_closed"]
    # Exactly at the tolerance is not flagged; a register with no record (or not asked) flags nothing.
    assert mismatch_flags(answer(employees=12), PublicFigures(insured_employees=13), POLICY) == []
    assert mismatch_flags(answer(employees=12), PublicFigures(), POLICY) == []
    assert insured_month(2026) == "202612"  # the fiscal year's end stands for its employees


def test_revenue_is_compared_with_the_tax_filing_only_with_the_companys_consent() -> None:
    filed = PublicFigures(filed_revenue=500_000_000, revenue_check="checked")
    without = answer(revenue=1_000_000_000)
    assert without.revenue_consent is False  # not given unless the company says so
    assert mismatch_flags(without, filed, POLICY) == [] and revenue_check(without, filed) == "no_consent"
    given = answer(revenue=1_000_000_000, revenue_consent=True)
    [flag] = mismatch_flags(given, filed, POLICY)
    assert (flag.kind, flag.typed, flag.checked, revenue_check(given, filed)) == (
        "revenue_mismatch", 1_000_000_000, 500_000_000, "checked")
    assert "신고 매출" in flag.message and "tax filing" in flag.message
    assert revenue_check(given, PublicFigures(revenue_check="unchecked")) == "unchecked"
    assert revenue_check(None, filed) is None  # no answer: nothing to check
    with pytest.raises(ValidationError):
        answer(revenue_consent="yes")  # a consent is a yes or a no, not words


def test_year_one_grows_on_the_completion_figures_or_else_on_the_last_year_before_the_program() -> None:
    known, asked = Baseline(revenue=100, employees=None), Baseline(revenue=80, employees=6)
    assert year_one_baseline(known, asked) == Baseline(revenue=100, employees=6)  # figure by figure
    assert year_one_baseline(Baseline(), Baseline()) == Baseline()  # neither: unknown, not zero
    # The first survey's "last year before the program" figures give year 1 its growth and jobs.
    before = {"revenue": 150, "employees": 9, "new_hires": 2, "baseline_revenue": 100, "baseline_employees": 6}
    rows = outcome_rows([company("a", "2025", ("answered", before)),
                         company("b", "2025", ("answered", {**before, "revenue": 300}), revenue=200, employees=9)], 1)
    # a: 100 → 150 (+50%) and 3 jobs; b: its completion figures win, 200 → 300 (+50%) and 0 jobs.
    assert (rows[0].revenue_growth_total_percent, rows[0].revenue_growth_median_percent, rows[0].jobs_created) == (
        50.0, 50.0, 3)
    # Asked only in the first survey: refused in a later one (and a record carrying them changes nothing).
    later = company("c", "2025", ("answered", {"revenue": 100, "employees": 5}),
                    ("answered", {"revenue": 120, "employees": 5, "baseline_revenue": 1}))
    assert outcome_rows([later], 2)[1].revenue_growth_total_percent == 20.0
    for typed, year, rule in ((-1, 1, "non_negative"), (6, 2, "baseline_first_survey")):
        schedule = survey_schedule(utc(2025 - year + 1, 6, 1), year, POLICY)  # each asks for 2025
        with pytest.raises(RuleViolation) as refused:
            check_answer(answer(baseline_employees=typed), POLICY, schedule)
        assert (refused.value.details["field"], refused.value.details["rule"]) == ("baseline_employees", rule)
    check_answer(answer(baseline_employees=6), POLICY, survey_schedule(utc(2025, 6, 1), 1, POLICY))


def company(brn: str, cohort: str, *years: tuple[str, dict[str, Any] | None], **baseline: int) -> CompanyOutcome:
    records = [YearRecord(year=n, fiscal_year=2025 + n, status=status,  # type: ignore[arg-type]
                          answer=answer(fiscal_year=2025 + n, **figures) if figures is not None else None)
               for n, (status, figures) in enumerate(years, start=1)]
    return CompanyOutcome(brn=brn, cohort=cohort, baseline=Baseline(**baseline), years=records)


def test_outcomes_per_cohort_and_year_compare_each_company_with_itself() -> None:
    one_round = [{"investor": "VC", "round": "seed", "amount": 500_000_000}]
    companies = [
        company("a", "2025", ("answered", {"revenue": 200, "employees": 10, "new_hires": 3, "investments": one_round}),
                ("answered", {"revenue": 300, "employees": 12, "new_hires": 2, "investments": []}),
                revenue=100, employees=8),
        company("b", "2025", ("answered", {"revenue": 100, "employees": 5, "new_hires": 1, "investments": []}),
                ("closed", None), revenue=100, employees=5),
        company("c", "2025", ("unanswered", None), ("answered", {"revenue": 50, "employees": 3, "new_hires": 0,
                                                                 "investments": []})),
        company("d", "2026", ("answered", {"revenue": 10, "employees": 1, "new_hires": 1, "investments": []})),
    ]
    rows = {(r.cohort, r.year): r for r in outcome_rows(companies, 2)}
    first = rows[("2025", 1)]
    assert (first.companies, first.answered, first.survived, first.survival_rate_percent) == (3, 2, 3, 100.0)
    # a: 100 → 200 (+100%), b: 100 → 100 (0%); total 200 → 300 (+50%), median +50%.
    assert (first.revenue_growth_total_percent, first.revenue_growth_median_percent) == (50.0, 50.0)
    assert (first.jobs_created, first.new_hires, first.investment_attracted) == (2, 4, 500_000_000)
    second = rows[("2025", 2)]
    # b closed in year 2; c answered year 2 but not year 1, so only a is compared (200 → 300).
    assert (second.survived, second.survival_rate_percent, second.answered) == (2, 66.7, 2)
    assert (second.revenue_growth_total_percent, second.jobs_created, second.revenue_total) == (50.0, 2, 350)
    assert rows[("2026", 1)].revenue_growth_total_percent is None  # no baseline, nothing to compare
    results = {t.measure: t.status for t in against_targets(second, POLICY)}
    assert results["revenue_growth_total_percent"] == "met" and results["survival_rate_percent"] == "missed"
    assert outcome_row("empty", 1, []).survival_rate_percent == 0.0
