"""마이페이지: a company's applications and, for each, its workspace — phase, the next deadline with
the days left, payments, milestones (deliverables submitted, reviews and their comments,
revisions by their new date), the settlement with receipts and any refund owed, notifications and
every document with its hash.

Every change goes through `perform_action`, the API's own action path (the same Update and
validator). A startup sees only its own lifecycles: any other id answers 404 (api/scope.py)."""

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import KOREAN, N_, _, current_language
from api.pages.portal.common import Errors, StartupViewer, not_found_page, page
from api.pages.portal.documents import document_choices, upload_context
from api.pages.portal.settlement import SettlementForm, read_settlement_form
from api.pages.shared.bilingual import HANGUL
from api.pages.shared.bilingual import one_language as paired_language
from api.pages.shared.common import check_csrf, render
from api.pages.shared.document_words import KIND_WORDS
from api.pages.shared.formatting import won
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import RULE_CODES
from api.pages.shared.rule_text import RuleRefusal, rule_text
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services.actions import perform_action
from api.services.programs import program_choices
from api.services.startups import for_caller, live_state, startup_ids_of_company
from domain.documents import DocumentKind
from domain.phases import Action, Phase
from domain.rule_words import FIELD_TYPES
from domain.settlement_ledger import settles_from_ledger
from domain.state import StartupState
from store.application_drafts import drafts_of_company
from store.business_checks import check_of
from store.db import release
from store.documents import documents_of
from store.notifications import list_notices
from store.portal_accounts import company_of
from store.portal_tables import BusinessStatusCheck

router = APIRouter(include_in_schema=False)
AGREEMENT_PHASES = {Phase.SELECTED, Phase.MATCHED}
# Why an application was found ineligible, by the business status the tax authority answered.
STATUS_REASONS = {"suspended": N_("휴업 중인 사업자입니다 (국세청 사업자등록 상태: 휴업자)."),
                  "closed": N_("폐업한 사업자입니다 (국세청 사업자등록 상태: 폐업자)."),
                  "unregistered": N_("국세청에 등록되지 않은 사업자등록번호입니다.")}


def one_language(message: str) -> str:
    """An API message that says its rule in Korean and English, "한국어 — English" (the documents
    and actions API) or "한국어 (English)", in the page's language alone; any other as it is."""
    if " — " in message and HANGUL.search(message.partition(" — ")[0]):
        korean, _sep, english = message.partition(" — ")
        return korean if current_language() == KOREAN else english
    return paired_language(message)


def said(rule: object, message: str, code: str = "") -> str:
    """A refusal in the page's language: the shared words for its rule (api/pages/shared/rule_text.py)
    when there are some, else the API's own message in the page's language. A refusal by a rule
    (not a field typed wrong) is a RuleRefusal, headed as the console heads it."""
    words = rule_text(str(rule)) if rule else None
    text = words or one_language(message)
    by_rule = words is not None and str(rule) not in FIELD_TYPES if rule else code in RULE_CODES
    return RuleRefusal(text, str(rule) if rule else None) if by_rule else text


def _named(name: str, message: str) -> str:
    """A refusal prefixed with what it was about, keeping its rule heading."""
    if not isinstance(message, RuleRefusal):
        return f"{name}: {message}"
    named = RuleRefusal(f"{name}: {message}", None)
    named.heading = message.heading
    return named


def refusal_errors(err: ApiError, known: set[str] | None = None) -> Errors:
    """An API refusal as messages by field in the page's language ("" for the top of the page)."""
    errors: Errors = {}
    details = err.details if isinstance(err.details, list) else [err.details] if isinstance(err.details, dict) else []
    for detail in details:
        if isinstance(detail, dict):
            field = str(detail.get("field") or "")
            errors.setdefault(field if known is None or field in known else "", []).append(
                said(detail.get("rule"), str(detail.get("message") or err.message), err.code))
    if not errors:
        rule = err.details.get("rule") if isinstance(err.details, dict) else None
        errors[""] = [said(rule, err.message, err.code)]
    return errors


