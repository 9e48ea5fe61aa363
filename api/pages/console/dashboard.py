"""The program dashboard's figures, as pure functions of rows already read: the phase funnel, money
over time, the milestone calendar and the work waiting on staff. No I/O here (the page reads the
rows), so every figure is unit-tested without a server (tests/pages/test_dashboard.py)."""

import calendar
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from api.i18n import N_, _, pgettext
from domain.timeutil import kst_date


def phase_short(phase: str) -> str:
    """A phase's short name, as the funnel and the report's phase table show it (labels.PHASES
    has the longer ones)."""
    names = {
        "applied": pgettext("phase, short", "신청"), "ineligible": pgettext("phase, short", "자격 미달"),
        "under_review": pgettext("phase, short", "평가"), "selected": pgettext("phase, short", "선정"),
        "waitlisted": pgettext("phase, short", "예비 후보"), "rejected": pgettext("phase, short", "미선정"),
        "matched": pgettext("phase, short", "매칭"), "contracted": pgettext("phase, short", "협약"),
        "in_poc": pgettext("phase, short", "실증"), "suspended": pgettext("phase, short", "중지"),
        "final_review": pgettext("phase, short", "최종평가"), "settlement": pgettext("phase, short", "정산"),
        "completed": pgettext("phase, short", "완료"), "promoted": pgettext("phase, short", "단계 연계"),
        "cancelled": pgettext("phase, short", "선정 취소"), "withdrawn": pgettext("phase, short", "포기"),
        "terminated": pgettext("phase, short", "협약 해지"),
    }
    return names.get(phase, phase)


# Every phase, in the order the report lists them.
PHASE_ORDER = ("applied", "ineligible", "under_review", "selected", "waitlisted", "rejected", "matched",
               "contracted", "in_poc", "suspended", "final_review", "settlement", "completed", "promoted",
               "cancelled", "withdrawn", "terminated")
MONTH_NAMES = (N_("1월"), N_("2월"), N_("3월"), N_("4월"), N_("5월"), N_("6월"), N_("7월"), N_("8월"), N_("9월"),
               N_("10월"), N_("11월"), N_("12월"))


def month_label(year: int, month: int) -> str:
    """2025년 10월 (October 2025)."""
    return _("%(year)s년 %(month)s") % {"year": year, "month": _(MONTH_NAMES[month - 1])}


# The main path of a lifecycle, in order: the funnel's steps.
FUNNEL_PATH = ("applied", "under_review", "selected", "matched", "contracted", "in_poc", "final_review",
               "settlement", "completed", "promoted")
# Phases off the main path, placed at the step they stopped at.
STOPPED_AT = {"ineligible": "applied", "waitlisted": "under_review", "rejected": "under_review",
              "suspended": "in_poc"}
# Exits that can happen at many steps: placed where the startup left from (its last transition).
EXITS = ("cancelled", "withdrawn", "terminated")


@dataclass(frozen=True)
class FunnelStep:
    phase: str
    reached: int  # startups that got at least this far
    here: int  # startups in this phase now (suspended ones count with in_poc)
    stopped: int  # startups whose lifecycle stopped at this step (not selected, left, ineligible, ...)


def _position(phase: str, left_from: str | None = None) -> int:
    if phase in EXITS:
        return _position(left_from) if left_from and left_from not in EXITS else 0
    step = STOPPED_AT.get(phase, phase)
    return FUNNEL_PATH.index(step) if step in FUNNEL_PATH else 0


def funnel(counts_by_phase: dict[str, int], exits_left_from: Iterable[tuple[str, str]] = ()) -> list[FunnelStep]:
    """The phase funnel. `exits_left_from` holds one (exit phase, phase it was left from) per
    startup that was cancelled, withdrew or was terminated; an exit without one counts as having
    stopped at the application."""
    at_position: Counter[int] = Counter()
    stopped: Counter[int] = Counter()
    located: Counter[str] = Counter()
    for exit_phase, left_from in exits_left_from:
        if located[exit_phase] < counts_by_phase.get(exit_phase, 0):
            located[exit_phase] += 1
            at_position[_position(exit_phase, left_from)] += 1
            stopped[_position(exit_phase, left_from)] += 1
    for phase, count in counts_by_phase.items():
        unplaced = count - located[phase] if phase in EXITS else count
        at_position[_position(phase)] += unplaced
        if phase not in FUNNEL_PATH and phase != "suspended":
            stopped[_position(phase)] += unplaced
    steps = []
    for i, phase in enumerate(FUNNEL_PATH):
        here = counts_by_phase.get(phase, 0) + (counts_by_phase.get("suspended", 0) if phase == "in_poc" else 0)
        steps.append(FunnelStep(phase, sum(n for pos, n in at_position.items() if pos >= i), here, stopped[i]))
    return steps


