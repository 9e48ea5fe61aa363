"""The finance desk: approvals waiting (tranches, settlements, clawback waivers) with bulk
approval, money that failed to move with its retry, and the reconciliation with the finance
system. Bulk approval is a loop of ordinary actions: each item is its own Update through
`perform_action`, so four eyes and every other rule are checked per item by the workflow, and the
result lists each item's outcome (a refusal with its rule)."""

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.i18n import _
from api.pages.console.finance_items import (
    APPROVALS,
    Approval,
    FailedMoney,
    approval_command,
    approval_of,
    failed_collections,
    failed_payments,
    parse_item_key,
)
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, require_role
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import form_errors, refusal_text, role_refused
from api.services import finance
from api.services.actions import perform_action
from api.services.programs import program_choices
from axflow.reconcile import FinanceUnreachable, differences
from domain.phases import Action, Role
from domain.rules import ACTION_RULES
from domain.text import SINGLE_LINE
from store.db import release
from store.people import people_names
from store.user_tables import WorkItem

router = APIRouter(prefix="/console/finance", include_in_schema=False)
VIEWERS = (Role.FINANCE_OFFICER, Role.PROGRAM_OFFICER, Role.AUDITOR)
LISTED = 200
COLLECTING_PHASES = ("settlement", "withdrawn", "terminated")
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=100), SINGLE_LINE]


@dataclass(frozen=True)
class Outcome:
    approval: Approval | None
    label: str
    accepted: bool
    text: str


def _work(session: Session, audience: Role, kinds: tuple[str, ...], program_id: str | None) -> list[WorkItem]:
    return finance.desk_work(session, audience, kinds, program_id, LISTED)


def _approvals(session: Session, program_id: str | None) -> list[Approval]:
    """Every approval waiting, own requests included: the workflow, not this page, refuses those."""
    waiting = _work(session, Role.FINANCE_OFFICER, tuple(APPROVALS), program_id)
    states = finance.projected_states(session, {w.startup_id for w in waiting})
    return [approval_of(states[w.startup_id], w.kind, w.subject) for w in waiting if w.startup_id in states]


def _desk(session: Session, program_id: str | None) -> dict[str, Any]:
    """The approvals waiting and every failed payment and collection, from the read model."""
    approvals = _approvals(session, program_id)
    fixes = _work(session, Role.PROGRAM_OFFICER, ("fix_payment",), program_id)
    states = finance.projected_states(session, {w.startup_id for w in fixes})
    failed: list[FailedMoney] = [f for startup_id in states for f in failed_payments(states[startup_id])]
    for startup_id, company, program, collections in finance.stored_collections(session, COLLECTING_PHASES,
                                                                                 program_id):
        failed += failed_collections(startup_id, company, program, collections)
    askers = {a.asked_by for a in approvals if a.asked_by}
    names = people_names(session, askers)
    programs = program_choices(session)
    return {"approvals": approvals, "failed": failed, "names": names, "programs": programs}


def _page(request: Request, viewer: Viewer, session: Session, program_id: str | None, status: int = 200,
          **context: Any) -> Response:
    desk = _desk(session, program_id)
    release(session)
    context = {"errors": {}, "row_errors": {}, "row_values": {}, "outcomes": None, "reconciliation": None,
               "notice": None} | context
    return render(request, viewer, "console/finance.html", status, program_id=program_id or "",
                  batch=secrets.token_urlsafe(12), may_approve=viewer.role is Role.FINANCE_OFFICER,
                  may_retry_payment=viewer.role in _roles(Action.REQUEST_DISBURSEMENT),
                  may_retry_collection=viewer.role in _roles(Action.RETRY_COLLECTION),
                  **desk, **context)


def _roles(action: Action) -> frozenset[Role]:
    return ACTION_RULES[action].roles


def unreachable_text(finance_url: str, unreachable: FinanceUnreachable) -> str:
    """Why nothing could be compared, in the page's language (what the finance system answered)."""
    cause = unreachable.__cause__
    reason = f"HTTP {cause.response.status_code}" if isinstance(cause, httpx.HTTPStatusError) \
        else type(cause).__name__ if cause is not None else "—"
    return _("재무 시스템(%(url)s)이 응답하지 않아 대사를 하지 못했습니다 (%(reason)s). "
             "AXFLOW_FINANCE_URL 설정을 확인하세요.") % {"url": finance_url, "reason": reason}


