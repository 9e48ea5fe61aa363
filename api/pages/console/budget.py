"""The officer's view of one startup's budget (`/console/startups/{id}/budget`): every plan version
with its agreement document and hashes, what made it (the agreement, a notice-type move, an approved
change) and the lines it moved, the executed and disallowed per category against the current plan,
and the pending change request, which a program officer approves or rejects with a reason through
`perform_action` (the API's own Update). And the program's budget vs executed vs disallowed by
category across its startups (`/console/programs/{id}/budget`, with its chart and an XLSX)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import KOREAN, _, language
from api.pages.console import charts, exports, report_export
from api.pages.console.expense_words import basis_word
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render
from api.pages.shared.refusal_text import form_errors
from api.pages.shared.rule_text import field_text
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services import budget
from api.services.actions import perform_action
from api.services.conflicts import declared_conflicts
from api.services.ledger import statement_of
from api.services.startups import for_caller, live_state
from api.templating import templates
from domain.phases import Action
from domain.program import ProgramDefinition
from domain.state import PlanVersion
from domain.text import SINGLE_LINE
from store.db import release
from store.people import people_names

router = APIRouter(prefix="/console", include_in_schema=False)
Short = Annotated[str, Form(max_length=100), SINGLE_LINE]
Text = Annotated[str, Form(max_length=2000)]


@dataclass(frozen=True)
class LineMove:
    category: str
    name: str
    change: int  # won added (+) or taken (−) by this version


@dataclass(frozen=True)
class Version:
    plan: PlanVersion
    basis: str
    moves: list[LineMove]  # against the version before it


def versions(program: ProgramDefinition, plans: list[PlanVersion]) -> list[Version]:
    """Each plan version with the lines it moved against the one before (none for version 1)."""
    found = []
    before: dict[str, int] | None = None
    for plan in plans:
        lines = {line.category: line.amount for line in plan.lines}
        moves = [] if before is None else [
            LineMove(key, budget.category_name(program, key), lines.get(key, 0) - before.get(key, 0))
            for key in dict.fromkeys([*before, *lines]) if lines.get(key, 0) != before.get(key, 0)]
        found.append(Version(plan, basis_word(plan.basis), moves))
        before = lines
    return found


def placed_errors(err: ApiError, fields: set[str], renamed: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A refusal beside the field it names: the workflow's validator names one field in a rule's
    refusal (`disallow_reason`, `reason`), which the shared placement puts at the top; the API's
    field names are the form's unless `renamed` says otherwise."""
    renamed = renamed or {}
    named = err.details.get("field") if isinstance(err.details, dict) else None
    if isinstance(named, str) and renamed.get(named, named) in fields:
        return {renamed.get(named, named): [field_text(err.details.get("rule"), err.message, err.details)]}
    errors = form_errors(err, fields | set(renamed))
    return {renamed.get(name, name): messages for name, messages in errors.items()}


def _problem(request: Request, viewer: Viewer, err: ApiError) -> Response:
    return render(request, viewer, "console/error.html", status=err.status, error=err)


async def _startup_page(request: Request, viewer: Viewer, db: Session, temporal: Any, startup_id: str,
                        status: int = 200, **context: Any) -> Response:
    try:
        check_scope(startup_id, viewer.actor)
        view: StartupPublic = for_caller(await live_state(temporal, db, startup_id), viewer.actor,
                                         declared_conflicts(db, viewer.actor.id))
    except ApiError as err:
        return _problem(request, viewer, err)
    program = budget.program_of(db, view.program_id)
    plans = view.budget.plans if view.budget else []
    pending = view.budget.pending_change if view.budget else None
    people = {p.submitted_by for p in plans} | {p.approved_by for p in plans if p.approved_by} | (
        {pending.requested_by} if pending else set())
    names = people_names(db, people)
    statement = statement_of(db, view) if program else None
    release(db)
    names_of = {c.key: c.name for c in program.budget_rules.categories} if program and program.budget_rules else {}
    current = {line.category: line.amount for line in plans[-1].lines} if plans else {}
    executed = view.budget.executed if view.budget else {}
    disallowed = view.budget.disallowed if view.budget else {}
    rows = [(key, names_of.get(key, key), current.get(key, 0), executed.get(key, 0), disallowed.get(key, 0))
            for key in dict.fromkeys([*names_of, *current, *executed]) if key in current or key in executed]
    context = {"errors": {}, "values": {}, "done": None} | context
    return render(request, viewer, "console/budget_startup.html", status, s=view,
                  versions=list(reversed(versions(program, plans))) if program else [], pending=pending,
                  category_names=names_of, names=names, rows=rows, statement=statement,
                  may_decide=Action.DECIDE_BUDGET_CHANGE.value in view.allowed_actions, **context)


