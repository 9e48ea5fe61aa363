"""The program report as downloads: one CSV table and an XLSX workbook of five sheets (summary,
startups by phase, money, work waiting on staff, amendments and appeals). The figures are the JSON report's own
(`api.services.reports.report`), under the same names, so the three can be compared line by line;
the words around them (sheet names, headers, labels) are in the language of the page they were
downloaded from.
Cells go through the console's shared spreadsheet rules (`api.pages.console.exports`: formula-looking
text stays text, CSV with a byte order mark)."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from api.i18n import N_, _, pgettext
from api.pages.console.dashboard import PHASE_ORDER, phase_short, waiting_label
from api.pages.console.exports import safe_cell, table_csv
from api.schemas import Report
from api.services.budget import ProgramBudget
from domain.formatting import kst_minute

# The report's money figures and summary by their JSON names; Korean, marked for the catalogue
# (shown as `_(label)`, here and on the dashboard).
MONEY_LABELS = {
    "committed": N_("약정 (해제분 차감)"), "requested": N_("지급 요청"), "approved": N_("지급 승인됨"),
    "paid": N_("지급 완료"), "failed": N_("지급 실패"), "refund_due": N_("반납 청구 누계"),
    "refunded": N_("반납 완료"), "clawback_due": N_("환수 청구 누계"), "clawed_back": N_("환수 완료"),
    "waived": N_("환수 면제"), "released": N_("약정 해제"), "refund_owed": N_("반납 미회수"),
    "clawback_owed": N_("환수 미회수"),
}
SUMMARY_LABELS = {
    "program_id": N_("사업 ID"), "stage": N_("사업 단계"), "slots": N_("선정 규모"), "budget": N_("총 예산"),
    "startups": N_("스타트업 수"), "milestones_accepted": N_("수락된 마일스톤"), "milestones_on_time": N_("기한 내 제출"),
    "on_time_rate": N_("기한 내 제출률"), "overdue": N_("지연 중인 스타트업"),
}
WON_FORMAT = '"₩"#,##0'


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters (an XLSX rule)
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    money_column: int | None = None  # a 0-based column of integer won, shown as ₩ amounts
    money_columns: tuple[int, ...] = ()  # more such columns (the budget by category has four)


def _phase_order(phase: str) -> int:
    return PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)


def money_label(kind: str) -> str:
    return _(MONEY_LABELS[kind]) if kind in MONEY_LABELS else kind


def changes_rows(report: Report) -> list[tuple[str, str, str, Any]]:
    """(section, key, label, value) of the report's amendments (협약 변경) and appeals (이의신청), under
    the JSON report's names; the days to decide are empty before any decision."""
    amendments, appeals = report.amendments, report.appeals
    days = [("mean_days_to_decide", _("평균 처리 일수")), ("longest_days_to_decide", _("최장 처리 일수"))]
    amendment_labels = [("requested", _("신청")), ("approved", pgettext("amendment", "승인")),
                        ("rejected", pgettext("amendment", "반려")), ("pending", _("결정 대기")),
                        ("effective", _("통보 사항")), *days]
    appeal_labels = [("filed", pgettext("appeal", "접수")), ("upheld", _("인용")), ("dismissed", _("기각")),
                     ("pending", _("심의 대기")), ("moot", _("종결 (선정)")), *days]
    return ([("amendments", key, label, getattr(amendments, key)) for key, label in amendment_labels]
            + [("appeals", key, label, getattr(appeals, key)) for key, label in appeal_labels])


