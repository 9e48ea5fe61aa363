"""A program's call in the console, `/console/programs/{id}/call`: the window, the applicants with
their scores and ranks, the waitlist and the slots; and the program officer's two program-level
acts as forms: finalizing the selection (선정 확정) and offering a free slot to the next waitlisted
startup (예비 후보에게 자리 제안). Each form calls the service the API's route calls
(api/services/programs.py: `POST /programs/{id}/selection`, `POST /programs/{id}/slots/offer`), so
the ProgramCall's validator decides and a refusal is recorded as the API's is."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.console.evaluator_pool import closed_to_evaluator
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, require_role
from api.pages.shared.formatting import kst_datetime
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import form_errors, role_refused
from api.schemas import SelectionRequest
from api.services import programs
from domain.phases import Phase, Role
from domain.program import ProgramDefinition
from store.db import release
from store.people import people_names
from workflows.program_call import Applicant, CallState

router = APIRouter(prefix="/console/programs", include_in_schema=False)
READERS = (Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR, Role.AUDITOR)
Text = Annotated[str, Form(max_length=2000)]
FIELD_LABELS = {"reason": N_("사유"), "brn": N_("예비 후보")}  # shown as _(label)


@dataclass(frozen=True)
class Slots:
    """How the program's slots stand after the selection: held, free, and who waits for one."""
    total: int
    held: int
    waitlist: list[Applicant]

    @property
    def free(self) -> int:
        return max(self.total - self.held, 0)


def ranked(call: CallState) -> list[Applicant]:
    """Applicants by rank once ranked, before that by average score (unscored last), then arrival."""
    return sorted(call.applicants.values(),
                  key=lambda a: (a.rank is None, a.rank or 0, a.average_score is None, -(a.average_score or 0),
                                 a.applied_at))


def finalize_blockers(call: CallState, program: ProgramDefinition, now: datetime) -> list[str]:
    """Why the selection cannot be finalized yet, in the page's words: the call's own rules
    (ProgramCall._v_finalize) read from its state, so the button says why beside it instead of
    being offered as if it could work. Empty when it can."""
    if call.finalized_at is not None:
        return []
    why = []
    closes = program.application_closes_at
    if call.window != "closed" and (closes is None or now < closes):
        why.append(_("접수가 마감된 뒤에 선정을 확정할 수 있습니다.") + " "
                   + _("마감: %(at)s") % {"at": kst_datetime(closes)})
    pending = sum(1 for a in call.applicants.values() if a.phase is Phase.APPLIED)
    if pending:
        why.append(_("자격 검토가 끝나지 않은 신청: %(num)s곳") % {"num": pending})
    unscored = sum(1 for a in call.applicants.values()
                   if a.phase is Phase.UNDER_REVIEW and a.score_count < program.evaluators_required)
    if unscored:
        why.append(_("평가 점수가 모자란 신청: %(num)s곳 (기업마다 평가위원 %(needed)s명)")
                   % {"num": unscored, "needed": program.evaluators_required})
    return why


def slots_of(call: CallState, program: ProgramDefinition) -> Slots:
    return Slots(total=program.slots, held=len(call.holding_slots),
                 waitlist=[call.applicants[brn] for brn in call.waitlist if brn in call.applicants])


def reoffers_of(call: CallState, people: dict[str, str]) -> list[dict[str, Any]]:
    """The slots offered again, newest first: the company's and the officer's names (`people`: user
    id → name), the instant as a datetime."""
    return [{"at": datetime.fromisoformat(r["at"]), "reason": r.get("reason", ""),
             "by": people.get(r.get("offered_by", ""), r.get("offered_by", "")),
             "company": call.applicants[r["offered_to"]].company_name if r["offered_to"] in call.applicants
             else r["offered_to"]} for r in reversed(call.reoffers)]


async def _call_state(temporal: Any, program_id: str) -> CallState:
    try:
        return await programs.call_state(temporal, program_id)
    except (RPCError, WorkflowQueryFailedError) as err:
        raise ApiError("unavailable", _("공고 상태를 지금 읽을 수 없습니다. 잠시 뒤 다시 시도하세요. (%(error)s)")
                       % {"error": err}, None, 503) from None


