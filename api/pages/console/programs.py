"""Programs in the console: the list, a program's dashboard (pictures drawn on the server, each
with its figures as a table), the report as XLSX and CSV, and creating a program by uploading its
definition (admins), through the same path as `POST /programs`."""

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.i18n import _
from api.pages.console import charts, dashboard, definition_errors, exports, report_export
from api.pages.console.evaluator_pool import closed_to_evaluator
from api.pages.shared.common import PageViewer, Viewer, check_csrf, render, require_role
from api.pages.shared.redirects import see_other
from api.pages.shared.refusal_text import role_refused
from api.schemas import Report
from api.services import budget, reports
from api.services.programs import all_programs, create_from_definition, program_row
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.timeutil import kst_date
from store.db import release
from store.tables import ProgramRow

router = APIRouter(prefix="/console/programs", include_in_schema=False)
READERS = (Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR, Role.AUDITOR)
# Startups whose milestones are still running: the calendar's marks.
MILESTONE_PHASES = ("contracted", "in_poc", "suspended", "final_review")
LARGEST_DEFINITION = 512 * 1024
WAITING_DRAWN = 12  # the longest-waiting items drawn
TABLE_ROWS = 100  # rows a page's table lists; the downloads and the startup list hold the rest


@router.get("")
async def programs_list(request: Request, viewer: PageViewer, session: SessionDep) -> Response:
    if (refused := role_refused(request, viewer, *READERS)) is not None:
        return refused
    programs = all_programs(session)
    release(session)
    return render(request, viewer, "console/programs.html", programs=programs, may_create=viewer.role is Role.ADMIN)


# ---------------------------------------------------------------------------------- new program


def _new_page(request: Request, viewer: Viewer, status: int = 200, errors: dict[str, list[str]] | None = None,
              data: Any = None, text: str = "") -> Response:
    labels = {path: definition_errors.readable(path) for path in (errors or {})}
    labels["definition"] = _("정의 파일")
    return render(request, viewer, "console/program_new.html", status, errors=errors or {}, labels=labels,
                  data=data if isinstance(data, dict) else None, text=text, settings_labels=definition_errors.SETTINGS,
                  tables=definition_errors.TABLES, captions=definition_errors.CAPTIONS, shown=_shown)


