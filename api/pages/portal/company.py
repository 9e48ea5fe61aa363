"""내 회사 확인: a signed-up person proves which company is theirs.

They enter the registration number, the opening date (개업일자) and the representative's name; the
tax authority's 진위확인 must find them on its register; then the identity provider's 본인확인
must name that same person. Then they are bound as its representative — unless someone holds the
company already, or staff made lifecycles for it, when a program officer decides on their request
(store/company_binding.py); but a person an approved 대표자 변경 of the company's agreement names
takes the company at once, from its former representative (the officer approved that change).
Each refusal is recorded and nothing else of the attempt is kept."""

import hashlib
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.i18n import N_, _
from api.pages.portal.common import Errors, UnboundStartupViewer, add_error, page
from api.pages.shared.common import check_csrf, writing
from api.pages.shared.redirects import see_other
from api.pages.shared.rule_text import rule_text
from api.services.company import (
    REFUSAL_WINDOW,
    REFUSALS_PER_DAY,
    active_binding,
    amended_representative,
    refusals_since,
    start_check,
    take_check,
)
from api.templating import PAGE_CSP
from axflow.identity import IdentityFailed, VerifiedPerson, finish, start
from axflow.tax_authority import TaxAuthorityDown, register_matches
from domain.brn import format_brn, normalize_brn
from domain.rule_ids import RuleId
from domain.text import SINGLE_LINE
from store.binding_tables import CompanyCheck
from store.company_binding import (
    bind,
    bound_brn,
    move_to_new_representative,
    open_request,
    person_key_hash,
    record,
    requests_of,
    why_approval_is_needed,
)
from store.db import as_utc
from store.portal_accounts import company_of
from store.user_tables import User
from store.users import get_user

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200), SINGLE_LINE]
# The provider's page is a minute's work; a check not finished in this long is void.
CHECK_VALID = timedelta(minutes=15)
LABELS = {"brn": N_("사업자등록번호"), "opened_on": N_("개업일자"), "representative": N_("대표자 성명"),
          "company_name": N_("회사명")}
# The outcomes that are refusals, said by their rule's words (domain/rule_ids.py).
REFUSED = frozenset({RuleId.REGISTER_MISMATCH, RuleId.IDENTITY_NAME_MISMATCH, RuleId.IDENTITY_FAILED,
                     RuleId.CHECK_EXPIRED})


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _form(request: Request, viewer: UnboundStartupViewer, values: dict[str, str], errors: Errors,
          status: int = 200, **context: object) -> HTMLResponse:
    with Session(request.app.state.engine) as db:
        company = bound_brn(db, viewer.user.id)
        account = company_of(db, company) if company else None
        binding = active_binding(db, viewer.user.id)
        requests = requests_of(db, viewer.user.id)
    labels = {name: _(label) for name, label in LABELS.items()}
    response = page(request, viewer, "company.html", status, values=values, errors=errors, labels=labels,
                    company=company and format_brn(company), account=account, binding=binding, requests=requests,
                    format_brn=format_brn, **context)
    # The form's answer redirects to the identity provider: a browser holds a form's redirects to
    # the page's form-action too, so the provider's origin is named beside this site's.
    provider = urlsplit(request.app.state.settings.identity_issuer)
    response.headers["content-security-policy"] = PAGE_CSP.replace(
        "form-action 'self'", f"form-action 'self' {provider.scheme}://{provider.netloc}")
    return response


@router.get("/portal/company", response_class=HTMLResponse)
async def company_page(request: Request, viewer: UnboundStartupViewer, outcome: str = "") -> HTMLResponse:
    values = {"brn": viewer.user.brn or "", "opened_on": "", "representative": viewer.user.display_name,
              "company_name": ""}
    errors: Errors = {}
    if outcome in REFUSED:
        add_error(errors, "", rule_text(outcome) or outcome)
    return _form(request, viewer, values, errors, 422 if errors else 200, outcome=outcome)


def _read(values: dict[str, str]) -> tuple[str, date | None, Errors]:
    errors: Errors = {}
    digits = ""
    try:
        digits = normalize_brn(values["brn"])
    except ValueError:
        add_error(errors, "brn", _("사업자등록번호는 검증 숫자가 맞는 10자리 숫자입니다 (예: 124-81-00998)."))
    opened: date | None = None
    try:
        opened = date.fromisoformat(values["opened_on"])
    except ValueError:
        add_error(errors, "opened_on", _("개업일자를 YYYY-MM-DD로 입력하세요."))
    if not 1 <= len(values["representative"]) <= 100:
        add_error(errors, "representative", _("대표자 성명은 1~100자입니다."))
    return digits, opened, errors