async def _page(request: Request, viewer: Viewer, session: Session, temporal: Any, program_id: str,
                status: int = 200, errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
                notice: str | None = None) -> Response:
    row = programs.program_row(session, program_id)
    # Each applicant's phase as the read model has it now (the call hears of phases only until
    # the selection, so its own copy stops at "under review").
    phases = programs.applicant_phases(session, program_id)
    release(session)
    if row is None:
        err = ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id})
        return render(request, viewer, "console/error.html", status=err.status, error=err)
    program = ProgramDefinition.model_validate(row.definition)
    call = None
    if program.application_closes_at is not None:
        try:
            call = await _call_state(temporal, program_id)
        except ApiError as err:
            return render(request, viewer, "console/error.html", status=err.status, error=err)
    officers = sorted({r["offered_by"] for r in call.reoffers if r.get("offered_by")}) if call else []
    people = people_names(session, officers)
    release(session)
    return render(request, viewer, "console/program_call.html", status, program=program, call=call,
                  applicants=ranked(call) if call else [], slots=slots_of(call, program) if call else None,
                  blockers=finalize_blockers(call, program, viewer.now) if call else [],
                  reoffers=reoffers_of(call, people) if call else [], phases=phases,
                  may_act=viewer.role is Role.PROGRAM_OFFICER, errors=errors or {}, values=values or {},
                  labels={name: _(label) for name, label in FIELD_LABELS.items()}, notice=notice)


@router.get("/{program_id}/call")
async def call_page(program_id: str, request: Request, viewer: PageViewer, session: SessionDep,
                    temporal: TemporalDep, selected: int | None = None, waitlisted: int | None = None,
                    rejected: int | None = None, offered: str | None = None, created: str | None = None) -> Response:
    if (refused := role_refused(request, viewer, *READERS)) is not None:
        return refused
    if (closed := closed_to_evaluator(request, viewer, session, program_id)) is not None:
        return closed  # an evaluator the program's pool has not admitted sees none of its applicants
    notice = None
    if created:
        notice = _("공고를 만들었습니다. 접수 기간에 스타트업이 공개 공고 페이지에서 신청합니다.")
    elif selected is not None:
        notice = _("선정을 확정했습니다: 선정 %(selected)s곳, 예비 후보 %(waitlisted)s곳, 탈락 %(rejected)s곳.") % {
            "selected": selected, "waitlisted": waitlisted or 0, "rejected": rejected or 0}
    elif offered:
        notice = _("예비 후보에게 자리를 제안했습니다: %(company)s.") % {"company": offered}
    return await _page(request, viewer, session, temporal, program_id, notice=notice)


@router.post("/{program_id}/selection")
async def finalize(program_id: str, request: Request, viewer: PageViewer, session: SessionDep,
                   temporal: TemporalDep, csrf_token: Text = "", reason: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.PROGRAM_OFFICER)
    try:
        result = await programs.finalize_selection(program_id, SelectionRequest(reason=reason.strip()),
                                                   request.state.request_id, session, temporal, viewer.actor)
    except ApiError as err:
        return await _page(request, viewer, session, temporal, program_id, err.status,
                           form_errors(err, {"reason"}), {"reason": reason})
    counts = {"selected": len(result.selected), "waitlisted": len(result.waitlisted),
              "rejected": len(result.rejected)}
    return see_other(request, "call_page", program_id=program_id, query=counts, fragment="selection")


@router.post("/{program_id}/slots/offer")
async def offer(program_id: str, request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep,
                csrf_token: Text = "", brn: Text = "", reason: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.PROGRAM_OFFICER)
    values = {"brn": brn, "reason": reason}
    try:
        body = programs.OfferSlotRequest(brn=brn, reason=reason)
    except ValidationError as bad:
        errors = {str(e["loc"][0]) if e["loc"] else "": [str(e["msg"]).removeprefix("Value error, ")]
                  for e in bad.errors()}
        return await _page(request, viewer, session, temporal, program_id, 422, errors, values)
    try:
        call = await programs.offer_slot(program_id, body, request.state.request_id, session, temporal, viewer.actor)
    except ApiError as err:
        return await _page(request, viewer, session, temporal, program_id, err.status,
                           form_errors(err, {"brn", "reason"}), values)
    offered_to = call.applicants.get(body.brn)
    name = offered_to.company_name if offered_to else body.brn
    return see_other(request, "call_page", program_id=program_id, query={"offered": name}, fragment="slots")
