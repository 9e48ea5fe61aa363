"""The admin pages' forms as pure functions: a posted form read into the API's own request models
(api/services/users.py), and every refusal turned into a message in the page's language next to the
field it names. The directory's rules themselves stay in store/users.py, asked by the page as by
the API; what it answers (English, sometimes with Korean beside) is said again here in the page's
words, by what it says."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.i18n import N_, _, pgettext
from api.pages.shared.rule_text import rule_text
from api.services.users import RolesUpdate, TokenCreate, UserCreate
from domain.rule_ids import RuleId
from store.users import DirectoryError

# The fields of the add-user form, in the order their errors are listed in the summary.
USER_FIELDS = ("login_id", "display_name", "kind", "email", "phone", "brn", "roles", "desks", "password")


def field_labels() -> dict[str, str]:
    """The forms' fields as the page names them, in the request's language."""
    return {
        "login_id": _("아이디"), "display_name": _("이름"), "kind": _("구분"),
        "email": _("이메일"), "phone": _("전화"), "brn": _("사업자등록번호"),
        "roles": pgettext("user", "역할"), "desks": _("담당"), "password": _("비밀번호"),
        "role": _("토큰 역할"), "name": _("토큰 이름"), "expires_days": _("유효 기간"),
        "employer_brn": _("소속 기업 사업자등록번호"),
    }

# What is said for a field when the refusal's own words are not known here.
FIELD_CHECK = {
    "login_id": N_("아이디를 쓸 수 없습니다"), "display_name": N_("이름을 확인하세요"), "kind": N_("구분을 확인하세요"),
    "email": N_("이메일 주소를 확인하세요"), "phone": N_("전화번호를 확인하세요"), "brn": N_("사업자등록번호를 확인하세요"),
    "roles": N_("역할을 확인하세요"), "desks": N_("담당을 확인하세요"), "password": N_("비밀번호를 쓸 수 없습니다"),
    "role": N_("토큰 역할을 확인하세요"), "name": N_("토큰 이름을 확인하세요"), "expires_days": N_("유효 기간을 확인하세요"),
}
CHECK_INPUT = N_("입력을 확인하세요")
# Pydantic's error types said by their words alone (a pattern or a validator's refusal says more).
SAID_BY_TYPE = frozenset({
    RuleId.MISSING, RuleId.STRING_TOO_SHORT, RuleId.STRING_TOO_LONG, RuleId.TOO_SHORT, RuleId.TOO_LONG,
    RuleId.LITERAL_ERROR, RuleId.ENUM, RuleId.INT_PARSING, RuleId.INT_TYPE, RuleId.INT_FROM_FLOAT,
    RuleId.GREATER_THAN_EQUAL, RuleId.LESS_THAN_EQUAL})
# The directory's and the token store's refusals (store/users.py, store/passwords.py, domain/brn.py,
# store/tokens.py) by their words; `value` is what they quote. A refusal may list several, "; "
# between them (the password's problems).
_DIRECTORY_WORDS = (
    (r"^unknown role '(?P<value>[^']*)'", N_("알 수 없는 역할입니다: %(value)s")),
    (r"^unknown desk '(?P<value>[^']*)'", N_("알 수 없는 담당입니다: %(value)s")),
    (r"^unknown kind '(?P<value>[^']*)'", N_("알 수 없는 구분입니다: %(value)s")),
    (r"^known: (?P<value>.*)$", N_("고를 수 있는 값: %(value)s")),
    (r"^at least one role is needed", N_("역할을 하나 이상 고르세요")),
    (r"^a staff user cannot hold the startup role", N_("직원은 스타트업 역할을 가질 수 없습니다")),
    (r"^a startup user holds the startup role only", N_("스타트업 사용자는 스타트업 역할만 가질 수 있습니다")),
    (r"^a startup user needs its business registration number", N_("스타트업 사용자에게는 사업자등록번호가 필요합니다")),
    (r"^only a startup user is bound to a registration number", N_("사업자등록번호는 스타트업 사용자만 가질 수 있습니다")),
    (r"^must be 10 digits", N_("사업자등록번호는 10자리 숫자입니다 (예: 123-45-67890)")),
    (r"^check digit does not match", N_("사업자등록번호의 검증 숫자가 맞지 않습니다")),
    (r"^3–64 characters", N_("영문 소문자, 숫자, . _ @ - 로 3~64자여야 합니다")),
    (r"^1–100 characters", N_("1~100자여야 합니다")),
    (r"^not an email address", N_("이메일 형식이 아닙니다")),
    (r"^login id '(?P<value>[^']*)' is taken", N_("이미 사용 중인 아이디입니다: %(value)s")),
    (r"^email '(?P<value>[^']*)' is taken", N_("이미 등록된 이메일입니다: %(value)s")),
    (r"^\w+ is taken$", N_("이미 사용 중입니다")),
    (r"\(at most (?P<value>\d+) characters\)$", N_("비밀번호는 %(value)s자 이하여야 합니다")),
    (r"\(at least 10 characters of two kinds",
     N_("비밀번호는 두 종류 이상의 문자로 10자 이상, 또는 세 종류 이상으로 9자 이상이어야 합니다")),
    (r"\(the password may not contain the login id\)", N_("비밀번호에 아이디를 넣을 수 없습니다")),
    (r"\(no four equal or consecutive characters in a row\)", N_("같은 문자나 연속된 문자를 4개 이상 이어 쓸 수 없습니다")),
    (r"\(a commonly used password\)", N_("널리 알려진 비밀번호입니다")),
    (r"^user '[^']*' does not hold the role (?P<value>\S+)", N_("이 사용자에게 없는 역할입니다: %(value)s")),
    (r"^user '[^']*' is disabled", N_("비활성 사용자입니다")),
)
DIRECTORY_MESSAGES = tuple((re.compile(pattern), message) for pattern, message in _DIRECTORY_WORDS)


@dataclass
class FormResult:
    """A form read into the API's model, or the errors per field (never both)."""

    model: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def _known(part: str) -> str | None:
    for pattern, message in DIRECTORY_MESSAGES:
        found = pattern.search(part)
        if found:
            return _(message) % found.groupdict()
    return None


