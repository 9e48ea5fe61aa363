"""The admins' console: the user directory (list, add, roles and desks, disable, API tokens shown
once) through the same store functions and request models as the /users API, and the embedded
stack's mailbox. A refused form comes back with each error next to the field it names. The tables
below hold Korean; they are shown in the page's language (api/i18n.py)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, SettingsDep
from api.errors import ApiError
from api.i18n import N_, _
from api.pages.console import admin_forms, mail_view
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, require_role
from api.pages.shared.redirects import see_other
from api.pages.shared.rule_text import rule_text
from api.services.evaluator_pool import record_employer
from api.services.users import public
from api.templating import role_label
from domain.brn import format_brn
from domain.phases import Role
from store.db import release
from store.tokens import issue_token
from store.user_tables import User
from store.users import DESKS, KINDS, PERSON_ROLES, DirectoryError, create_user, disable_user, get_user, list_users, set_roles

router = APIRouter(prefix="/console/admin", include_in_schema=False)

ROLE_CHOICES = sorted(PERSON_ROLES)
KIND_LABELS = {"staff": N_("직원"), "startup": N_("스타트업 사용자"), "service": N_("서비스 계정")}
DESK_LABELS = {"program_manager": N_("사업 책임자"), "finance_lead": N_("회계 책임자")}
NO_STORE = {"Cache-Control": "no-store"}


def _admin(viewer: Viewer) -> None:
    require_role(viewer, Role.ADMIN)


def _choices() -> dict[str, Any]:
    """The forms' choices and labels in the page's language."""
    kinds = {kind: _(label) for kind, label in KIND_LABELS.items()}
    return {"role_choices": ROLE_CHOICES, "desk_choices": DESKS, "kind_choices": [(k, kinds[k]) for k in KINDS],
            "desk_labels": {desk: _(label) for desk, label in DESK_LABELS.items()}, "kind_labels": kinds,
            "field_labels": admin_forms.field_labels()}


async def _form(request: Request, viewer: Viewer) -> tuple[Any, list[str], list[str]]:
    """The posted form (CSRF checked), with the checked roles and desks."""
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(viewer, token if isinstance(token, str) else None)
    roles = [str(r) for r in form.getlist("roles")]
    desks = [str(d) for d in form.getlist("desks")]
    return form, roles, desks


def _users_page(request: Request, viewer: Viewer, session: SessionDep, status: int = 200,
                **context: Any) -> HTMLResponse:
    users = [public(u) for u in list_users(session)]
    release(session)
    context.setdefault("values", {"kind": "staff", "roles": [], "desks": []})
    return render(request, viewer, "console/admin_users.html", status, users=users, errors=context.pop("errors", {}),
                  **_choices(), **context)


@router.get("/users", name="console_users")
async def users(request: Request, viewer: PageViewer, session: SessionDep) -> HTMLResponse:
    _admin(viewer)
    return _users_page(request, viewer, session)


@router.post("/users", name="console_add_user")
async def add_user(request: Request, viewer: PageViewer, session: SessionDep) -> Response:
    """The API's UserCreate and create_user: every check before anything is written."""
    _admin(viewer)
    form, roles, desks = await _form(request, viewer)
    # Typed values come back into the form; a password never does.
    values = {name: form.get(name, "") for name in ("login_id", "display_name", "kind", "email", "phone", "brn")}
    values |= {"roles": roles, "desks": desks}
    read = admin_forms.read_new_user(form, roles, desks)
    if read.errors:
        return _users_page(request, viewer, session, 422, errors=read.errors, values=values)
    body = read.model
    release(session)
    try:
        user = create_user(session, **body.model_dump(exclude={"password"}),
                           password=body.password.get_secret_value() if body.password else None,
                           bound_by=viewer.user.id)
    except DirectoryError as err:
        return _users_page(request, viewer, session, 409 if err.code == "conflict" else 422,
                           errors=admin_forms.directory_errors(err), values=values)
    return see_other(request, "console_user", user_id=user.id, query={"added": 1})


def _user_or_404(session: SessionDep, user_id: str) -> User:
    user = get_user(session, user_id)
    if user is None:
        raise ApiError("not_found", _("없는 사용자입니다: %(id)s") % {"id": repr(user_id)})
    return user


