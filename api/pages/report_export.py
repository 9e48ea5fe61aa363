"""The program report as downloads: one CSV table and an XLSX workbook of four sheets (summary,
startups by phase, money, work waiting on staff). The figures are the JSON report's own
(`api.routes.programs.report`), under the same names, so the three can be compared line by line.
Cells go through the console's shared spreadsheet rules (`api.pages.exports`: formula-looking
text stays text, CSV with a byte order mark)."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from api.pages.dashboard import PHASE_ENGLISH, PHASE_LABELS
from api.pages.exports import safe_cell, table_csv
from api.schemas import Report
from domain.timeutil import to_kst

MONEY_LABELS = {
    "committed": "약정 (committed, net of released)", "requested": "지급 요청 (requested)",
    "approved": "지급 승인 (approved)", "paid": "지급 완료 (paid)", "failed": "지급 실패 (failed)",
    "refund_due": "반납 청구 누계 (refund due, all time)", "refunded": "반납 완료 (refunded)",
    "clawback_due": "환수 청구 누계 (clawback due, all time)", "clawed_back": "환수 완료 (clawed back)",
    "waived": "면제 (waived)", "released": "약정 해제 (released)", "refund_owed": "반납 미회수 (refund owed now)",
    "clawback_owed": "환수 미회수 (clawback owed now)",
}
SUMMARY_LABELS = {
    "program_id": "사업 ID (program id)", "stage": "단계 (stage)", "slots": "선정 규모 (slots)",
    "budget": "총 예산 (budget)", "startups": "스타트업 수 (startups)",
    "milestones_accepted": "수락된 마일스톤 (milestones accepted)",
    "milestones_on_time": "기한 내 제출 (milestones on time)", "on_time_rate": "기한 내 제출률 (on-time rate)",
    "overdue": "지연 중인 스타트업 (overdue startups)",
}
WON_FORMAT = '"₩"#,##0'


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters (an XLSX rule)
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    money_column: int | None = None  # a 0-based column of integer won, shown as ₩ amounts


def _phase_order(phase: str) -> int:
    order = list(PHASE_LABELS)
    return order.index(phase) if phase in order else len(order)


def report_sheets(report: Report) -> list[Sheet]:
    summary = report.model_dump(include=set(SUMMARY_LABELS))
    phases = sorted(report.counts_by_phase.items(), key=lambda kv: _phase_order(kv[0]))
    return [
        Sheet("요약 Summary", ("항목 key", "설명 label", "값 value"),
              [(key, SUMMARY_LABELS[key], summary[key]) for key in SUMMARY_LABELS]),
        Sheet("단계 Phases", ("단계 phase", "설명 label", "스타트업 수 startups"),
              [(phase, f"{PHASE_LABELS.get(phase, phase)} ({PHASE_ENGLISH.get(phase, phase)})", n)
               for phase, n in phases]),
        Sheet("자금 Money", ("항목 kind", "설명 label", "금액 amount (KRW)"),
              [(kind, MONEY_LABELS.get(kind, kind), amount) for kind, amount in report.money.items()],
              money_column=2),
        Sheet("대기 Waiting on staff", ("스타트업 startup_id", "기업명 company_name", "대기 업무 waiting_for",
                                      "시작 since (KST)", "대기 일수 waiting_days"),
              [(w.startup_id, w.company_name, w.waiting_for, f"{to_kst(w.since):%Y-%m-%d %H:%M}", w.waiting_days)
               for w in report.waiting_on_staff]),
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
                if index == sheet.money_column and isinstance(value, int):
                    cell.number_format = WON_FORMAT
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_xlsx(report: Report) -> bytes:
    return workbook_xlsx(report_sheets(report))


def report_csv(report: Report) -> bytes:
    """One table of (section, key, label, value); section and key are the JSON report's names
    (e.g. money, paid)."""
    summary = report.model_dump(include=set(SUMMARY_LABELS))
    rows: list[tuple[Any, ...]] = [("summary", key, SUMMARY_LABELS[key], summary[key]) for key in SUMMARY_LABELS]
    rows += [("counts_by_phase", phase, PHASE_LABELS.get(phase, phase), n)
             for phase, n in sorted(report.counts_by_phase.items(), key=lambda kv: _phase_order(kv[0]))]
    rows += [("money", kind, MONEY_LABELS.get(kind, kind), amount) for kind, amount in report.money.items()]
    rows += [("waiting_on_staff", w.startup_id,
              f"{w.company_name} · {w.waiting_for} · {to_kst(w.since):%Y-%m-%d %H:%M} KST", w.waiting_days)
             for w in report.waiting_on_staff]
    return table_csv(("구분 section", "항목 key", "설명 label", "값 value"), rows)
