"""The evaluator's desk: the startups waiting for my score (the `score` work items of my inbox),
one scoring form per startup, and declaring a conflict of interest (이해충돌). A score goes
through `perform_action`, the API's own path, so the workflow's validator decides; a declaration
through the same service as `POST /evaluators/me/conflicts` (api/services/conflicts.py). A startup I declared a conflict
with keeps its page, but its form is closed and says why. In a program with an evaluator pool,
nothing of its applications is listed or shown until I am in the pool and signed its pledge
(api/pages/console/evaluator_pool.py); from a startup's form I may recuse myself (회피)."""

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.console.submitted_documents import submitted_documents
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, require_role
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import form_errors, refusal_text, role_refused
from api.services import conflicts as declarations
from api.services import evaluator_pool as pool
from api.services.actions import perform_action
from api.services.conflicts import ConflictIn, ConflictOut
from api.services.evaluator_pool import WithdrawalIn
from api.services.programs import program_choices
from api.services.startups import startup_row, startup_rows
from domain.phases import Action, Phase, Role
from domain.state import StartupState
from store.db import release
from store.work_items import inbox

router = APIRouter(prefix="/console/evaluations", include_in_schema=False)
LISTED = 200
ROUNDS = (("document", N_("서면평가")), ("presentation", N_("발표평가")))
Field = Annotated[str, Form(max_length=2000)]


def _conflicts(session: Session, evaluator_id: str) -> dict[str, ConflictOut]:
    return {declared.brn: declared for declared in declarations.conflicts_of(session, evaluator_id)}


def conflict_with(state: StartupState, conflicts: dict[str, ConflictOut]) -> ConflictOut | None:
    """My declared conflict with this startup or one of its SME partners (the rule the workflow applies)."""
    return next((conflicts[brn] for brn in (state.brn, *(p.brn for p in state.partners)) if brn in conflicts), None)


def _list_page(request: Request, viewer: Viewer, session: Session, status: int = 200,
               errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
               notice: str | None = None, program_id: str | None = None) -> Response:
    conflicts = _conflicts(session, viewer.user.id)
    # Every score item, those I declared a conflict with included: their row says the form is closed.
    # The final evaluations (최종평가) wait on evaluators too: listed here, taken on the action's form.
    items = [i for i in inbox(session, viewer.user.id, [Role.EVALUATOR.value], None, [], viewer.now, LISTED,
                              program_id or None) if i.kind in ("score", "evaluate_final")]
    # A program whose pool has not admitted me (not invited, or the pledge not signed): none of its
    # applications is listed; the pledges I am asked to sign are.
    hidden = pool.hidden_programs(session, viewer.user.id)
    items = [i for i in items if i.program_id not in hidden]
    waiting = pool.pledges_waiting(session, viewer.user.id)
    programs = program_choices(session)
    rows = startup_rows(session, [i.startup_id for i in items])
    release(session)
    listed = [{"item": i, "row": rows.get(i.startup_id), "conflict": conflicts.get(i.startup_id.rsplit(":", 1)[-1])}
              for i in items]
    return render(request, viewer, "console/evaluations.html", status, listed=listed, conflicts=list(conflicts.values()),
                  errors=errors or {}, values=values or {}, notice=notice, limit=LISTED, programs=programs,
                  program_id=program_id or "", pledges_waiting=waiting)


@router.get("")
async def evaluations(request: Request, viewer: PageViewer, session: SessionDep, scored: str | None = None,
                      declared: str | None = None, program_id: str | None = None,
                      pledged: str | None = None, recused: str | None = None) -> Response:
    if (refused := role_refused(request, viewer, Role.EVALUATOR)) is not None:
        return refused
    notice = (_("점수를 제출했습니다.") if scored else _("이해충돌을 신고했습니다.") if declared
              else _("서약서에 서명했습니다.") if pledged else _("평가를 회피했습니다.") if recused else None)
    return _list_page(request, viewer, session, notice=notice, program_id=program_id)


def _score_page(request: Request, viewer: Viewer, session: Session, startup_id: str, status: int = 200,
                errors: dict[str, list[str]] | None = None, values: dict[str, Any] | None = None) -> Response:
    row = startup_row(session, startup_id)
    if row is None:
        release(session)
        return _list_page(request, viewer, session, 404,
                          notice=_("없는 스타트업입니다: %(startup_id)s") % {"startup_id": startup_id})
    if (closed := pool.pool_refusal(session, row.program_id, viewer.user.id)) is not None:
        # Not one fact of the application before the pool admits me: the rule, and where to sign.
        member = pool.membership(session, row.program_id, viewer.user.id) is not None
        release(session)
        return render(request, viewer, "console/evaluation_closed.html", closed.status, reason=refusal_text(closed),
                      program_id=row.program_id, member=member)
    withdrawn = pool.withdrawal(session, startup_id, viewer.user.id)
    state = StartupState.model_validate(row.state)
    conflict = conflict_with(state, _conflicts(session, viewer.user.id))
    documents = submitted_documents(session, startup_id)
    release(session)
    mine = {s.round for s in state.scores if s.evaluator_id == viewer.user.id}
    rounds = [(value, _(name)) for value, name in ROUNDS if value not in mine]
    values = {"round": rounds[0][0] if rounds else "", "score": "", "reason": "",
              "request_key": secrets.token_urlsafe(16)} | (values or {})
    return render(request, viewer, "console/evaluation.html", status, state=state, conflict=conflict,
                  under_review=state.phase is Phase.UNDER_REVIEW, rounds=rounds, scored_rounds=sorted(mine),
                  round_names={value: _(name) for value, name in ROUNDS},
                  errors=errors or {}, values=values, documents=documents, withdrawn=withdrawn)


