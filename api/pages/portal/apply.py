"""Applying on the portal: the application form with its proposal, draft saving (임시저장) and the
final submission (최종 제출), with eligibility feedback on every save.

Submission goes through `submit_application`, the same function as POST /programs/{id}/applications:
the program call's Update decides by the server's clock whether the window is still open, refuses
a second application, and the lifecycle's eligibility check then asks the tax authority. A
submitted draft is frozen with its receipt number (접수번호), which is also sent by email."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from activities.read_model import ReadModelActivities
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.portal.common import (
    Errors,
    StartupViewer,
    add_error,
    call_window,
    kst_text,
    not_found_page,
    page,
    remaining,
    validation_errors,
)
from api.pages.portal.documents import document_choices, reuse_document, upload_context
from api.pages.portal.my import STATUS_REASONS, ineligible_words, one_language, refusal_errors
from api.pages.shared.common import check_csrf, portal_link, tell, writing
from api.pages.shared.document_words import upload_words
from api.pages.shared.labels import SECTORS, label, task_title
from api.pages.shared.redirects import page_path, see_other
from api.services.documents import document_by_id, receive_document
from api.services.programs import program_row, submit_application
from axflow.config import Settings
from axflow.tax_authority import TaxAuthorityDown, business_status
from domain.brn import format_brn
from domain.commands import ApplicationBody
from domain.documents import DocumentKind
from domain.eligibility import Problem, brn_problems, earliest_founding, founding_problems, status_refusal
from domain.io import EligibilityInput, startup_workflow_id
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.text import SINGLE_LINE
from domain.timeutil import kst_date
from store.application_drafts import DraftFrozen, DraftInput, draft_of, mark_submitted, save_draft
from store.db import engine_of, release
from store.portal_accounts import company_of
from store.portal_tables import ApplicationDraft

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300), SINGLE_LINE]
LABELS = {"company_name": N_("회사명"), "founded_on": N_("설립일"), "task_id": N_("과제"),
          "representative": N_("대표자명"), "email": N_("연락 이메일"), "proposal_title": N_("사업계획서 제목"),
          "proposal_document": N_("사업계획서 파일"), "brn": N_("사업자등록번호")}
STATUS_WORDS = {"active": N_("계속사업자"), "suspended": N_("휴업자"), "closed": N_("폐업자"),
                "unregistered": N_("미등록")}
DRAFT_TEXT = ("company_name", "founded_on", "task_id", "representative", "email", "proposal_title")
NO_PROPOSAL = N_("사업계획서 파일을 올리거나 내 서류에서 고르세요.")


def labels() -> dict[str, str]:
    return {name: _(label) for name, label in LABELS.items()}


def problem_words(problem: Problem, within_years: int, earliest: date | None) -> str:
    """An eligibility rule's problem (domain/eligibility.py) in the page's language."""
    if problem.rule == RuleId.FOUNDED_WITHIN_YEARS and earliest is not None:
        return _("창업 %(years)s년 이내여야 합니다: 마감일 기준 %(earliest)s 이후 설립") % {
            "years": within_years, "earliest": earliest.isoformat()}
    if problem.rule == RuleId.NOT_IN_FUTURE:
        return _("설립일이 미래입니다.")
    if problem.rule in (RuleId.BRN_CHECK_DIGIT, RuleId.BRN_FORMAT):
        return _("사업자등록번호가 올바르지 않습니다: 10자리와 검증 숫자를 확인하세요.")
    return one_language(problem.message)


def _program(session: Session, program_id: str) -> ProgramDefinition:
    row = program_row(session, program_id)
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
        add_error(errors, "task_id", _("이 사업의 과제가 아닙니다."))
    if not draft.proposal_document_id:
        add_error(errors, "proposal_document", _(NO_PROPOSAL))
    checks: list[tuple[str, str, str]] = []
    years = definition.founded_within_years
    closes = definition.application_closes_at
    earliest = earliest_founding(closes, years) if closes else None
    brn_issue = brn_problems(brn)
    checks.append((_("사업자등록번호 검증번호"), "problem" if brn_issue else "ok",
                   problem_words(brn_issue[0], years, earliest) if brn_issue
                   else _("%(brn)s 유효") % {"brn": format_brn(brn)}))
    if draft.founded_on and closes:
        founding = founding_problems(draft.founded_on, closes, years, kst_date(now))
        for problem in founding:
            add_error(errors, problem.field, problem_words(problem, years, earliest))
        checks.append((_("업력 %(years)s년 이내") % {"years": years}, "problem" if founding else "ok",
                       problem_words(founding[0], years, earliest) if founding else _("마감일 기준 요건 충족")))
    else:
        checks.append((_("업력"), "pending", _("설립일을 입력하면 확인합니다.")))
    banned = ReadModelActivities(engine_of(session)).ban_check(EligibilityInput(brn=brn, program_id=definition.id,
                                                                                at=now))
    ban_words = ineligible_words(banned.reason, None) or _("참여제한 중입니다.")
    checks.append((_("참여제한"), "ok" if banned.eligible else "problem", _("해당 없음") if banned.eligible else ban_words))
    if not banned.eligible:
        add_error(errors, "brn", ban_words)
    quick = settings.model_copy(update={"tax_authority_timeout_seconds": min(2.0, settings.tax_authority_timeout_seconds)})
    try:
        answer = await business_status(quick, brn, attempts=1)
        refused = status_refusal(brn, answer.status, answer.closed_on) is not None
        refusal = _(STATUS_REASONS[answer.status]) if refused and answer.status in STATUS_REASONS else None
        checks.append((_("국세청 사업자 상태"), "problem" if refused else "ok",
                       refusal or _(STATUS_WORDS.get(answer.status, answer.status))))
        if refusal:
            add_error(errors, "brn", refusal)
    except TaxAuthorityDown:
        checks.append((_("국세청 사업자 상태"), "pending",
                       _("상태조회 서비스가 지금 응답하지 않습니다. 제출하면 서비스가 돌아오는 대로 자동으로 확인합니다.")))
    return errors, checks


def _draft_input(form: dict[str, str], proposal_document_id: str | None) -> tuple[DraftInput, Errors]:
    errors: Errors = {}
    founded: date | None = None
    if form["founded_on"]:
        try:
            founded = date.fromisoformat(form["founded_on"])
        except ValueError:
            add_error(errors, "founded_on", _("날짜를 YYYY-MM-DD로 입력하세요."))
    values = DraftInput(company_name=form["company_name"], founded_on=founded, task_id=form["task_id"],
                        representative=form["representative"], email=form["email"],
                        proposal_title=form["proposal_title"], proposal_document_id=proposal_document_id)
    return values, errors


def _prefill(session: Session, viewer: StartupViewer) -> DraftInput:
    company = company_of(session, viewer.actor.brn or "")
    return DraftInput(company_name=company.company_name if company else "", representative=viewer.user.display_name,
                      email=viewer.user.email or "")


async def _form_page(request: Request, session: Session, viewer: StartupViewer, definition: ProgramDefinition,
                     draft: ApplicationDraft | DraftInput, errors: Errors, status: int = 200,
                     notice: str | None = None, refusal: str | None = None) -> HTMLResponse:
    state = await call_window(request.app.state.temporal, definition, viewer.now)
    now, brn = viewer.now, viewer.actor.brn or ""
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
    task_options = [("", _("과제를 고르세요"))] + [
        (t.id, f"{t.id} · {label(SECTORS, t.sector)} · {task_title(t)} ({t.sme_region})") for t in definition.tasks]
    return page(request, viewer, "apply.html", status, program=definition, draft=draft, errors=errors,
                labels=labels(), checks=checks, notice=notice, refusal=refusal, state=state,
                now=now, remaining=remaining, proposals=proposals, brn_text=format_brn(brn), earliest=earliest,
                founded_attrs=founded_attrs, task_options=task_options,
                upload=upload_context(settings, DocumentKind.PROPOSAL, definition.id, f"/portal/apply/{definition.id}"))


@router.get("/portal/apply/{program_id}", response_class=HTMLResponse)
async def apply_form(program_id: str, request: Request, session: SessionDep, viewer: StartupViewer,
                     saved: bool = False, uploaded: bool = False) -> HTMLResponse:
    try:
        definition = _program(session, program_id)
    except ApiError as err:
        return not_found_page(request, viewer, err)
    draft = draft_of(session, program_id, viewer.actor.brn or "")
    notice = _("임시저장되었습니다.") if saved and draft is not None else None
    if uploaded and draft is not None:
        notice = _("사업계획서를 올렸습니다. 신청서에 쓰던 내용은 임시저장되었습니다.")
    return await _form_page(request, session, viewer, definition, draft or _prefill(session, viewer), {},
                            notice=notice)


def _proposal_of(session: Session, document_id: str, startup_id: str) -> str | None:
    """The chosen proposal, if it is one of this application's own proposals; else none."""
    row = document_by_id(session, document_id)
    return row.id if row is not None and row.startup_id == startup_id and row.kind == "proposal" else None


