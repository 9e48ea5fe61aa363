"""A program's outcomes after it (사후관리 성과): `GET /programs/{program_id}/outcomes`, per cohort and
follow-up year the figures against the program's targets and the companies that went on to the next
stage, as JSON or (`?format=xlsx`) a workbook in the request's language, through
api/services/outcomes.py (the console's outcome page reads the same)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.pages.console.exports import XLSX_TYPE, download
from api.pages.console.outcomes import outcomes_xlsx
from api.policy import Authorized
from api.services.outcome_checks import (
    FlagEvidence,
    FlagEvidenceBody,
    OutcomesWithEvidence,
    attach_evidence,
    program_evidence,
    year_checks,
)
from api.services.outcomes import outcomes
from store.audit_key import audit_key
from store.db import release

router = APIRouter(prefix="/programs", tags=["follow-up"], responses=ERROR_RESPONSES)


@router.get("/{program_id}/outcomes", response_model=OutcomesWithEvidence,
            responses={200: {"content": {XLSX_TYPE: {}}, "description": "JSON, or with format=xlsx a workbook"}},
            description="What became of the program's companies after it (사후관리 성과), from the years their "
                        "follow-ups recorded: per cohort (the KST year they completed) and follow-up year, the "
                        "companies, survivors and survival rate, answers, revenue (total, growth of the total "
                        "and the median company's), jobs created, new hires, investment attracted, patents, "
                        "exports and awards, each target of the program met, missed or without data; and the "
                        "companies promoted to the next stage; the evidence officers attached to flagged "
                        "years. Money is integer won. format=xlsx answers a "
                        "workbook of four sheets, the last every company-year's checks against the public "
                        "registers (employees, revenue, business status).")
async def program_outcomes(program_id: str, session: SessionDep, _: Authorized,
                           format: Annotated[Literal["json", "xlsx"], Query()] = "json") -> Any:
    found = outcomes(session, program_id)
    if format == "json":
        evidence = program_evidence(session, program_id)
        release(session)
        return OutcomesWithEvidence.model_construct(**dict(found), evidence=evidence)
    checks = year_checks(session, program_id)
    release(session)
    return download(outcomes_xlsx(found, checks), f"{program_id}-outcomes.xlsx", "xlsx")


@router.post("/{program_id}/outcomes/evidence", response_model=FlagEvidence, status_code=201,
             description="The program officer's evidence on a company's flagged follow-up year (a mismatch with "
                         "a public register, a closure or a suspension): a note of 1 to 500 characters (e.g. "
                         "\"고용보험 가입 확인서 확인함\") and 1 to 5 documents, uploaded first as the company's "
                         "documents of kind `other` under its lifecycle of this program and pinned here by their "
                         "SHA-256. Kept with an audit row (chain `followup-evidence:{brn}`, action attach-flag-evidence); "
                         "the year's answer stays as typed. 422 `validation_error` names each field and its rule "
                         "(flagged_year, evidence_note, evidence_document, unknown_document, document_kind).")
async def attach_flag_evidence(program_id: str, body: FlagEvidenceBody, request: Request, session: SessionDep,
                               settings: SettingsDep, actor: Authorized) -> FlagEvidence:
    return attach_evidence(session, audit_key(settings), program_id, actor, body, request.state.request_id)
