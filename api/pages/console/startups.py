"""The console's startup list, `/console/startups`: every filter of the API's list plus a search
by company name or registration number, all kept in the URL (a view is a link to share), paging,
and the same rows as CSV or XLSX. One query serves the API and this page (api/services/startups.py's
summary_query)."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep
from api.i18n import _, pgettext
from api.pages.console import exports
from api.pages.shared import labels
from api.pages.shared.common import PageViewer, Viewer, render
from api.pages.shared.formatting import kst_datetime
from api.pages.shared.redirects import see_other
from api.services.programs import program_choices
from api.services.startups import count_of, listed, summary_query
from domain.brn import format_brn
from domain.phases import Phase, Role, Stage
from domain.program import REGIONS
from domain.regions import normalize_region
from store.db import release

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# An export is the filtered list, every page of it, up to this many rows.
EXPORT_LIMIT = 50_000
FILTERS = ("program", "stage", "phase", "sector", "region", "overdue", "q")


@dataclass
class ListFilters:
    """The list's filters as the URL carries them; a value that is none of the allowed ones is
    dropped with a message rather than answering an error page."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: Any, programs: list[str]) -> "ListFilters":
        allowed: dict[str, Any] = {"program": programs, "stage": list(Stage), "phase": list(Phase),
                                   "sector": list(labels.SECTORS), "region": sorted(REGIONS),
                                   "overdue": ["yes", "no"]}
        found = cls()
        for name in FILTERS:
            value = (params.get(name) or "").strip()[:100]
            if not value:
                continue
            if name == "region":
                value = str(normalize_region(value))  # ?region=경상남도 is 경남
            if name in allowed and value not in allowed[name]:
                found.problems.append(_("%(name)s=%(value)s: 알 수 없는 값이라 무시했습니다.")
                                      % {"name": name, "value": repr(value)})
                continue
            found.values[name] = value
        return found

    def query_filters(self) -> dict[str, Any]:
        v = self.values
        overdue = {"yes": True, "no": False}.get(v.get("overdue", ""))
        return {"program_id": v.get("program"), "stage": v.get("stage"), "phase": v.get("phase"),
                "sector": v.get("sector"), "region": v.get("region"), "overdue": overdue}

    def link(self, **changes: Any) -> str:
        """This view's query string with `changes` (None removes a parameter)."""
        params = {**self.values, **{k: v for k, v in changes.items()}}
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _programs(db: Session) -> list[tuple[str, str]]:
    return program_choices(db, order="id")


def _query(viewer: Viewer, filters: ListFilters) -> Any:
    return summary_query(viewer.actor, filters.query_filters(), filters.values.get("q"))


def _staff_only(request: Request, viewer: Viewer) -> Response | None:
    return see_other(request, "my_page") if viewer.role is Role.STARTUP else None


@router.get("/console/startups")
async def startup_list(request: Request, viewer: PageViewer, db: SessionDep, page: int = 1,
                       format: str | None = None) -> Response:
    if (elsewhere := _staff_only(request, viewer)) is not None:
        return elsewhere
    if format in ("csv", "xlsx"):
        return await startup_export(request, viewer, db, format)
    programs = _programs(db)
    filters = ListFilters.from_query(request.query_params, [p for p, _ in programs])
    query = _query(viewer, filters)
    total = count_of(db, query)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = listed(db, query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    release(db)
    return render(request, viewer, "console/startups.html", items=items, total=total,
                  page=page, pages=pages, filters=filters, programs=programs, stages=list(Stage), phases=list(Phase),
                  sectors=list(labels.SECTORS), regions=sorted(REGIONS), page_size=PAGE_SIZE)


def export_headers() -> list[str]:
    """The export's header row, in the language of the page it was asked from."""
    return [_("스타트업 ID"), _("기업명"), _("사업자등록번호"), pgettext("field", "사업"), _("단계"), pgettext("phase", "상태"),
            _("분야"), _("지역"), _("과제"), _("기한 초과"), _("다음 기한 (KST)"), _("평균 점수"), _("지급액 (원)"),
            _("갱신 (KST)")]


@router.get("/console/startups.{kind}")
async def startup_export_file(kind: str, request: Request, viewer: PageViewer, db: SessionDep) -> Response:
    if (elsewhere := _staff_only(request, viewer)) is not None:
        return elsewhere
    if kind not in ("csv", "xlsx"):
        return Response(_("CSV 또는 XLSX로만 내려받을 수 있습니다."), status_code=404)
    return await startup_export(request, viewer, db, kind)


async def startup_export(request: Request, viewer: Viewer, db: Session, kind: str) -> Response:
    filters = ListFilters.from_query(request.query_params, [p for p, _ in _programs(db)])
    items = listed(db, _query(viewer, filters), limit=EXPORT_LIMIT)
    release(db)
    table = [_export_row(item) for item in items]
    name = f"axflow-startups.{kind}"
    if kind == "csv":
        return exports.download(exports.table_csv(export_headers(), table), name, kind)
    return exports.download(exports.table_xlsx(_("스타트업"), export_headers(), table), name, kind)


def _export_row(s: Any) -> list[Any]:
    return [s.startup_id, s.company_name, format_brn(s.brn), s.program_id, s.stage, labels.label(labels.PHASES, s.phase),
            labels.label(labels.SECTORS, s.sector) if s.sector else "", s.region or "", s.task_id or "",
            "Y" if s.overdue else "N", kst_datetime(s.next_deadline_at) if s.next_deadline_at else "",
            s.average_score, s.paid_total, kst_datetime(s.updated_at)]
