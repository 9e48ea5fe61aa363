"""Tables as downloads: CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read
Korean) and XLSX (openpyxl), plus the program report laid out as those tables. The report's
figures are the JSON report's own (`api.routes.programs.report`), keyed by the same names.

A cell that begins like a formula (=, +, -, @) is kept as text: a company name typed by an
applicant must never run as a formula in an officer's spreadsheet."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from api.pages.dashboard import PHASE_ENGLISH, PHASE_LABELS
from api.schemas import Report
from domain.timeutil import to_kst

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
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


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters (an XLSX rule)
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    money_columns: frozenset[int] = frozenset()  # 0-based columns shown as ₩ amounts


def safe_text(value: Any) -> Any:
    """A CSV cell as text that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in header])
    writer.writerows([["" if v is None else safe_text(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        for r, row in enumerate([sheet.header, *sheet.rows], start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # openpyxl would store it as a formula
                if r > 1 and c - 1 in sheet.money_columns and isinstance(value, int):
                    cell.number_format = '"₩"#,##0'
        ws.freeze_panes = "A2"
        for c, title in enumerate(sheet.header, start=1):
            widest = max([len(str(title)), *(len(str(row[c - 1])) for row in sheet.rows if c - 1 < len(row))])
            ws.column_dimensions[get_column_letter(c)].width = min(max(widest + 4, 10), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_sheets(report: Report) -> list[Sheet]:
    """The program report as four tables: summary, startups by phase, money, work waiting on staff."""
    summary = report.model_dump(include=set(SUMMARY_LABELS))
    return [
        Sheet("요약 Summary", ("항목 key", "설명 label", "값 value"),
              [(key, SUMMARY_LABELS[key], summary[key]) for key in SUMMARY_LABELS]),
        Sheet("단계 Phases", ("단계 phase", "설명 label", "스타트업 수 startups"),
              [(phase, f"{PHASE_LABELS.get(phase, phase)} ({PHASE_ENGLISH.get(phase, phase)})", count)
               for phase, count in sorted(report.counts_by_phase.items(), key=lambda kv: _phase_order(kv[0]))]),
        Sheet("자금 Money", ("항목 kind", "설명 label", "금액 amount (KRW)"),
              [(kind, MONEY_LABELS.get(kind, kind), amount) for kind, amount in report.money.items()],
              frozenset({2})),
        Sheet("대기 Waiting on staff", ("스타트업 startup_id", "기업명 company_name", "대기 업무 waiting_for",
                                      "시작 since (KST)", "대기 일수 waiting_days"),
              [(w.startup_id, w.company_name, w.waiting_for, f"{to_kst(w.since):%Y-%m-%d %H:%M}", w.waiting_days)
               for w in report.waiting_on_staff]),
    ]


def report_csv_rows(report: Report) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The report as one CSV table: (section, key, label, value) rows; section and key are the
    JSON report's own names (e.g. money, paid), so the two can be compared line by line."""
    rows: list[tuple[Any, ...]] = []
    summary = report.model_dump(include=set(SUMMARY_LABELS))
    rows += [("summary", key, SUMMARY_LABELS[key], summary[key]) for key in SUMMARY_LABELS]
    rows += [("counts_by_phase", phase, PHASE_LABELS.get(phase, phase), count)
             for phase, count in sorted(report.counts_by_phase.items(), key=lambda kv: _phase_order(kv[0]))]
    rows += [("money", kind, MONEY_LABELS.get(kind, kind), amount) for kind, amount in report.money.items()]
    rows += [("waiting_on_staff", w.startup_id,
              f"{w.company_name} · {w.waiting_for} · {to_kst(w.since):%Y-%m-%d %H:%M} KST", w.waiting_days)
             for w in report.waiting_on_staff]
    return ("구분 section", "항목 key", "설명 label", "값 value"), rows


def _phase_order(phase: str) -> int:
    order = list(PHASE_LABELS)
    return order.index(phase) if phase in order else len(order)
