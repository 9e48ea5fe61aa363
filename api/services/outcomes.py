"""What became of a program's companies after it (사후관리 성과): per cohort and follow-up year, the
outcome figures against the program's targets, and the companies that went on to the next stage.
One read for the API (`GET /programs/{id}/outcomes`, JSON or XLSX) and the console's outcome page.

The figures are domain/outcomes.py's `outcome_rows` over the read model of follow-up years
(store/followup_tables.py, written by the FollowUp workflow as it records each year). A cohort is
the KST year its companies completed the program; a company is counted once it has a recorded year,
and a cohort's rows stop at the last year any of its companies has recorded (a year not yet
surveyed has no figures to show). A company's first year grows on the last year before the program
as its first survey's answer gave it (`baseline_revenue`, `baseline_employees`, kept in the answer).
"""

import json
from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import Text, cast, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from api.services.outcome_cache import VersionedCache
from api.services.programs import known_program
from domain.followup import FiguresCheck, MismatchFlag, RevenueCheck
from domain.outcomes import CompanyFigures, OutcomeRow, TargetResult, YearFigures, against_targets, outcome_rows
from domain.program import ProgramDefinition
from store.db import table_of
from store.followup_tables import FollowUpYearRow, followup_version
from store.tables import StartupRow


class OutcomeYear(OutcomeRow):
    """One cohort's figures for one follow-up year, with each of the program's targets."""

    targets: list[TargetResult]


class NextStage(BaseModel):
    """A company of this program promoted to the next stage, and its lifecycle there if it has one."""

    startup_id: str
    brn: str
    company_name: str
    later_startup_id: str | None = None
    later_program_id: str | None = None
    later_phase: str | None = None


class CheckedYear(BaseModel):
    """A company's year whose figures the public registers did not bear out (its flags) or that
    could not be checked: for the officer to look at, the answer itself left as typed."""

    brn: str
    company_name: str
    cohort: str
    year: int
    fiscal_year: int
    figures_check: FiguresCheck
    flags: list[MismatchFlag]
    # The revenue against the tax filing (with the company's consent; no_consent: not read).
    revenue_check: RevenueCheck | None = None


class Outcomes(BaseModel):
    program_id: str
    program_name: str
    followed: bool  # whether the program has a follow-up at all
    years: int  # the program's follow-up years (0 without one)
    companies: int  # companies with at least one recorded year
    rows: list[OutcomeYear]
    next_stage: list[NextStage]
    # Years flagged or left unchecked by the register check (patch followup-checked-figures).
    checks: list[CheckedYear] = []


def companies_of(session: Session, program_id: str) -> list[CompanyFigures]:
    """Each company followed for this program, with the figures of the years recorded for it.

    Only the columns the figures need are read, each answer as its JSON text, decoded once and read
    as it is (it was validated when it was given): at 10,000 companies × 5 years, building ORM rows
    and validating every answer again took most of the outcome page's time."""
    table = table_of(FollowUpYearRow)
    rows = session.execute(select_columns(table.c.brn, table.c.cohort, table.c.year, table.c.status,
                                          cast(table.c.answer, Text))
                           .where(table.c.program_id == program_id)).all()
    found: dict[str, CompanyFigures] = {}
    for brn, cohort, year, status, answer in rows:
        company = found.get(brn)
        if company is None:
            company = found[brn] = CompanyFigures(cohort=cohort)
        company.record(year, status, YearFigures.of_json(json.loads(answer) if answer is not None else None))
    return list(found.values())


