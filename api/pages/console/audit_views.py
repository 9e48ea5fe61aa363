"""What the auditors' pages compute, as pure functions: the instant an as-of day means, the event
search's filters read from the URL, the cells of an event row (the same cells on the page, in the
CSV and in the XLSX, so that an export is exactly what was shown; only a cell that would run as a
spreadsheet formula gets a leading apostrophe), and the merged timeline of a startup's transitions
and refused attempts. Messages and headers are in the request's language (api/i18n.py); the cells
are the records as they are."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from api.i18n import N_, _
from api.pages.shared.rule_text import rule_text
from domain.formatting import kst_second
from domain.timeutil import KST
from store import audit, audit_anchors

# A page of the event search; the next page starts after its last row's id.
EVENTS_PER_PAGE = 200
FILTER_MAX_LENGTH = 120


def as_of_instant(day: date) -> datetime:
    """The end of a KST calendar day as a UTC instant: the last microsecond before the next day
    begins, so that a transition at 23:59:59.5 counts as that day's."""
    next_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=KST)
    return (next_day - timedelta(microseconds=1)).astimezone(UTC)


def start_of_kst_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=KST).astimezone(UTC)


def parse_day(value: str | None) -> date | None:
    """A date typed or picked as YYYY-MM-DD; ValueError with a message for the page otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(_("날짜는 YYYY-MM-DD 형식이어야 합니다 (입력: %(value)s)")
                         % {"value": repr(value.strip()[:20])}) from None


def upload_problem(message: str, details: Any) -> str:
    """A refused upload in the page's language: the words of the rule the upload names
    (domain/rule_ids.py, as every upload page says them), the API's own message when it names
    none known."""
    problem = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
    limit = problem.get("limit")
    figures = {"mb": limit // (1024 * 1024) if isinstance(limit, int) else "?", "type": problem.get("type") or "?"}
    return rule_text(str(problem.get("rule") or ""), figures) or message


@dataclass(frozen=True)
class EventFilters:
    """The event search as the URL holds it. Dates are KST days, both ends included."""

    program_id: str = ""
    startup_id: str = ""
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None
    after: int | None = None

    def since_instant(self) -> datetime | None:
        return start_of_kst_day(self.since) if self.since else None

    def until_instant(self) -> datetime | None:
        """Exclusive: the start of the day after `until`."""
        return start_of_kst_day(self.until + timedelta(days=1)) if self.until else None

    def query(self, **changes: Any) -> str:
        """The URL query for these filters (with `changes`), empty values left out."""
        changed = replace(self, **changes)
        pairs = [(f.name, getattr(changed, f.name)) for f in fields(changed)]
        return urlencode([(name, value.isoformat() if isinstance(value, date) else value)
                          for name, value in pairs if value not in (None, "")])

    def is_empty(self) -> bool:
        return self == EventFilters(after=self.after)


def parse_event_filters(params: Mapping[str, str]) -> tuple[EventFilters, dict[str, list[str]]]:
    """The filters from a query string, and an error message per field that could not be read
    (that field is then left out of the search, never guessed)."""
    errors: dict[str, list[str]] = {}
    text: dict[str, str] = {}
    for name in ("program_id", "startup_id", "actor", "action"):
        value = (params.get(name) or "").strip()
        if len(value) > FILTER_MAX_LENGTH:
            errors[name] = [_("%(max)s자 이하로 입력하세요") % {"max": FILTER_MAX_LENGTH}]
            value = ""
        text[name] = value
    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        try:
            days[name] = parse_day(params.get(name))
        except ValueError as err:
            errors[name], days[name] = [str(err)], None
    if days["since"] and days["until"] and days["until"] < days["since"]:
        errors["until"] = [_("종료일이 시작일보다 앞설 수 없습니다")]
        days["until"] = None
    after_text = (params.get("after") or "").strip()
    after = int(after_text) if after_text.isdigit() and len(after_text) < 19 else None
    return EventFilters(**text, since=days["since"], until=days["until"], after=after), errors


# ---- event rows: one definition of the columns for the page and both exports


class EventLike(Protocol):
    id: int | None
    at: datetime
    startup_id: str
    program_id: str
    seq: int
    actor_id: str
    actor_name: str
    role: str
    action: str
    reason: str
    from_phase: str
    to_phase: str
    request_id: str | None
    details: dict[str, Any]
    hash: str


# The columns' headers, in Korean; shown (on the page and in the exports) in the page's language.
EVENT_COLUMNS: tuple[str, ...] = (
    N_("번호"), N_("일시 (KST)"), N_("스타트업 ID"), N_("사업 ID"), N_("순번"), N_("행위자"), N_("역할"), N_("행위"),
    N_("단계 변화"), N_("사유"), N_("세부 내용"), N_("해시"),
)


def column_headers() -> list[str]:
    """The header row of the page and of the exports (api/pages/console/exports.py writes the CSV and
    XLSX), in the request's language: an export says what the page said."""
    return [_(header) for header in EVENT_COLUMNS]


