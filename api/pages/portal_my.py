"""마이페이지: a company's applications and, for each, its workspace — phase, the next deadline with
the days left, payments, milestones (deliverables submitted, reviews and their comments,
revisions by their new date), the settlement with receipts and any refund owed, notifications and
every document with its hash.

Every change goes through `perform_action`, the API's own action path (the same Update and
validator). A startup sees only its own lifecycles: any other id answers 404 (api/scope.py)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.pages.common import check_csrf
from api.pages.portal_common import Errors, StartupViewer, api_errors, not_found_page, page
from api.pages.portal_documents import KIND_WORDS, document_choices, upload_context
from api.pages.portal_settlement import SettlementForm, read_settlement_form
from api.routes.actions import perform_action
from api.routes.startups import _live_state, for_caller
from api.schemas import StartupPublic
from api.scope import check_scope
from domain.documents import DocumentKind
from domain.phases import Action, Phase
from domain.state import StartupState
from store.application_drafts import drafts_of_company
from store.business_checks import check_of
from store.db import release
from store.documents import documents_of
from store.notifications import list_notices
from store.portal_accounts import company_of
from store.tables import StartupRow

router = APIRouter(include_in_schema=False)
AGREEMENT_PHASES = {Phase.SELECTED, Phase.MATCHED}
DEADLINE_WORDS = {"agreement": "협약 체결 (agreement)", "milestone": "산출물 제출 (deliverable)",
                  "revision": "보완 제출 (revision)", "settlement_report": "정산 보고 (settlement report)",
                  "refund": "반납 (refund)", "review": "검토 (review)", "approval": "승인 (approval)"}


@router.get("/portal/my", response_class=HTMLResponse)
async def my_page(request: Request, session: SessionDep, temporal: TemporalDep,
                  viewer: StartupViewer) -> HTMLResponse:
    brn = viewer.user.brn or ""
    ids = session.exec(select(StartupRow.startup_id).where(StartupRow.brn == brn)
                       .order_by(col(StartupRow.applied_at).desc())).all()
    # Each asked of its workflow (the read model may be a moment behind); a company has a few.
    states = [await _live_state(temporal, session, startup_id) for startup_id in ids]
    drafts = [d for d in drafts_of_company(session, brn) if d.submitted_at is None]
    waiting = {s.startup_id for s in states if s.phase is Phase.APPLIED and _waiting(session, s.startup_id)}
    notices = list_notices(session, viewer.user.id, limit=5)
    return page(request, viewer, "my.html", states=states, drafts=drafts, company=company_of(session, brn),
                notices=notices, deadline_words=DEADLINE_WORDS, waiting=waiting, deadline_subject=deadline_subject)


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
    view = for_caller(await _live_state(temporal, session, startup_id), viewer.actor)
    release(session)
    return view


async def _workspace(request: Request, session: Session, temporal: Any, viewer: StartupViewer, startup_id: str,
                     errors: Errors | None = None, status: int = 200, notice: str | None = None,
                     settlement_form: SettlementForm | None = None) -> HTMLResponse:
    s = await _view(session, temporal, viewer, startup_id)
    brn, settings = viewer.user.brn or "", request.app.state.settings
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
                notices=notices, deadline_words=DEADLINE_WORDS, agreement_phases=AGREEMENT_PHASES,
                deadline_subject=deadline_subject)


@router.get("/portal/my/{startup_id}", response_class=HTMLResponse)
async def workspace(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                    viewer: StartupViewer, done: str = "") -> HTMLResponse:
    notice = {"milestone": "산출물을 제출했습니다 (Deliverable submitted).",
              "settlement": "정산 보고를 제출했습니다 (Settlement submitted)."}.get(done)
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
        return RedirectResponse(f"/portal/my/{startup_id}?done=milestone#milestone-{key}", 303)
    # Shown at the top of the page (announced), naming the milestone: its card has one form.
    errors = {"": [f"{key}: {message}" for messages in api_errors(refused).values() for message in messages]}
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
            return RedirectResponse(f"/portal/my/{startup_id}?done=settlement#settlement", 303)
        errors = settlement.row_errors(api_errors(refused))
        status = refused.status
    else:
        status = 422
    return await _workspace(request, session, temporal, viewer, startup_id, errors, status,
                            settlement_form=settlement)
