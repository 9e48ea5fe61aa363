"""Every follow-up year of a program with its checks, one row per company and year, for the outcome
XLSX's sheet of checks (`GET /programs/{id}/outcomes?format=xlsx`): the employees against the
employment-insurance register, the revenue against the tax filing (checked, no_consent, no_record,
unchecked or mismatch: domain/outcome_checks.py), and the business status the check found. The
JSON's `checks` and the console's table list only the years to look at (api/services/outcomes.py);
the workbook lists them all, so a year checked and borne out is seen to be.

The program officer's evidence on a flagged year (a note and documents pinned by their SHA-256) is
kept here too: `attach_evidence` writes it with its audit row (store/followup_evidence.py), and
`program_evidence` reads it for the outcomes' answer and page."""

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import Session

from api.document_refs import resolve_document_refs
from api.errors import ApiError
from api.refusals import refusals_recorded
from api.services.outcomes import Outcomes
from api.services.programs import known_program
from api.services.startups import startup_row
from domain.documents import DocumentKind, DocumentRef
from domain.followup import MismatchFlag
from domain.io import startup_workflow_id
from domain.outcome_checks import (
    CheckWord,
    FlaggedStatus,
    business_status,
    employees_check,
    evidence_problems,
    flagged_figure,
    revenue_check,
)
from domain.state import Actor
from domain.text import SINGLE_LINE, Text
from store.db import as_utc, engine_of, table_of
from store.followup_evidence import ACTION as EVIDENCE_ACTION
from store.followup_evidence import FollowUpEvidenceRow, add_evidence, evidence_of
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
    # The officer's evidence on the year, each as its note and its documents' names and SHA-256.
    evidence: list[str] = []


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
    attached: dict[tuple[str, int], list[str]] = {}
    for each in evidence_of(session, program_id):
        files = ", ".join(f"{ref['filename']} {ref['sha256']}" for ref in each.documents)
        attached.setdefault((each.brn, each.year), []).append(f"{each.note} ({files})")
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
            revenue_check=revenue_check(row.revenue_check, flags), business_status=business_status(flags),
            evidence=attached.get((row.brn, row.year), [])))
    return found


# ------------------------------------------------------------------------------------ evidence


class FlagEvidenceBody(BaseModel):
    """The officer's evidence on a flagged year: the company, the follow-up year of this program, a
    short note (e.g. "고용보험 가입 확인서 확인함") and the documents looked at, uploaded first as the
    company's documents of kind `other` (`POST /startups/{startup_id}/documents`)."""

    brn: str = Field(pattern=r"^\d{10}$")
    year: int = Field(ge=1, le=50)
    note: Text  # the rule (1 to 500 characters) is domain/outcome_checks.py's
    documents: list[Annotated[str, SINGLE_LINE]] = Field(default=[], max_length=20)


class FlagEvidence(BaseModel):
    """Evidence attached to a company's flagged year, each document pinned by its SHA-256."""

    brn: str
    program_id: str
    year: int
    note: str
    documents: list[DocumentRef]
    attached_by: str
    attached_by_name: str
    attached_at: AwareDatetime


class OutcomesWithEvidence(Outcomes):
    """The program's outcomes (api/services/outcomes.py) and the evidence on its flagged years."""

    evidence: list[FlagEvidence] = []


def _evidence(row: FollowUpEvidenceRow) -> FlagEvidence:
    return FlagEvidence(brn=row.brn, program_id=row.program_id, year=row.year, note=row.note,
                        documents=[DocumentRef.model_validate(ref) for ref in row.documents],
                        attached_by=row.attached_by, attached_by_name=row.attached_by_name,
                        attached_at=as_utc(row.attached_at))


def program_evidence(session: Session, program_id: str) -> list[FlagEvidence]:
    """The evidence officers attached to the program's flagged years, oldest first."""
    return [_evidence(row) for row in evidence_of(session, program_id)]


def flags_of_year(session: Session, program_id: str, brn: str, year: int) -> list[MismatchFlag] | None:
    """The year's flags, or None when the company has no such year recorded for the program."""
    table = table_of(FollowUpYearRow)
    found = session.execute(table.select().with_only_columns(table.c.flags).where(
        table.c.program_id == program_id, table.c.brn == brn, table.c.year == year)).first()
    if found is None:
        return None
    return [MismatchFlag.model_validate(flag) for flag in found.flags or []]


def attach_evidence(session: Session, key: bytes, program_id: str, actor: Actor, body: FlagEvidenceBody,
                    request_id: str | None) -> FlagEvidence:
    """Attach the evidence to the company's flagged year, with its audit row. Refused (recorded for
    auditors, nothing kept): 404 for an unknown program; 422 naming each field and its rule (a year
    not recorded or not flagged, a note empty or too long, no documents or a document that is not
    one of the company's `other` uploads in this program)."""
    startup_id = startup_workflow_id(program_id, body.brn)
    with refusals_recorded(engine_of(session), actor, EVIDENCE_ACTION, request_id, startup_id):
        known_program(session, program_id)
        problems = evidence_problems(body.year, flags_of_year(session, program_id, body.brn, body.year), body.note,
                                     len(body.documents))
        if problems:
            raise ApiError("validation_error", f"invalid evidence: {', '.join(str(p['field']) for p in problems)}",
                           problems)
        refs = resolve_document_refs(session, startup_id, body.documents, kind=DocumentKind.OTHER, field="documents")
        lifecycle = startup_row(session, startup_id)
        row = add_evidence(session, key, brn=body.brn, program_id=program_id, year=body.year,
                           phase=lifecycle.phase if lifecycle else "completed", note=body.note.strip(),
                           documents=refs, actor=actor, at=datetime.now(UTC), request_id=request_id)
        return _evidence(row)
