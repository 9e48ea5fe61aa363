"""What the portal's budget, ledger and settlement-from-the-ledger pages share: the startup's live
state as the signed-in company may see it, a refused action's details placed beside the form field
they name (in the page's language, naming the rule), and the words for categories (evidence kinds
and payment methods: api/pages/shared/budget_words.py)."""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from api.errors import ApiError
from api.i18n import KOREAN, N_, current_language, gettext
from api.pages.portal.common import Errors, StartupViewer, add_error
from api.pages.shared.bilingual import HANGUL, one_language
from api.pages.shared.rule_text import RuleRefusal
from api.schemas import StartupPublic
from api.scope import check_scope
from api.services.ledger import category_lines, program_of
from api.services.startups import for_caller, live_state
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.rule_words import RULE_WORDS

# pydantic's error types: a field typed wrong, not a rule of the programme.
TYPED = frozenset({"missing", "int_type", "int_parsing", "string_too_short", "string_too_long", "literal_error",
                   "date_parsing", "date_from_datetime_parsing", "date_type", "string_pattern_mismatch",
                   "greater_than", "greater_than_equal", "less_than_equal", "too_long", "value_error"})


async def startup_state(viewer: StartupViewer, session: Session, temporal: Any, startup_id: str) -> StartupPublic:
    """The lifecycle as this company sees it now; another company's: 404, revealing nothing."""
    check_scope(startup_id, viewer.actor)
    return for_caller(await live_state(temporal, session, startup_id), viewer.actor)


def budget_program(session: Session, state: StartupPublic) -> ProgramDefinition:
    return program_of(session, state.program_id)


def category_words(program: ProgramDefinition) -> dict[str, str]:
    """Category key → the name people read (the program's own data, shown as the program wrote it)."""
    rules = program.budget_rules
    return {c.key: c.name for c in rules.categories} if rules is not None else {}


def refusal_message(rule: object, message: str) -> str:
    """The rule's own words, then the API's account of this case (which names the line, the
    amounts, the missing evidence) in the page's language: "비목의 한도를 넘습니다 — 인건비
    한도(₩40,000,000)를 넘습니다"."""
    words = _rule_words(rule)
    specific = in_page_language(message)
    if not words:
        return specific
    if str(rule) in TYPED:  # a field typed wrong: the words alone say it (pydantic's message would not)
        return words
    said_already = specific.startswith(words.rstrip(".")) or not specific
    return RuleRefusal(specific if said_already else f"{words.rstrip('.')} — {specific}", str(rule))


def _rule_words(rule: object) -> str | None:
    """Every rule's words, those whose message says more included (this page shows both)."""
    try:
        known = RuleId(str(rule))
    except ValueError:
        return None
    words = RULE_WORDS.get(known)
    return gettext(words) if words else None


def in_page_language(message: str) -> str:
    """A domain message "English (한국어)" — whose Korean may hold parentheses of its own, as in
    "한도(₩40,000,000)" — in the page's language; any other shape as the shared helper reads it."""
    text = message.strip().rstrip(".")
    if not text.endswith(")"):
        return one_language(message)
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            outer, inner = text[:i].strip(), text[i + 1:-1].strip()
            break
    else:
        return one_language(message)
    if not outer or not (HANGUL.search(inner) or HANGUL.search(outer)):
        return one_language(message)
    # The English names Korean data (a category's name) too: the Korean one is in the parentheses
    # unless only the outer part is Korean.
    korean, english = (inner, outer) if HANGUL.search(inner) else (outer, inner)
    return korean if current_language() == KOREAN else english


def refusal_errors(err: ApiError, place: Callable[[str], str]) -> Errors:
    """A refused action's details by the form field `place` maps each API field to ("" for the top)."""
    errors: Errors = {}
    details = err.details if isinstance(err.details, list) else [err.details] if isinstance(err.details, dict) else []
    for detail in details:
        if isinstance(detail, dict):
            add_error(errors, place(str(detail.get("field") or "")),
                      refusal_message(detail.get("rule"), str(detail.get("message") or err.message)))
    if not errors:
        rule = err.details.get("rule") if isinstance(err.details, dict) else None
        add_error(errors, "", refusal_message(rule, err.message))
    return errors


def won_field(text: str) -> int | None:
    """A won amount as typed ("3,000,000" or "3000000"); None when it is not a whole number."""
    cleaned = text.replace(",", "").replace(" ", "").strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 12 else None


NOT_WON = N_("금액을 원 단위 정수로 입력하세요. 예: 3000000")


def plan_view(session: Session, state: StartupPublic) -> dict[str, Any] | None:
    """The budget plan as the agreement page shows it (the lines with money, the version and its
    hash), and whether the plan form is open; None for a lifecycle without a budget ledger."""
    if not state.budget_ledger:
        return None
    lines = category_lines(state, budget_program(session, state))
    current = state.budget.current if state.budget is not None else None
    return {"lines": [line for line in lines if line.budget], "current": current,
            "total": sum(line.budget for line in lines),
            "may_submit": "submit-budget-plan" in state.allowed_actions,
            "ledger_open": "record-expense" in state.allowed_actions or bool(state.budget and state.budget.entries)}
