"""The words of notifications: one Jinja2 text template per kind under templates/, its Korean marked
for translation (`{% trans %}`) and its English in the pages' catalogue (api/i18n.py), rendered for
one person in that person's one language. Workflows only name the kind and the facts, so a
sentence changes here without touching any workflow history."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateNotFound, Undefined

from api.i18n import translations
from domain import formatting
from domain.notifications import ENGLISH, KOREAN

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_TAG = "[axflow]"
# The words of a kind without a template of its own (added to a workflow before its words were).
FALLBACK = "_other.txt"


class Dash(Undefined):
    """A fact the event did not carry prints as "-", never failing a delivery."""

    def __str__(self) -> str:
        return "-"


def _missing(value: Any) -> bool:
    return value is None or value == "" or isinstance(value, Undefined)


def _instant(value: Any) -> Any:
    """An instant as the event carries it (an ISO string) as a datetime; a calendar day stays a day."""
    return datetime.fromisoformat(value) if isinstance(value, str) and len(value) != 10 else value


def kst(value: Any) -> str:
    """An instant for people, in KST ("2026-12-01 18:00 KST"); a calendar day stays a day."""
    if _missing(value):
        return "-"
    value = _instant(value)
    return value if isinstance(value, str) else formatting.kst_minute(value)


def kst_day(value: Any) -> str:
    """The KST calendar day of an instant."""
    if _missing(value):
        return "-"
    value = _instant(value)
    return value if isinstance(value, str) else formatting.kst_day(value)


def won(amount: Any) -> str:
    return "-" if _missing(amount) else formatting.won_korean(amount)


def krw(amount: Any) -> str:
    return "-" if _missing(amount) else formatting.krw(amount)


@lru_cache
def environment(strict: bool = False, language: str = KOREAN) -> Environment:
    """The templates' environment in one language; `strict` (for the tests) fails on a fact a
    template misnames. Money reads "1,000원" in Korean and "KRW 1,000" in English."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined if strict else Dash,
                      autoescape=False, keep_trailing_newline=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]  # jinja2.ext.i18n adds it
    env.filters.update(kst=kst, kst_day=kst_day, money=krw if language == ENGLISH else won)
    return env


def has_template(kind: str) -> bool:
    return (TEMPLATES / f"{kind}.txt").is_file()


def template_for(kind: str, strict: bool = False, language: str = KOREAN) -> Template:
    try:
        return environment(strict, language).get_template(f"{kind}.txt")
    except TemplateNotFound:
        return environment(strict, language).get_template(FALLBACK)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    sms: str
    language: str = "ko"


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return " ".join("".join(template.blocks[name](template.new_context(context))).split())


def _rendered(template: Template, context: dict[str, Any], language: str) -> Rendered:
    subject = f"{SUBJECT_TAG} {_block(template, 'subject', context)}"
    # The SMS line is written in Korean only; an English reader gets the subject instead.
    sms = _block(template, "sms", context) if "sms" in template.blocks and language == KOREAN else subject
    return Rendered(subject=subject, text=template.render(context).strip() + "\n", sms=sms, language=language)


def render(kind: str, facts: dict[str, Any], *, recipient_name: str, link: str, language: str = KOREAN,
           strict: bool = False) -> Rendered:
    """The subject, the plain-text body and the SMS line of one notification for one person, in
    their language (Korean unless "en")."""
    language = ENGLISH if language == ENGLISH else KOREAN
    context = {"kind": kind, "recipient_name": recipient_name, "link": link, **facts}
    return _rendered(template_for(kind, strict, language), context, language)


def render_digest(items: list[dict[str, Any]], *, recipient_name: str, link: str, day: str,
                  language: str = KOREAN) -> Rendered:
    """One email listing the notifications kept for a person's daily digest."""
    language = ENGLISH if language == ENGLISH else KOREAN
    context = {"items": items, "count": len(items), "recipient_name": recipient_name, "link": link, "day": day}
    return _rendered(environment(language=language).get_template("_digest.txt"), context, language)