def ineligible_words(reason: str | None, check: BusinessStatusCheck | None) -> str:
    """Why the application was found ineligible, in the page's language: by the business status
    the tax authority answered, or the participation ban the reason names."""
    if not reason:
        return ""
    status = check.status if check is not None else None
    if status in STATUS_REASONS:
        closed_on = re.search(r"(\d{4}-\d{2}-\d{2}) 폐업", reason)
        words = _(STATUS_REASONS[status])
        return words + (" " + _("폐업일: %(date)s") % {"date": closed_on.group(1)} if closed_on else "")
    banned = re.search(r"until (\d{4}-\d{2}-\d{2})", reason)
    if reason.startswith("참여제한") and banned:
        return _("참여제한 중입니다: %(date)s KST까지") % {"date": banned.group(1)}
    return one_language(reason)


@router.get("/portal/my", response_class=HTMLResponse)
async def my_page(request: Request, session: SessionDep, temporal: TemporalDep,
                  viewer: StartupViewer) -> HTMLResponse:
    brn = viewer.actor.brn or ""
    ids = startup_ids_of_company(session, brn)
    # Each asked of its workflow (the read model may be a moment behind); a company has a few.
    states = [await live_state(temporal, session, startup_id) for startup_id in ids]
    drafts = [d for d in drafts_of_company(session, brn) if d.submitted_at is None]
    # A draft is named by its program's name, as the calls name it (its id is no name for people).
    program_names = dict(program_choices(session, ids=[d.program_id for d in drafts])) if drafts else {}
    waiting = {s.startup_id for s in states if s.phase is Phase.APPLIED and _waiting(session, s.startup_id)}
    notices = list_notices(session, viewer.user.id, limit=5)
    return page(request, viewer, "my.html", states=states, drafts=drafts, program_names=program_names,
                company=company_of(session, brn),
                notices=notices, waiting=waiting, deadline_subject=deadline_subject)


def deadline_subject(state: StartupState) -> str:
    """What the next deadline is about, by name: a milestone's title rather than its key."""
    deadline = state.next_deadline
    if deadline is None or not deadline.subject:
        return ""
    milestone = state.milestone(deadline.subject)
    return milestone.title if milestone else deadline.subject


def _waiting(session: Session, startup_id: str) -> bool:
    check = check_of(session, startup_id)
    return check is not None and check.waiting_since is not None and check.answered_at is None


async def _view(session: Session, temporal: Any, viewer: StartupViewer, startup_id: str) -> StartupPublic:
    check_scope(startup_id, viewer.actor)  # another company's id: 404, the same as an unknown one
    view = for_caller(await live_state(temporal, session, startup_id), viewer.actor)
    release(session)
    return view


async def _workspace(request: Request, session: Session, temporal: Any, viewer: StartupViewer, startup_id: str,
                     errors: Errors | None = None, status: int = 200, notice: str | None = None,
                     settlement_form: SettlementForm | None = None) -> HTMLResponse:
    s = await _view(session, temporal, viewer, startup_id)
    brn, settings = viewer.actor.brn or "", request.app.state.settings
    back = f"/portal/my/{startup_id}"
    milestone_docs = {m.key: document_choices(session, brn, startup_id, DocumentKind.DELIVERABLE, m.key)
                      for m in s.milestones}
    milestone_uploads = {m.key: upload_context(settings, DocumentKind.DELIVERABLE, s.program_id,
                                               f"{back}#milestone-{m.key}", m.key) for m in s.milestones}
    receipts = document_choices(session, brn, startup_id, DocumentKind.RECEIPT)
    form = settlement_form or SettlementForm.empty(3)
    notices = [n for n in list_notices(session, viewer.user.id, limit=50).items if n.startup_id == startup_id]
    return page(request, viewer, "my_startup.html", status, s=s, errors=errors or {}, notice=notice,
                check=check_of(session, startup_id), allowed=set(s.allowed_actions),
                documents=documents_of(session, startup_id), kind_words=KIND_WORDS, milestone_docs=milestone_docs,
                milestone_uploads=milestone_uploads, receipts=receipts, settlement_form=form,
                receipt_upload=upload_context(settings, DocumentKind.RECEIPT, s.program_id, f"{back}#settlement"),
                appeal_upload=upload_context(settings, DocumentKind.OTHER, s.program_id, f"{back}#appeals"),
                notices=notices, agreement_phases=AGREEMENT_PHASES, from_ledger=settles_from_ledger(s),
                deadline_subject=deadline_subject, ineligible_words=ineligible_words)