@dataclass(frozen=True)
class MoneyPoint:
    """Running totals at the end of one KST day, in integer won."""

    day: date
    committed: int  # grants committed, net of those released when a startup left before payment
    paid: int
    owed_back: int  # refunds and clawbacks ever asked for
    returned: int  # refunds and clawbacks received


# How each ledger kind moves the four running totals (other kinds move none of them).
_MOVES = {"committed": ("committed", 1), "released": ("committed", -1), "paid": ("paid", 1),
          "refund_due": ("owed_back", 1), "clawback_due": ("owed_back", 1),
          "refunded": ("returned", 1), "clawed_back": ("returned", 1)}
MONEY_SERIES = ("committed", "paid", "owed_back", "returned")


def money_over_time(entries: Iterable[tuple[datetime, str, int]]) -> list[MoneyPoint]:
    """One point per KST day on which money moved: the running totals after that day. The last
    point equals the program report's committed, paid, refund_due + clawback_due and refunded +
    clawed_back."""
    by_day: dict[date, Counter[str]] = {}
    for at, kind, amount in entries:
        if kind in _MOVES:
            series, sign = _MOVES[kind]
            by_day.setdefault(kst_date(at), Counter())[series] += sign * amount
    totals: Counter[str] = Counter()
    points = []
    for day in sorted(by_day):
        totals.update(by_day[day])
        points.append(MoneyPoint(day, *(totals[s] for s in MONEY_SERIES)))
    return points


@dataclass(frozen=True)
class MilestoneMark:
    startup_id: str
    company_name: str
    key: str
    title: str
    due_at: datetime
    status: str
    overdue: bool


def milestone_marks(startup_id: str, company_name: str, milestones: Iterable[dict[str, object]],
                    now: datetime, month: tuple[int, int] | None = None) -> list[MilestoneMark]:
    """A startup's milestones (as stored in its projected state) as calendar marks, only those
    due (KST) in `month` (year, month) if given. An open one whose due instant has passed is
    overdue even before the workflow's clock has said so."""
    marks = []
    for m in milestones:
        due = datetime.fromisoformat(str(m["due_at"]))
        day = kst_date(due)
        if month is not None and (day.year, day.month) != month:
            continue
        status = str(m.get("status", "pending"))
        open_ = status in ("pending", "revision_requested")
        marks.append(MilestoneMark(startup_id, company_name, str(m["key"]), str(m.get("title", m["key"])), due,
                                   status, open_ and (bool(m.get("overdue")) or due <= now)))
    return marks


@dataclass
class CalendarDay:
    day: date
    marks: list[MilestoneMark] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(m.overdue for m in self.marks)


def month_calendar(year: int, month: int, marks: Iterable[MilestoneMark]) -> list[list[CalendarDay | None]]:
    """The month as weeks from Sunday (as Korean calendars print them), each day with the
    milestones due on it (KST); None pads the weeks before the 1st and after the last day."""
    days = {d: CalendarDay(d) for d in calendar.Calendar(calendar.SUNDAY).itermonthdates(year, month)
            if d.month == month}
    for mark in sorted(marks, key=lambda m: (m.due_at, m.company_name)):
        found = days.get(kst_date(mark.due_at))
        if found is not None:
            found.marks.append(mark)
    return [[days.get(d) if d.month == month else None for d in week]
            for week in calendar.Calendar(calendar.SUNDAY).monthdatescalendar(year, month)]


def month_of(text: str | None, today: date) -> tuple[int, int]:
    """A `YYYY-MM` query value as (year, month); anything else means this month."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class WaitingGroup:
    what: str  # review, approval, settlement
    count: int
    longest_days: float


def waiting_groups(items: Iterable[tuple[str, float]]) -> list[WaitingGroup]:
    """Work waiting on staff by kind ("review of kickoff" → review), longest wait first.
    `items` are (waiting_for, waiting_days) as the report lists them."""
    groups: dict[str, list[float]] = {}
    for waiting_for, days in items:
        groups.setdefault(waiting_for.split(" ", 1)[0], []).append(days)
    return sorted((WaitingGroup(what, len(days), max(days)) for what, days in groups.items()),
                  key=lambda g: -g.longest_days)


def waiting_kind(what: str) -> str:
    """A kind of waiting work (waiting_groups' `what`) as a word."""
    return {"review": pgettext("waiting work", "검토"), "approval": pgettext("waiting work", "지급 승인"),
            "settlement": pgettext("waiting work", "정산 승인")}.get(what, what)


def waiting_label(waiting_for: str) -> str:
    """What a waiting item waits for, from the report's English key ("review of kickoff"): the
    kind of work and the milestone or tranche it is about (its key)."""
    what, _of, subject = waiting_for.partition(" of ")
    if subject and what == "review":
        return _("마일스톤 검토 %(subject)s") % {"subject": subject}
    if subject and what == "approval":
        return _("지급 승인 %(subject)s") % {"subject": subject}
    if waiting_for == "settlement approval":
        return pgettext("waiting work", "정산 승인")
    return waiting_for
