"""The API's refusal on a page's form: each 422 detail next to the field it names, a rule's refusal
at the top in the page's words. The console's action forms and every desk's form use it, so it
lives with what both sides share."""

from dataclasses import dataclass, field
from typing import Any

from api.pages.shared.rule_text import RuleRefusal, code_text, field_text, page_language, rule_text


@dataclass
class FormErrors:
    """Messages by field name; "" holds what belongs to no field (the rule that refused it)."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)


def _form_name(api_field: str, remap: dict[str, str]) -> str:
    parts = api_field.split(".")
    if len(parts) >= 2 and (key := f"{parts[0]}.{parts[1]}") in remap:
        return ".".join([remap[key], *parts[2:]])
    return api_field


def errors_from(code: str, message: str, details: Any, fields: set[str], remap: dict[str, str]) -> FormErrors:
    """The API's refusal on the form: each 422 detail next to the field it names (or at the top
    when the form has no such field); a 409/403 rule at the top, in the page's words, then the API's."""
    errors = FormErrors()
    if code == "validation_error" and isinstance(details, list):
        for detail in details:
            name = _form_name(str(detail.get("field", "")), remap)
            text = field_text(detail.get("rule"), str(detail.get("message", message)), detail)
            errors.add(name if name in fields else "", text if name in fields else f"{name}: {text}")
        return errors
    rule = details.get("rule") if isinstance(details, dict) else None
    words = rule_text(rule) or (code_text(code) if code == "invalid_transition" else page_language(message))
    errors.add("", RuleRefusal(words, rule) if rule or code in ("conflict", "invalid_transition", "forbidden")
               else words)
    return errors
