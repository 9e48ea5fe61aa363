"""The dashboard's pictures as inline SVG, drawn on the server: no chart library, no script, and
nothing the content security policy would refuse (presentation attributes only, never a style
attribute). Each picture is `role="img"` named by its title and described by a summary sentence;
the page puts a table with the same figures beside it for anyone who cannot see it.

Colours are told apart by more than hue (dash patterns, marks and words), and every text colour
keeps a contrast of at least 4.5:1 on its background."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import floor, log10, pi

from markupsafe import Markup, escape

from api.i18n import _, ngettext, pgettext
from api.pages.console.dashboard import (
    MONEY_SERIES,
    CalendarDay,
    FunnelStep,
    MoneyPoint,
    month_label,
    phase_short,
)
from api.pages.shared.formatting import man_won
from api.services.budget import CategoryTotal

INK, MUTED, ACCENT, WARN, GOOD, LINE = "#1b1f24", "#4a5360", "#0b5cad", "#8a1c1c", "#1d6b35", "#c9d1db"
WARN_BG, TODAY_BG = "#fbeaea", "#eaf2fb"
FONT = 'font-family="system-ui, Noto Sans KR, sans-serif"'


@dataclass(frozen=True)
class Series:
    key: str
    colour: str
    dash: str  # SVG stroke-dasharray ("" for a solid line)


MONEY_LOOK = {
    "committed": Series("committed", MUTED, "8 4"),
    "paid": Series("paid", ACCENT, ""),
    "owed_back": Series("owed_back", WARN, "2 3"),
    "returned": Series("returned", GOOD, "10 3 2 3"),
}


def series_label(key: str) -> str:
    """A money line's name (the dashboard's tiles and tables use the same words)."""
    return {"committed": pgettext("money", "약정"), "paid": pgettext("money", "지급"),
            "owed_back": pgettext("money", "반납·환수 청구"), "returned": pgettext("money", "회수")}.get(key, key)


def weekdays() -> tuple[str, ...]:
    """The calendar's column heads, from Sunday."""
    return (pgettext("weekday", "일"), pgettext("weekday", "월"), pgettext("weekday", "화"),
            pgettext("weekday", "수"), pgettext("weekday", "목"), pgettext("weekday", "금"),
            pgettext("weekday", "토"))


def _svg(chart_id: str, width: int, height: int, title: str, summary: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(summary)}</desc>'
        f'{body}</svg>')


def text_width(content: str, size: int) -> float:
    """Roughly how wide a label is drawn: a Hangul or CJK glyph is about a full em, others about
    six tenths of one (enough to lay labels side by side without overlap)."""
    return sum(size if ord(c) >= 0x1100 else size * 0.6 for c in content)


def _text(x: float, y: float, content: str, size: int = 14, colour: str = INK, anchor: str = "start",
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" {FONT} font-size="{size}" fill="{colour}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(content)}</text>')


# ---------------------------------------------------------------------------------- funnel


def funnel_summary(steps: Sequence[FunnelStep]) -> str:
    reached = [s for s in steps if s.reached]
    if not reached:
        return _("아직 신청한 스타트업이 없습니다.")
    path = ", ".join(f"{phase_short(s.phase)} {s.reached}" for s in reached)
    return _("단계별 도달 기업 수: %(path)s.") % {"path": path}


def funnel_chart(steps: Sequence[FunnelStep], chart_id: str = "funnel") -> Markup:
    """Centred bars, one per phase on the main path, as wide as the startups that reached it."""
    width, row, top, label_w, count_w = 760, 34, 8, 130, 170
    bar_area = width - label_w - count_w
    most = max((s.reached for s in steps), default=0) or 1
    parts = []
    for i, step in enumerate(steps):
        y = top + i * row
        bar = max(bar_area * step.reached / most, 2 if step.reached else 0)
        x = label_w + (bar_area - bar) / 2
        parts.append(_text(label_w - 10, y + 21, phase_short(step.phase), anchor="end"))
        if bar:
            parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{bar:.1f}" height="{row - 8}" rx="3" '
                         f'fill="{ACCENT}" fill-opacity="{1 - 0.06 * i:.2f}"/>')
        else:
            parts.append(f'<line x1="{label_w}" y1="{y + row / 2}" x2="{label_w + bar_area}" y2="{y + row / 2}" '
                         f'stroke="{LINE}" stroke-dasharray="4 4"/>')
        stopped = " " + _("(멈춤 %(stopped)s)") % {"stopped": step.stopped} if step.stopped else ""
        note = f"{step.reached}{stopped}"
        parts.append(_text(width - count_w + 10, y + 21, note, colour=INK if step.reached else MUTED))
    height = top * 2 + row * len(steps)
    return _svg(chart_id, width, height, _("단계 퍼널"), funnel_summary(steps), "".join(parts))


