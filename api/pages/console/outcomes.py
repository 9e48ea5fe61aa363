"""The program's outcome page for officers and auditors (`/console/programs/{id}/outcomes`): what
became of its companies after the program (사후관리 성과), per cohort and follow-up year, against
the program's targets, with the companies that went on to the next stage. Charts are inline SVG
drawn here as the dashboard's are (api/pages/console/charts.py), each with a table of the same
figures; the XLSX is the API's `GET /programs/{id}/outcomes?format=xlsx`, built by `outcomes_xlsx`
below in the request's language (Korean unless English is chosen)."""

from collections import defaultdict
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from api.deps import SessionDep, SettingsDep
from api.errors import ApiError
from api.i18n import _, pgettext
from api.pages.console.charts import ACCENT, GOOD, MUTED, WARN, _svg, _text, text_width
from api.pages.console.outcome_checks import checks_sheet
from api.pages.console.report_export import Sheet, workbook_xlsx
from api.pages.shared.common import PageViewer, check_csrf, render
from api.pages.shared.document_words import upload_words
from api.pages.shared.formatting import man_won
from api.pages.shared.redirects import page_path
from api.pages.shared.rule_text import rule_text
from api.policy import page_roles
from api.services.documents import receive_document
from api.services.outcome_checks import (
    FlagEvidence,
    FlagEvidenceBody,
    YearCheck,
    attach_evidence,
    flags_of_year,
    program_evidence,
)
from api.services.outcomes import Outcomes, OutcomeYear, outcomes
from api.services.startups import startup_row
from domain.documents import DocumentKind
from domain.io import startup_workflow_id
from domain.outcome_checks import NOTE_LONGEST, evidence_problems
from store.audit_key import audit_key
from store.db import release

router = APIRouter(prefix="/console", include_in_schema=False)

# The figures of a row, in the order the tables and the XLSX show them.
FIGURES = ("companies", "survived", "survival_rate_percent", "answered", "revenue_total",
           "revenue_growth_total_percent", "revenue_growth_median_percent", "jobs_created", "new_hires",
           "investment_attracted", "patents_filed", "patents_granted", "exports", "awards")
MONEY = frozenset({"revenue_total", "investment_attracted", "exports"})
PERCENT = frozenset({"survival_rate_percent", "revenue_growth_total_percent", "revenue_growth_median_percent"})


def figure_label(key: str) -> str:
    """A figure's (or a target measure's) name, with its unit."""
    return {
        "companies": _("기업 수"), "survived": _("생존 기업"), "survival_rate_percent": _("생존율 (%)"),
        "answered": _("응답 기업"), "revenue_total": _("매출액 합계 (원)"),
        "revenue_growth_total_percent": _("매출 증가율, 합계 (%)"),
        "revenue_growth_median_percent": _("매출 증가율, 중앙값 (%)"), "jobs_created": _("고용 창출 (명)"),
        "new_hires": _("신규 고용 (명)"), "investment_attracted": _("투자 유치 (원)"),
        "patents_filed": _("특허 출원 (건수)"), "patents_granted": _("특허 등록 (건수)"),
        "exports": _("수출액 (원)"), "awards": _("수상 (건수)"),
    }.get(key, key)


def target_status(status: str) -> str:
    return {"met": pgettext("target", "달성"), "missed": pgettext("target", "미달"),
            "no_data": pgettext("target", "자료 없음")}.get(status, status)


def row_label(row: OutcomeYear) -> str:
    """"2026년 완료 · 2년차": the cohort (the year its companies completed) and the follow-up year."""
    return _("%(cohort)s년 완료 · %(year)s년차") % {"cohort": row.cohort, "year": row.year}


def shown(key: str, value: float | int | None) -> str:
    """A figure as the tables show it: won with separators, percents to a tenth, — for no data."""
    if value is None:
        return "—"
    if key in PERCENT:
        return f"{value:.1f}%"
    return f"{value:,}"


# ------------------------------------------------------------------------------------ charts


