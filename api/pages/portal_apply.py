"""Applying on the portal: the application form with its proposal, draft saving (임시저장) and the
final submission (최종 제출), with eligibility feedback on every save.

Submission goes through `submit_application`, the same function as POST /programs/{id}/applications:
the program call's Update decides by the server's clock whether the window is still open, refuses
a second application, and the lifecycle's eligibility check then asks the tax authority. A
submitted draft is frozen with its receipt number (접수번호), which is also sent by email."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from activities.read_model import ReadModelActivities
from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.pages.common import check_csrf
from api.pages.labels import SECTORS as SECTOR_WORDS
from api.pages.portal_common import (Errors, StartupViewer, add_error, api_errors, kst_text, page, portal_link,
                                     not_found_page, remaining, tell, validation_errors, call_window, writing)
from api.pages.portal_documents import document_choices, upload_context
from api.routes.programs import submit_application
from axflow.config import Settings
from axflow.tax_authority import TaxAuthorityDown, business_status
from domain.brn import format_brn
from domain.commands import ApplicationBody
from domain.documents import DocumentKind
from domain.eligibility import STATUS_LABELS, brn_problems, earliest_founding, founding_problems, status_refusal
from domain.io import EligibilityInput, startup_workflow_id
from domain.program import ProgramDefinition
from domain.timeutil import kst_date
from store.application_drafts import DraftFrozen, DraftInput, draft_of, mark_submitted, save_draft
from store.documents import Document
from store.portal_accounts import company_of
from store.portal_tables import ApplicationDraft
from store.tables import ProgramRow

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300)]
LABELS = {"company_name": "회사명 (Company)", "founded_on": "설립일 (Founded on)", "task_id": "과제 (Task)",
          "representative": "대표자명 (Representative)", "email": "연락 이메일 (Contact email)",
          "proposal_title": "사업계획서 제목 (Proposal title)", "proposal_document": "사업계획서 파일 (Proposal file)",
          "brn": "사업자등록번호 (BRN)"}


def _program(session: Session, program_id: str) -> ProgramDefinition:
    row = session.get(ProgramRow, program_id)
    if row is None:
        raise ApiError("not_found", f"unknown program {program_id!r}")
    return ProgramDefinition.model_validate(row.definition)


def _body(draft: ApplicationDraft | DraftInput, brn: str) -> dict[str, Any]:
    return {"brn": brn, "company_name": draft.company_name, "founded_on": draft.founded_on, "task_id": draft.task_id,
            "representative": draft.representative, "email": draft.email, "proposal_title": draft.proposal_title,
            "proposal_document": draft.proposal_document_id}


async def eligibility_feedback(session: Session, settings: Settings, definition: ProgramDefinition,
                               draft: ApplicationDraft, brn: str, now: datetime) -> tuple[Errors, list[tuple[str, str, str]]]:
    """What submission would say now: the form's problems by field, and a checklist of the
    eligibility rules (rule, verdict ok|problem|pending, words). The tax authority is asked once,
    briefly: when it does not answer, the check follows the submission by itself."""
    errors: Errors = {}
    try:
        ApplicationBody.model_validate({k: v for k, v in _body(draft, brn).items() if v not in ("", None)})
    except ValidationError as err:
        errors = validation_errors(err)
    if draft.task_id and definition.task(draft.task_id) is None:
        add_error(errors, "task_id", "이 사업의 과제가 아닙니다 (not a task of this program)")
    if not draft.proposal_document_id:
        add_error(errors, "proposal_document", "사업계획서 파일을 올리거나 내 서류에서 고르세요 (upload or pick the proposal)")
    checks: list[tuple[str, str, str]] = []
    brn_issue = brn_problems(brn)
    checks.append(("사업자등록번호 검증번호 (check digit)", "problem" if brn_issue else "ok",
                   brn_issue[0].message if brn_issue else f"{format_brn(brn)} 유효 (valid)"))
    if draft.founded_on and definition.application_closes_at:
        founding = founding_problems(draft.founded_on, definition.application_closes_at,
                                     definition.founded_within_years, kst_date(now))
        for problem in founding:
            add_error(errors, problem.field, problem.message)
        checks.append((f"업력 {definition.founded_within_years}년 이내 (founding date)", "problem" if founding else "ok",
                       founding[0].message if founding else "마감일 기준 요건 충족 (within the rule at the closing date)"))
    else:
        checks.append(("업력 (founding date)", "pending", "설립일을 입력하면 확인합니다 (enter the founding date)"))
    banned = ReadModelActivities(session.get_bind()).ban_check(EligibilityInput(brn=brn, program_id=definition.id,
                                                                                at=now))
    checks.append(("참여제한 (participation ban)", "ok" if banned.eligible else "problem",
                   "해당 없음 (none)" if banned.eligible else banned.reason or ""))
    if not banned.eligible:
        add_error(errors, "brn", banned.reason or "참여제한")
    quick = settings.model_copy(update={"tax_authority_timeout_seconds": min(2.0, settings.tax_authority_timeout_seconds)})
    try:
        answer = await business_status(quick, brn, attempts=1)
        refusal = status_refusal(brn, answer.status, answer.closed_on)
        checks.append(("국세청 사업자 상태 (business status)", "problem" if refusal else "ok",
                       refusal or STATUS_LABELS[answer.status]))
        if refusal:
            add_error(errors, "brn", refusal)
    except TaxAuthorityDown:
        checks.append(("국세청 사업자 상태 (business status)", "pending",
                       "상태조회 서비스가 지금 응답하지 않습니다. 제출하면 서비스가 돌아오는 대로 자동으로 확인합니다 "
                       "(the service is not answering; after submission the check completes by itself)"))
    return errors, checks


def _draft_input(form: dict[str, str], proposal_document_id: str | None) -> tuple[DraftInput, Errors]:
    errors: Errors = {}
    founded: date | None = None
    if form["founded_on"]:
        try:
            founded = date.fromisoformat(form["founded_on"])
        except ValueError:
            add_error(errors, "founded_on", "날짜를 YYYY-MM-DD로 입력하세요 (a date, YYYY-MM-DD)")
    values = DraftInput(company_name=form["company_name"], founded_on=founded, task_id=form["task_id"],
                        representative=form["representative"], email=form["email"],
                        proposal_title=form["proposal_title"], proposal_document_id=proposal_document_id)
    return values, errors


def _prefill(session: Session, viewer: StartupViewer) -> DraftInput:
    company = company_of(session, viewer.user.brn or "")
    return DraftInput(company_name=company.company_name if company else "", representative=viewer.user.display_name,
                      email=viewer.user.email or "")


async def _form_page(request: Request, session: Session, viewer: StartupViewer, definition: ProgramDefinition,
                     draft: ApplicationDraft | DraftInput, errors: Errors, status: int = 200,
                     notice: str | None = None, refusal: str | None = None) -> HTMLResponse:
    state = await call_window(request.app.state.temporal, definition, viewer.now)
    now, brn = viewer.now, viewer.user.brn or ""
    settings: Settings = request.app.state.settings
    checks: list[tuple[str, str, str]] = []
    if isinstance(draft, ApplicationDraft) and draft.submitted_at is None:
        feedback, checks = await eligibility_feedback(session, settings, definition, draft, brn, now)
        for field, messages in feedback.items():
            for message in messages:
                if message not in errors.get(field, []):
                    add_error(errors, field, message)
    startup_id = startup_workflow_id(definition.id, brn)
    proposals = document_choices(session, brn, startup_id, DocumentKind.PROPOSAL)
    closes = definition.application_closes_at
    earliest = earliest_founding(closes, definition.founded_within_years) if closes else None
    # For portal.js, which tells the founding rule while the date is typed.
    founded_attrs = {"data-years": definition.founded_within_years, "data-today": kst_date(now).isoformat()} | (
        {"data-earliest": earliest.isoformat()} if earliest else {})
    task_options = [("", "과제를 고르세요 (choose a task)")] + [
        (t.id, f"{t.id} · {SECTOR_WORDS.get(t.sector, t.sector)} · {t.title} ({t.sme_region})") for t in definition.tasks]
    return page(request, viewer, "apply.html", status, program=definition, draft=draft, errors=errors,
                labels=LABELS, checks=checks, notice=notice, refusal=refusal, state=state,
                now=now, remaining=remaining, proposals=proposals, brn_text=format_brn(brn), earliest=earliest,
                founded_attrs=founded_attrs, task_options=task_options,
                upload=upload_context(settings, DocumentKind.PROPOSAL, definition.id, f"/portal/apply/{definition.id}"))


@router.get("/portal/apply/{program_id}", response_class=HTMLResponse)
async def apply_form(program_id: str, request: Request, session: SessionDep, viewer: StartupViewer,
                     saved: bool = False) -> HTMLResponse:
    try:
        definition = _program(session, program_id)
    except ApiError as err:
        return not_found_page(request, viewer, err)
    draft = draft_of(session, program_id, viewer.user.brn or "")
    notice = "임시저장되었습니다 (Draft saved)." if saved and draft is not None else None
    return await _form_page(request, session, viewer, definition, draft or _prefill(session, viewer), {},
                            notice=notice)


def _proposal_of(session: Session, document_id: str, startup_id: str) -> str | None:
    """The chosen proposal, if it is one of this application's own proposals; else none."""
    row = session.get(Document, document_id) if document_id and len(document_id) <= 64 else None
    return row.id if row is not None and row.startup_id == startup_id and row.kind == "proposal" else None


