"""The admin pages' forms as pure functions: a posted form read into the API's own request models
(api/routes/users.py), and every refusal turned into a bilingual message next to the field it
names. The directory's rules themselves stay in store/users.py, asked by the page as by the API."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.routes.users import RolesUpdate, TokenCreate, UserCreate
from store.users import DirectoryError

HANGUL = re.compile(r"[\uac00-\ud7a3]")

# The fields of the add-user form, in the order their errors are listed in the summary.
USER_FIELDS = ("login_id", "display_name", "kind", "email", "phone", "brn", "roles", "desks", "password")
FIELD_LABELS = {
    "login_id": "아이디 (Login ID)", "display_name": "이름 (Name)", "kind": "구분 (Kind)",
    "email": "이메일 (Email)", "phone": "전화 (Phone)", "brn": "사업자등록번호 (Business registration no.)",
    "roles": "역할 (Roles)", "desks": "담당 (Desks)", "password": "비밀번호 (Password)",
    "role": "토큰 역할 (Token role)", "name": "토큰 이름 (Token name)", "expires_days": "유효 기간 (Valid for)",
}
# When the directory's own message is English only, the Korean said first for its field.
KOREAN_LEAD = {
    "login_id": "아이디를 쓸 수 없습니다", "display_name": "이름을 확인하세요", "kind": "구분을 확인하세요",
    "email": "이메일을 확인하세요", "phone": "전화번호를 확인하세요", "brn": "사업자등록번호를 확인하세요",
    "roles": "역할을 확인하세요", "desks": "담당을 확인하세요", "password": "비밀번호를 쓸 수 없습니다",
    "role": "토큰 역할을 확인하세요", "name": "토큰 이름을 확인하세요", "expires_days": "유효 기간을 확인하세요",
}


@dataclass
class FormResult:
    """A form read into the API's model, or the errors per field (never both)."""

    model: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def bilingual(field_name: str, message: str) -> str:
    """Korean first: the directory's message as it is when it begins in Korean, else led by a
    Korean sentence for the field."""
    if HANGUL.match(message):
        return message
    return f"{KOREAN_LEAD.get(field_name, '입력을 확인하세요')} — {message}"


def directory_errors(err: DirectoryError) -> dict[str, list[str]]:
    return {err.field: [bilingual(err.field, err.message)]}


def _pydantic_errors(err: ValidationError, known: Sequence[str]) -> dict[str, list[str]]:
    """One message per field (the first problem found), in the form's order; what names no
    field of the form goes under "" (shown at the top only)."""
    found: dict[str, str] = {}
    for problem in err.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        name = name if name in known else ""
        found.setdefault(name, bilingual(name, _plain(problem)))
    return {name: [found[name]] for name in sorted(found, key=lambda n: known.index(n) if n in known else -1)}


def _plain(problem: Mapping[str, Any]) -> str:
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "이 칸을 채워 주세요 (required)"
    if kind == "string_too_short":
        return f"{context.get('min_length')}자 이상이어야 합니다 (at least {context.get('min_length')} characters)"
    if kind == "string_too_long":
        return f"{context.get('max_length')}자 이하여야 합니다 (at most {context.get('max_length')} characters)"
    if kind == "too_short":
        return "하나 이상 고르세요 (choose at least one)"
    if kind == "too_long":
        return f"{context.get('max_length')}개 이하로 고르세요 (at most {context.get('max_length')})"
    return str(problem["msg"])


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_new_user(form: Mapping[str, Any], roles: list[str], desks: list[str]) -> FormResult:
    """The add-user form as the API's UserCreate; empty optional fields are left out, as an API
    client would leave them out."""
    body: dict[str, Any] = {
        "login_id": _text(form, "login_id"), "display_name": _text(form, "display_name"),
        "kind": _text(form, "kind") or "staff", "roles": roles, "desks": desks,
    }
    for optional in ("email", "phone", "brn"):
        if _text(form, optional):
            body[optional] = _text(form, optional)
    # A password is taken as typed: spaces are characters of it.
    password = form.get("password")
    if isinstance(password, str) and password:
        body["password"] = password
    try:
        return FormResult(model=UserCreate.model_validate(body))
    except ValidationError as err:
        return FormResult(errors=_pydantic_errors(err, USER_FIELDS))


def read_roles(roles: list[str], desks: list[str]) -> FormResult:
    try:
        return FormResult(model=RolesUpdate(roles=roles, desks=desks))
    except ValidationError as err:
        return FormResult(errors=_pydantic_errors(err, ("roles", "desks")))


def read_token_request(form: Mapping[str, Any]) -> FormResult:
    body: dict[str, Any] = {}
    for name in ("role", "name", "expires_days"):
        if _text(form, name):
            body[name] = _text(form, name)
    try:
        return FormResult(model=TokenCreate.model_validate(body))
    except ValidationError as err:
        return FormResult(errors=_pydantic_errors(err, ("role", "name", "expires_days")))
