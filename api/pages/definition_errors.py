"""Why an uploaded program definition was refused, placed next to the part of it that is wrong.

The new-program page shows the uploaded definition laid out (its settings, and its tasks,
tranches and milestones as tables); each validation error of `ProgramDefinition` is attached to
the nearest part shown (its anchor: a setting, a row, or a cell), with a readable name such as
"분할 지급 2번째 › 지급 비율 (tranches[1].share_percent)" and a message in Korean and English."""

import json
from typing import Any

from pydantic import ValidationError

SETTINGS = {
    "id": "사업 ID", "name": "사업명", "stage": "단계", "slots": "선정 규모", "grant_amount": "기업당 지원금",
    "budget": "총 예산", "application_opens_at": "접수 시작", "application_closes_at": "접수 마감",
    "founded_within_years": "업력 제한 (년)", "min_score": "최저 점수", "evaluators_required": "필요 평가위원 수",
    "promotion_grades": "연계 대상 등급", "policy": "기한 정책",
}
TABLES = {
    "tasks": ("과제", {"id": "과제 ID", "sector": "분야", "title": "과제명", "sme_region": "수요기업 지역"}),
    "tranches": ("분할 지급", {"key": "키", "label": "이름", "share_percent": "지급 비율", "trigger": "지급 조건"}),
    "milestones": ("마일스톤", {"key": "키", "title": "이름", "days_after_agreement": "협약 후 일수"}),
}
WHOLE = ""  # the definition as a whole (a rule across fields)
RULES_KO = {
    "missing": "필수 항목입니다", "extra_forbidden": "알 수 없는 항목입니다", "string_pattern_mismatch": "형식이 맞지 않습니다",
    "greater_than": "값이 너무 작습니다", "greater_than_equal": "값이 너무 작습니다", "less_than": "값이 너무 큽니다",
    "less_than_equal": "값이 너무 큽니다", "int_parsing": "정수여야 합니다", "int_type": "정수여야 합니다",
    "int_from_float": "정수여야 합니다", "float_parsing": "숫자여야 합니다", "string_type": "문자열이어야 합니다",
    "string_too_short": "비어 있을 수 없습니다", "string_too_long": "너무 깁니다", "enum": "허용된 값이 아닙니다",
    "literal_error": "허용된 값이 아닙니다", "datetime_parsing": "날짜·시각 형식이 아닙니다",
    "datetime_from_date_parsing": "날짜·시각 형식이 아닙니다", "timezone_aware": "시간대(+09:00 등)가 필요합니다",
    "list_type": "목록이어야 합니다", "dict_type": "객체여야 합니다", "model_type": "객체여야 합니다",
    "value_error": "규칙에 맞지 않습니다", "bool_parsing": "true 또는 false여야 합니다",
}


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
    """Korean name first, the definition's own path beside: 분할 지급 2번째 › 지급 비율 (tranches[1].share_percent)."""
    if path == WHOLE:
        return "정의 전체 (the whole definition)"
    parts = path.split(".")
    if parts[0] in SETTINGS:
        return f"{SETTINGS[parts[0]]} ({path})"
    if parts[0] not in TABLES:
        return path
    table, columns = TABLES[parts[0]]
    if len(parts) == 1:
        return f"{table} ({path})"
    spelled = f"{parts[0]}[{parts[1]}]" + (f".{parts[2]}" if len(parts) > 2 else "")
    name = f"{table} {int(parts[1]) + 1}번째" + (f" › {columns.get(parts[2], parts[2])}" if len(parts) > 2 else "")
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
        korean = RULES_KO.get(str(e.get("type")), "규칙에 맞지 않습니다")
        deeper = _dotted(loc) if _dotted(loc) != where else ""
        text = f"{korean} ({message})" + (f" — {deeper}" if deeper else "")
        found.setdefault(where, []).append(text)
    return found


def parse_upload(raw: bytes) -> tuple[Any, dict[str, list[str]]]:
    """The uploaded bytes as JSON, or the reason they are not (in the file field's errors)."""
    if not raw.strip():
        return None, {"definition": ["정의 파일이 비어 있습니다 (the definition file is empty)"]}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, {"definition": ["UTF-8 텍스트가 아닙니다 (the file is not UTF-8 text)"]}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as bad:
        return None, {"definition": [f"JSON 형식 오류: {bad.lineno}행 {bad.colno}열 "
                                     f"(invalid JSON at line {bad.lineno}, column {bad.colno}: {bad.msg})"]}
    if not isinstance(data, dict):
        return None, {"definition": ["정의는 JSON 객체({ … })여야 합니다 (the definition must be a JSON object)"]}
    return data, {}