def measure_summary(rows: Sequence[OutcomeYear], key: str) -> str:
    figures = [f"{row_label(r)} {shown(key, getattr(r, key))}" for r in rows]
    if not figures:
        return _("아직 기록된 사후관리 연차가 없습니다.")
    return _("%(measure)s: %(figures)s.") % {"measure": figure_label(key), "figures": ", ".join(figures)}


def measure_chart(rows: Sequence[OutcomeYear], key: str, chart_id: str) -> Markup:
    """One bar per cohort and year, as long as the figure (a fall drawn in red, from the same start,
    marked −), and the program's target for it as a dashed tick with a ◆ where it has one."""
    width, row_h, top, label_w, value_w = 760, 32, 30, 190, 150
    bar_area = width - label_w - value_w
    values = [getattr(r, key) for r in rows]
    targets = [next((t.target for t in r.targets if t.measure == key), None) for r in rows]
    most = max([abs(v) for v in values if v is not None] + [t for t in targets if t is not None] + [1])
    parts = [_text(label_w, 18, _("막대: 실적 · 점선과 ◆: 목표 · 붉은 막대: 감소"), size=13, colour=MUTED)]
    for i, (row, value, target) in enumerate(zip(rows, values, targets, strict=True)):
        y = top + i * row_h
        label = row_label(row)
        while text_width(label, 13) > label_w - 16 and len(label) > 1:
            label = label[:-2] + "…"
        parts.append(_text(label_w - 10, y + 20, label, 13, anchor="end"))
        if value:
            parts.append(f'<rect x="{label_w}" y="{y + 7}" width="{max(bar_area * abs(value) / most, 2):.1f}" '
                         f'height="{row_h - 14}" fill="{ACCENT if value > 0 else WARN}"/>')
        if target is not None:
            x = label_w + bar_area * target / most
            parts.append(f'<line x1="{x:.1f}" y1="{y + 2}" x2="{x:.1f}" y2="{y + row_h - 2}" stroke="{GOOD}" '
                         f'stroke-width="2" stroke-dasharray="4 2"/>')
            parts.append(_text(x, y + 12, "◆", size=11, colour=GOOD, anchor="middle"))
        figure = man_won(value) if key in MONEY and value is not None else shown(key, value)
        parts.append(_text(width - value_w + 10, y + 20, ("−" if value is not None and value < 0 else "") +
                           figure.lstrip("-"), 13))
    height = top + row_h * max(len(rows), 1) + 6
    return _svg(chart_id, width, height, figure_label(key), measure_summary(rows, key), "".join(parts))


CHARTED = ("survival_rate_percent", "revenue_total", "jobs_created", "investment_attracted")


def charts_of(found: Outcomes) -> list[tuple[str, Markup]]:
    """Each chart with its visible caption (the picture's own title is for assistive technology)."""
    if not found.rows:
        return []
    return [(figure_label(key), measure_chart(found.rows, key, f"outcome-{key.replace('_', '-')}"))
            for key in CHARTED]


# ------------------------------------------------------------------------------------ XLSX


def outcomes_xlsx(found: Outcomes, checks: Sequence[YearCheck] = ()) -> bytes:
    """Four sheets: the figures per cohort and year, each target against its figure, the companies
    that went on to the next stage, and every company-year's checks against the public registers
    (api/pages/console/outcome_checks.py). Money stays integer won (shown as ₩)."""
    cohort, year = pgettext("outcome column", "코호트 (완료 연도)"), pgettext("outcome column", "연차")
    figures = Sheet(pgettext("outcome sheet", "성과지표"), (cohort, year, *(figure_label(k) for k in FIGURES)),
                    [(r.cohort, r.year, *(getattr(r, k) for k in FIGURES)) for r in found.rows],
                    money_columns=tuple(2 + FIGURES.index(k) for k in MONEY))
    targets = Sheet(pgettext("outcome sheet", "목표 대비"),
                    (cohort, year, pgettext("outcome column", "지표"), pgettext("outcome column", "설명"),
                     pgettext("outcome column", "목표"), pgettext("outcome column", "실적"),
                     pgettext("outcome column", "판정")),
                    [(r.cohort, r.year, t.measure, figure_label(t.measure), t.target, t.actual,
                      target_status(t.status)) for r in found.rows for t in r.targets])
    promoted = Sheet(pgettext("outcome sheet", "다음 단계 진출"),
                     (pgettext("outcome column", "스타트업 ID"), pgettext("outcome column", "기업명"),
                      pgettext("outcome column", "사업자등록번호"), pgettext("outcome column", "다음 단계 사업"),
                      pgettext("outcome column", "다음 단계 상태")),
                     [(n.startup_id, n.company_name, n.brn, n.later_program_id or "", n.later_phase or "")
                      for n in found.next_stage])
    return workbook_xlsx([figures, targets, promoted, checks_sheet(checks)])


