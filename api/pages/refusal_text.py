"""A refused action as the desks show it, in the console's shared words for rules
(`api.pages.rule_text`) and placed the way the startup page places them
(`api.pages.action_forms.errors_from`): next to the field it names, else at the top."""

from fastapi import Request
from fastapi.responses import Response

from api.errors import ApiError
from api.i18n import N_, gettext
from api.pages.action_forms import errors_from
from api.pages.common import Viewer, render, require_role
from api.pages.rule_text import rule_text
from domain.phases import Role

# When a refusal names no rule: what its code means.
CODES = {
    "invalid_transition": N_("지금 단계에서는 할 수 없는 작업입니다."),
    "not_found": N_("찾을 수 없습니다."),
    "unavailable": N_("처리 서버가 응답하지 않아 반영되지 않았습니다. 다시 시도하십시오."),
    "forbidden": N_("허용되지 않은 작업입니다."),
    "conflict": N_("지금 상태와 맞지 않는 요청입니다."),
    "validation_error": N_("입력 내용이 규칙에 맞지 않습니다."),
}


def refusal_text(err: ApiError) -> str:
    """One line for a list of outcomes: the rule in words, the API's message, the rule's id."""
    rule = err.details.get("rule") if isinstance(err.details, dict) else None
    words = rule_text(rule) or gettext(CODES.get(err.code, N_("요청이 거절되었습니다.")))
    return f"{words} ({err.message})" + (" — " + gettext("규칙: %(rule)s") % {"rule": rule} if rule else "")


def form_errors(err: ApiError, fields: set[str]) -> dict[str, list[str]]:
    """The refusal as a form's errors by field name ("" for the form as a whole)."""
    if err.code != "validation_error" and not (isinstance(err.details, dict) and err.details.get("rule")):
        return {"": [refusal_text(err)]}
    return errors_from(err.code, err.message, err.details, fields, {}).by_field


def role_refused(request: Request, viewer: Viewer, *roles: Role) -> Response | None:
    """The console's error page (403, naming the roles that may look) for a viewer acting in
    another role; None when their role may open the page."""
    try:
        require_role(viewer, *roles)
    except ApiError as err:
        return render(request, viewer, "console/error.html", status=err.status, error=err)
    return None