def _shown(value: Any) -> str:
    """A definition's value as written (lists and objects as compact JSON)."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@router.get("/new")
async def new_program(request: Request, viewer: PageViewer) -> Response:
    if (refused := role_refused(request, viewer, Role.ADMIN)) is not None:
        return refused
    return _new_page(request, viewer)


@router.post("/new")
async def create_program(request: Request, viewer: PageViewer, session: SessionDep, temporal: TemporalDep,
                         settings: SettingsDep, csrf_token: Annotated[str, Form(max_length=100)] = "",
                         definition: Annotated[UploadFile | None, File()] = None,
                         definition_text: Annotated[str, Form(max_length=LARGEST_DEFINITION)] = "") -> Response:
    check_csrf(viewer, csrf_token)
    require_role(viewer, Role.ADMIN)
    raw = await definition.read(LARGEST_DEFINITION + 1) if definition is not None and definition.filename else b""
    raw = raw or definition_text.encode()
    text = raw.decode("utf-8-sig", errors="replace")
    if len(raw) > LARGEST_DEFINITION:
        return _new_page(request, viewer, 413, {"definition": [_("정의 파일이 512 KiB보다 큽니다.")]})
    data, errors = definition_errors.parse_upload(raw)
    if errors:
        return _new_page(request, viewer, 422, errors, text=text)
    text = json.dumps(data, ensure_ascii=False, indent=2)  # laid out for editing and sending again
    try:
        parsed = ProgramDefinition.model_validate(data)
    except ValidationError as err:
        return _new_page(request, viewer, 422, definition_errors.field_errors(err, data), data, text)
    try:
        created = await create_from_definition(parsed, session, temporal, settings.task_queue, viewer.actor)
    except ApiError as err:
        field = err.details.get("field", "") if isinstance(err.details, dict) else ""
        message = _("이미 있는 사업 ID입니다: %(id)s") % {"id": parsed.id} if err.code == "conflict" else err.message
        return _new_page(request, viewer, err.status, {field: [message]}, data, text)
    return see_other(request, "program_dashboard", program_id=created.id, query={"created": 1})


# ---------------------------------------------------------------------------------- dashboard


def _exits_left_from(session: Session, program_id: str) -> list[tuple[str, str]]:
    return reports.exits_from(session, program_id, dashboard.EXITS)


def _marks(session: Session, program_id: str, now: datetime,
           month: tuple[int, int]) -> list[dashboard.MilestoneMark]:
    """The marks of the milestones due in `month` (year, month)."""
    rows = reports.stored_milestones(session, program_id, MILESTONE_PHASES)
    return [mark for startup_id, company, stored in rows
            for mark in dashboard.milestone_marks(startup_id, company, stored or [], now, month)]


async def _report(session: Session, viewer: Viewer, program_id: str) -> tuple[ProgramRow, Report]:
    row = program_row(session, program_id)
    if row is None:
        raise ApiError("not_found", _("없는 사업입니다: %(id)s") % {"id": program_id})
    return row, reports.report(session, program_id)


async def _unknown(request: Request, viewer: Viewer, session: Session, program_id: str) -> Response:
    programs = all_programs(session)
    release(session)
    return render(request, viewer, "console/programs.html", 404, programs=programs,
                  may_create=viewer.role is Role.ADMIN,
                  notice=_("없는 사업입니다: %(id)s. 아래 목록에서 고르세요.") % {"id": program_id})


@router.get("/{program_id}")
async def program_dashboard(request: Request, viewer: PageViewer, session: SessionDep, program_id: str,
                            month: str | None = None, created: str | None = None) -> Response:
    if (refused := role_refused(request, viewer, *READERS)) is not None:
        return refused
    if (closed := closed_to_evaluator(request, viewer, session, program_id)) is not None:
        return closed  # an evaluator the program's pool has not admitted sees none of its applicants
    if program_row(session, program_id) is None:
        return await _unknown(request, viewer, session, program_id)
    row, report = await _report(session, viewer, program_id)
    today = kst_date(viewer.now)
    year, month_number = dashboard.month_of(month, today)
    steps = dashboard.funnel(report.counts_by_phase, _exits_left_from(session, program_id))
    ledger = reports.ledger_of(session, program_id)
    points = dashboard.money_over_time(ledger)
    marks = _marks(session, program_id, viewer.now, (year, month_number))
    weeks = dashboard.month_calendar(year, month_number, marks)
    by_category = _budget_by_category(session, program_id)
    release(session)
    waiting = [(f"{w.company_name} · {dashboard.waiting_label(w.waiting_for)}", w.waiting_days)
               for w in sorted(report.waiting_on_staff, key=lambda w: -w.waiting_days)]
    month_marks = sorted((m for week in weeks for day in week if day for m in day.marks),
                         key=lambda m: (not m.overdue, m.due_at, m.company_name))
    return render(
        request, viewer, "console/program.html", program=row, report=report, created=bool(created),
        steps=steps, points=points,
        funnel_svg=charts.funnel_chart(steps), money_svg=charts.money_chart(points, today),
        calendar_svg=charts.calendar_chart(year, month_number, weeks, today),
        on_time_svg=charts.on_time_chart(report.milestones_accepted, report.milestones_on_time),
        on_time_text=charts.on_time_summary(report.milestones_accepted, report.milestones_on_time),
        waiting_svg=charts.waiting_chart(waiting[:WAITING_DRAWN]), waiting_groups=dashboard.waiting_groups(
            (w.waiting_for, w.waiting_days) for w in report.waiting_on_staff),
        waiting_label=dashboard.waiting_label, waiting_kind=dashboard.waiting_kind, phase_short=dashboard.phase_short,
        money_label=report_export.money_label, days_waited=charts.days_waited,
        month_label=dashboard.month_label(year, month_number), month_marks=month_marks[:TABLE_ROWS],
        month_total=len(month_marks), year=year, month=month_number,
        month_overdue=sum(m.overdue for m in month_marks), table_rows=TABLE_ROWS,
        previous_month="{:04d}-{:02d}".format(*dashboard.shift_month(year, month_number, -1)),
        next_month="{:04d}-{:02d}".format(*dashboard.shift_month(year, month_number, 1)),
        this_month=f"{today:%Y-%m}", found=by_category,
        chart=charts.budget_chart(by_category.categories) if by_category else None,
    )


def _budget_by_category(session: Session, program_id: str) -> budget.ProgramBudget | None:
    """Budget vs executed vs disallowed by category, for a program whose definition has budget rules."""
    definition = budget.program_of(session, program_id)
    return budget.program_budget(session, definition) if definition and definition.budget_rules else None


@router.get("/{program_id}/report.xlsx")
async def report_xlsx(request: Request, viewer: PageViewer, session: SessionDep, program_id: str) -> Response:
    if (refused := role_refused(request, viewer, *READERS)) is not None:
        return refused
    _, report = await _report(session, viewer, program_id)
    by_category = _budget_by_category(session, program_id)
    release(session)
    return exports.download(report_export.report_xlsx(report, by_category), f"{program_id}-report.xlsx", "xlsx")


@router.get("/{program_id}/report.csv")
async def report_csv(request: Request, viewer: PageViewer, session: SessionDep, program_id: str) -> Response:
    if (refused := role_refused(request, viewer, *READERS)) is not None:
        return refused
    _, report = await _report(session, viewer, program_id)
    release(session)
    return exports.download(report_export.report_csv(report), f"{program_id}-report.csv", "csv")