async def _keep_typed(request: Request, session: Session, temporal: Any, viewer: StartupViewer,
                      definition: ProgramDefinition, typed: Any, new_proposal: str | None) -> None:
    """Save what the application form had typed as the draft, with `new_proposal` chosen (else the
    proposal it had chosen, else the one chosen before), while the window is open. A file refused
    as it arrived leaves only the fields sent before it: the form sends every field first."""
    if not typed or await call_window(temporal, definition, viewer.now) == "closed":
        return
    brn = viewer.actor.brn or ""
    startup_id = startup_workflow_id(definition.id, brn)
    before = draft_of(session, definition.id, brn)
    chosen = new_proposal or _proposal_of(session, str(typed.get("proposal_document") or "").strip(), startup_id) \
        or (before.proposal_document_id if before is not None else None)
    values, _problems = _draft_input({name: str(typed.get(name) or "").strip()[:300] for name in DRAFT_TEXT}, chosen)
    try:
        with writing(request) as w:
            save_draft(w, definition.id, brn, values, viewer.user.id, viewer.now)
    except DraftFrozen:
        pass  # submitted meanwhile: the form shows the receipt


@router.post("/portal/apply/{program_id}/reuse", response_class=HTMLResponse)
async def reuse_proposal(program_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                         viewer: StartupViewer) -> Response:
    """내 서류에서 고르기 from the application form itself: the chosen earlier file becomes this
    application's proposal and what was typed is saved with it, as an upload does."""
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    definition = _program(session, program_id)
    brn = viewer.actor.brn or ""
    copy = reuse_document(session, viewer, str(form.get("document_id") or ""),
                          startup_workflow_id(program_id, brn), program_id, DocumentKind.PROPOSAL)
    with writing(request) as w:
        w.add(copy)
        w.commit()
    release(session)
    await _keep_typed(request, session, temporal, viewer, definition, form, copy.id)
    return see_other(request, "apply_form", program_id=program_id, query={"uploaded": 1})