@router.get("/startups/{startup_id}/budget")
async def startup_budget(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                         temporal: TemporalDep, done: str | None = None) -> Response:
    notice = {"approve": _("비목 변경을 승인했습니다. 새 판의 사업비 계획이 적용됩니다."),
              "reject": _("비목 변경을 반려했습니다.")}.get(done or "")
    return await _startup_page(request, viewer, db, temporal, startup_id, done=notice)


@router.post("/startups/{startup_id}/budget/decision")
async def decide_budget_change_page(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                                    temporal: TemporalDep, csrf_token: Short = "", decision: Short = "",
                                    reason: Text = "") -> Response:
    """The pending change approved or rejected: the decide-budget-change Update, as the API sends it."""
    check_csrf(viewer, csrf_token)
    body: dict[str, Any] = {"reason": reason} | ({"decision": decision} if decision else {})
    try:
        await perform_action(startup_id, Action.DECIDE_BUDGET_CHANGE, body, viewer.actor, db, temporal,
                             request.state.request_id)
    except ApiError as err:
        return await _startup_page(request, viewer, db, temporal, startup_id, err.status,
                                   errors=placed_errors(err, {"decision", "reason"}),
                                   values={"decision": decision, "reason": reason})
    target = request.app.url_path_for("startup_budget", startup_id=startup_id)
    return RedirectResponse(f"{target}?done={decision}", status_code=303)


@router.get("/startups/{startup_id}/statement")
async def startup_statement(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                            temporal: TemporalDep) -> Response:
    """The settlement statement (정산보고서) to print: the document in Korean whatever the page's
    language, the same one the startup prints on its portal."""
    try:
        check_scope(startup_id, viewer.actor)
        view = for_caller(await live_state(temporal, db, startup_id), viewer.actor)
    except ApiError as err:
        return _problem(request, viewer, err)
    found = statement_of(db, view)
    release(db)
    if found is None:
        return _problem(request, viewer, ApiError("conflict", _("이 협약은 집행 내역으로 정산하지 않습니다."),
                                                  {"rule": "settlement_from_ledger"}))
    with language(KOREAN):
        document = templates.get_template("portal/budget_statement_document.html").render(found=found, s=view)
    return render(request, viewer, "console/budget_statement.html", s=view, document=document)


def _program_or_problem(request: Request, viewer: Viewer, db: Session,
                        program_id: str) -> ProgramDefinition | Response:
    program = budget.program_of(db, program_id)
    if program is None:
        release(db)
        return _problem(request, viewer, ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id}))
    return program


@router.get("/programs/{program_id}/budget")
async def program_budget_page(program_id: str, request: Request, viewer: PageViewer, db: SessionDep) -> Response:
    program = _program_or_problem(request, viewer, db, program_id)
    if not isinstance(program, ProgramDefinition):
        return program
    found = budget.program_budget(db, program)
    release(db)
    return render(request, viewer, "console/budget_program.html", program=program, found=found,
                  chart=charts.budget_chart(found.categories))


@router.get("/programs/{program_id}/budget.xlsx")
async def program_budget_xlsx(program_id: str, request: Request, viewer: PageViewer, db: SessionDep) -> Response:
    program = _program_or_problem(request, viewer, db, program_id)
    if not isinstance(program, ProgramDefinition):
        return program
    found = budget.program_budget(db, program)
    release(db)
    return exports.download(report_export.budget_xlsx(found), f"{program_id}-budget.xlsx", "xlsx")
