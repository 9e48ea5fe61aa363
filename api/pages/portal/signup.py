"""Startup accounts: sign-up with email verification, and colleagues invited by the representative.

Sign-up makes the representative's account (inactive) and the company; the account works once the
link sent by email is followed (single use, 24 hours). The representative invites colleagues of
the same company by email; each sets a password from their own link (single use, 7 days)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api import sessions
from api.deps import SessionDep
from api.i18n import N_, _
from api.pages.portal.common import StartupViewer, Visitor, add_error, check_public_csrf, limit_anonymous_mail, page, public_form
from api.pages.shared.bilingual import in_page_language, one_language
from api.pages.shared.common import check_csrf, portal_link, tell, writing
from api.pages.shared.redirects import see_other
from domain.brn import format_brn
from domain.text import SINGLE_LINE
from store.portal_accounts import (
    VERIFY_VALID,
    accept_invitation,
    colleagues,
    company_of,
    invite,
    issue_link,
    live_link,
    sign_up,
    verify,
)
from store.users import DirectoryError, find_by_login

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200), SINGLE_LINE]
Secret = Annotated[str, Form(max_length=128)]
# The form's own names for the directory's fields.
FIELD_OF = {"login_id": "email", "display_name": "representative"}
SIGNUP_LABELS = {"email": N_("이메일"), "password": N_("비밀번호"), "brn": N_("사업자등록번호"),
                 "company_name": N_("회사명"), "representative": N_("대표자명")}
# The directory's refusals a person meets on these forms, by field and a phrase of the directory's
# own message, in the page's words; any other refusal is shown in the page's language as written.
REFUSALS = (
    ("brn", "check digit", N_("사업자등록번호의 끝자리 검증 숫자가 맞지 않습니다. 번호를 다시 확인하세요.")),
    ("brn", "10 digits", N_("사업자등록번호는 10자리 숫자입니다 (예: 124-81-00998).")),
    ("company_name", "1–100", N_("회사명은 1~100자입니다.")),
    ("display_name", "1–100", N_("이름은 1~100자입니다.")),
    ("login_id", "3–64", N_("이메일은 영문 소문자, 숫자와 . _ @ - 로 3~64자여야 합니다.")),
    ("login_id", "is taken", N_("이미 등록된 이메일입니다.")),
    ("email", "is taken", N_("이미 등록된 이메일입니다.")),
    ("email", "not an email", N_("이메일 형식이 아닙니다.")),
    ("email", "only the representative", N_("대표자만 동료를 초대할 수 있습니다.")),
)


def signup_labels() -> dict[str, str]:
    return {field: _(label) for field, label in SIGNUP_LABELS.items()}


def refusal_text(err: DirectoryError) -> str:
    for field, phrase, words in REFUSALS:
        if err.field == field and phrase in err.message:
            return _(words)
    return one_language(err.message)


def _directory_errors(err: DirectoryError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    add_error(errors, FIELD_OF.get(err.field, err.field), refusal_text(err))
    return errors


async def _send_verification(request: Request, email: str, secret: str) -> bool:
    settings = request.app.state.settings
    link = portal_link(settings, f"/portal/verify?token={secret}")
    hours = int(VERIFY_VALID.total_seconds() // 3600)
    return await tell(
        settings, email, in_page_language("axflow 회원가입 이메일 인증", "axflow: verify your email"),
        in_page_language(f"axflow 스타트업 포털에 가입해 주셔서 감사합니다.\n아래 링크를 열어 이메일을 인증하세요 "
                         f"({hours}시간 동안 한 번만 쓸 수 있습니다):\n\n{link}\n\n"
                         "가입하지 않으셨다면 이 메일을 무시하세요.",
                         f"Thank you for signing up to the axflow startup portal.\nOpen the link to verify your "
                         f"email (it works once, for {hours} hours):\n\n{link}\n\n"
                         "If you did not sign up, ignore this message."))


@router.get("/portal/signup", response_class=HTMLResponse)
async def signup_form(request: Request, viewer: Visitor) -> Response:
    if viewer is not None:
        return see_other(request, "my_page")
    return public_form(request, None, "signup.html", values={}, errors={}, labels=signup_labels())


@router.post("/portal/signup", response_class=HTMLResponse)
async def signup(request: Request, viewer: Visitor, csrf_token: Secret, email: Text = "",
                 password: Annotated[str, Form(max_length=128)] = "", brn: Text = "", company_name: Text = "",
                 representative: Text = "") -> Response:
    check_public_csrf(request, viewer, csrf_token)
    limit_anonymous_mail(request)
    values = {"email": email.strip(), "brn": brn.strip(), "company_name": company_name.strip(),
              "representative": representative.strip()}
    now = sessions.now(request)
    try:
        with writing(request) as w:
            user = sign_up(w, email=values["email"], password=password, brn=values["brn"],
                           representative=values["representative"], company_name=values["company_name"], now=now)
            secret = issue_link(w, user, "verify", user.id, now)
    except DirectoryError as err:
        if err.code == "conflict" and err.field in ("login_id", "email"):
            # The same answer as a new sign-up: who has an account is told only to that mailbox.
            sent = await _tell_existing_account(request, values["email"].lower())
            return public_form(request, None, "signup_sent.html", email=values["email"].lower(), sent=sent)
        return public_form(request, viewer, "signup.html", 422, values=values, errors=_directory_errors(err),
                           labels=signup_labels())
    sent = await _send_verification(request, user.email or "", secret)
    return public_form(request, None, "signup_sent.html", email=user.email, sent=sent)


async def _tell_existing_account(request: Request, email: str) -> bool:
    settings = request.app.state.settings
    reset = portal_link(settings, "/signin/reset")
    return await tell(
        settings, email, in_page_language("axflow 회원가입 시도 안내", "axflow: someone tried to sign up with your address"),
        in_page_language("이 이메일 주소로 axflow 스타트업 포털 가입을 시도했습니다. 이 주소에는 이미 계정이 있습니다.\n"
                         f"본인이라면 로그인하거나 비밀번호를 재설정하세요: {reset}\n"
                         "본인이 아니라면 이 메일을 무시하세요. 계정은 그대로입니다.",
                         "Someone tried to sign up to the axflow startup portal with this address, which has an "
                         f"account already.\nIf it was you, sign in or reset your password: {reset}\n"
                         "If not, ignore this message; the account is unchanged."))


@router.get("/portal/verify", response_class=HTMLResponse)
async def verify_email_form(request: Request, db: SessionDep, token: str = "") -> HTMLResponse:
    """The emailed link opens a page whose button verifies: a mail scanner fetching the link (GET)
    spends nothing."""
    found = live_link(db, token, "verify", sessions.now(request))
    if found is None:
        return page(request, None, "link_dead.html", 410, what=_("이메일 인증"))
    return public_form(request, None, "verify_confirm.html", token=token, user=found[1])


@router.post("/portal/verify", response_class=HTMLResponse)
async def verify_email(request: Request, viewer: Visitor, csrf_token: Secret, token: Secret = "") -> HTMLResponse:
    check_public_csrf(request, viewer, csrf_token)
    with writing(request) as w:
        user = verify(w, token, sessions.now(request))
    if user is None:
        return page(request, None, "link_dead.html", 410, what=_("이메일 인증"))
    return page(request, None, "verified.html", user=user)


@router.get("/portal/colleagues", response_class=HTMLResponse)
async def colleagues_page(request: Request, db: SessionDep, viewer: StartupViewer, invited: str = "") -> HTMLResponse:
    return _colleagues(request, db, viewer, {}, {}, invited=invited)


def _colleagues(request: Request, db: SessionDep, viewer: StartupViewer, values: dict[str, str],
                errors: dict[str, list[str]], status: int = 200, invited: str = "") -> HTMLResponse:
    company = company_of(db, viewer.actor.brn or "")
    people = colleagues(db, viewer.actor.brn or "")
    is_representative = company is not None and company.representative_user_id == viewer.user.id
    return page(request, viewer, "colleagues.html", status, company=company, people=people, values=values,
                errors=errors, is_representative=is_representative, invited=invited,
                brn_text=format_brn(viewer.actor.brn or ""))


@router.post("/portal/colleagues", response_class=HTMLResponse)
async def invite_colleague(request: Request, db: SessionDep, viewer: StartupViewer, csrf_token: Secret,
                           email: Text = "", name: Text = "") -> Response:
    check_csrf(viewer, csrf_token)
    values = {"email": email.strip(), "name": name.strip()}
    now = sessions.now(request)
    try:
        with writing(request) as w:
            invitation = invite(w, viewer.user, email=values["email"], name=values["name"], now=now)
    except DirectoryError as err:
        errors = _directory_errors(err)
        if "representative" in errors:
            errors["name"] = errors.pop("representative")
        return _colleagues(request, db, viewer, values, errors, 403 if err.code == "forbidden" else 422)
    settings = request.app.state.settings
    link = portal_link(settings, f"/portal/password?token={invitation.secret}")
    inviter, company = viewer.user.display_name, format_brn(viewer.actor.brn or "")
    # In the language the inviter writes in: they know their colleague; the colleague has no choice yet.
    await tell(settings, invitation.user.email or "",
               in_page_language("axflow 스타트업 포털 초대", "axflow: you are invited to the startup portal"),
               in_page_language(f"{inviter}님이 axflow 스타트업 포털에 초대했습니다 (사업자등록번호 {company}).\n"
                                f"아래 링크에서 비밀번호를 정하세요 (7일 동안 한 번만 쓸 수 있습니다):\n\n{link}",
                                f"{inviter} invited you to the axflow startup portal (business registration "
                                f"number {company}).\nSet your password from the link (it works once, for 7 "
                                f"days):\n\n{link}"))
    return see_other(request, "colleagues_page", query={"invited": invitation.user.email})


@router.get("/portal/password", response_class=HTMLResponse)
async def password_form(request: Request, db: SessionDep, token: str = "") -> HTMLResponse:
    found = live_link(db, token, "invite", sessions.now(request))
    if found is None:
        return page(request, None, "link_dead.html", 410, what=_("초대"))
    return public_form(request, None, "password.html", token=token, user=found[1], errors={})


@router.post("/portal/password", response_class=HTMLResponse)
async def set_password(request: Request, db: SessionDep, viewer: Visitor, csrf_token: Secret, token: Secret = "",
                       password: Annotated[str, Form(max_length=128)] = "") -> Response:
    check_public_csrf(request, viewer, csrf_token)
    now = sessions.now(request)
    try:
        with writing(request) as w:
            user = accept_invitation(w, token, password, now)
    except DirectoryError as err:
        found = live_link(db, token, "invite", now)
        return public_form(request, None, "password.html", 422, token=token, user=found[1] if found else None,
                           errors=_directory_errors(err))
    if user is None:
        return page(request, None, "link_dead.html", 410, what=_("초대"))
    return page(request, None, "verified.html", user=user, invited=True)


def unverified(db: SessionDep, email: str) -> bool:
    user = find_by_login(db, email) if email else None
    return user is not None and not user.active and user.disabled_at is None and user.kind == "startup"


@router.post("/portal/signup/resend", response_class=HTMLResponse)
async def resend(request: Request, db: SessionDep, viewer: Visitor, csrf_token: Secret, email: Text = "") -> Response:
    """Send the verification link again (the earlier one stops working). The same answer whether or
    not such an account waits: the page reveals nothing about who has signed up."""
    check_public_csrf(request, viewer, csrf_token)
    limit_anonymous_mail(request)
    address = email.strip().lower()
    if unverified(db, address):
        with writing(request) as w:
            user = find_by_login(w, address)
            secret = issue_link(w, user, "verify", user.id, sessions.now(request)) if user else None
        if secret:
            await _send_verification(request, address, secret)
    return public_form(request, None, "signup_sent.html", email=address, sent=True, resent=True)