@router.post("/portal/apply/{program_id}", response_class=HTMLResponse)
async def save_or_submit(program_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                         viewer: StartupViewer, csrf_token: Text, intent: Text = "save", company_name: Text = "",
                         founded_on: Text = "", task_id: Text = "", representative: Text = "", email: Text = "",
                         proposal_title: Text = "", proposal_document: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    definition = _program(session, program_id)
    brn, now = viewer.user.brn or "", viewer.now
    startup_id = startup_workflow_id(program_id, brn)
    form = {"company_name": company_name.strip(), "founded_on": founded_on.strip(), "task_id": task_id.strip(),
            "representative": representative.strip(), "email": email.strip(), "proposal_title": proposal_title.strip()}
    values, errors = _draft_input(form, _proposal_of(session, proposal_document.strip(), startup_id))
    if await call_window(temporal, definition, now) == "closed":
        refusal = (f"저장·제출되지 않았습니다: 서버 시계로 접수가 마감되었습니다 (마감 {kst_text(definition.application_closes_at)}). "
                   "임시저장한 신청서는 더 이상 제출할 수 없습니다. (Not saved or submitted: by the server's clock the "
                   "window has closed; drafts can no longer be submitted.)")
        return await _form_page(request, session, viewer, definition, draft_of(session, program_id, brn) or values,
                                errors, 409, refusal=refusal)
    try:
        with writing(request) as w:
            draft = save_draft(w, program_id, brn, values, viewer.user.id, now)
    except DraftFrozen:
        return RedirectResponse(f"/portal/apply/{program_id}", 303)
    if intent != "submit":
        if errors:
            return await _form_page(request, session, viewer, definition, draft, errors, 422)
        return RedirectResponse(f"/portal/apply/{program_id}?saved=1", 303)
    return await _submit(request, session, temporal, viewer, definition, draft, errors)


async def _submit(request: Request, session: Session, temporal: Any, viewer: StartupViewer,
                  definition: ProgramDefinition, draft: ApplicationDraft, errors: Errors) -> Response:
    brn = viewer.user.brn or ""
    if not draft.proposal_document_id:
        add_error(errors, "proposal_document", "사업계획서 파일을 올리거나 내 서류에서 고르세요 (upload or pick the proposal)")
    try:
        body = ApplicationBody.model_validate({k: v for k, v in _body(draft, brn).items() if v not in ("", None)})
    except ValidationError as err:
        for field, messages in validation_errors(err).items():
            for message in messages:
                add_error(errors, field, message)
    if errors:
        return await _form_page(request, session, viewer, definition, draft, errors, 422)
    try:
        created = await submit_application(definition.id, body, request.state.request_id, session, temporal,
                                           viewer.actor)
    except ApiError as err:
        return await _form_page(request, session, viewer, definition, draft, api_errors(err, LABELS),
                                err.status, refusal=_refusal_words(err, definition))
    submitted_at = viewer.now
    with writing(request) as w:
        draft = mark_submitted(w, draft, created.startup_id, submitted_at, kst_date(submitted_at))
    await _send_receipt(request.app.state.settings, viewer, definition, draft)
    return RedirectResponse(f"/portal/apply/{definition.id}", 303)


def _refusal_words(err: ApiError, definition: ProgramDefinition) -> str | None:
    """The program call's refusals, said plainly (the server's clock decided the window)."""
    rule = err.details.get("rule") if isinstance(err.details, dict) else None
    if rule == "application_window":
        closes = definition.application_closes_at
        return (f"제출되지 않았습니다: 서버 시각으로 접수 마감({kst_text(closes) if closes else '—'})이 지났습니다. "
                "(Not submitted: by the server's clock the window had closed.)")
    if rule == "one_application_per_program":
        return ("이미 이 사업에 신청한 회사입니다. 한 사업에는 한 번만 신청할 수 있습니다. "
                "(This company has already applied to this program.)")
    return None


async def _send_receipt(settings: Settings, viewer: StartupViewer, definition: ProgramDefinition,
                        draft: ApplicationDraft) -> None:
    text = (f"{definition.name} 신청서가 접수되었습니다.\n\n접수번호 (Receipt number): {draft.receipt_no}\n"
            f"회사 (Company): {draft.company_name} ({format_brn(draft.brn)})\n"
            f"접수 시각 (Received at): {kst_text(draft.submitted_at) if draft.submitted_at else ''}\n"
            f"과제 (Task): {draft.task_id}\n\n"
            "자격 검토(국세청 사업자 상태 포함)가 끝나면 마이페이지에서 결과를 볼 수 있습니다.\n"
            "(Eligibility, including the business status at the tax authority, is checked next; see My page.)\n"
            f"{portal_link(settings, '/portal/my')}")
    for address in dict.fromkeys(a for a in (viewer.user.email, draft.email) if a):
        await tell(settings, address, f"[axflow] 접수 완료 — 접수번호 {draft.receipt_no} (Application received)", text)
