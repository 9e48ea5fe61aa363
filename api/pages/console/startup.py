"""A startup's page in the console, `/console/startups/{id}`: the summary (phase, next deadline,
money, milestones and their documents, partners, scores the viewer may see), the readable
timeline (refused attempts for auditors) and the viewer's allowed actions, each a form that goes
through `perform_action`, the API's own path. The page follows changes by itself: a small script
(api/static/startup-live.js) asks `/version` and swaps in `/live` when the row moved on."""

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlmodel import Session
from temporalio.client import WorkflowHistory
from temporalio.service import RPCError

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import _
from api.pages.console import action_forms
from api.pages.console.documents import UPLOAD_KINDS
from api.pages.console.submitted_documents import submitted_documents
from api.pages.shared.common import PageViewer, PollViewer, Viewer, check_csrf, render
from api.pages.shared.document_words import KIND_WORDS
from api.pages.shared.form_errors import FormErrors, errors_from
from api.pages.shared.formatting import won
from api.pages.shared.redirects import see_other
from api.schemas import History, StartupPublic
from api.scope import check_scope
from api.services.actions import perform_action
from api.services.conflicts import declared_conflicts
from api.services.evaluator_pool import program_of, require_cleared
from api.services.programs import program_choices
from api.services.startups import for_caller, live_state, readable_history, startup_row
from axflow import history as trail
from domain.phases import NEXT_STAGE, Action, Role
from domain.state import StartupState
from store.db import release
from store.documents import documents_of
from store.people import people_names

router = APIRouter(prefix="/console/startups", include_in_schema=False)
# Actions that cannot be undone: set apart on the page and confirmed on a second page.
IRREVERSIBLE = frozenset({Action.TERMINATE})
# Actions that judge what the startup submitted: their forms show it, one click from each file.
JUDGING = frozenset({Action.SCORE, Action.REVIEW_MILESTONE, Action.FINAL_EVALUATION, Action.APPROVE_SETTLEMENT})


def _not_staff(request: Request, viewer: Viewer) -> Response | None:
    return see_other(request, "my_page") if viewer.role is Role.STARTUP else None


def _problem(request: Request, viewer: Viewer, err: ApiError) -> HTMLResponse:
    return render(request, viewer, "console/error.html", status=err.status, error=err)


async def _view(viewer: Viewer, db: Session, temporal: Any, startup_id: str) -> StartupPublic:
    check_scope(startup_id, viewer.actor)
    require_cleared(db, program_of(startup_id), viewer.actor)  # an evaluator: the pool and the pledge first
    conflicts = declared_conflicts(db, viewer.actor.id)  # their actions are not offered
    return for_caller(await live_state(temporal, db, startup_id), viewer.actor, conflicts)


async def _histories(temporal: Any, startup_id: str) -> list[WorkflowHistory] | None:
    try:
        return await trail.run_histories(temporal, startup_id)
    except RPCError:  # the workflow's history is gone (retention): the page still shows the state
        return None


async def _timeline(viewer: Viewer, db: Session, temporal: Any, state: StartupState,
                    histories: list[WorkflowHistory] | None) -> History | None:
    if histories is None:
        return None
    try:
        timeline = await readable_history(temporal, db, state, histories)
    except ApiError:  # a linked stage is gone: the page still shows the state
        return None
    if viewer.role is not Role.AUDITOR:
        timeline.refused = []
    return timeline


async def _live_context(viewer: Viewer, db: Session, temporal: Any, startup_id: str) -> dict[str, Any]:
    check_scope(startup_id, viewer.actor)  # before asking anything
    require_cleared(db, program_of(startup_id), viewer.actor)  # an evaluator: the pool and the pledge first
    # The live state and the trail are asked of Temporal at once, each once: the trail's links to
    # other stages come from this same state.
    state, histories = await asyncio.gather(live_state(temporal, db, startup_id), _histories(temporal, startup_id))
    view = for_caller(state, viewer.actor, declared_conflicts(db, viewer.actor.id))
    timeline = await _timeline(viewer, db, temporal, state, histories)
    row = startup_row(db, startup_id)
    # The scores name their evaluators by id: people read names (the timeline shows them too).
    # ... and so do the refused attempts auditors see (their ids beside, for matching).
    scorers = people_names(db, {sc.evaluator_id for sc in view.scores}
                           | {r.actor for r in (timeline.refused if timeline else [])})
    documents = submitted_documents(db, startup_id)
    release(db)
    return {"s": view, "timeline": timeline, "version": row.version if row else view.version,
            "submitted": documents,
            "actions": [Action(a) for a in view.allowed_actions if Action(a) not in IRREVERSIBLE],
            "irreversible": [Action(a) for a in view.allowed_actions if Action(a) in IRREVERSIBLE], "scorers": scorers,
            "choice_labels": action_forms.choice_labels()}