@router.get("/portal/my/{startup_id}", response_class=HTMLResponse)
async def workspace(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                    viewer: StartupViewer, done: str = "") -> HTMLResponse:
    notice = {"milestone": _("산출물을 제출했습니다."), "settlement": _("정산 보고를 제출했습니다."),
              "withdrawn": _("사업을 포기했습니다."), "appeal": _("이의신청을 접수했습니다.")}.get(done)
    try:
        return await _workspace(request, session, temporal, viewer, startup_id, notice=notice)
    except ApiError as err:
        if err.status != 404:
            raise
        return not_found_page(request, viewer, err)


async def _act(request: Request, session: Session, temporal: Any, viewer: StartupViewer, startup_id: str,
               action: Action, body: dict[str, Any]) -> ApiError | None:
    try:
        await perform_action(startup_id, action, body, viewer.actor, session, temporal, request.state.request_id)
    except ApiError as err:
        if err.status == 404:
            raise
        return err
    return None


@router.post("/portal/my/{startup_id}/milestones/{key}", response_class=HTMLResponse)
async def submit_milestone(startup_id: str, key: str, request: Request, session: SessionDep, temporal: TemporalDep,
                           viewer: StartupViewer) -> Response:
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    check_scope(startup_id, viewer.actor)
    note = str(form.get("deliverable") or "").strip()
    body = {"milestone": key, "documents": [str(d) for d in form.getlist("documents")],
            "deliverable": note or None, "reason": ""}
    refused = await _act(request, session, temporal, viewer, startup_id, Action.SUBMIT_MILESTONE, body)
    if refused is None:
        return see_other(request, "workspace", startup_id=startup_id, query={"done": "milestone"}, fragment=f"milestone-{key}")
    # Shown at the top of the page (announced), naming the milestone: its card has one form.
    errors = {"": [_named(key, message) for messages in refusal_errors(refused).values() for message in messages]}
    return await _workspace(request, session, temporal, viewer, startup_id, errors, refused.status)


@router.post("/portal/my/{startup_id}/settlement", response_class=HTMLResponse)
async def submit_settlement(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                            viewer: StartupViewer) -> Response:
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    check_scope(startup_id, viewer.actor)
    settlement, errors = read_settlement_form(form)
    if form.get("intent") == "add_rows":
        return await _workspace(request, session, temporal, viewer, startup_id, settlement_form=settlement.wider(2))
    if not errors:
        refused = await _act(request, session, temporal, viewer, startup_id, Action.SUBMIT_SETTLEMENT,
                             {"lines": settlement.body_lines(), "reason": ""})
        if refused is None:
            return see_other(request, "workspace", startup_id=startup_id, query={"done": "settlement"}, fragment="settlement")
        errors = settlement.row_errors(refusal_errors(refused))
        status = refused.status
    else:
        status = 422
    return await _workspace(request, session, temporal, viewer, startup_id, errors, status,
                            settlement_form=settlement)


@router.post("/portal/my/{startup_id}/withdraw", response_class=HTMLResponse)
async def withdraw(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                   viewer: StartupViewer) -> Response:
    """포기 in two steps, without script: the first post shows what it means (the console's
    confirmation page in the portal's frame), the second, confirmed, withdraws."""
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    check_scope(startup_id, viewer.actor)
    reason = str(form.get("reason") or "").strip()
    if form.get("confirmed") != "yes":
        s = await _view(session, temporal, viewer, startup_id)
        release(session)
        consequences = [_("%(company)s의 %(program)s 참여를 포기합니다. 되돌릴 수 없습니다.") % {
            "company": s.company_name, "program": s.program_name}]
        if s.paid_total:
            consequences.append(_("받은 지원금 %(amount)s 전액을 반납해야 합니다.") % {"amount": won(s.paid_total)})
        return render(request, viewer, "console/confirm.html", layout="portal/layout.html",
                    heading=_("%(program)s 포기") % {"program": s.program_name}, consequences=consequences,
                    carried=[("reason", reason)], confirm_label=_("포기합니다"),
                    action_url=f"/portal/my/{startup_id}/withdraw", back_url=f"/portal/my/{startup_id}#withdraw")
    refused = await _act(request, session, temporal, viewer, startup_id, Action.WITHDRAW, {"reason": reason})
    if refused is None:
        return see_other(request, "workspace", startup_id=startup_id, query={"done": "withdrawn"})
    return await _workspace(request, session, temporal, viewer, startup_id, refusal_errors(refused), refused.status)
