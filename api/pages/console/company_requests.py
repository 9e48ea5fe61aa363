"""Company binding in the console: the requests a program officer approves or rejects (a person
who passed 진위확인 and 본인확인 for a company someone holds already, or that staff made
lifecycles for, or a representative change), and the binding record — every bind, invitation,
request, decision and refusal with who and when — that auditors read."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.i18n import N_, _
from api.pages.shared.common import PageViewer, check_csrf, render
from api.pages.shared.redirects import see_other
from api.pages.shared.rule_text import rule_text
from domain.brn import format_brn
from domain.phases import Role
from store.company_binding import DecisionRefused, decide, recent_events, waiting_requests

router = APIRouter(prefix="/console/companies", include_in_schema=False)
# The record's kinds and proofs in the page's words (its rules' words are RULE_WORDS', through rule_text).
KINDS = {"bound": N_("연결"), "invited": N_("초대"), "requested": N_("승인 요청"), "approved": N_("승인"),
         "rejected": N_("반려"), "refused": N_("거절"), "revoked": N_("연결 해제")}
PROOFS = {"verified": N_("진위확인 + 본인확인"), "invitation": N_("대표자의 초대"), "staff_approval": N_("담당자 승인")}


def words(table: dict[str, str], key: str) -> str:
    return _(table[key]) if key in table else key


def _page(request: Request, viewer: PageViewer, status: int = 200, errors: dict[str, list[str]] | None = None,
          decided: str = "") -> HTMLResponse:
    with Session(request.app.state.engine) as db:
        requests, events = waiting_requests(db), recent_events(db)
    return render(request, viewer, "console/companies.html", status, requests=requests, events=events,
                  may_decide=viewer.role is Role.PROGRAM_OFFICER, errors=errors or {}, decided=decided,
                  format_brn=format_brn, kinds=KINDS, proofs=PROOFS, words=words, rule_text=rule_text)


@router.get("", response_class=HTMLResponse)
async def companies(request: Request, viewer: PageViewer, decided: str = "") -> HTMLResponse:
    return _page(request, viewer, decided=decided[:16])


@router.post("/requests/{request_id}", response_class=HTMLResponse)
async def decide_request(request_id: int, request: Request, viewer: PageViewer,
                         csrf_token: Annotated[str, Form(max_length=128)] = "",
                         decision: Annotated[str, Form(max_length=16)] = "") -> Response:
    check_csrf(viewer, csrf_token)
    # Each request's form names its reason field after the request (one page, several forms).
    reason = str((await request.form()).get(f"reason-{request_id}", ""))[:500]
    if decision not in ("approve", "reject"):
        return _page(request, viewer, 422, {f"decision-{request_id}": [_("승인 또는 반려를 고르세요.")]})
    try:
        with Session(request.app.state.write_engine, expire_on_commit=False) as db:
            decide(db, request_id, approve=decision == "approve", officer_id=viewer.user.id, reason=reason,
                   at=viewer.now)
    except DecisionRefused as err:
        message = _("승인·반려 사유를 적으세요.") if err.field == "reason" else _("이미 처리되었거나 없는 요청입니다.")
        return _page(request, viewer, 422, {f"reason-{request_id}": [message]})
    return see_other(request, "companies", query={"decided": decision})