@router.get("/{startup_id}")
async def startup_page(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                       temporal: TemporalDep, done: str | None = None) -> Response:
    if (elsewhere := _not_staff(request, viewer)) is not None:
        return elsewhere
    try:
        context = await _live_context(viewer, db, temporal, startup_id)
    except ApiError as err:
        return _problem(request, viewer, err)
    done_action = next((a for a in Action if a.value == done), None)
    return render(request, viewer, "console/startup.html", done=done_action, **context)


@router.get("/{startup_id}/live")
async def startup_live(startup_id: str, request: Request, viewer: PollViewer, db: SessionDep,
                       temporal: TemporalDep) -> Response:
    """The page's changing part alone, for the script that follows changes."""
    if viewer.role is Role.STARTUP:
        return Response(status_code=404)
    try:
        context = await _live_context(viewer, db, temporal, startup_id)
    except ApiError as err:
        return Response(err.message, status_code=err.status)
    return render(request, viewer, "console/startup_live.html", **context)


@router.get("/{startup_id}/version")
async def startup_version(startup_id: str, viewer: PollViewer, db: SessionDep) -> Response:
    """A cheap question asked every few seconds: has the read model's row moved on?"""
    check_scope(startup_id, viewer.actor)
    row = startup_row(db, startup_id) if viewer.role is not Role.STARTUP else None
    release(db)
    if row is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"version": row.version, "phase": row.phase}, headers={"cache-control": "no-store"})


def _action(name: str) -> Action:
    found = next((a for a in Action if a.value == name), None)
    if found is None:
        raise ApiError("not_found", _("알 수 없는 작업입니다: %(name)s") % {"name": name})
    return found


def _form_page(request: Request, viewer: Viewer, db: Session, state: StartupState, allowed: list[str],
               action: Action, values: dict[str, Any], errors: FormErrors | None = None,
               status: int = 200) -> HTMLResponse:
    documents = documents_of(db, state.startup_id)
    submitted = submitted_documents(db, state.startup_id) if action in JUDGING else []
    next_stage = NEXT_STAGE.get(state.stage) if action is Action.PROMOTE else None
    programs = program_choices(db, stage=next_stage.value) if next_stage else []
    release(db)
    fields = action_forms.with_program_choices(action_forms.fields_for(action, state), list(programs))
    labels = action_forms.field_labels(action, state)
    return render(request, viewer, "console/action_form.html", status=status, s=state, action=action,
                  allowed=action.value in allowed, fields=fields, values=values,
                  errors=errors.by_field if errors else {}, labels=labels, documents=documents,
                  submitted=submitted, choice_labels=action_forms.choice_labels(),
                  document_kinds={kind.value: _(words) for kind, words in KIND_WORDS.items()},
                  model_fields=set(action_forms.ACTION_BODIES[action].model_fields),
                  partner_rows=range(action_forms.PARTNER_ROWS), line_rows=range(action_forms.LINE_ROWS),
                  region_options=action_forms.region_choices(),
                  form_key=uuid.uuid4().hex,
                  upload_kinds=[(kind.value, _(KIND_WORDS[kind])) for kind in UPLOAD_KINDS.get(action, ())],
                  milestone_choices=[(m.key, m.title) for m in state.milestones])


