"""The finance officer's review queue (집행 검토), `/console/programs/{id}/expense-review`: the
expenses that wait for a decision, those the risk rules flag first with each flag's reason; one
expense accepted or disallowed (불인정) with a reason from the list, and the selected ones accepted
together. Every decision is the review-expense Update through `perform_action`, the API's own path;
a bulk accept is checked per startup first by the API's own rule (`budget.check_bulk_accept`), so
one refused entry refuses its startup's batch before any of it is recorded."""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError, from_violation
from api.i18n import _
from api.pages.console.budget import placed_errors
from api.pages.console.expense_words import flag_text, word
from api.pages.shared.budget_words import DISALLOW_WORDS, EVIDENCE_WORDS, PAYMENT_WORDS
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render
from api.pages.shared.formatting import won
from api.pages.shared.refusal_text import refusal_text
from api.services import budget
from api.services.actions import perform_action
from api.services.conflicts import declared_conflicts
from api.services.startups import live_state
from domain.phases import Action, Role
from domain.program import ProgramDefinition
from domain.rules import RuleViolation
from domain.text import SINGLE_LINE
from store.db import release

router = APIRouter(prefix="/console/programs", include_in_schema=False)
Short = Annotated[str, Form(max_length=100), SINGLE_LINE]
Text = Annotated[str, Form(max_length=2000)]
SEPARATOR = "|"
FIELDS = {"entry", "decision", "disallow_reason", "disallowed_amount", "note", "reason"}


@dataclass(frozen=True)
class Outcome:
    label: str
    accepted: bool
    text: str


def entry_key(startup_id: str, entry_id: str) -> str:
    """The checkbox and choice value naming one expense (startup and entry)."""
    return f"{startup_id}{SEPARATOR}{entry_id}"


def _program(request: Request, viewer: Viewer, db: Session, program_id: str) -> ProgramDefinition | Response:
    program = budget.program_of(db, program_id)
    if program is None:
        release(db)
        err = ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id})
        return render(request, viewer, "console/error.html", status=err.status, error=err)
    return program


def _page(request: Request, viewer: Viewer, db: Session, program: ProgramDefinition, status: int = 200,
          **context: Any) -> Response:
    queue = budget.review_queue(db, program)
    companies = budget.company_names(db, program.id)
    release(db)
    rows: list[dict[str, Any]] = [{"key": entry_key(q.row.startup_id, q.row.entry_id), "row": q.row,
             "company": companies.get(q.row.startup_id, q.row.startup_id),
             "category": budget.category_name(program, q.row.category),
             "flags": [flag_text(f, q.row.supply_amount + q.row.vat, q.row.spent_on.isoformat()) for f in q.flags]}
            for q in queue]
    context = {"errors": {}, "values": {}, "outcomes": None, "notice": None} | context
    return render(request, viewer, "console/expense_review.html", status, program=program, rows=rows,
                  flagged=sum(1 for r in rows if r["flags"]),
                  entry_options=[(r["key"], f'{r["company"]} · {r["row"].entry_id} · {r["category"]} · '
                                  f'{won(r["row"].supply_amount)}') for r in rows], batch=secrets.token_urlsafe(12),
                  may_review=viewer.role is Role.FINANCE_OFFICER,
                  disallow_reasons=[(key, _(label)) for key, label in DISALLOW_WORDS.items()],
                  evidence_word=lambda k: word(EVIDENCE_WORDS, k), payment_word=lambda k: word(PAYMENT_WORDS, k),
                  **context)


@router.get("/{program_id}/expense-review")
async def expense_review_page(program_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                              done: str | None = None) -> Response:
    program = _program(request, viewer, db, program_id)
    if not isinstance(program, ProgramDefinition):
        return program
    notice = {"accept": _("인정으로 기록했습니다."), "disallow": _("불인정으로 기록했습니다.")}.get(done or "")
    return _page(request, viewer, db, program, notice=notice)


def _parse(key: str) -> tuple[str, str] | None:
    startup_id, _sep, entry_id = key.rpartition(SEPARATOR)
    return (startup_id, entry_id) if startup_id and entry_id else None


