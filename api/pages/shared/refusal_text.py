"""A refused action as the desks show it, in the console's shared words for rules
(`api.pages.shared.rule_text`) and placed the way the startup page places them
(`api.pages.shared.form_errors.errors_from`): next to the field it names, else at the top."""

from fastapi import Request
from fastapi.responses import Response

from api.errors import ApiError
from api.i18n import gettext
from api.pages.shared.common import Viewer, render, require_role
from api.pages.shared.form_errors import errors_from
from api.pages.shared.rule_text import RuleRefusal, code_text, rule_text
from domain.phases import Role

RULE_CODES = ("conflict", "invalid_transition", "forbidden")


def refusal_text(err: ApiError, recorded: bool = False) -> str:
    """One line for a list of outcomes: the rule in the page's words alone. `recorded` (the
    auditors' trail) keeps the API's message and the rule's id beside, as evidence."""
    rule = err.details.get("rule") if isinstance(err.details, dict) else None
    words = rule_text(rule) or code_text(err.code)
    if recorded:
        return f"{words} ({err.message})" + (" — " + gettext("규칙: %(rule)s") % {"rule": rule} if rule else "")
    return RuleRefusal(words, rule) if rule or err.code in RULE_CODES else words


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
