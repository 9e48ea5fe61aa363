"""The agreement page of the portal: `/portal/agreement/{startup_id}`.

The startup user reads the agreement the system generated at its match (inline, as the stored
bytes say it, or downloaded), sees the SHA-256 of those bytes, and accepts it by typing its
password again; the acceptance goes through `perform_action`, the API's own path, so the page
and an API client meet the same password check (api/reauth.py) and the same Update validator.
Staff may open the page to read the agreement and see who accepted it; the program officer
countersigns from the console's action form (sign-agreement).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, TemporalDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.portal import amendment_form
from api.pages.portal.budget_common import plan_view
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render
from api.pages.shared.form_errors import FormErrors
from api.pages.shared.redirects import see_other
from api.pages.shared.rule_text import RuleRefusal, rule_text
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services.actions import perform_action
from api.services.documents import blob_store
from api.services.startups import for_caller, live_state
from axflow.agreement import agreement_body
from domain.documents import DocumentRef
from domain.phases import Action, Role
from domain.rule_ids import RuleId

router = APIRouter(include_in_schema=False)

TEMPLATE = "portal/agreement.html"
FIELDS = {"read_confirmed": N_("협약서 확인"), "password": N_("비밀번호")}
NOT_CONFIRMED = N_("협약서를 끝까지 읽고 확인란에 표시하십시오.")
# The password typed again (api/reauth.py): a field to type again, not an action refused.
PASSWORD_RULES = frozenset({RuleId.PASSWORD_MISMATCH, RuleId.REAUTHENTICATION, RuleId.REAUTHENTICATION_THROTTLED})


def errors_of(err: ApiError) -> dict[str, list[str]]:
    """A refusal as messages by form field: the password next to its field, the rest at the top."""
    details = err.details if isinstance(err.details, list) else [err.details] if isinstance(err.details, dict) else []
    errors: dict[str, list[str]] = {}
    for detail in details:
        if not isinstance(detail, dict):
            continue
        field = detail.get("field")
        if field == "agreement_sha256":
            errors.setdefault("", []).append(rule_text(RuleId.AGREEMENT_CHANGED) or err.message)
        elif field in FIELDS:
            errors.setdefault(str(field), []).append(_words(detail.get("rule"), str(detail.get("message") or err.message)))
    if not errors:
        rule = err.details.get("rule") if isinstance(err.details, dict) else None
        errors[""] = [_words(rule, err.message)]
    return errors


def _words(rule: object, message: str) -> str:
    """A refusal in the page's language: its rule's words (domain/rule_ids.py); the API's own
    message only when the rule is one nobody has words for."""
    words = rule_text(str(rule)) if rule else None
    if words is None:
        return message
    # A workflow rule (not the password) is headed as the console heads it: what cannot be done.
    return words if rule in PASSWORD_RULES else RuleRefusal(words, str(rule))


async def _state(viewer: Viewer, db: Session, temporal: Any, startup_id: str) -> StartupPublic:
    check_scope(startup_id, viewer.actor)  # another company's startup: 404, revealing nothing
    return for_caller(await live_state(temporal, db, startup_id), viewer.actor)


def _document_to_read(state: StartupPublic) -> DocumentRef | None:
    """What the startup reads (and accepts): the newest amended version (협약 변경, 변경 N) once there
    is one, otherwise the agreement itself."""
    versions = state.amendments.versions if state.amendments else []
    latest = versions[-1] if versions else None
    return latest.document if latest is not None and latest.document is not None else state.agreement_document


async def _agreement_html(request: Request, state: StartupPublic) -> str | None:
    """The agreement as stored (the bytes whose hash is shown and accepted), for reading inline."""
    document = _document_to_read(state)
    if document is None:
        return None
    store = blob_store(request)
    try:
        data = await run_in_threadpool(lambda: b"".join(store.chunks(document.sha256)))
    except FileNotFoundError:
        return None
    return agreement_body(data)


async def _page(request: Request, viewer: Viewer, state: StartupPublic, db: Session, status: int = 200,
                errors: dict[str, list[str]] | None = None, accepted_now: bool = False,
                read_confirmed: bool = False, amendment: dict[str, Any] | None = None) -> HTMLResponse:
    if viewer.role is not Role.STARTUP and viewer.role not in (Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER,
                                                              Role.EVALUATOR, Role.AUDITOR, Role.ADMIN):
        raise ApiError("forbidden", _("이 화면을 볼 수 없습니다."), {"rule": RuleId.ROLE})
    return render(request, viewer, TEMPLATE, status, state=state, agreement_html=await _agreement_html(request, state),
                  may_accept=Action.ACCEPT_AGREEMENT.value in state.allowed_actions, errors=errors or {},
                  labels={name: _(label) for name, label in FIELDS.items()}, accepted_now=accepted_now,
                  read_confirmed=read_confirmed, plan=plan_view(db, state), doc=_document_to_read(state),
                  versions=state.amendments.versions if state.amendments else [],
                  amendment=_amendment_view(state, **(amendment or {})))


def _amendment_view(state: StartupPublic, errors: FormErrors | None = None, values: dict[str, str] | None = None,
                    requested: bool = False) -> dict[str, Any]:
    """The amendment section: the requests so far, and the form while the startup may ask for one."""
    return {"requests": amendment_form.requests_of(state), "requested": requested,
            "may_request": Action.REQUEST_AMENDMENT.value in state.allowed_actions,
            "errors": (errors or FormErrors()).by_field, "posted": values or {}, "kinds": amendment_form.kind_options(),
            "labels": {name: _(label) for name, label in amendment_form.FIELDS.items()}}


@router.get("/portal/agreement/{startup_id}", response_class=HTMLResponse)
async def agreement_page(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                         temporal: TemporalDep, accepted: bool = False, requested: bool = False) -> HTMLResponse:
    return await _page(request, viewer, await _state(viewer, db, temporal, startup_id), db, accepted_now=accepted,
                       amendment={"requested": requested})


@router.post("/portal/agreement/{startup_id}/amendment", response_class=HTMLResponse)
async def request_amendment(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                            temporal: TemporalDep) -> Response:
    """The startup asks for an amendment (협약 변경): a notice is made at once, the rest waits for the
    program officer's decision."""
    posted = {name: str(value) for name, value in (await request.form()).items()}
    check_csrf(viewer, posted.get("csrf_token", ""))
    check_scope(startup_id, viewer.actor)
    try:
        await perform_action(startup_id, Action.REQUEST_AMENDMENT, amendment_form.body_of(posted), viewer.actor, db,
                             temporal, request.state.request_id, settings=request.app.state.settings)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        state = await _state(viewer, db, temporal, startup_id)
        return await _page(request, viewer, state, db, err.status,
                           amendment={"errors": amendment_form.errors_of(err), "values": posted})
    return see_other(request, "agreement_page", startup_id=startup_id, query={"requested": "true"},
                     fragment="amendments")


@router.post("/portal/agreement/{startup_id}", response_class=HTMLResponse)
async def accept_agreement(startup_id: str, request: Request, viewer: PageViewer, db: SessionDep,
                           temporal: TemporalDep, csrf_token: Annotated[str, Form()] = "",
                           agreement_sha256: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                           read_confirmed: Annotated[str, Form()] = "") -> Response:
    check_csrf(viewer, csrf_token)
    check_scope(startup_id, viewer.actor)
    if read_confirmed != "true":
        state = await _state(viewer, db, temporal, startup_id)
        return await _page(request, viewer, state, db, 422, {"read_confirmed": [_(NOT_CONFIRMED)]})
    try:
        await perform_action(startup_id, Action.ACCEPT_AGREEMENT,
                             {"agreement_sha256": agreement_sha256, "password": password}, viewer.actor, db,
                             temporal, request.state.request_id)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        state = await _state(viewer, db, temporal, startup_id)
        # The tick stays ticked: a wrong password is no reason to read the agreement again.
        return await _page(request, viewer, state, db, err.status, errors_of(err), read_confirmed=True)
    return see_other(request, "agreement_page", startup_id=startup_id, query={"accepted": "true"})