def checks_of(session: Session, program_id: str) -> list[CheckedYear]:
    """The program's years with a flag, or whose figures or revenue a register could not check, by
    company and year (a revenue not read for want of consent is not listed: nothing to look at).
    Chosen by the database: a year without flags holds JSON null (or SQL NULL) in `flags`."""
    flagged = cast(col(FollowUpYearRow.flags), Text).not_in(["null", "[]"])
    rows = session.exec(select(FollowUpYearRow).where(
        FollowUpYearRow.program_id == program_id,
        or_(flagged, col(FollowUpYearRow.figures_check) == "unchecked",
            col(FollowUpYearRow.revenue_check) == "unchecked"))
                        .order_by(col(FollowUpYearRow.company_name), col(FollowUpYearRow.year))).all()
    return [CheckedYear(brn=row.brn, company_name=row.company_name, cohort=row.cohort, year=row.year,
                        fiscal_year=row.fiscal_year, figures_check=row.figures_check,
                        flags=[MismatchFlag.model_validate(flag) for flag in row.flags or []],
                        revenue_check=row.revenue_check)
            for row in rows if row.flags or "unchecked" in (row.figures_check, row.revenue_check)]


def next_stage(session: Session, program_id: str) -> list[NextStage]:
    """The program's lifecycles that ended promoted, each with the company's newest lifecycle in
    another program (the next stage's, once its application was made)."""
    promoted = session.exec(select(StartupRow.startup_id, StartupRow.brn, StartupRow.company_name)
                            .where(StartupRow.program_id == program_id, StartupRow.phase == "promoted")
                            .order_by(col(StartupRow.company_name))).all()
    later: dict[str, StartupRow] = {}
    if promoted:
        for row in session.exec(select(StartupRow).where(col(StartupRow.brn).in_([p[1] for p in promoted]),
                                                         StartupRow.program_id != program_id)
                                .order_by(col(StartupRow.applied_at))).all():
            later[row.brn] = row  # the newest wins
    found = []
    for startup_id, brn, name in promoted:
        after = later.get(brn)
        found.append(NextStage(startup_id=startup_id, brn=brn, company_name=name,
                               later_startup_id=after.startup_id if after else None,
                               later_program_id=after.program_id if after else None,
                               later_phase=after.phase if after else None))
    return found


class RecordedFigures(BaseModel):
    """What the recorded years alone decide, for a number of follow-up years: kept per program by
    api/services/outcome_cache.py while the program's follow-up version does not move."""

    companies: int
    rows: list[OutcomeRow]
    checks: list[CheckedYear]


def recorded_figures(session: Session, program_id: str, policy_years: int | None) -> RecordedFigures:
    """Computed from every recorded year of the program (no cache)."""
    companies = companies_of(session, program_id)
    reached: dict[str, int] = defaultdict(int)  # cohort → the last year any of its companies recorded
    for company in companies:
        reached[company.cohort] = max([reached[company.cohort], *company.years])
    years = policy_years if policy_years is not None else max(reached.values(), default=0)
    return RecordedFigures(companies=len(companies),
                           rows=[row for row in outcome_rows(companies, years) if row.year <= reached[row.cohort]],
                           checks=checks_of(session, program_id))


_kept: VersionedCache[RecordedFigures] = VersionedCache()


def outcomes(session: Session, program_id: str, *, cached: bool = True) -> Outcomes:
    """The program's outcomes; 404 for an unknown program. The recorded years' figures are reused
    while the program's follow-up version stays where it was (read first, every time);
    `cached=False` computes them anew."""
    program_row = known_program(session, program_id)
    definition = ProgramDefinition.model_validate(program_row.definition)
    policy = definition.followup
    policy_years = policy.years if policy else None
    if cached:
        version = followup_version(session, program_id)
        figures = _kept.get(program_id, (version, policy_years),
                            lambda: recorded_figures(session, program_id, policy_years))
    else:
        figures = recorded_figures(session, program_id, policy_years)
    rows = [OutcomeYear(**row.model_dump(), targets=against_targets(row, policy) if policy else [])
            for row in figures.rows]
    return Outcomes(program_id=program_id, program_name=definition.name, followed=policy is not None,
                    years=policy.years if policy else 0, companies=figures.companies, rows=rows,
                    next_stage=next_stage(session, program_id), checks=list(figures.checks))
