"""The evaluator pool's calibration as a picture (평가위원별 편차): each evaluator's mean distance
from their panels' mean as a bar from a middle line, above the mean to the right and below it to the
left, drawn on the server as the dashboard's charts are (api/pages/console/charts.py: inline SVG,
no script, `role="img"` with a title and a summary sentence). The table beside it keeps the figures.

Above and below are told apart by side, by a sign in the printed figure and by colour; an evaluator
with no panel to compare with has no bar and says so in words."""

from collections.abc import Sequence

from markupsafe import Markup

from api.i18n import _, ngettext
from api.pages.console.charts import ACCENT, LINE, MUTED, WARN, _svg, _text, text_width
from api.services.evaluator_assignment import PanelRow

# The scale's half width never shrinks below this many points, so that a pool whose evaluators all
# sit within a point of their panels does not look as spread as one five points apart.
MIN_SPAN = 5.0


def calibration_summary(rows: Sequence[PanelRow]) -> str:
    """One sentence of what the picture shows: how many evaluators compare, and the farthest."""
    compared = [r for r in rows if r.offset is not None]
    if not compared:
        return _("아직 다른 위원과 함께 평가한 스타트업이 없어 편차를 계산할 수 없습니다.")
    farthest = max(compared, key=lambda r: abs(r.offset or 0.0))
    return ngettext("평가위원 %(num)s명의 편차. 패널 평균에서 가장 먼 위원은 %(name)s(%(offset)s점).",
                    "평가위원 %(num)s명의 편차. 패널 평균에서 가장 먼 위원은 %(name)s(%(offset)s점).",
                    len(compared)) % {"num": len(compared), "name": farthest.name,
                                      "offset": f"{farthest.offset:+.1f}"}


def calibration_chart(rows: Sequence[PanelRow], chart_id: str = "calibration") -> Markup:
    """One row per pool evaluator, in the table's order: a bar from the middle line (the panel's
    mean) to their offset, its figure at the bar's end; "—" and words where nothing compares."""
    width, row_h, label_w, value_w = 760, 30, 220, 70
    middle = label_w + (width - label_w - value_w) / 2
    half = (width - label_w - value_w) / 2 - 50  # room for the figure beyond the longest bar
    span = max([MIN_SPAN, *(abs(r.offset) for r in rows if r.offset is not None)])
    height = 34 + row_h * max(len(rows), 1)
    parts = [_text(middle, 16, _("패널 평균"), 12, MUTED, anchor="middle"),
             _text(label_w + 4, 16, _("◀ 낮게"), 12, MUTED),
             _text(width - value_w - 4, 16, _("높게 ▶"), 12, MUTED, anchor="end"),
             f'<line x1="{middle:.1f}" y1="22" x2="{middle:.1f}" y2="{height - 4}" stroke="{LINE}" '
             f'stroke-width="2"/>']
    for i, row in enumerate(rows):
        y = 26 + i * row_h
        shown = row.name
        while text_width(shown, 13) > label_w - 20 and len(shown) > 1:
            shown = shown[:-2] + "…"
        parts.append(_text(label_w - 10, y + 19, shown, 13, anchor="end"))
        if row.offset is None:
            parts.append(_text(middle + 8, y + 19, _("— 비교할 패널 없음"), 12, MUTED))
            continue
        length = max(half * abs(row.offset) / span, 2)
        left = middle if row.offset >= 0 else middle - length
        colour = WARN if row.offset > 0 else ACCENT
        parts.append(f'<rect x="{left:.1f}" y="{y + 6}" width="{length:.1f}" height="{row_h - 12}" rx="2" '
                     f'fill="{colour}"/>')
        end = middle + length + 6 if row.offset >= 0 else middle - length - 6
        parts.append(_text(end, y + 19, f"{row.offset:+.1f}", 13, anchor="start" if row.offset >= 0 else "end"))
    return _svg(chart_id, width, height, _("평가위원별 편차 (패널 평균과의 차이)"), calibration_summary(rows),
                "".join(parts))