@router.get("")
async def finance_desk(request: Request, viewer: PageViewer, session: SessionDep, settings: SettingsDep,
                       program_id: str | None = None, reconcile: str | None = None, retried: str | None = None
                       ) -> Response:
    if (refused := role_refused(request, viewer, *VIEWERS)) is not None:
        return refused
    reconciliation: dict[str, Any] | None = None
    if reconcile:
        try:
            found = await run_in_threadpool(differences, request.app.state.engine, settings.finance_url,
                                            program_id or None)
            reconciliation = {"differences": found, "error": None, "at": viewer.now}
        except FinanceUnreachable as unreachable:
            reconciliation = {"differences": [], "error": unreachable_text(settings.finance_url, unreachable),
                              "at": viewer.now}
    notice = _("다시 요청했습니다.") if retried else None
    return _page(request, viewer, session, program_id, reconciliation=reconciliation, notice=notice)


@router.post("/approve")
async def approve_selected(request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep,
                           csrf_token: Short = "", item: Annotated[list[str], Form()] = [],  # noqa: B006
                           reason: Text = "", batch: Short = "", program_id: Short = "") -> Response:
    """Each selected item is approved on its own, in order; one refusal stops nothing else."""
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.FINANCE_OFFICER)
    if not item:
        return _page(request, viewer, session, program_id, 422,
                     errors={"item": [_("승인할 항목을 하나 이상 고르세요.")]})
    waiting = {a.key: a for a in _approvals(session, None)}
    release(session)
    outcomes = []
    for key in dict.fromkeys(item):
        parsed = parse_item_key(key)
        approval = waiting.get(key)
        label = f"{approval.company_name} · {approval.detail or approval.kind}" if approval else key
        if parsed is None:
            outcomes.append(Outcome(None, key, False, _("승인할 수 있는 항목이 아닙니다.")))
            continue
        startup_id, kind, subject = parsed
        action, body = approval_command(kind, subject, reason)
        # The batch and the item make the key: the same form sent twice answers the first result.
        idempotency = f"console-bulk:{batch}:{kind}:{subject}" if batch else None
        try:
            await perform_action(startup_id, action, body, viewer.actor, session, temporal,
                                 request.state.request_id, idempotency)
            outcomes.append(Outcome(approval, label, True, _("승인되었습니다.")))
        except ApiError as err:
            outcomes.append(Outcome(approval, label, False, refusal_text(err)))
    return _page(request, viewer, session, program_id, outcomes=outcomes)


@router.post("/retry-payment")
async def retry_payment(request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep,
                        csrf_token: Short = "", startup_id: Short = "", tranche: Short = "",
                        account: Short = "", reason: Text = "", program_id: Short = "") -> Response:
    """A refused payment asked for again, to the corrected account (a program officer's request,
    approved again by a finance officer)."""
    check_csrf(viewer, csrf_token)
    require_role(viewer, *VIEWERS)
    body = {"tranche": tranche, "reason": reason} | ({"account": account.strip()} if account.strip() else {})
    try:
        await perform_action(startup_id, Action.REQUEST_DISBURSEMENT, body, viewer.actor, session, temporal,
                             request.state.request_id)
    except ApiError as err:
        row_errors = {f"{startup_id}|{tranche}": form_errors(err, {"account", "reason"})}
        return _page(request, viewer, session, program_id, err.status, row_errors=row_errors,
                     row_values={f"{startup_id}|{tranche}": {"account": account, "reason": reason}})
    return see_other(request, "finance_desk", query={"retried": 1, "program_id": program_id})


@router.post("/retry-collection")
async def retry_collection(request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep,
                           csrf_token: Short = "", startup_id: Short = "", kind: Short = "", reason: Text = "",
                           program_id: Short = "") -> Response:
    check_csrf(viewer, csrf_token)
    require_role(viewer, *VIEWERS)
    try:
        await perform_action(startup_id, Action.RETRY_COLLECTION, {"kind": kind, "reason": reason}, viewer.actor,
                             session, temporal, request.state.request_id)
    except ApiError as err:
        return _page(request, viewer, session, program_id, err.status,
                     row_errors={f"{startup_id}|{kind}": form_errors(err, {"reason"})})
    return see_other(request, "finance_desk", query={"retried": 1, "program_id": program_id})