def _user_page(request: Request, viewer: Viewer, user: User, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("values", {"roles": user.roles, "desks": user.desks})
    role_options = [("", _("보유한 모든 역할 (요청할 때 고름)"))]
    role_options += [(role, role_label(role)) for role in user.roles]
    context.setdefault("employer_value", format_brn(user.employer_brn) if user.employer_brn else "")
    response = render(request, viewer, "console/admin_user.html", status, user=public(user), role_options=role_options,
                      errors=context.pop("errors", {}), **_choices(), **context)
    response.headers.update(NO_STORE)  # a token shown once must not linger in a cache
    return response


@router.get("/users/{user_id}", name="console_user")
async def one_user(request: Request, user_id: str, viewer: PageViewer, session: SessionDep,
                   added: bool = False, saved: bool = False, disabled: bool = False) -> HTMLResponse:
    _admin(viewer)
    user = _user_or_404(session, user_id)
    release(session)
    notice = (_("사용자를 추가했습니다.") if added else _("역할을 저장했습니다.") if saved
              else _("사용자를 비활성화했습니다: 모든 세션과 토큰이 끝났습니다.") if disabled else None)
    return _user_page(request, viewer, user, notice=notice)


@router.post("/users/{user_id}/roles", name="console_change_roles")
async def change_roles(request: Request, user_id: str, viewer: PageViewer, session: SessionDep) -> Response:
    _admin(viewer)
    _, roles, desks = await _form(request, viewer)
    user = _user_or_404(session, user_id)
    read = admin_forms.read_roles(roles, desks)
    errors = read.errors
    if not errors:
        try:
            set_roles(session, user, read.model.roles, read.model.desks)
        except DirectoryError as err:
            session.rollback()
            errors = admin_forms.directory_errors(err)
    if errors:
        return _user_page(request, viewer, _user_or_404(session, user_id), 422, errors=errors,
                          values={"roles": roles, "desks": desks})
    return see_other(request, "console_user", user_id=user_id, query={"saved": 1})


@router.post("/users/{user_id}/employer", name="console_user_employer")
async def record_user_employer(request: Request, user_id: str, viewer: PageViewer, session: SessionDep) -> Response:
    """A staff member's employer (소속 기업), which the evaluator pool bars them from scoring, with its
    SME partners and former partners (known_relation); empty clears it."""
    _admin(viewer)
    form, _roles, _desks = await _form(request, viewer)
    typed = form.get("employer_brn")
    typed = typed if isinstance(typed, str) else ""
    try:
        record_employer(session, _user_or_404(session, user_id).id, typed)
    except ApiError as err:
        if err.code != "validation_error":
            raise
        session.rollback()
        errors = {"employer_brn": [rule_text(d["rule"], {}) or d["message"] for d in err.details]}
        return _user_page(request, viewer, _user_or_404(session, user_id), 422, errors=errors, employer_value=typed)
    return see_other(request, "console_user", user_id=user_id, query={"saved": 1})


@router.post("/users/{user_id}/disable", name="console_disable_user")
async def disable(request: Request, user_id: str, viewer: PageViewer, session: SessionDep) -> Response:
    """Disabling ends every session and token at once: the first post asks again on a page of its
    own (console/confirm.html), the second, confirmed, disables."""
    _admin(viewer)
    form, _roles, _desks = await _form(request, viewer)
    user = _user_or_404(session, user_id)
    if form.get("confirmed") != "yes":
        release(session)
        return render(request, viewer, "console/confirm.html",
                      heading=_("%(login)s 비활성화") % {"login": user.login_id},
                      consequences=[_("%(name)s(%(login)s)의 모든 세션과 API 토큰이 즉시 끝납니다.")
                                    % {"name": user.display_name, "login": user.login_id},
                                    _("다시 쓰려면 새 계정이 필요합니다. 기록 속의 사용자 번호는 그대로 남습니다.")],
                      action_url=f"/console/admin/users/{user_id}/disable", carried=[],
                      confirm_label=_("비활성화합니다"), back_url=f"/console/admin/users/{user_id}")
    disable_user(session, user)
    return see_other(request, "console_user", user_id=user_id, query={"disabled": 1})


@router.post("/users/{user_id}/tokens", name="console_add_token")
async def add_token(request: Request, user_id: str, viewer: PageViewer, session: SessionDep) -> HTMLResponse:
    """A token for this user, shown on this one answer and never again (only its hash is kept)."""
    _admin(viewer)
    form, _, _ = await _form(request, viewer)
    user = _user_or_404(session, user_id)
    read = admin_forms.read_token_request(form)
    if read.errors:
        return _user_page(request, viewer, user, 422, errors=read.errors, token_values=dict(form))
    body = read.model
    try:
        token = issue_token(session, user, body.role, body.name,
                            timedelta(days=body.expires_days) if body.expires_days else None)
    except ValueError as err:
        return _user_page(request, viewer, user, 422, errors={"role": [admin_forms.field_message("role", str(err))]},
                          token_values=dict(form))
    return _user_page(request, viewer, user, 201, token=token, token_role=body.role.value if body.role else None)


@router.get("/mail")
async def mailbox(request: Request, viewer: PageViewer, settings: SettingsDep,
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """The embedded stack's mail (what `make run` and the tests send), newest first."""
    _admin(viewer)
    messages, total = mail_view.newest_first(settings.mail_path(), page)
    pages = max(1, -(-total // mail_view.MESSAGES_PER_PAGE))
    return render(request, viewer, "console/admin_mail.html", messages=messages, total=total, page=page, pages=pages,
                  folder=str(settings.mail_path()))


@router.get("/mail/{message_id}")
async def mail_message(request: Request, message_id: str, viewer: PageViewer, settings: SettingsDep) -> HTMLResponse:
    _admin(viewer)
    message = mail_view.one(settings.mail_path(), message_id)
    if message is None:
        raise ApiError("not_found", _("메일함에 없는 메일입니다: %(id)s") % {"id": repr(message_id)})
    return render(request, viewer, "console/admin_mail_message.html", message=message)