# ---------------------------------------------------------------------------------- money over time


def nice_step(largest: int, ticks: int = 4) -> int:
    """A round tick step (1, 2 or 5 × 10ⁿ won) giving about `ticks` gridlines up to `largest`."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    magnitude = 10 ** floor(log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def money_summary(points: Sequence[MoneyPoint]) -> str:
    if not points:
        return _("아직 자금 이동이 없습니다.")
    last = points[-1]
    return _("%(start)s부터 %(end)s까지 누계: 약정 %(committed)s, 지급 %(paid)s, 반납·환수 청구 %(owed_back)s, "
             "회수 %(returned)s.") % {
        "start": points[0].day.isoformat(), "end": last.day.isoformat(), "committed": man_won(last.committed),
        "paid": man_won(last.paid), "owed_back": man_won(last.owed_back), "returned": man_won(last.returned)}


def money_chart(points: Sequence[MoneyPoint], until: date, chart_id: str = "money") -> Markup:
    """Four running totals as step lines from the first day money moved to `until` (today)."""
    width, height, right, top, bottom = 760, 320, 20, 44, 44
    start = points[0].day if points else until
    end = max(until, points[-1].day if points else until, start + timedelta(days=1))
    span = (end - start).days
    largest = max((getattr(p, s) for p in points for s in MONEY_SERIES), default=0)
    step = nice_step(largest)
    ceiling = max(step * -(-largest // step), step)
    # The amounts' axis is as wide as its longest label ("8억 원", "800 million won").
    left = max(96, round(max(text_width(man_won(t), 12) for t in range(0, ceiling + 1, step))) + 16)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + plot_w * (day - start).days / span

    def y(amount: int) -> float:
        return top + plot_h * (1 - amount / ceiling)

    parts = []
    for tick in range(0, ceiling + 1, step):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" stroke="{LINE}"/>')
        parts.append(_text(left - 8, y(tick) + 5, man_won(tick), 12, MUTED, "end"))
    middle = start + timedelta(days=span // 2)
    ticks = [(start, "start"), (end, "end")] + ([(middle, "middle")] if span >= 20 else [])
    for day, anchor in ticks:
        parts.append(_text(x(day), height - bottom + 20, day.isoformat(), 12, MUTED, anchor))
    for series in MONEY_LOOK.values():
        if not points:
            break
        d = f"M{x(start):.1f},{y(0):.1f}"
        for point in points:
            d += f" H{x(point.day):.1f} V{y(getattr(point, series.key)):.1f}"
        d += f" H{x(end):.1f}"
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        parts.append(f'<path d="{d}" fill="none" stroke="{series.colour}" stroke-width="2.5"{dash}/>')
    lx: float = left
    for series in MONEY_LOOK.values():
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        parts.append(f'<line x1="{lx}" y1="16" x2="{lx + 28}" y2="16" stroke="{series.colour}" stroke-width="3"{dash}/>')
        label = series_label(series.key)
        parts.append(_text(lx + 34, 21, label, 12))
        lx += 34 + text_width(label, 12) + 24
    return _svg(chart_id, width, height, _("자금 흐름"), money_summary(points), "".join(parts))


# ---------------------------------------------------------------------------------- milestone calendar


def calendar_summary(year: int, month: int, weeks: Sequence[Sequence[CalendarDay | None]]) -> str:
    days = [d for week in weeks for d in week if d is not None]
    due = sum(len(d.marks) for d in days)
    overdue = sum(d.overdue for d in days)
    named = month_label(year, month)
    if not due:
        return _("%(month)s에 마감되는 마일스톤이 없습니다.") % {"month": named}
    return ngettext("%(month)s: 마일스톤 %(num)s건 마감, 그중 %(overdue)s건 지연.",
                    "%(month)s: 마일스톤 %(num)s건 마감, 그중 %(overdue)s건 지연.", due) % {
        "month": named, "num": due, "overdue": overdue}


def calendar_chart(year: int, month: int, weeks: Sequence[Sequence[CalendarDay | None]], today: date,
                   chart_id: str = "calendar") -> Markup:
    """A month grid from Sunday; a day with milestones due says how many, and an overdue one is
    filled, framed and labelled overdue (지연) in words."""
    cell_w, cell_h, head = 108, 76, 28
    width, height = cell_w * 7 + 2, head + cell_h * len(weeks) + 2
    parts = [_text(1 + cell_w * i + cell_w / 2, 19, name, 13, WARN if i == 0 else MUTED, "middle", "bold")
             for i, name in enumerate(weekdays())]
    for row, week in enumerate(weeks):
        for col, day in enumerate(week):
            x, y = 1 + col * cell_w, head + row * cell_h
            if day is None:
                parts.append(f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="#f6f7f9" stroke="{LINE}"/>')
                continue
            fill = WARN_BG if day.overdue else TODAY_BG if day.day == today else "#ffffff"
            frame = f'stroke="{WARN}" stroke-width="3"' if day.overdue else \
                f'stroke="{ACCENT}" stroke-width="2"' if day.day == today else f'stroke="{LINE}"'
            names = "; ".join(_("%(company)s %(milestone)s (지연)") % {"company": m.company_name,
                                                                        "milestone": m.title}
                              if m.overdue else f"{m.company_name} {m.title}" for m in day.marks)
            tip = f"<title>{escape(day.day.isoformat() + (': ' + names if names else ''))}</title>"
            parts.append(f'<g>{tip}<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" {frame}/>')
            parts.append(_text(x + 8, y + 20, str(day.day.day), 14, WARN if col == 0 else INK,
                               weight="bold" if day.day == today else "normal"))
            if day.marks:
                parts.append(_text(x + 8, y + 44, _("마감 %(count)s") % {"count": len(day.marks)}, 13, ACCENT,
                                   weight="bold"))
            if day.overdue:
                parts.append(f'<path d="M{x + cell_w - 24},{y + 8} l8,14 h-16 z" fill="{WARN}"/>')
                parts.append(_text(x + 8, y + 64, _("지연 %(count)s") % {"count": day.overdue}, 13, WARN,
                                   weight="bold"))
            parts.append("</g>")
    title = _("%(month)s 마일스톤 달력") % {"month": month_label(year, month)}
    return _svg(chart_id, width, height, title, calendar_summary(year, month, weeks), "".join(parts))


# ---------------------------------------------------------------------------------- on-time rate


def on_time_summary(accepted: int, on_time: int) -> str:
    if not accepted:
        return _("아직 수락된 마일스톤이 없습니다.")
    return ngettext("수락된 마일스톤 %(num)s건 중 %(on_time)s건이 기한 내 제출 (%(share)s).",
                    "수락된 마일스톤 %(num)s건 중 %(on_time)s건이 기한 내 제출 (%(share)s).", accepted) % {
        "num": accepted, "on_time": on_time, "share": f"{on_time / accepted:.0%}"}


def on_time_chart(accepted: int, on_time: int, chart_id: str = "on-time") -> Markup:
    """A ring filled by the share of accepted milestones that were submitted on time."""
    size, radius, stroke = 180, 66, 22
    circumference = 2 * pi * radius
    share = on_time / accepted if accepted else 0
    centre = size / 2
    parts = [f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="#e3e7ec" stroke-width="{stroke}"/>']
    if share:
        parts.append(f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="{GOOD}" '
                     f'stroke-width="{stroke}" stroke-dasharray="{circumference * share:.2f} {circumference:.2f}" '
                     f'transform="rotate(-90 {centre} {centre})"/>')
    parts.append(_text(centre, centre + 4, f"{share:.0%}" if accepted else "—", 28, INK, "middle", "bold"))
    parts.append(_text(centre, centre + 26, f"{on_time}/{accepted}", 13, MUTED, "middle"))
    return _svg(chart_id, size, size, _("기한 내 제출률"), on_time_summary(accepted, on_time),
                "".join(parts))


# ---------------------------------------------------------------------------------- waiting on staff


def waiting_chart(items: Sequence[tuple[str, float]], chart_id: str = "waiting") -> Markup:
    """The longest-waiting items as bars of days waited; `items` are (label, days), longest first."""
    width, row, label_w, value_w = 760, 30, 330, 90
    bar_area = width - label_w - value_w
    longest = max((days for _, days in items), default=0) or 1
    parts = []
    for i, (label, days) in enumerate(items):
        y = 6 + i * row
        shown = label
        while text_width(shown, 13) > label_w - 20 and len(shown) > 1:  # as much as fits, in either language
            shown = shown[:-2] + "…"
        parts.append(_text(label_w - 10, y + 19, shown, 13, anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{max(bar_area * days / longest, 2):.1f}" '
                     f'height="{row - 10}" rx="2" fill="{WARN if days >= 7 else ACCENT}"/>')
        parts.append(_text(width - value_w + 8, y + 19, days_waited(days), 13))
    summary = ngettext("직원 처리 대기 %(num)s건, 가장 오래된 건 %(days)s일 대기.",
                       "직원 처리 대기 %(num)s건, 가장 오래된 건 %(days)s일 대기.", len(items)) % {
        "num": len(items), "days": f"{longest:.1f}"} if items else _("직원 처리를 기다리는 일이 없습니다.")
    return _svg(chart_id, width, 12 + row * max(len(items), 1), _("직원 처리 대기"), summary, "".join(parts))


def days_waited(days: float) -> str:
    """3.5일 (3.5 days), to a tenth of a day."""
    return _("%(days)s일") % {"days": f"{days:.1f}"}


# ---------------------------------------------------------------------------------- budget by category


def budget_summary(categories: Sequence[CategoryTotal]) -> str:
    if not categories:
        return _("사업비 계획이 있는 스타트업이 아직 없습니다.")
    return "; ".join(_("%(name)s: 예산 %(budget)s, 집행 %(executed)s, 불인정 %(disallowed)s") % {
        "name": c.name, "budget": man_won(c.budget), "executed": man_won(c.executed),
        "disallowed": man_won(c.disallowed)} for c in categories) + "."


def budget_chart(categories: Sequence[CategoryTotal], chart_id: str = "budget") -> Markup:
    """One row per category: the budget as a dashed outline, the executed as a solid bar inside it,
    and the disallowed part of it in red with a ✕ (told apart by outline, fill and mark)."""
    width, row, top, label_w, figure_w = 760, 34, 34, 190, 170
    bar_area = width - label_w - figure_w
    most = max((max(c.budget, c.executed) for c in categories), default=0) or 1
    parts = [_text(label_w, 20, _("점선: 예산 · 파란 막대: 집행 · 붉은 ✕ 막대: 불인정"), size=13, colour=MUTED)]
    for i, c in enumerate(categories):
        y = top + i * row
        parts.append(_text(label_w - 10, y + 21, c.name, anchor="end"))
        if c.budget:
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_area * c.budget / most:.1f}" '
                         f'height="{row - 8}" fill="none" stroke="{MUTED}" stroke-dasharray="5 3"/>')
        executed = bar_area * c.executed / most
        if executed:
            parts.append(f'<rect x="{label_w}" y="{y + 9}" width="{max(executed, 2):.1f}" height="{row - 18}" '
                         f'fill="{ACCENT}"/>')
        if c.disallowed:
            cut = max(bar_area * c.disallowed / most, 2)
            x = label_w + max(executed - cut, 0)
            parts.append(f'<rect x="{x:.1f}" y="{y + 9}" width="{cut:.1f}" height="{row - 18}" fill="{WARN}"/>')
            parts.append(_text(x + cut / 2, y + 22, "✕", size=12, colour="#ffffff", anchor="middle"))
        parts.append(_text(width - figure_w + 10, y + 21, f"{man_won(c.executed)} / {man_won(c.budget)}"))
    height = top + row * max(len(categories), 1) + 8
    return _svg(chart_id, width, height, _("비목별 예산 대비 집행"), budget_summary(categories), "".join(parts))
