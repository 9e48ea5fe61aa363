"""The startup's execution ledger (집행 내역) on the portal, made for a phone:
`/portal/ledger/{startup_id}`.

Each category's budget, executed, disallowed and remaining; every entry with its status (waiting
for review, accepted, disallowed with the reason, withdrawn or corrected); uploading evidence (the
portal's one upload path, kind "receipt") and recording an expense with it; correcting an entry
(a new entry that cancels it: nothing is edited in place) and withdrawing one; and the budget move
form (비목 변경, posted to api/pages/portal/budget.py). Every record goes through `perform_action`,
the API's own path, so the page meets the same validator and the same refusals, by rule."""

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.portal.budget_common import (
    NOT_WON,
    budget_program,
    category_words,
    refusal_errors,
    startup_state,
    won_field,
)
from api.pages.portal.common import Errors, StartupViewer, add_error, page
from api.pages.portal.documents import document_choices, upload_context
from api.pages.shared.budget_words import DISALLOW_WORDS, EVIDENCE_WORDS, PAYMENT_WORDS
from api.pages.shared.common import check_csrf
from api.pages.shared.redirects import see_other
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services.actions import perform_action
from api.services.ledger import category_lines, ledger_of
from axflow.config import Settings
from domain.documents import DocumentKind
from domain.phases import Action
from domain.program import ProgramDefinition
from domain.settlement_ledger import settles_from_ledger
from domain.text import SINGLE_LINE
from store.expenses import WITHDRAWN

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300), SINGLE_LINE]
TEXT_FIELDS = ("spent_on", "category", "vendor_name", "vendor_brn", "description", "supply_amount", "vat",
               "payment_method", "cancels")
DONE = {"record": N_("집행 내역을 등록했습니다."), "cancel": N_("집행 내역을 취소했습니다."),
        "move": N_("비목 변경을 신청했습니다.")}


@dataclass
class ExpenseForm:
    """The record form as typed (a refused form comes back as it was)."""

    spent_on: str = ""
    category: str = ""
    vendor_name: str = ""
    vendor_brn: str = ""
    description: str = ""
    supply_amount: str = ""
    vat: str = "0"
    payment_method: str = "account_transfer"
    cancels: str = ""
    evidence: dict[str, str] = field(default_factory=dict)  # document id → evidence kind

    def body(self) -> tuple[dict[str, Any], Errors]:
        errors: Errors = {}
        supply, vat = won_field(self.supply_amount), won_field(self.vat or "0")
        if supply is None:
            add_error(errors, "supply_amount", _(NOT_WON))
        if vat is None:
            add_error(errors, "vat", _(NOT_WON))
        body: dict[str, Any] = {
            "spent_on": self.spent_on, "category": self.category, "vendor_name": self.vendor_name,
            "vendor_brn": self.vendor_brn, "description": self.description, "supply_amount": supply,
            "vat": vat, "payment_method": self.payment_method,
            "evidence": [{"kind": kind, "document": doc} for doc, kind in self.evidence.items()],
        }
        if self.cancels:
            body["cancels"] = self.cancels
        return body, errors


def form_field(api_field: str) -> str:
    """Where the page shows a refusal of the API's field: evidence[1].document → evidence."""
    name = api_field.split(".")[0].split("[")[0]
    return name if name in TEXT_FIELDS or name == "evidence" else ""


def _ledger_context(request: Request, session: Session, settings: Settings, viewer: StartupViewer,
                    state: StartupPublic) -> dict[str, Any]:
    program = budget_program(session, state)
    ledger = ledger_of(session, state.startup_id)
    withdrawn = sum(1 for e in ledger.entries if e.cancelled_by == WITHDRAWN)
    budget = state.budget
    back = request.url_for("ledger_page", startup_id=state.startup_id).path
    rules = program.budget_rules
    return {
        "s": state, "program": program, "rules": rules, "lines": category_lines(state, program),
        "entries": ledger.entries, "budget": budget, "names": category_words(program),
        "behind": budget is not None and len(ledger.entries) + withdrawn < budget.ledger_records,
        "allowed": set(state.allowed_actions), "receipts": document_choices(
            session, viewer.actor.brn or "", state.startup_id, DocumentKind.RECEIPT),
        "receipt_upload": upload_context(settings, DocumentKind.RECEIPT, state.program_id, f"{back}#record"),
        "evidence_words": {k: _(v) for k, v in EVIDENCE_WORDS.items()},
        "payment_words": {k: _(v) for k, v in PAYMENT_WORDS.items()},
        "disallow_words": {k: _(v) for k, v in DISALLOW_WORDS.items()},
        "payment_options": [(m, _(PAYMENT_WORDS[m])) for m in (rules.payment_methods if rules is not None else [])],
        "category_options": [("", _("비목 고르기"))] + [(c.key, c.name) for c in (rules.categories if rules else [])],
        "from_ledger": settles_from_ledger(state),
        "evidence_needed": _evidence_needed(program),
    }


