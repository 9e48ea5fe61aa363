"""Every follow-up year of a program with its checks, one row per company and year, for the outcome
XLSX's sheet of checks (`GET /programs/{id}/outcomes?format=xlsx`): the employees against the
employment-insurance register, the revenue against the tax filing (checked, no_consent, no_record,
unchecked or mismatch: domain/outcome_checks.py), and the business status the check found. The
JSON's `checks` and the console's table list only the years to look at (api/services/outcomes.py);
the workbook lists them all, so a year checked and borne out is seen to be."""

import json
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from domain.followup import MismatchFlag
from domain.outcome_checks import CheckWord, FlaggedStatus, business_status, employees_check, flagged_figure, revenue_check
from store.db import table_of
from store.followup_tables import FollowUpYearRow


class YearCheck(BaseModel):
    """One company's follow-up year and how its figures stood against the public registers."""

    brn: str
    company_name: str
    cohort: str
    year: int
    fiscal_year: int
    status: str  # answered, answered_late, unanswered, closed
    employees_typed: int | None = None
    employees_insured: int | None = None  # the register's head count, where it did not bear the answer out
    employees_check: CheckWord | None = None
    revenue_typed: int | None = None
    revenue_filed: int | None = None  # the tax filing's revenue, where it did not bear the answer out
    revenue_check: CheckWord | None = None
    business_status: FlaggedStatus | None = None


def _answer(text: Any) -> dict[str, Any]:
    """The answer's JSON as the row holds it (a dict from SQLAlchemy's JSON type, or none)."""
    if text is None:
        return {}
    return json.loads(text) if isinstance(text, str) else dict(text)


def year_checks(session: Session, program_id: str) -> list[YearCheck]:
    """The program's recorded years, by company name, company and year."""
    table = table_of(FollowUpYearRow)
    rows = session.execute(table.select().with_only_columns(
        table.c.brn, table.c.company_name, table.c.cohort, table.c.year, table.c.fiscal_year, table.c.status,
        table.c.answer, table.c.flags, table.c.figures_check, table.c.revenue_check)
        .where(table.c.program_id == program_id)
        .order_by(table.c.company_name, table.c.brn, table.c.year)).all()
    found = []
    for row in rows:
        flags = [MismatchFlag.model_validate(flag) for flag in row.flags or []]
        answer = _answer(row.answer)
        found.append(YearCheck(
            brn=row.brn, company_name=row.company_name, cohort=row.cohort, year=row.year,
            fiscal_year=row.fiscal_year, status=row.status, employees_typed=answer.get("employees"),
            employees_insured=flagged_figure(flags, "employees_mismatch"),
            employees_check=employees_check(row.figures_check, flags), revenue_typed=answer.get("revenue"),
            revenue_filed=flagged_figure(flags, "revenue_mismatch"),
            revenue_check=revenue_check(row.revenue_check, flags), business_status=business_status(flags)))
    return found