@router.post("/portal/apply/{program_id}/proposal", response_class=HTMLResponse)
async def upload_proposal(program_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                          temporal: TemporalDep, viewer: StartupViewer) -> Response:
    """The proposal uploaded from the application form itself (multipart: the file with what was
    typed): the typed values are saved as the draft with the new file chosen, so an upload never
    wipes the form; a refused file comes back as the upload's error page, its way back leading to
    the form with what was typed kept."""
    definition = _program(session, program_id)
    brn = viewer.actor.brn or ""
    startup_id = startup_workflow_id(program_id, brn)
    typed: dict[str, str] = {}

    def check_fields(fields: dict[str, str]) -> None:
        typed.update(fields)
        check_csrf(viewer, fields.get("csrf_token"))

    release(session)  # the upload's record is written in a transaction of its own
    document, refused = None, None
    try:
        document = await receive_document(request, session, settings, viewer.actor, startup_id, program_id,
                                          [DocumentKind.PROPOSAL], check_fields)
    except ApiError as err:
        if err.code == "forbidden":
            raise
        refused = err
    await _keep_typed(request, session, temporal, viewer, definition, typed, document.id if document else None)
    if refused is not None:
        return page(request, viewer, "upload_error.html", refused.status, error=refused,
                    back=page_path(request, "apply_form", program_id=program_id),
                    message=upload_words(refused, settings, "proposal"))
    return see_other(request, "apply_form", program_id=program_id, query={"uploaded": 1})