@router.get("/{startup_id}/actions/{action_name}")
async def action_form(startup_id: str, action_name: str, request: Request, viewer: PageViewer, db: SessionDep,
                      temporal: TemporalDep) -> Response:
    if (elsewhere := _not_staff(request, viewer)) is not None:
        return elsewhere
    try:
        action = _action(action_name)
        view = await _view(viewer, db, temporal, startup_id)
    except ApiError as err:
        return _problem(request, viewer, err)
    # Links may prefill a field (e.g. ?tranche=advance from the inbox or the finance desk).
    values = {k: v for k, v in request.query_params.items() if k in action_forms.LABELS}
    return _form_page(request, viewer, db, view, view.allowed_actions, action, values)


@router.post("/{startup_id}/actions/{action_name}")
async def action_submit(startup_id: str, action_name: str, request: Request, viewer: PageViewer, db: SessionDep,
                        temporal: TemporalDep) -> Response:
    if (elsewhere := _not_staff(request, viewer)) is not None:
        return elsewhere
    form = await request.form()
    check_csrf(viewer, str(form.get("csrf_token") or ""))
    fields = {key: [str(v) for v in form.getlist(key)] for key in form.keys() if key not in ("csrf_token", "form_key")}
    try:
        action = _action(action_name)
    except ApiError as err:
        return _problem(request, viewer, err)
    body, remap = action_forms.body_from_form(action, fields)
    form_key = str(form.get("form_key") or "")[:64] or None
    if action in IRREVERSIBLE and fields.get("confirmed") != ["yes"] and _valid(action, body):
        return await _confirm_page(request, viewer, db, temporal, startup_id, action, body, form)
    try:
        await perform_action(startup_id, action, body, viewer.actor, db, temporal, request.state.request_id,
                             idempotency_key=f"console-{form_key}" if form_key else None,
                             settings=request.app.state.settings)
    except ApiError as err:
        try:
            view = await _view(viewer, db, temporal, startup_id)
        except ApiError as missing:
            return _problem(request, viewer, missing)
        errors = errors_from(err.code, err.message, err.details,
                                          action_forms.form_names(action, view), remap)
        values = {k: v[0] if len(v) == 1 else v for k, v in fields.items()}
        return _form_page(request, viewer, db, view, view.allowed_actions, action, values, errors, err.status)
    return see_other(request, "startup_page", startup_id=startup_id, query={"done": action.value}, fragment="summary")


def _valid(action: Action, body: dict[str, Any]) -> bool:
    """Whether the body reads as the action's (else the API's refusal names what is wrong, at once)."""
    try:
        action_forms.ACTION_BODIES[action].model_validate(body)
    except ValidationError:
        return False
    return True


async def _confirm_page(request: Request, viewer: Viewer, db: Session, temporal: Any, startup_id: str,
                        action: Action, body: dict[str, Any], form: Any) -> Response:
    """The second page of an irreversible action: what it will do, in the page's words, and the
    button that does it with the first page's values carried along."""
    try:
        view = await _view(viewer, db, temporal, startup_id)
    except ApiError as err:
        return _problem(request, viewer, err)
    release(db)
    clawback = body.get("clawback_amount")
    consequences = [
        _("%(company)s의 협약을 해지합니다. 사유: %(cause)s") % {
            "company": view.company_name, "cause": action_forms.choice_labels().get(body["cause"], body["cause"])},
        _("지급한 사업비 %(paid)s 가운데 %(amount)s을 환수합니다.") % {
            "paid": won(view.paid_total), "amount": won(view.paid_total if clawback is None else clawback)},
    ]
    if body.get("ban_years"):
        consequences.append(_("참여제한 %(years)s년: 그동안 어느 사업에도 신청할 수 없습니다.") % {"years": body["ban_years"]})
    carried = [(key, str(value)) for key in form.keys() if key not in ("csrf_token", "confirmed")
               for value in form.getlist(key)]
    return render(request, viewer, "console/confirm.html", heading=_("%(company)s 협약 해지") % {
                      "company": view.company_name},
                  consequences=consequences, carried=carried, confirm_label=_("협약을 해지합니다"),
                  action_url=f"/console/startups/{startup_id}/actions/{action.value}",
                  back_url=f"/console/startups/{startup_id}/actions/{action.value}")
