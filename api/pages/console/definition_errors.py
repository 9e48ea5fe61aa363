"""Why an uploaded program definition was refused, placed next to the part of it that is wrong.

The new-program page shows the uploaded definition laid out (its settings, and its tasks,
tranches and milestones as tables); each validation error of `ProgramDefinition` is attached to
the nearest part shown (its anchor: a setting, a row, or a cell), with a readable name such as
"분할 지급 2번째 › 지급 비율 (tranches[1].share_percent)" (in English "Tranche 2 › Share
(tranches[1].share_percent)") and a message in the page's language, with the validator's own words
beside it. The names below are Korean marked for the catalogue, shown as `_(name)`."""

import json
from typing import Any

from pydantic import ValidationError

from api.i18n import N_, _
from domain.rule_ids import RuleId
from domain.rule_words import RULE_WORDS

SETTINGS = {
    "id": N_("사업 ID"), "name": N_("사업명"), "stage": N_("사업 단계"), "slots": N_("선정 규모"),
    "grant_amount": N_("기업당 지원금"), "budget": N_("총 예산"), "application_opens_at": N_("접수 시작 시각"),
    "application_closes_at": N_("접수 마감 시각"), "founded_within_years": N_("업력 제한 (년)"),
    "min_score": N_("최저 점수"), "evaluators_required": N_("필요 평가위원 수"),
    "promotion_grades": N_("연계 대상 등급"), "policy": N_("기한 정책"),
}
TABLES = {
    "tasks": (N_("과제"), {"id": N_("과제 ID"), "sector": N_("분야"), "title": N_("과제명"),
                         "sme_region": N_("수요기업 지역")}),
    "tranches": (N_("분할 지급"), {"key": N_("키"), "label": N_("이름"), "share_percent": N_("지급 비율"),
                               "trigger": N_("지급 조건")}),
    "milestones": (N_("마일스톤"), {"key": N_("키"), "title": N_("이름"),
                                "days_after_agreement": N_("협약 후 일수")}),
}
# The tables' captions (the names above name one row: "분할 지급 2번째", "Tranche 2").
CAPTIONS = {"tasks": N_("과제 목록"), "tranches": N_("분할 지급 목록"), "milestones": N_("마일스톤 목록")}
WHOLE = ""  # the definition as a whole (a rule across fields)

# The definition's cross-field rules (domain/program.py), said in the page's language alone: the
# validator's English is the API's, not the page's.
CROSS_FIELD = {
    "application_closes_at must be after application_opens_at": N_("접수 마감 시각은 접수 시작 시각보다 뒤여야 합니다"),
    "application_opens_at and application_closes_at go together": N_("접수 시작 시각과 마감 시각은 함께 정합니다"),
    "a program with an application window needs at least one task": N_("접수를 받는 사업에는 과제가 하나 이상 필요합니다"),
    "tranche share_percent values must add up to 100": N_("분할 지급 비율의 합은 100이어야 합니다"),
    "at least one milestone is needed": N_("마일스톤이 하나 이상 필요합니다"),
}


def type_words(error_type: str) -> str:
    """Pydantic's error type in words (domain/rule_ids.py's RULE_WORDS, where pydantic's types are
    rules too), untranslated; a type without words reads as a rule broken. The validator's message
    always follows in brackets, so a type whose message says more still has its words here."""
    known = RuleId._value2member_map_.get(error_type)
    return RULE_WORDS[known] if isinstance(known, RuleId) else RULE_WORDS[RuleId.VALUE_ERROR]


def anchor_of(loc: tuple[Any, ...], data: Any) -> str:
    """The path of the nearest part the page shows, for an error at `loc`."""
    if not loc or not isinstance(data, dict):
        return WHOLE
    first = str(loc[0])
    if first in SETTINGS:
        return first
    if first not in TABLES:
        return WHOLE
    rows = data.get(first)
    if len(loc) < 2 or not isinstance(loc[1], int) or not isinstance(rows, list) or loc[1] >= len(rows):
        return first
    row = f"{first}.{loc[1]}"
    if len(loc) >= 3 and str(loc[2]) in TABLES[first][1]:
        return f"{row}.{loc[2]}"
    return row


def readable(path: str) -> str:
    """The part's name, the definition's own path beside: 분할 지급 2번째 › 지급 비율 (tranches[1].share_percent)."""
    if path == WHOLE:
        return _("정의 전체")
    parts = path.split(".")
    if parts[0] in SETTINGS:
        return f"{_(SETTINGS[parts[0]])} ({path})"
    if parts[0] not in TABLES:
        return path
    table, columns = TABLES[parts[0]]
    if len(parts) == 1:
        return f"{_(table)} ({path})"
    spelled = f"{parts[0]}[{parts[1]}]" + (f".{parts[2]}" if len(parts) > 2 else "")
    name = _("%(table)s %(number)s번째") % {"table": _(table), "number": int(parts[1]) + 1}
    if len(parts) > 2:
        name += " › " + (_(columns[parts[2]]) if parts[2] in columns else parts[2])
    return f"{name} ({spelled})"


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def field_errors(err: ValidationError, data: Any) -> dict[str, list[str]]:
    """Each error under its anchor; an error deeper than its anchor names the rest of its path."""
    found: dict[str, list[str]] = {}
    for e in err.errors():
        loc = tuple(e.get("loc", ()))
        where = anchor_of(loc, data)
        message = str(e.get("msg", "")).removeprefix("Value error, ")
        rule = _(type_words(str(e.get("type")))).rstrip(".")
        deeper = _dotted(loc) if _dotted(loc) != where else ""
        said = _(CROSS_FIELD[message]) if message in CROSS_FIELD else f"{rule} ({message})"
        text = said + (f" — {deeper}" if deeper else "")
        found.setdefault(where, []).append(text)
    return found


def parse_upload(raw: bytes) -> tuple[Any, dict[str, list[str]]]:
    """The uploaded bytes as JSON, or the reason they are not (in the file field's errors)."""
    if not raw.strip():
        return None, {"definition": [_("정의 파일이 비어 있습니다.")]}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, {"definition": [_("UTF-8 텍스트가 아닙니다.")]}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as bad:
        return None, {"definition": [_("JSON 형식 오류: %(line)s행 %(column)s열 (%(reason)s)") % {
            "line": bad.lineno, "column": bad.colno, "reason": bad.msg}]}
    if not isinstance(data, dict):
        return None, {"definition": [_("정의는 JSON 객체({ … })여야 합니다.")]}
    return data, {}