@router.post("/portal/company", response_class=HTMLResponse)
async def check_company(request: Request, viewer: UnboundStartupViewer, csrf_token: Text, brn: Text = "",
                        opened_on: Text = "", representative: Text = "", company_name: Text = "") -> Response:
    """진위확인, then off to the provider for 본인확인 (the check waits in company_check)."""
    check_csrf(viewer, csrf_token)
    values = {"brn": brn.strip(), "opened_on": opened_on.strip(), "representative": representative.strip(),
              "company_name": company_name.strip()[:100]}
    digits, opened, errors = _read(values)
    if errors or opened is None:
        return _form(request, viewer, values, errors, 422)
    settings, now = request.app.state.settings, viewer.now
    if _refusals_since(request, viewer.user.id, now - REFUSAL_WINDOW) >= REFUSALS_PER_DAY:
        add_error(errors, "", _("회사 확인에 여러 번 실패했습니다. 24시간 뒤에 다시 시도하거나 사업 담당자에게 문의하세요."))
        return _form(request, viewer, values, errors, 429)
    try:
        matches = await register_matches(settings, digits, opened, values["representative"])
    except TaxAuthorityDown:
        add_error(errors, "", _("국세청 진위확인 서비스가 응답하지 않습니다. 잠시 후 다시 시도하세요."))
        return _form(request, viewer, values, errors, 503)
    if not matches:
        with writing(request) as db:
            record(db, "refused", brn=digits, user_id=viewer.user.id, actor_id=viewer.user.id, at=now,
                   rule=RuleId.REGISTER_MISMATCH, reason=f"진위확인 불일치 (register mismatch): {values['representative']}")
            db.commit()
        add_error(errors, "", rule_text(RuleId.REGISTER_MISMATCH) or RuleId.REGISTER_MISMATCH)
        return _form(request, viewer, values, errors, 422)
    try:
        begun = await start(settings)
    except IdentityFailed:
        add_error(errors, "", _("본인확인 서비스가 응답하지 않습니다. 잠시 후 다시 시도하세요."))
        return _form(request, viewer, values, errors, 503)
    with writing(request) as db:
        # One check at a time per person; abandoned ones of anyone's go once void.
        start_check(db, CompanyCheck(state_hash=_state_hash(begun.state), user_id=viewer.user.id, brn=digits,
                                     company_name=values["company_name"], representative=values["representative"],
                                     opened_on=f"{opened:%Y%m%d}", nonce=begun.nonce,
                                     code_verifier=begun.code_verifier, created_at=now), CHECK_VALID)
    return RedirectResponse(begun.url, 303)


def _refusals_since(request: Request, user_id: str, since: datetime) -> int:
    with Session(request.app.state.engine) as db:
        return refusals_since(db, user_id, since)


@router.get("/portal/company/identity")
async def identity_returned(request: Request, viewer: UnboundStartupViewer, state: str = "", code: str = "",
                            error: str = "") -> Response:
    """The provider sends the person back here. The check must be this signed-in person's (a code
    carried to another browser finds nothing) and still fresh; it is used up either way."""
    now = viewer.now
    with writing(request) as db:
        check = take_check(db, _state_hash(state[:200]), viewer.user.id) if state else None
    if check is None or as_utc(check.created_at) + CHECK_VALID < now:
        return see_other(request, "company_page", query={"outcome": RuleId.CHECK_EXPIRED})
    person = None
    if not error and code:
        try:
            person = await finish(request.app.state.settings, code[:500], check.code_verifier, check.nonce)
        except IdentityFailed:
            person = None
    with writing(request) as db:
        user = get_user(db, viewer.user.id)
        assert user is not None
        outcome = _conclude(db, user, check, person, now)
        db.commit()
    return see_other(request, "company_page", query={"outcome": outcome})


def _conclude(db: Session, user: User, check: CompanyCheck, person: VerifiedPerson | None, now: datetime) -> str:
    """Bind, open a request, or record the refusal; the outcome's name for the page."""
    if person is None:
        record(db, "refused", brn=check.brn, user_id=user.id, actor_id=user.id, at=now, rule=RuleId.IDENTITY_FAILED,
               reason="본인확인 실패 또는 취소 (identity verification failed or cancelled)")
        return RuleId.IDENTITY_FAILED
    if not _same_name(person.name, check.representative):
        record(db, "refused", brn=check.brn, user_id=user.id, actor_id=user.id, at=now,
               rule=RuleId.IDENTITY_NAME_MISMATCH,
               reason=f"본인확인 이름 {person.name} ≠ 대표자 {check.representative} (verified name differs)")
        return RuleId.IDENTITY_NAME_MISMATCH
    key = person_key_hash(person.ci)
    why = why_approval_is_needed(db, user, check.brn)
    if why is None:
        bind(db, user, check.brn, proof="verified", by=user.id, at=now, person_key=key, representative=True,
             company_name=check.company_name, reason="진위확인 + 본인확인 (register and identity verified)")
        return "bound"
    amended = amended_representative(db, check.brn)
    if amended is not None and _same_name(amended.name, person.name):
        # 대표자 변경 approved by an officer in the agreement, and this is the person it names.
        move_to_new_representative(db, user, check.brn, amendment=amended.amendment, approved_by=amended.approved_by,
                                   person_key=key, at=now, company_name=check.company_name or amended.company_name)
        return "moved"
    open_request(db, user, check.brn, why=why, verified_name=person.name, person_key=key,
                 company_name=check.company_name, at=now)
    return "requested"
