"""The evaluator pool's pages (평가위원 풀): the program officer's (and admin's) table of the pool
with each evaluator's pledge, load and calibration, where they invite evaluators, spread or assign
panels and exclude (제척) an evaluator from a startup; and the evaluator's pledge (서약서), read and
signed here before any application of the program is shown. Everything goes through the services
the API routes use (api/services/evaluator_pool.py, api/services/evaluator_assignment.py)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep
from api.errors import ApiError
from api.i18n import N_, _, current_language
from api.pages.console.calibration_chart import calibration_chart
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import form_errors, refusal_text
from api.services import evaluator_assignment as assignments
from api.services import evaluator_pool as pool
from api.services.evaluator_assignment import AssignIn, SpreadIn
from api.services.evaluator_notices import tell_assigned, tell_evaluator
from api.services.evaluator_pool import ExclusionIn, InviteIn, PledgeIn
from api.services.programs import known_program
from domain.phases import Role
from store.db import release

router = APIRouter(prefix="/console/programs/{program_id}", include_in_schema=False)
Field = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=200)]
NOTICES = {"invited": N_("평가위원을 풀에 초대했습니다."), "spread": N_("평가위원을 고르게 배정했습니다."),
           "assigned": N_("평가위원을 배정했습니다."), "excluded": N_("평가위원을 제척했습니다.")}


def _errors_of(err: ValidationError | ApiError, fields: set[str]) -> dict[str, list[str]]:
    if isinstance(err, ApiError):
        return form_errors(err, fields)
    found: dict[str, list[str]] = {}
    for e in err.errors():
        field = str(e["loc"][0]) if e.get("loc") else ""
        found.setdefault(field if field in fields else "", []).append(
            _("입력 내용이 규칙에 맞지 않습니다: %(problem)s") % {"problem": e["msg"]})
    return found


def _officer_page(request: Request, viewer: Viewer, session: Session, program_id: str, status: int = 200,
                  errors: dict[str, list[str]] | None = None, notice: str | None = None) -> Response:
    try:
        program = known_program(session, program_id)
    except ApiError as err:
        release(session)
        return render(request, viewer, "console/error.html", status=err.status, error=err)
    names = {m.evaluator_id: m.name for m in pool.members(session, program_id)}
    startups = assignments.awaiting(session, program_id)
    table = assignments.panel_table(session, program_id)
    context = {"program": program, "table": table, "calibration": calibration_chart(table) if table else None,
               "invitable": pool.invitable(session, program_id), "startups": startups,
               "panels": assignments.assigned(session, program_id), "names": names,
               "company": dict(startups), "withdrawals": pool.withdrawals(session, program_id)}
    release(session)
    return render(request, viewer, "console/evaluator_pool.html", status, errors=errors or {}, notice=notice,
                  **context)


@router.get("/evaluators")
async def pool_page(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                         done: str | None = None) -> Response:
    notice = _(NOTICES[done]) if done in NOTICES else None
    return _officer_page(request, viewer, session, program_id, notice=notice)


def _done(request: Request, program_id: str, what: str) -> Response:
    return see_other(request, "pool_page", query={"done": what}, program_id=program_id)


@router.post("/evaluators")
async def invite_to_pool(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                 csrf_token: Field = "", user_id: Short = "") -> Response:
    check_csrf(viewer, csrf_token)
    try:
        pool.invite(session, program_id, InviteIn(user_id=user_id), viewer.actor)
    except (ValidationError, ApiError) as err:
        return _officer_page(request, viewer, session, program_id, 422 if isinstance(err, ValidationError)
                             else err.status, _errors_of(err, {"user_id"}))
    await tell_evaluator(request.app.state.settings, session, user_id, "invited", program_id)
    return _done(request, program_id, "invited")


@router.post("/evaluators/spread")
async def spread_panels(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                 csrf_token: Field = "", per_startup: Short = "") -> Response:
    check_csrf(viewer, csrf_token)
    try:
        count = int(per_startup) if per_startup.strip().isdigit() else per_startup
        panels = assignments.spread_program(session, program_id, SpreadIn.model_validate({"per_startup": count}),
                                            viewer.actor)
    except (ValidationError, ApiError) as err:
        return _officer_page(request, viewer, session, program_id, 422 if isinstance(err, ValidationError)
                             else err.status, _errors_of(err, {"per_startup"}))
    await tell_assigned(request.app.state.settings, session, program_id, {}, panels)
    return _done(request, program_id, "spread")


@router.post("/evaluators/assign")
async def assign_panel(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                 csrf_token: Field = "", startup_id: Short = "",
                 evaluator_ids: Annotated[list[str] | None, Form(max_length=20)] = None) -> Response:
    check_csrf(viewer, csrf_token)
    try:
        if pool.program_of(startup_id) != program_id:
            raise ApiError("validation_error", _("이 사업의 스타트업을 고르십시오."),
                           [{"field": "startup_id", "rule": "known_startup", "message": _("이 사업의 스타트업을 고르십시오.")}])
        before = {startup_id: pool.panel_of(session, startup_id)}
        panel = assignments.assign(session, startup_id, AssignIn(evaluator_ids=evaluator_ids or []), viewer.actor)
    except (ValidationError, ApiError) as err:
        return _officer_page(request, viewer, session, program_id, 422 if isinstance(err, ValidationError)
                             else err.status, _errors_of(err, {"startup_id", "evaluator_ids"}))
    await tell_assigned(request.app.state.settings, session, program_id, before, {startup_id: panel})
    return _done(request, program_id, "assigned")


@router.post("/evaluators/exclude")
async def exclude_evaluator(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                  csrf_token: Field = "", startup_id: Short = "", evaluator_id: Short = "",
                  reason: Field = "") -> Response:
    check_csrf(viewer, csrf_token)
    try:
        if pool.program_of(startup_id) != program_id:
            raise ApiError("validation_error", _("이 사업의 스타트업을 고르십시오."),
                           [{"field": "startup_id", "rule": "known_startup", "message": _("이 사업의 스타트업을 고르십시오.")}])
        body = ExclusionIn(evaluator_id=evaluator_id, reason=reason)
        pool.withdraw(session, startup_id, body.evaluator_id, "excluded", body.reason, viewer.actor)
    except (ValidationError, ApiError) as err:
        return _officer_page(request, viewer, session, program_id, 422 if isinstance(err, ValidationError)
                             else err.status, _errors_of(err, {"startup_id", "evaluator_id", "reason"}))
    await tell_evaluator(request.app.state.settings, session, body.evaluator_id, "excluded", program_id, startup_id,
                         body.reason)
    return _done(request, program_id, "excluded")


def closed_to_evaluator(request: Request, viewer: Viewer, session: Session, program_id: str) -> Response | None:
    """For an evaluator whom the program's pool has not admitted (not invited, or the pledge not
    signed): the page saying so, naming the rule, instead of a page that shows its applicants (the
    program's dashboard and call); None for everyone else."""
    if viewer.role is not Role.EVALUATOR or (refused := pool.pool_refusal(session, program_id, viewer.user.id)) is None:
        return None
    member = pool.membership(session, program_id, viewer.user.id) is not None
    release(session)
    return render(request, viewer, "console/evaluation_closed.html", refused.status, reason=refusal_text(refused),
                  program_id=program_id, member=member)


# ---- the evaluator's pledge (서약서)

def _pledge_page(request: Request, viewer: Viewer, session: Session, program_id: str, status: int = 200,
                 errors: dict[str, list[str]] | None = None, name: str = "") -> Response:
    try:
        program = known_program(session, program_id)
        found = pool.pledge(session, program_id, viewer.actor)
    except ApiError as err:
        release(session)
        return render(request, viewer, "console/error.html", status=err.status, error=err)
    release(session)
    language = "en" if current_language() == "en" else "ko"
    return render(request, viewer, "console/evaluator_pledge.html", status, program=program, pledge=found,
                  language=language, text=found.texts[language], sha256=found.sha256[language],
                  errors=errors or {}, typed_name=name)


@router.get("/pledge")
async def pledge_form(request: Request, viewer: PageViewer, session: SessionDep, program_id: str) -> Response:
    return _pledge_page(request, viewer, session, program_id)


@router.post("/pledge")
async def sign_pledge_form(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                      csrf_token: Field = "", accept: Short = "", name: Short = "", language: Short = "ko",
                      sha256: Short = "") -> Response:
    check_csrf(viewer, csrf_token)
    try:
        body = PledgeIn.model_validate({"accept": accept == "true", "name": name, "language": language,
                                        "sha256": sha256})
        pool.sign_pledge(session, program_id, body, viewer.actor)
    except (ValidationError, ApiError) as err:
        return _pledge_page(request, viewer, session, program_id,
                            422 if isinstance(err, ValidationError) else err.status,
                            _errors_of(err, {"accept", "name", "sha256"}), name)
    return see_other(request, "evaluations", query={"program_id": program_id, "pledged": 1})