def field_message(field_name: str, message: str) -> str:
    """A refusal of the directory (or of the token store) in the page's language: each problem it
    lists said in the page's words when known; otherwise what to check in the field, with the
    refusal's own words beside."""
    said = [text for text in map(_known, message.split("; ")) if text]
    if said:
        return "; ".join(said)
    return f"{_(FIELD_CHECK.get(field_name, CHECK_INPUT))} ({message})"


def directory_errors(err: DirectoryError) -> dict[str, list[str]]:
    return {err.field: [field_message(err.field, err.message)]}


def _pydantic_errors(err: ValidationError, known: Sequence[str]) -> dict[str, list[str]]:
    """One message per field (the first problem found), in the form's order; what names no
    field of the form goes under "" (shown at the top only)."""
    found: dict[str, str] = {}
    for problem in err.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        name = name if name in known else ""
        found.setdefault(name, _plain(name, problem))
    return {name: [found[name]] for name in sorted(found, key=lambda n: known.index(n) if n in known else -1)}


def _plain(field_name: str, problem: Mapping[str, Any]) -> str:
    """What pydantic found wrong with a field, in the page's language: the words of its error type
    (domain/rule_ids.py, with the length or bound its context names) for the plain ones; for the
    rest, what to check in the field with pydantic's own words beside."""
    if problem["type"] in SAID_BY_TYPE:
        words = rule_text(problem["type"], problem.get("ctx") or {})
        if words:
            return words
    return f"{_(FIELD_CHECK.get(field_name, CHECK_INPUT))} ({problem['msg']})"


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