@router.get("/{startup_id}")
async def score_form(request: Request, viewer: PageViewer, session: SessionDep, startup_id: str) -> Response:
    if (refused := role_refused(request, viewer, Role.EVALUATOR)) is not None:
        return refused
    return _score_page(request, viewer, session, startup_id)


def _score_value(text: str) -> int | str:
    """A whole number typed in the form as the integer the action's body expects; anything else
    is passed on as typed, for the body's own validation to refuse by name."""
    return int(text) if re.fullmatch(r"\s*-?\d{1,6}\s*", text) else text


@router.post("/{startup_id}/score")
async def score(request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep, startup_id: str,
                csrf_token: Field = "", round_: Annotated[str, Form(alias="round", max_length=20)] = "",
                score: Field = "", reason: Field = "",
                request_key: Annotated[str, Form(max_length=64)] = "") -> Response:
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.EVALUATOR)
    body = {"round": round_, "score": _score_value(score), "reason": reason}
    try:
        await perform_action(startup_id, Action.SCORE, body, viewer.actor, session, temporal,
                             request.state.request_id, f"console-score:{request_key}" if request_key else None)
    except ApiError as err:
        values = {"round": round_, "score": score, "reason": reason, "request_key": secrets.token_urlsafe(16)}
        return _score_page(request, viewer, session, startup_id, err.status,
                           form_errors(err, {"round", "score", "reason"}), values)
    program_id = startup_id.split(":")[1] if startup_id.count(":") == 2 else ""
    return see_other(request, "evaluations", query={"scored": 1, "program_id": program_id})


def _problem(message: str) -> str:
    """A declaration's invalid field in the page's language: the registration number's two rules
    (domain/brn.py) in words of their own, anything else with the validator's message."""
    if "check digit" in message:
        return _("사업자등록번호의 검증 숫자가 맞지 않습니다. 번호를 다시 확인하세요.")
    if "10 digits" in message:
        return _("사업자등록번호는 10자리 숫자입니다 (예: 123-45-67890).")
    return _("입력 내용이 규칙에 맞지 않습니다: %(problem)s") % {"problem": message}


@router.post("/conflicts")
async def declare_conflict(request: Request, viewer: PageViewer, session: SessionDep, csrf_token: Field = "",
                           brn: Annotated[str, Form(max_length=20)] = "", reason: Field = "",
                           startup_id: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Declared from the list (any company) or from a startup's form (that company)."""
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.EVALUATOR)
    values = {"brn": brn, "reason": reason}
    try:
        declarations.declare(session, viewer.actor.id, ConflictIn(brn=brn, reason=reason))
    except ValidationError as err:
        errors: dict[str, list[str]] = {}
        for e in err.errors():
            field = str(e["loc"][0]) if e.get("loc") else ""
            errors.setdefault(field, []).append(_problem(e["msg"].removeprefix("Value error, ")))
        return _list_page(request, viewer, session, 422, errors, values)
    except ApiError as err:
        message = _("이미 이해충돌을 신고한 기업입니다.") if err.code == "conflict" else err.message
        return _list_page(request, viewer, session, err.status, {"brn": [message]}, values)
    if startup_id:
        return see_other(request, "score_form", startup_id=startup_id)
    return see_other(request, "evaluations", query={"declared": 1})


@router.post("/{startup_id}/recusal")
async def recuse_form(request: Request, viewer: PageViewer, session: SessionDep, startup_id: str, csrf_token: Field = "",
                 recusal_reason: Field = "") -> Response:
    """회피: I step back from this startup, with a reason; my score of it is refused from then on."""
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.EVALUATOR)
    try:
        pool.withdraw(session, startup_id, viewer.actor.id, "recused", WithdrawalIn(reason=recusal_reason).reason,
                      viewer.actor)
    except ValidationError:
        return _score_page(request, viewer, session, startup_id, 422,
                           {"recusal_reason": [_("회피 사유를 적어 주십시오.")]})
    except ApiError as err:
        return _score_page(request, viewer, session, startup_id, err.status, {"recusal_reason": [refusal_text(err)]})
    program_id = pool.program_of(startup_id)
    return see_other(request, "evaluations", query={"recused": 1, "program_id": program_id})
