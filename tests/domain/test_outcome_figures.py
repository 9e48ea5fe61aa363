"""The outcome report reads the read model's answers as figures (domain/outcomes.py YearFigures),
not as models built again: the same rows as from the follow-up's own records, and the exact
median however close two companies' growths are."""

from fractions import Fraction

from domain.followup import InvestmentRound, SurveyAnswer, YearRecord
from domain.outcomes import (
    Baseline,
    CompanyFigures,
    CompanyOutcome,
    YearFigures,
    company_figures,
    exact_median,
    outcome_rows,
)


def answer(fiscal_year: int, revenue: int, employees: int, **more: object) -> SurveyAnswer:
    return SurveyAnswer.model_validate({"fiscal_year": fiscal_year, "revenue": revenue, "employees": employees,
                                        "new_hires": 1, "patents_filed": 2, "exports": 3, **more})


def test_an_answer_read_from_its_json_gives_the_figures_of_the_answer_itself() -> None:
    given = answer(2025, 500, 7, investments=[InvestmentRound(investor="VC", round="seed", amount=900),
                                              InvestmentRound(investor="CVC", round="strategic", amount=100)],
                   awards=["장관상", "청장상"], baseline_revenue=400, baseline_employees=5)
    read = YearFigures.of_json(given.model_dump(mode="json"))
    assert read == YearFigures.of_answer(given)
    assert (read.investment, read.awards, read.baseline_revenue, read.new_hires) == (1000, 2, 400, 1)
    assert YearFigures.of_json(None) == YearFigures.of_answer(None) and not YearFigures.of_json(None).answered


def test_rows_from_figures_read_as_json_are_the_rows_from_the_records() -> None:
    records = [
        CompanyOutcome(brn="a", cohort="2024", baseline=Baseline(revenue=100, employees=3), years=[
            YearRecord(year=1, fiscal_year=2025, status="answered", answer=answer(2025, 150, 5)),
            YearRecord(year=2, fiscal_year=2026, status="answered_late", answer=answer(2026, 120, 4))]),
        CompanyOutcome(brn="b", cohort="2024", years=[
            YearRecord(year=1, fiscal_year=2025, status="answered", answer=answer(2025, 90, 2, baseline_revenue=60)),
            YearRecord(year=2, fiscal_year=2026, status="closed")]),
        CompanyOutcome(brn="c", cohort="2025", years=[YearRecord(year=1, fiscal_year=2026, status="unanswered")]),
    ]
    from_json = []
    for company in records:
        figures = CompanyFigures(cohort=company.cohort, baseline=company.baseline)
        for r in company.years:
            figures.record(r.year, r.status, YearFigures.of_json(r.answer.model_dump(mode="json") if r.answer else None))
        from_json.append(figures)
    assert outcome_rows(from_json, 2) == outcome_rows(records, 2) == outcome_rows(
        [company_figures(c) for c in records], 2)
    year_two = outcome_rows(records, 2)[1]
    assert (year_two.survived, year_two.answered, year_two.revenue_growth_total_percent) == (1, 1, -20.0)


def test_the_median_is_exact_where_two_growths_round_to_one_float() -> None:
    near = Fraction(1, 3)
    just_above = near + Fraction(1, 10**30)  # the same float as 1/3
    assert float(near) == float(just_above)
    assert exact_median([just_above, near, Fraction(5)]) == just_above
    assert exact_median([Fraction(2), near]) == Fraction(7, 6)