@router.post("/{program_id}/expense-review/decision")
async def review_expense_page(program_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                              temporal: TemporalDep, csrf_token: Short = "", entry: Short = "", decision: Short = "",
                              disallow_reason: Short = "", disallowed_amount: Short = "", note: Text = "",
                              reason: Text = "") -> Response:
    """One expense accepted or disallowed: the review-expense Update with the form's fields."""
    check_csrf(viewer, csrf_token)
    program = _program(request, viewer, db, program_id)
    if not isinstance(program, ProgramDefinition):
        return program
    values = {"entry": entry, "decision": decision, "disallow_reason": disallow_reason,
              "disallowed_amount": disallowed_amount, "note": note, "reason": reason}
    parsed = _parse(entry)
    if parsed is None:
        return _page(request, viewer, db, program, 422, values=values,
                     errors={"entry": [_("검토할 집행 내역을 고르세요.")]})
    startup_id, entry_id = parsed
    body: dict[str, Any] = {"entry_id": entry_id, "note": note, "reason": reason}
    body |= {"decision": decision} if decision else {}
    if decision == "disallow":
        amount = disallowed_amount.replace(",", "").replace("₩", "").replace("원", "").strip()
        body |= {"disallow_reason": disallow_reason} if disallow_reason else {}
        if amount:
            if not amount.isdigit():
                return _page(request, viewer, db, program, 422, values=values, errors={
                    "disallowed_amount": [_("금액을 원 단위 정수로 입력하세요. 예: 3000000")]})
            body["disallowed_amount"] = int(amount)
    try:
        await perform_action(startup_id, Action.REVIEW_EXPENSE, body, viewer.actor, db, temporal,
                             request.state.request_id)
    except ApiError as err:
        errors = placed_errors(err, FIELDS, {"entry_id": "entry"})
        return _page(request, viewer, db, program, err.status, values=values, errors=errors)
    target = request.app.url_path_for("expense_review_page", program_id=program_id)
    return RedirectResponse(f"{target}?done={decision}", status_code=303)


@router.post("/{program_id}/expense-review/accept")
async def accept_expenses_page(program_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                               temporal: TemporalDep, csrf_token: Short = "",
                               item: Annotated[list[str], Form()] = [],  # noqa: B006
                               reason: Text = "", batch: Short = "") -> Response:
    """The selected expenses accepted (일괄 인정), startup by startup: each startup's entries are all
    checked before any is recorded (as the API's bulk accept), then each is its own Update."""
    check_csrf(viewer, csrf_token)
    program = _program(request, viewer, db, program_id)
    if not isinstance(program, ProgramDefinition):
        return program
    chosen = [p for p in (_parse(key) for key in dict.fromkeys(item)) if p is not None]
    if not chosen:
        return _page(request, viewer, db, program, 422, errors={"item": [_("인정할 집행 내역을 하나 이상 고르세요.")]})
    by_startup: dict[str, list[str]] = defaultdict(list)
    for startup_id, entry_id in chosen:
        by_startup[startup_id].append(entry_id)
    companies = budget.company_names(db, program.id)
    conflicts = declared_conflicts(db, viewer.actor.id)
    outcomes: list[Outcome] = []
    for startup_id, entries in by_startup.items():
        company = companies.get(startup_id, startup_id)
        try:
            state = await live_state(temporal, db, startup_id)
            if state.program_id != program.id:
                raise ApiError("not_found", _("이 사업의 스타트업이 아닙니다."))
            try:
                budget.check_bulk_accept(state, program, entries, viewer.actor, request.state.request_id, conflicts,
                                         datetime.now(UTC))
            except RuleViolation as violation:
                raise from_violation(violation) from None
        except ApiError as err:
            outcomes += [Outcome(f"{company} · {e}", False, refusal_text(err)) for e in entries]
            continue
        for entry_id in entries:
            # The batch and the entry make the key: the same form sent twice answers the first result.
            key = f"console-expense:{batch}:{startup_id}:{entry_id}" if batch else None
            try:
                await perform_action(startup_id, Action.REVIEW_EXPENSE,
                                     {"entry_id": entry_id, "decision": "accept", "reason": reason},
                                     viewer.actor, db, temporal, request.state.request_id, key)
                outcomes.append(Outcome(f"{company} · {entry_id}", True, _("인정했습니다.")))
            except ApiError as err:
                outcomes.append(Outcome(f"{company} · {entry_id}", False, refusal_text(err)))
    return _page(request, viewer, db, program, outcomes=outcomes)
