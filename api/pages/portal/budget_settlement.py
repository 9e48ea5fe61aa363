"""The settlement (정산) of a lifecycle whose agreement carried a budget plan, on the portal:
`/portal/budget/{startup_id}/settlement` shows the statement (정산보고서) computed from the ledger —
per category the budget, the executed, the disallowed, the accepted and the refund — provisional
until the finance officer approves it, and submits the settlement with only the interest earned
on the grant account (no typed lines: the lifecycle refuses them). The statement's printable page
(in Korean, as the document it is) is `/portal/budget/{startup_id}/statement`; its XLSX is the
API's `GET /startups/{startup_id}/settlement-statement?format=xlsx`, which the session cookie opens."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import KOREAN, _, language
from api.pages.portal.budget_common import NOT_WON, budget_program, refusal_errors, startup_state, won_field
from api.pages.portal.common import Errors, StartupViewer, add_error, page
from api.pages.shared.common import check_csrf
from api.pages.shared.redirects import see_other
from api.schemas import StartupPublic
from api.services.actions import perform_action
from api.services.ledger import Statement, statement_of
from api.templating import templates
from domain.phases import Action
from domain.text import SINGLE_LINE

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300), SINGLE_LINE]


def _context(session: Session, state: StartupPublic) -> dict[str, Any]:
    program = budget_program(session, state)
    rules = program.budget_rules
    return {"s": state, "found": statement_of(session, state),
            "may_submit": Action.SUBMIT_SETTLEMENT.value in state.allowed_actions,
            "returns_interest": bool(rules and rules.refund_interest)}


@router.get("/portal/budget/{startup_id}/settlement", response_class=HTMLResponse, name="ledger_settlement_page")
async def ledger_settlement_page(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                                 viewer: StartupViewer, done: bool = False) -> HTMLResponse:
    state = await startup_state(viewer, session, temporal, startup_id)
    return page(request, viewer, "budget_settlement.html", errors={}, interest="0", done=done,
                **_context(session, state))


@router.post("/portal/budget/{startup_id}/settlement", response_class=HTMLResponse, name="submit_ledger_settlement")
async def submit_ledger_settlement(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                                   viewer: StartupViewer, csrf_token: Text = "", interest: Text = "0") -> Response:
    check_csrf(viewer, csrf_token)
    errors: Errors = {}
    won = won_field(interest or "0")
    if won is None:
        add_error(errors, "interest", _(NOT_WON))
    else:
        try:
            await perform_action(startup_id, Action.SUBMIT_SETTLEMENT, {"interest": won}, viewer.actor, session,
                                 temporal, request.state.request_id)
        except ApiError as err:
            if err.status in (401, 403):
                raise
            errors = refusal_errors(err, lambda name: "interest" if name == "interest" else "")
        else:
            return see_other(request, "ledger_settlement_page", startup_id=startup_id, query={"done": "true"})
    state = await startup_state(viewer, session, temporal, startup_id)
    return page(request, viewer, "budget_settlement.html", 422, errors=errors, interest=interest, done=False,
                **_context(session, state))


@router.get("/portal/budget/{startup_id}/statement", response_class=HTMLResponse, name="statement_print")
async def statement_print(startup_id: str, request: Request, session: SessionDep, temporal: TemporalDep,
                          viewer: StartupViewer) -> HTMLResponse:
    state = await startup_state(viewer, session, temporal, startup_id)
    context = _context(session, state)
    if context["found"] is None:
        raise ApiError("conflict", "이 협약은 집행 내역으로 정산하지 않습니다 (this lifecycle settles in typed lines)",
                       {"rule": "settlement_from_ledger"})
    return page(request, viewer, "budget_statement.html", document=statement_document(context["found"], state),
                **context)


def statement_document(found: Statement, state: StartupPublic) -> str:
    """The statement in Korean whatever the page's language: the document the company files, as
    the agreement is one Korean document in either language of the page."""
    with language(KOREAN):
        return templates.get_template("portal/budget_statement_document.html").render(found=found, s=state)