# ------------------------------------------------------------------------------------ the page


@router.get("/programs/{program_id}/outcomes")
async def outcomes_page(program_id: str, request: Request, viewer: PageViewer, db: SessionDep) -> Response:
    try:
        found = outcomes(db, program_id)
    except ApiError as err:
        release(db)
        return render(request, viewer, "console/error.html", status=err.status,
                      error=ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id}))
    evidence: dict[tuple[str, int], list[FlagEvidence]] = defaultdict(list)
    for each in program_evidence(db, program_id):
        evidence[(each.brn, each.year)].append(each)
    release(db)
    may_attach = viewer.role in (page_roles("POST", EVIDENCE_ROUTE) or ())
    return render(request, viewer, "console/outcomes.html", found=found, charts=charts_of(found),
                  figures=FIGURES, figure_label=figure_label, target_status=target_status, row_label=row_label,
                  shown=shown, evidence=evidence, may_attach=may_attach, note_longest=NOTE_LONGEST)


# ------------------------------------------------------------------------------------ evidence on a flag

EVIDENCE_ROUTE = "/console/programs/{program_id}/outcomes/evidence"


@router.post(EVIDENCE_ROUTE.removeprefix("/console"), name="attach_outcome_evidence")
async def attach_outcome_evidence(program_id: str, brn: str, year: int, request: Request, viewer: PageViewer,
                                  db: SessionDep, settings: SettingsDep) -> Response:
    """The officer's note and one document on a company's flagged year (the form in the checks
    table): the note and the year are checked before the file is kept, the file is received as
    every upload is (the company's document of kind `other` in this program, pinned by SHA-256),
    and the evidence is recorded with its audit row. A refusal comes back as a page naming why."""
    back = page_path(request, "outcomes_page", fragment="outcome-checks", program_id=program_id)
    startup_id = startup_workflow_id(program_id, brn)
    lifecycle = startup_row(db, startup_id) if len(brn) == 10 and brn.isdigit() else None
    known = lifecycle is not None and lifecycle.program_id == program_id
    release(db)
    if not known:
        return render(request, viewer, "console/error.html", status=404,
                      error=ApiError("not_found", _("없는 기업입니다: %(id)s") % {"id": brn}))
    seen: dict[str, str] = {}

    def check_fields(fields: dict[str, str]) -> None:
        seen.update(fields)
        check_csrf(viewer, fields.get("csrf_token"))
        flags = flags_of_year(db, program_id, brn, year)
        problems = evidence_problems(year, flags, fields.get("note", ""), 1)
        release(db)
        if problems:
            raise ApiError("validation_error", "invalid evidence", problems)

    try:
        document = await receive_document(request, db, settings, viewer.actor, startup_id, program_id,
                                          (DocumentKind.OTHER,), check_fields)
        attach_evidence(db, audit_key(settings), program_id, viewer.actor,
                        FlagEvidenceBody(brn=brn, year=year, note=seen.get("note", ""), documents=[document.id]),
                        request.state.request_id)
    except ApiError as err:
        if err.code == "forbidden":
            raise
        problems = err.details if isinstance(err.details, list) else []
        said = [rule_text(str(p.get("rule"))) for p in problems if isinstance(p, dict) and p.get("field") != "file"]
        message = " ".join(w for w in said if w) or upload_words(err, settings, DocumentKind.OTHER.value)
        return render(request, viewer, "console/upload_error.html", status=err.status, message=message, back=back)
    return RedirectResponse(back, 303)
