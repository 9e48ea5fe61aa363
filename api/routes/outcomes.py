"""A program's outcomes after it (사후관리 성과): `GET /programs/{program_id}/outcomes`, per cohort and
follow-up year the figures against the program's targets and the companies that went on to the next
stage, as JSON or (`?format=xlsx`) a workbook in the request's language, through
api/services/outcomes.py (the console's outcome page reads the same)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from api.pages.console.exports import XLSX_TYPE, download
from api.pages.console.outcomes import outcomes_xlsx
from api.policy import Authorized
from api.services.outcome_checks import year_checks
from api.services.outcomes import Outcomes, outcomes
from store.db import release

router = APIRouter(prefix="/programs", tags=["follow-up"], responses=ERROR_RESPONSES)


@router.get("/{program_id}/outcomes", response_model=Outcomes,
            responses={200: {"content": {XLSX_TYPE: {}}, "description": "JSON, or with format=xlsx a workbook"}},
            description="What became of the program's companies after it (사후관리 성과), from the years their "
                        "follow-ups recorded: per cohort (the KST year they completed) and follow-up year, the "
                        "companies, survivors and survival rate, answers, revenue (total, growth of the total "
                        "and the median company's), jobs created, new hires, investment attracted, patents, "
                        "exports and awards, each target of the program met, missed or without data; and the "
                        "companies promoted to the next stage. Money is integer won. format=xlsx answers a "
                        "workbook of four sheets, the last every company-year's checks against the public "
                        "registers (employees, revenue, business status).")
async def program_outcomes(program_id: str, session: SessionDep, _: Authorized,
                           format: Annotated[Literal["json", "xlsx"], Query()] = "json") -> Any:
    found = outcomes(session, program_id)
    if format == "json":
        release(session)
        return found
    checks = year_checks(session, program_id)
    release(session)
    return download(outcomes_xlsx(found, checks), f"{program_id}-outcomes.xlsx", "xlsx")