@router.post("/portal/apply/{program_id}", response_class=HTMLResponse)
async def save_or_submit(program_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                         viewer: StartupViewer, csrf_token: Text, intent: Text = "save", company_name: Text = "",
                         founded_on: Text = "", task_id: Text = "", representative: Text = "", email: Text = "",
                         proposal_title: Text = "", proposal_document: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    definition = _program(session, program_id)
    brn, now = viewer.actor.brn or "", viewer.now
    startup_id = startup_workflow_id(program_id, brn)
    form = {"company_name": company_name.strip(), "founded_on": founded_on.strip(), "task_id": task_id.strip(),
            "representative": representative.strip(), "email": email.strip(), "proposal_title": proposal_title.strip()}
    values, errors = _draft_input(form, _proposal_of(session, proposal_document.strip(), startup_id))
    if await call_window(temporal, definition, now) == "closed":
        refusal = _("저장·제출되지 않았습니다: 서버 시계로 접수가 마감되었습니다 (마감 %(closes)s). "
                    "임시저장한 신청서는 더 이상 제출할 수 없습니다.") % {
            "closes": kst_text(definition.application_closes_at) if definition.application_closes_at else "—"}
        return await _form_page(request, session, viewer, definition, draft_of(session, program_id, brn) or values,
                                errors, 409, refusal=refusal)
    try:
        with writing(request) as w:
            draft = save_draft(w, program_id, brn, values, viewer.user.id, now)
    except DraftFrozen:
        return see_other(request, "apply_form", program_id=program_id)
    if intent != "submit":
        if errors:
            return await _form_page(request, session, viewer, definition, draft, errors, 422)
        return see_other(request, "apply_form", program_id=program_id, query={"saved": 1})
    return await _submit(request, session, temporal, viewer, definition, draft, errors)


async def _submit(request: Request, session: Session, temporal: Any, viewer: StartupViewer,
                  definition: ProgramDefinition, draft: ApplicationDraft, errors: Errors) -> Response:
    brn = viewer.actor.brn or ""
    if not draft.proposal_document_id:
        add_error(errors, "proposal_document", _(NO_PROPOSAL))
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
        return await _form_page(request, session, viewer, definition, draft, refusal_errors(err, set(LABELS)),
                                err.status, refusal=_refusal_words(err, definition))
    submitted_at = viewer.now
    with writing(request) as w:
        draft = mark_submitted(w, draft, created.startup_id, submitted_at, kst_date(submitted_at))
    await _send_receipt(request.app.state.settings, viewer, definition, draft)
    return see_other(request, "apply_form", program_id=definition.id)


def _refusal_words(err: ApiError, definition: ProgramDefinition) -> str | None:
    """The program call's refusals, said plainly (the server's clock decided the window)."""
    rule = err.details.get("rule") if isinstance(err.details, dict) else None
    if rule == "application_window":
        closes = definition.application_closes_at
        return _("제출되지 않았습니다: 서버 시각으로 접수 마감(%(closes)s)이 지났습니다.") % {
            "closes": kst_text(closes) if closes else "—"}
    if rule == "one_application_per_program":
        return _("이미 이 사업에 신청한 회사입니다. 한 사업에는 한 번만 신청할 수 있습니다.")
    return None


async def _send_receipt(settings: Settings, viewer: StartupViewer, definition: ProgramDefinition,
                        draft: ApplicationDraft) -> None:
    # In the language of the page it was submitted from.
    text = _("%(program)s 신청서가 접수되었습니다.\n\n접수번호: %(receipt)s\n회사: %(company)s (%(brn)s)\n"
             "접수 시각: %(at)s\n과제: %(task)s\n\n"
             "자격 검토(국세청 사업자 상태 포함)가 끝나면 마이페이지에서 결과를 볼 수 있습니다.\n%(link)s") % {
        "program": definition.name, "receipt": draft.receipt_no, "company": draft.company_name,
        "brn": format_brn(draft.brn), "at": kst_text(draft.submitted_at) if draft.submitted_at else "",
        "task": draft.task_id, "link": portal_link(settings, "/portal/my")}
    subject = _("[axflow] 접수 완료 — 접수번호 %(receipt)s") % {"receipt": draft.receipt_no}
    for address in dict.fromkeys(a for a in (viewer.user.email, draft.email) if a):
        await tell(settings, address, subject, text)