def report_sheets(report: Report) -> list[Sheet]:
    """The workbook's sheets. The first column of each holds the JSON report's own names (keys,
    phases, startup ids); the words are the page's language."""
    summary = report.model_dump(include=set(SUMMARY_LABELS))
    phases = sorted(report.counts_by_phase.items(), key=lambda kv: _phase_order(kv[0]))
    key, label = pgettext("report column", "항목"), pgettext("report column", "설명")
    return [
        Sheet(pgettext("report sheet", "요약"), (key, label, pgettext("report column", "값")),
              [(k, _(SUMMARY_LABELS[k]), summary[k]) for k in SUMMARY_LABELS]),
        Sheet(pgettext("report sheet", "단계"), (pgettext("report column", "단계"), label,
                                               pgettext("report column", "스타트업 수")),
              [(phase, phase_short(phase), n) for phase, n in phases]),
        Sheet(pgettext("report sheet", "자금"), (key, label, pgettext("report column", "금액 (원)")),
              [(kind, money_label(kind), amount) for kind, amount in report.money.items()],
              money_column=2),
        Sheet(pgettext("report sheet", "직원 처리 대기"),
              (pgettext("report column", "스타트업 ID"), pgettext("report column", "기업명"),
               pgettext("report column", "대기 업무"), label, pgettext("report column", "시작 (KST)"),
               pgettext("report column", "대기 일수")),
              [(w.startup_id, w.company_name, w.waiting_for, waiting_label(w.waiting_for),
                kst_minute(w.since, zone=False), w.waiting_days) for w in report.waiting_on_staff]),
        Sheet(pgettext("report sheet", "협약 변경·이의신청"),
              (pgettext("report column", "구분"), key, label, pgettext("report column", "값")),
              changes_rows(report)),
    ]


def workbook_xlsx(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        for index, title in enumerate(sheet.header, start=1):  # widths go before the first row
            widest = max([len(str(title)), *(len(str(row[index - 1])) for row in sheet.rows)])
            ws.column_dimensions[get_column_letter(index)].width = min(max(widest + 4, 12), 60)
        ws.freeze_panes = "A2"
        ws.append(list(sheet.header))
        for row in sheet.rows:
            cells = []
            for index, value in enumerate(row):
                cell = WriteOnlyCell(ws, value=safe_cell(value))
                if (index == sheet.money_column or index in sheet.money_columns) and isinstance(value, int):
                    cell.number_format = WON_FORMAT
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_xlsx(report: Report, by_category: ProgramBudget | None = None) -> bytes:
    """The report's sheets, and the budget by category where the program keeps one."""
    return workbook_xlsx(report_sheets(report) + ([budget_sheet(by_category)] if by_category and by_category.startups else []))


def budget_sheet(found: ProgramBudget) -> Sheet:
    """Budget vs executed vs disallowed by category across the program (`GET /programs/{id}/budget`'s
    figures under its names), with the total last."""
    total = found.total
    return Sheet(pgettext("report sheet", "비목별 예산"),
                 (pgettext("report column", "비목 키"), pgettext("report column", "비목"),
                  pgettext("report column", "예산 (원)"), pgettext("report column", "집행 (원)"),
                  pgettext("report column", "불인정 (원)"), pgettext("report column", "인정·검토 대기 (원)")),
                 [(c.category, c.name, c.budget, c.executed, c.disallowed, c.counted) for c in found.categories]
                 + [("total", pgettext("report column", "합계"), total.budget, total.executed, total.disallowed,
                     total.counted)],
                 money_columns=(2, 3, 4, 5))


def budget_xlsx(found: ProgramBudget) -> bytes:
    return workbook_xlsx([budget_sheet(found)])


def report_csv(report: Report) -> bytes:
    """One table of (section, key, label, value); section and key are the JSON report's names
    (e.g. money, paid), the label in the page's language."""
    summary = report.model_dump(include=set(SUMMARY_LABELS))
    rows: list[tuple[Any, ...]] = [("summary", key, _(SUMMARY_LABELS[key]), summary[key]) for key in SUMMARY_LABELS]
    rows += [("counts_by_phase", phase, phase_short(phase), n)
             for phase, n in sorted(report.counts_by_phase.items(), key=lambda kv: _phase_order(kv[0]))]
    rows += [("money", kind, money_label(kind), amount) for kind, amount in report.money.items()]
    rows += [("waiting_on_staff", w.startup_id,
              f"{w.company_name} · {waiting_label(w.waiting_for)} · {kst_minute(w.since)}",
              w.waiting_days)
             for w in report.waiting_on_staff]
    rows += changes_rows(report)
    return table_csv((pgettext("report column", "구분"), pgettext("report column", "항목"),
                      pgettext("report column", "설명"), pgettext("report column", "값")), rows)
