"""Why an action was refused, for the people who meet the refusal, in the page's language: by the
rule id the API names in its error details (409/403 `rule`, 422 per-field `rule`)."""

import re
from collections.abc import Mapping

from api.i18n import ENGLISH, N_, current_language, gettext
from domain.rule_ids import RuleId
from domain.rule_words import FIGURE_WORDS, rule_words

# When a refusal names no rule: what its code means.
CODES = {
    "invalid_transition": N_("지금 단계에서는 할 수 없는 작업입니다."),
    "not_found": N_("찾을 수 없습니다."),
    "unavailable": N_("처리 서버가 응답하지 않아 반영되지 않았습니다. 다시 시도하십시오."),
    "forbidden": N_("허용되지 않은 작업입니다."),
    "conflict": N_("지금 상태와 맞지 않는 요청입니다."),
    "validation_error": N_("입력 내용이 규칙에 맞지 않습니다."),
}
# What a refusal by a rule is headed as: what cannot be done, never "check what you typed".
HEADINGS: dict[str, str] = {rule: N_("아직 선정을 확정할 수 없습니다")
            for rule in (RuleId.WINDOW_CLOSED_FIRST, RuleId.ELIGIBILITY_DONE, RuleId.ALL_SCORED)}
DEFAULT_HEADING = N_("지금은 할 수 없는 작업입니다")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_PAIRED = re.compile(r"^(?P<outer>.*?\S)\s*\((?P<inner>[^()]*)\)[.\s]*$", re.S)


class RuleRefusal(str):
    """A form-level message that is a rule's refusal, not a typing mistake: the error summary
    heads it with `heading` (in the page's language) instead of "check what you entered"."""

    heading: str

    def __new__(cls, text: str, rule: str | None) -> "RuleRefusal":
        made = super().__new__(cls, text)
        made.heading = gettext(HEADINGS.get(rule or "", DEFAULT_HEADING))
        return made


def rule_text(rule: str | None, figures: Mapping[str, object] | None = None) -> str | None:
    """A rule's words (domain/rule_ids.py's RULE_WORDS) in the page's language, their `%(name)s`
    filled from `figures` (a refusal's details: an upload's type, a size limit); None when the
    rule has no words, or words that need a figure the refusal does not carry."""
    if rule == RuleId.STRING_TOO_SHORT and figures and figures.get("min_length") == 1:
        rule = RuleId.MISSING  # at least one character: a field left empty
    known = rule_words(rule)
    if not known:
        return None
    figured = FIGURE_WORDS.get(RuleId(str(rule)))
    if figured and figures:
        try:
            return gettext(figured) % dict(figures)
        except (KeyError, TypeError, ValueError):
            pass  # the figure is not among them: the words without it
    if "%(" not in known:
        return gettext(known)
    try:
        return gettext(known) % dict(figures or {})
    except (KeyError, TypeError, ValueError):
        return None


def code_text(code: str) -> str:
    return gettext(CODES.get(code, N_("요청이 거절되었습니다.")))


def page_language(message: str) -> str:
    """An API message written in both languages ("한국어 — English", "한국어 (English)" or the
    other way round), in the page's language alone; a message in one language as it is."""
    english = current_language() == ENGLISH
    if " — " in message:
        first, _sep, second = message.partition(" — ")
        if bool(HANGUL.search(first)) != bool(HANGUL.search(second)):
            korean, other = (first, second) if HANGUL.search(first) else (second, first)
            return other if english else korean
    found = _PAIRED.match(message.strip())
    if found and bool(HANGUL.search(found["outer"])) != bool(HANGUL.search(found["inner"])):
        outer, inner = found["outer"].strip(), found["inner"].strip()
        korean, other = (outer, inner) if HANGUL.search(outer) else (inner, outer)
        return other if english else korean
    return message


def field_text(rule: str | None, message: str, figures: Mapping[str, object] | None = None) -> str:
    """A field's error in the page's language: the words for its rule (pydantic's error types are
    rules too) when known (the API's own words, half English, are not repeated), else the API's
    message in the page's language."""
    return rule_text(rule, figures) or page_language(message)
