"""The startup's budget on the portal: the budget plan (사업비 계획) before it accepts the agreement,
`/portal/budget/{startup_id}/plan`, and a budget move (비목 변경) during the PoC, posted from the
ledger page (api/pages/portal/ledger.py).

The plan form has one amount per category of the program's `budget_rules`, with each category's
cap and whether moves into it need approval; "합계 계산" shows the total without JavaScript. Both
forms go through `perform_action`, the API's own path: a refusal names the line (the category's
field) and the rule (category_cap, plan_adds_up_to_grant, move_keeps_spent_money …)."""

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.i18n import _
from api.pages.portal.budget_common import (
    NOT_WON,
    budget_program,
    category_words,
    refusal_errors,
    startup_state,
    won_field,
)
from api.pages.portal.common import Errors, StartupViewer, add_error, page
from api.pages.portal.ledger import ledger_view
from api.pages.shared.common import check_csrf
from api.pages.shared.redirects import see_other
from api.schemas import StartupPublic
from api.services.actions import perform_action
from api.services.ledger import category_lines
from domain.phases import Action

router = APIRouter(include_in_schema=False)
LINE_FIELD = re.compile(r"^lines\[(\d+)\]")


def _plan_context(session: Session, state: StartupPublic, amounts: dict[str, str]) -> dict[str, Any]:
    program = budget_program(session, state)
    lines = category_lines(state, program)
    total = sum(won_field(v) or 0 for v in amounts.values())
    return {"s": state, "lines": lines, "amounts": amounts, "total": total, "grant": state.grant_amount,
            "labels": {f"amount.{key}": name for key, name in category_words(program).items()} | {"total": _("합계")},
            "may_submit": Action.SUBMIT_BUDGET_PLAN.value in state.allowed_actions,
            "tolerance": program.budget_rules.move_tolerance_percent if program.budget_rules else 0}


def _plan_page(request: Request, viewer: StartupViewer, session: Session, state: StartupPublic,
               amounts: dict[str, str], status: int = 200, errors: Errors | None = None,
               done: bool = False) -> HTMLResponse:
    return page(request, viewer, "budget_plan.html", status, errors=errors or {}, done=done,
                **_plan_context(session, state, amounts))


@router.get("/portal/budget/{startup_id}/plan", response_class=HTMLResponse, name="budget_plan_page")
async def budget_plan_page(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                           viewer: StartupViewer, done: bool = False) -> HTMLResponse:
    state = await startup_state(viewer, session, temporal, startup_id)
    current = state.budget.current if state.budget is not None else None
    amounts = {line.category: str(line.amount) for line in current.lines} if current is not None else {}
    return _plan_page(request, viewer, session, state, amounts, done=done)


@router.post("/portal/budget/{startup_id}/plan", response_class=HTMLResponse, name="submit_budget_plan")
async def submit_budget_plan(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                             viewer: StartupViewer) -> Response:
    posted = await request.form()
    check_csrf(viewer, str(posted.get("csrf_token") or ""))
    state = await startup_state(viewer, session, temporal, startup_id)
    keys = [line.key for line in category_lines(state, budget_program(session, state))]
    amounts = {key: str(posted.get(f"amount.{key}") or "").strip()[:20] for key in keys}
    errors: Errors = {}
    lines: list[dict[str, Any]] = []
    for key, typed in amounts.items():
        amount = won_field(typed or "0")
        if amount is None:
            add_error(errors, f"amount.{key}", _(NOT_WON))
        elif amount:
            lines.append({"category": key, "amount": amount})
    if posted.get("intent") == "total" or errors:  # 합계 계산: the same form back with its total
        return _plan_page(request, viewer, session, state, amounts, 422 if errors else 200, errors)
    try:
        await perform_action(startup_id, Action.SUBMIT_BUDGET_PLAN, {"lines": lines}, viewer.actor, session,
                             temporal, request.state.request_id)
    except ApiError as err:
        if err.status in (401, 403):
            raise

        def place(name: str) -> str:
            # lines[i] is the i-th category sent (blank ones are left out); `lines` is the total.
            found = LINE_FIELD.match(name)
            if found and int(found.group(1)) < len(lines):
                return f"amount.{lines[int(found.group(1))]['category']}"
            return "total" if name == "lines" else ""

        state = await startup_state(viewer, session, temporal, startup_id)
        return _plan_page(request, viewer, session, state, amounts, err.status, refusal_errors(err, place))
    return see_other(request, "budget_plan_page", startup_id=startup_id, query={"done": "true"})


@router.post("/portal/budget/{startup_id}/move", response_class=HTMLResponse, name="request_budget_move")
async def request_budget_move(startup_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                              temporal: TemporalDep, viewer: StartupViewer) -> Response:
    posted = await request.form()
    check_csrf(viewer, str(posted.get("csrf_token") or ""))
    # The move's fields are named move.* on the ledger page, apart from the record form's.
    move = {name: str(posted.get(f"move.{name}") or "").strip()[:300]
            for name in ("from_category", "to_category", "amount", "reason")}
    errors: Errors = {}
    won = won_field(move["amount"])
    if won is None:
        add_error(errors, "move.amount", _(NOT_WON))
    else:
        try:
            await perform_action(startup_id, Action.REQUEST_BUDGET_CHANGE, move | {"amount": won}, viewer.actor,
                                 session, temporal, request.state.request_id)
        except ApiError as err:
            if err.status in (401, 403):
                raise
            errors = refusal_errors(err, lambda name: f"move.{name}" if name in move else "")
        else:
            return see_other(request, "ledger_page", startup_id=startup_id, query={"done": "move"}, fragment="move")
    return await ledger_view(request, session, settings, temporal, viewer, startup_id, 422, errors, move=move)