def kst_text(at: datetime) -> str:
    # SQLite hands datetimes back without their zone; they are UTC.
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return kst_second(aware, zone=False)


def details_text(details: Any) -> str:
    """A transition's details as compact JSON, Korean left readable."""
    return json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""


def event_cells(event: EventLike) -> list[str]:
    """One event as the text of its cells, in EVENT_COLUMNS order."""
    phase = event.to_phase if event.from_phase == event.to_phase else f"{event.from_phase} → {event.to_phase}"
    return [str(event.id), kst_text(event.at), event.startup_id, event.program_id, str(event.seq),
            f"{event.actor_name} ({event.actor_id})", event.role, event.action, phase, event.reason,
            details_text(event.details), event.hash]


# ---- a startup's timeline: transitions and refused attempts, by time

# Who acted when the workflow recorded something on its own (timers, the program call, the finance
# system); what it recorded is named in api/pages/shared/labels.py's EVENTS, as on a startup's page.
SYSTEM_ROLE = N_("시스템")
# What verify_chain (store/audit.py) says is wrong with the first broken row.
CHAIN_PROBLEMS = {
    audit.PREV_MISMATCH: N_("앞 기록의 해시와 이어지지 않습니다"),
    audit.ALTERED: N_("내용이 해시와 맞지 않습니다: 기록이 바뀌었습니다"),
    audit.DOWNGRADED: N_("키로 서명된 기록 뒤에 키 없는 기록이 있습니다: 키 없이 다시 쓴 기록입니다"),
    audit.UNKNOWN_SCHEME: N_("알 수 없는 해시 방식입니다"),
}
# Against what a truncation was found (store/audit_anchors.py).
ANCHOR_SOURCES = {
    audit_anchors.READ_MODEL: N_("읽기 모델의 기록 수 기준"),
    audit_anchors.TEMPORAL: N_("Temporal 워크플로의 기준점 기준"),
}


def chain_problem(problem: str | None) -> str:
    """The hash chain's problem in the page's language (as verify_chain says it when unknown)."""
    return _(CHAIN_PROBLEMS[problem]) if problem in CHAIN_PROBLEMS else (problem or "")


def anchor_source(cut: audit.Truncation) -> str:
    """Against what a chain was found short, and how, in the page's language."""
    words = _(ANCHOR_SOURCES[cut.source]) if cut.source in ANCHOR_SOURCES else cut.source
    if cut.problem == audit_anchors.ANCHORED_ROW_DIFFERS:
        return words + "; " + _("마지막 기록의 해시가 다릅니다")
    return words


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    startup_id: str
    stage: str
    refused: bool
    actor: str
    role: str
    action: str
    from_phase: str
    to_phase: str
    note: str  # the reason given, or for a refused attempt the rule that refused it
    details: dict[str, Any] | list[Any] | None
    later: bool  # after the as-of day: shown apart, not part of the state on that day


def timeline(entries: Iterable[Any], refused: Iterable[Any], until: datetime | None) -> list[TimelineItem]:
    """The history route's entries and refused attempts as one list in time order (a transition
    before a refused attempt at the same instant)."""
    items = [TimelineItem(at=e.at, startup_id=e.startup_id, stage=e.stage, refused=False,
                          actor=f"{e.actor_name} ({e.actor})", role=e.role, action=e.action, from_phase=e.from_phase,
                          to_phase=e.to_phase, note=e.reason, details=e.details or None,
                          later=until is not None and e.at > until) for e in entries]
    items += [TimelineItem(at=r.at, startup_id=r.startup_id or "", stage="", refused=True, actor=r.actor, role=r.role,
                           action=r.action, from_phase="", to_phase="", note=f"{r.code}: {r.message}",
                           details=r.details, later=until is not None and r.at > until) for r in refused]
    return sorted(items, key=lambda item: (item.at, item.refused))