def _evidence_needed(program: ProgramDefinition) -> list[tuple[str, list[str]]]:
    """What each category's expenses and each payment method must carry, as the record form says it
    before anything is refused: ("재료비", ["전자세금계산서 또는 카드 매출전표"])."""
    rules = program.budget_rules
    if rules is None:
        return []

    def said(groups: list[list[str]]) -> list[str]:
        either = " " + _("또는") + " "
        return [either.join(_(EVIDENCE_WORDS[kind]) for kind in group) for group in groups]

    by_category = [(c.name, said([list(g) for g in (c.evidence if c.evidence is not None else rules.evidence)]))
                   for c in rules.categories]
    by_method = [(_(PAYMENT_WORDS[method]), said([list(g) for g in groups]))
                 for method, groups in rules.payment_evidence.items() if method in rules.payment_methods]
    return by_category + by_method


async def ledger_view(request: Request, session: Session, settings: Settings, temporal: Any, viewer: StartupViewer,
                startup_id: str, status: int = 200, errors: Errors | None = None, form: ExpenseForm | None = None,
                move: dict[str, str] | None = None, notice: str | None = None) -> HTMLResponse:
    state = await startup_state(viewer, session, temporal, startup_id)
    context = _ledger_context(request, session, settings, viewer, state)
    return page(request, viewer, "ledger.html", status, errors=errors or {}, form=form or ExpenseForm(),
                move=move or {}, notice=notice, **context)


@router.get("/portal/ledger/{startup_id}", response_class=HTMLResponse, name="ledger_page")
async def ledger_page(startup_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                      temporal: TemporalDep, viewer: StartupViewer, done: str = "", correct: str = "") -> HTMLResponse:
    check_scope(startup_id, viewer.actor)  # another company's startup: 404, before anything is read
    form = ExpenseForm()
    if correct:
        # A correction starts from the entry it replaces: the same facts, to change what was wrong.
        found = next((e for e in ledger_of(session, startup_id).entries if e.entry_id == correct), None)
        if found is not None:
            form = ExpenseForm(spent_on=found.spent_on.isoformat(), category=found.category,
                               vendor_name=found.vendor_name, vendor_brn=found.vendor_brn,
                               description=found.description, supply_amount=str(found.supply_amount),
                               vat=str(found.vat), payment_method=found.payment_method, cancels=found.entry_id,
                               evidence={e["document"]["id"]: e["kind"] for e in found.evidence})
    words = DONE.get(done)
    return await ledger_view(request, session, settings, temporal, viewer, startup_id, form=form,
                       notice=_(words) if words else None)


@router.post("/portal/ledger/{startup_id}/record", response_class=HTMLResponse, name="record_expense")
async def record_expense(startup_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                         temporal: TemporalDep, viewer: StartupViewer) -> Response:
    posted = await request.form()
    check_csrf(viewer, str(posted.get("csrf_token") or ""))
    typed = {name: str(posted.get(name) or "").strip()[:300] for name in TEXT_FIELDS}
    evidence = {key.removeprefix("evidence."): str(value) for key, value in posted.items()
                if key.startswith("evidence.") and value and str(value) in EVIDENCE_WORDS}
    form = ExpenseForm(**typed, evidence=dict(list(evidence.items())[:20]))
    body, errors = form.body()
    if not errors:
        try:
            await perform_action(startup_id, Action.RECORD_EXPENSE, body, viewer.actor, session, temporal,
                                 request.state.request_id, settings=settings)
        except ApiError as err:
            if err.status in (401, 403):
                raise
            errors = refusal_errors(err, form_field)
        else:
            return see_other(request, "ledger_page", startup_id=startup_id, query={"done": "record"})
    return await ledger_view(request, session, settings, temporal, viewer, startup_id, 422, errors, form)


@router.post("/portal/ledger/{startup_id}/cancel", response_class=HTMLResponse, name="cancel_expense")
async def cancel_expense(startup_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                         temporal: TemporalDep, viewer: StartupViewer, csrf_token: Text = "", entry: Text = "",
                         reason: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    try:
        await perform_action(startup_id, Action.CANCEL_EXPENSE, {"entry": entry, "reason": reason}, viewer.actor,
                             session, temporal, request.state.request_id)
    except ApiError as err:
        if err.status in (401, 403):
            raise
        errors = refusal_errors(err, lambda name: f"cancel-{entry}" if name == "reason" else "")
        return await ledger_view(request, session, settings, temporal, viewer, startup_id, 422, errors)
    return see_other(request, "ledger_page", startup_id=startup_id, query={"done": "cancel"})

