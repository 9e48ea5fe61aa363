"""The program dashboard's figures and pictures, without a server: the funnel, money over time,
the milestone calendar, the SVG charts, the report's downloads and a refused definition's errors,
in Korean (the default) and in English (`language("en")`), where none of their own words is left
in Korean."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from api.i18n import ENGLISH, language
from api.pages.console import charts
from api.pages.console.dashboard import (
    MilestoneMark,
    funnel,
    milestone_marks,
    money_over_time,
    month_calendar,
    month_of,
    shift_month,
    waiting_groups,
    waiting_label,
)
from api.pages.console.definition_errors import field_errors, parse_upload, readable
from api.pages.console.report_export import report_csv, report_xlsx
from api.schemas import AmendmentReport, AppealReport, Report, WaitingItem
from axflow.programs import sample_definitions
from domain.program import ProgramDefinition
from domain.timeutil import KST
from tests.i18n_support import korean_left
from tests.pages.test_console_contrast import contrast

SVG = "{http://www.w3.org/2000/svg}"


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


# ---------------------------------------------------------------------------------- funnel


def test_funnel_counts_every_startup_at_each_step_it_reached() -> None:
    counts = {"applied": 2, "ineligible": 1, "under_review": 3, "rejected": 2, "waitlisted": 1, "selected": 1,
              "in_poc": 2, "suspended": 1, "completed": 1}
    steps = {s.phase: s for s in funnel(counts)}
    assert steps["applied"].reached == 14  # everyone applied
    assert steps["under_review"].reached == 11  # all but the 2 applied and the 1 ineligible
    assert steps["selected"].reached == 5  # selected 1, in PoC 2 + suspended 1, completed 1
    assert steps["in_poc"].reached == 4 and steps["in_poc"].here == 3  # suspended ones stay in the PoC step
    assert steps["completed"].reached == 1 and steps["promoted"].reached == 0
    assert steps["under_review"].stopped == 3  # rejected and waitlisted stopped at evaluation
    assert steps["applied"].stopped == 1  # the ineligible one


def test_funnel_places_an_exit_where_the_startup_left_from() -> None:
    counts = {"in_poc": 1, "withdrawn": 2, "terminated": 1, "cancelled": 1}
    exits = [("withdrawn", "contracted"), ("terminated", "suspended"), ("cancelled", "matched")]
    steps = {s.phase: s for s in funnel(counts, exits)}
    # One withdrawal has no recorded transition: it counts as having stopped at the application.
    assert steps["applied"].reached == 5 and steps["applied"].stopped == 1
    assert steps["matched"].reached == 4 and steps["matched"].stopped == 1
    assert steps["contracted"].reached == 3 and steps["contracted"].stopped == 1
    assert steps["in_poc"].reached == 2 and steps["in_poc"].stopped == 1
    assert steps["final_review"].reached == 0


def test_funnel_ignores_exit_records_beyond_the_phase_counts() -> None:
    # The read model moved on (the row is counted elsewhere now): never count a startup twice.
    steps = funnel({"withdrawn": 1}, [("withdrawn", "in_poc"), ("withdrawn", "matched")])
    assert steps[0].reached == 1 and sum(s.stopped for s in steps) == 1


# ---------------------------------------------------------------------------------- money


def test_money_over_time_keeps_running_totals_per_kst_day() -> None:
    entries = [
        (kst(2025, 8, 1, 10), "committed", 80_000_000),
        (kst(2025, 8, 1, 23, 30), "committed", 80_000_000),  # still 1 August in Korea
        (datetime(2025, 8, 1, 15, 30, tzinfo=UTC), "paid", 56_000_000),  # 2 August 00:30 KST
        (kst(2025, 9, 1), "requested", 24_000_000),  # moves none of the four lines
        (kst(2025, 9, 2), "released", 80_000_000),
        (kst(2025, 9, 2), "refund_due", 6_000_000),
        (kst(2025, 9, 9), "clawback_due", 10_000_000),
        (kst(2025, 9, 20), "refunded", 6_000_000),
    ]
    points = money_over_time(entries)
    assert [p.day for p in points] == [date(2025, 8, 1), date(2025, 8, 2), date(2025, 9, 2), date(2025, 9, 9),
                                       date(2025, 9, 20)]
    assert (points[0].committed, points[0].paid) == (160_000_000, 0)
    assert (points[1].committed, points[1].paid) == (160_000_000, 56_000_000)
    last = points[-1]
    assert (last.committed, last.paid, last.owed_back, last.returned) == (80_000_000, 56_000_000, 16_000_000,
                                                                          6_000_000)


# ---------------------------------------------------------------------------------- calendar


def test_milestone_marks_call_an_open_milestone_past_due_overdue() -> None:
    now = kst(2025, 10, 10, 12)
    stored = [
        {"key": "kickoff", "title": "착수보고", "due_at": "2025-09-30T14:59:59Z", "status": "accepted"},
        {"key": "midterm", "title": "중간점검", "due_at": "2025-10-09T14:59:59Z", "status": "pending"},
        {"key": "poc", "title": "실증 완료", "due_at": "2025-11-28T14:59:59Z", "status": "revision_requested",
         "overdue": True},
        {"key": "final", "title": "최종보고", "due_at": "2025-12-28T14:59:59Z", "status": "pending"},
    ]
    marks = {m.key: m for m in milestone_marks("s1", "알파AI", stored, now)}
    assert not marks["kickoff"].overdue  # accepted: done, whenever it was due
    assert marks["midterm"].overdue  # its due instant passed before the workflow's clock said so
    assert marks["poc"].overdue  # the workflow said so
    assert not marks["final"].overdue
    # The calendar asks for one month: kickoff, due at 23:59:59 KST on 30 September, is not October's.
    assert [m.key for m in milestone_marks("s1", "알파AI", stored, now, (2025, 10))] == ["midterm"]


def test_month_calendar_starts_weeks_on_sunday_and_places_marks_on_their_kst_day() -> None:
    due = datetime(2025, 10, 31, 14, 59, 59, tzinfo=UTC)  # 23:59:59 KST on 31 October
    mark = MilestoneMark("s1", "알파AI", "midterm", "중간점검", due, "pending", True)
    late_utc = MilestoneMark("s2", "베타AI", "kickoff", "착수보고", datetime(2025, 10, 31, 15, 0, tzinfo=UTC),
                             "pending", False)  # 1 November in Korea: not in October
    weeks = month_calendar(2025, 10, [mark, late_utc])
    assert weeks[0][:3] == [None, None, None] and weeks[0][3].day == date(2025, 10, 1)  # 1 Oct 2025: a Wednesday
    days = [d for week in weeks for d in week if d is not None]
    assert len(days) == 31
    assert [m.key for m in days[-1].marks] == ["midterm"] and days[-1].overdue == 1
    assert sum(len(d.marks) for d in days) == 1


def test_month_of_reads_the_query_and_shift_month_crosses_years() -> None:
    today = date(2025, 10, 10)
    assert month_of("2026-01", today) == (2026, 1)
    assert month_of("2026-13", today) == (2025, 10) and month_of("junk", today) == (2025, 10)
    assert month_of(None, today) == (2025, 10)
    assert shift_month(2025, 12, 1) == (2026, 1) and shift_month(2026, 1, -1) == (2025, 12)


def test_waiting_items_group_by_kind_and_read_in_korean() -> None:
    groups = waiting_groups([("review of kickoff", 3.0), ("approval of advance", 9.5), ("review of midterm", 1.0)])
    assert [(g.what, g.count, g.longest_days) for g in groups] == [("approval", 1, 9.5), ("review", 2, 3.0)]
    assert waiting_label("review of kickoff") == "마일스톤 검토 kickoff"
    assert waiting_label("settlement approval") == "정산 승인"
    assert waiting_label("approval of advance") == "지급 승인 advance"
    assert waiting_label("something new") == "something new"  # a kind the page does not know: as the report says
    with language(ENGLISH):
        assert waiting_label("review of kickoff") == "Milestone review: kickoff"
        assert waiting_label("approval of advance") == "Payment approval: advance"
        assert waiting_label("settlement approval") == "Settlement approval"


# ---------------------------------------------------------------------------------- charts


def _parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert labelled and set(labelled) <= ids, "the picture is named and described by its own title and desc"
    assert "style" not in svg, "a style attribute would be refused by the content security policy"
    return root


def test_funnel_chart_draws_one_bar_per_reached_step_and_says_it_in_words() -> None:
    steps = funnel({"applied": 3, "under_review": 2, "in_poc": 1})
    root = _parsed(charts.funnel_chart(steps))
    assert len(root.findall(f"{SVG}rect")) == 6  # applied … in_poc reached; the rest drawn as empty lines
    desc = root.find(f"{SVG}desc").text
    assert "신청 6" in desc and "실증 1" in desc


def test_money_chart_draws_the_four_lines_with_a_legend_and_a_summary() -> None:
    points = money_over_time([(kst(2025, 8, 1), "committed", 800_000_000), (kst(2025, 8, 20), "paid", 56_000_000)])
    svg = charts.money_chart(points, date(2025, 9, 1))
    root = _parsed(svg)
    assert len(root.findall(f"{SVG}path")) == 4
    assert ">지급<" in svg and ">회수<" in svg and "(paid)" not in svg
    assert "약정 8억 원" in root.find(f"{SVG}desc").text
    assert "8억 원" in svg  # the top gridline, in the way people say amounts
    empty = _parsed(charts.money_chart([], date(2025, 9, 1)))
    assert "아직 자금 이동이 없습니다" in empty.find(f"{SVG}desc").text


@pytest.mark.parametrize("largest,step", [(0, 1), (800_000_000, 200_000_000), (56_000_000, 20_000_000),
                                          (7, 2), (100, 50)])
def test_nice_step_is_a_round_number(largest: int, step: int) -> None:
    assert charts.nice_step(largest) == step


def test_calendar_chart_marks_an_overdue_day_in_words_not_only_colour() -> None:
    overdue = MilestoneMark("s1", "알파AI", "midterm", "중간점검", kst(2025, 10, 9, 23, 59), "pending", True)
    on_track = MilestoneMark("s2", "베타AI", "kickoff", "착수보고", kst(2025, 10, 20, 23, 59), "pending", False)
    weeks = month_calendar(2025, 10, [overdue, on_track])
    svg = charts.calendar_chart(2025, 10, weeks, date(2025, 10, 10))
    root = _parsed(svg)
    assert svg.count("지연 1") == 1 and svg.count("마감 1") == 2
    assert "알파AI 중간점검 (지연)" in svg  # the day's own tooltip names it
    assert "마일스톤 2건 마감, 그중 1건 지연" in root.find(f"{SVG}desc").text


def test_on_time_chart_shows_the_share_and_the_counts() -> None:
    svg = charts.on_time_chart(4, 3)
    root = _parsed(svg)
    assert "75%" in svg and "3/4" in svg
    assert "4건 중 3건" in root.find(f"{SVG}desc").text
    assert "—" in charts.on_time_chart(0, 0)


def test_waiting_chart_escapes_company_names() -> None:
    svg = charts.waiting_chart([("<b>해커</b> · 검토", 3.5)])
    _parsed(svg)
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_charts_in_english_name_and_describe_themselves_in_english() -> None:
    """Every chart's title, description and drawn words, once the page is English: only the
    companies' and milestones' names (data) stay as they are."""
    overdue = MilestoneMark("s1", "알파AI", "midterm", "중간점검", kst(2025, 10, 9, 23, 59), "pending", True)
    points = money_over_time([(kst(2025, 8, 1), "committed", 800_000_000), (kst(2025, 8, 20), "paid", 56_000_000)])
    with language(ENGLISH):
        funnel_svg = charts.funnel_chart(funnel({"applied": 3, "under_review": 2, "rejected": 1, "in_poc": 1}))
        money_svg = charts.money_chart(points, date(2025, 9, 1))
        calendar_svg = charts.calendar_chart(2025, 10, month_calendar(2025, 10, [overdue]), date(2025, 10, 10))
        on_time_svg = charts.on_time_chart(4, 3)
        waiting_svg = charts.waiting_chart([("알파AI · Milestone review: kickoff", 9.5)])
        empty = [charts.funnel_chart(funnel({})), charts.money_chart([], date(2025, 9, 1)),
                 charts.calendar_chart(2025, 11, month_calendar(2025, 11, []), date(2025, 10, 10)),
                 charts.on_time_chart(0, 0), charts.waiting_chart([])]
    for svg in (funnel_svg, money_svg, calendar_svg, on_time_svg, waiting_svg, *empty):
        _parsed(svg)
        assert korean_left(svg, ["알파AI", "중간점검"]) == [], svg
    assert _parsed(funnel_svg).find(f"{SVG}title").text == "Phase funnel"
    assert "Applied 7" in _parsed(funnel_svg).find(f"{SVG}desc").text and "(stopped 1)" in funnel_svg
    assert _parsed(money_svg).find(f"{SVG}desc").text.startswith(
        "Running totals from 2025-08-01 to 2025-08-20: committed 800 million won, paid 56 million won")
    assert ">Paid<" in money_svg and ">Returned<" in money_svg
    calendar_root = _parsed(calendar_svg)
    assert calendar_root.find(f"{SVG}title").text == "Milestone calendar, October 2025"
    assert calendar_root.find(f"{SVG}desc").text == "October 2025: 1 milestone due, 1 of them overdue."
    assert "Overdue 1" in calendar_svg and "Due 1" in calendar_svg and ">Sun<" in calendar_svg
    assert "알파AI 중간점검 (overdue)" in calendar_svg
    assert "3 of 4 accepted milestones were on time (75%)" in _parsed(on_time_svg).find(f"{SVG}desc").text
    assert "1 item waiting on staff, the oldest for 9.5 days" in _parsed(waiting_svg).find(f"{SVG}desc").text
    assert "9.5 days" in waiting_svg


# ---------------------------------------------------------------------------------- downloads


def _report() -> Report:
    return Report(program_id="ai-regional-2025", stage="micro", slots=10, budget=800_000_000,
                  counts_by_phase={"in_poc": 2, "applied": 1}, startups=3,
                  money={"committed": 160_000_000, "paid": 56_000_000, "refund_owed": 0},
                  milestones_accepted=4, milestones_on_time=3, on_time_rate=0.75, overdue=1,
                  waiting_on_staff=[WaitingItem(startup_id="startup:ai-regional-2025:1248100998",
                                                company_name="=HYPERLINK(\"x\")", waiting_for="review of kickoff",
                                                since=kst(2025, 10, 1, 9), waiting_days=2.5)],
                  amendments=AmendmentReport(requested=3, approved=1, rejected=1, pending=1, mean_days_to_decide=2.5,
                                             longest_days_to_decide=4.0),
                  appeals=AppealReport(filed=2, dismissed=1, moot=1, mean_days_to_decide=6.0,
                                       longest_days_to_decide=6.0))


def test_report_csv_has_the_json_reports_names_and_figures() -> None:
    data = report_csv(_report())
    assert data.startswith("\ufeff".encode())  # spreadsheet programs then read Korean as UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    figures = {(r[0], r[1]): r[3] for r in table[1:]}
    assert figures[("money", "paid")] == "56000000" and figures[("summary", "on_time_rate")] == "0.75"
    assert figures[("counts_by_phase", "in_poc")] == "2"
    # The amendments and appeals of the JSON report, under its names; no decision yet is left empty.
    assert [figures[("amendments", k)] for k in ("requested", "approved", "rejected", "pending", "effective")] == [
        "3", "1", "1", "1", "0"]
    assert figures[("amendments", "mean_days_to_decide")] == "2.5"
    assert [figures[("appeals", k)] for k in ("filed", "upheld", "dismissed", "pending", "moot")] == [
        "2", "0", "1", "0", "1"]
    assert figures[("appeals", "longest_days_to_decide")] == "6.0"
    undecided = _report().model_copy(update={"appeals": AppealReport(filed=1, pending=1)})
    table = list(csv.reader(io.StringIO(report_csv(undecided).decode("utf-8-sig"))))
    assert ["appeals", "mean_days_to_decide", "평균 처리 일수", ""] in table
    waiting = next(r for r in table if r[0] == "waiting_on_staff")
    assert waiting[2].startswith("'=HYPERLINK")  # a formula-looking name stays text
    assert "2025-10-01 09:00 KST" in waiting[2]


def test_report_xlsx_opens_with_the_same_figures_and_keeps_names_as_text() -> None:
    book = load_workbook(io.BytesIO(report_xlsx(_report())))
    assert book.sheetnames == ["요약", "단계", "자금", "직원 처리 대기", "협약 변경·이의신청"]
    changes = {(row[0], row[1]): row[2:] for row in book["협약 변경·이의신청"].iter_rows(min_row=2, values_only=True)}
    assert changes[("amendments", "requested")] == ("신청", 3) and changes[("amendments", "approved")] == ("승인", 1)
    assert changes[("appeals", "dismissed")] == ("기각", 1) and changes[("appeals", "moot")] == ("종결 (선정)", 1)
    assert changes[("amendments", "longest_days_to_decide")] == ("최장 처리 일수", 4.0)
    money = {row[0]: row[2] for row in book["자금"].iter_rows(min_row=2, values_only=True)}
    assert money == {"committed": 160_000_000, "paid": 56_000_000, "refund_owed": 0}
    assert book["자금"]["C2"].number_format == '"₩"#,##0'
    phases = [row[0] for row in book["단계"].iter_rows(min_row=2, values_only=True)]
    assert phases == ["applied", "in_poc"]  # in lifecycle order
    cell = book["직원 처리 대기"]["B2"]
    assert cell.value == "'=HYPERLINK(\"x\")" and cell.data_type == "s"  # text, never a formula
    assert [c.value for c in book["직원 처리 대기"][2]][2:4] == ["review of kickoff", "마일스톤 검토 kickoff"]


def _cells(book) -> list[str]:
    return [str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
            if value is not None] + book.sheetnames


def test_the_report_downloaded_from_an_english_page_has_english_words_and_the_same_figures() -> None:
    report = _report()
    with language(ENGLISH):
        book = load_workbook(io.BytesIO(report_xlsx(report)))
        data = report_csv(report).decode("utf-8-sig")
    assert book.sheetnames == ["Summary", "Phases", "Money", "Waiting on staff", "Amendments and appeals"]
    assert [c.value for c in book["Money"][1]] == ["Key", "Label", "Amount (KRW)"]
    money = {row[0]: row[1:] for row in book["Money"].iter_rows(min_row=2, values_only=True)}
    assert money["committed"] == ("Committed (net of released)", 160_000_000)
    assert [c.value for c in book["Waiting on staff"][2]][2:4] == ["review of kickoff", "Milestone review: kickoff"]
    assert korean_left("\n".join(_cells(book))) == []
    table = list(csv.reader(io.StringIO(data)))
    assert table[0] == ["Section", "Key", "Label", "Value"]
    assert ["money", "paid", "Paid", "56000000"] in table and ["counts_by_phase", "in_poc", "In PoC", "2"] in table
    assert ["amendments", "approved", "Approved", "1"] in table and ["appeals", "moot", "Closed (selected)", "1"] in table
    changes = [row for row in book["Amendments and appeals"].iter_rows(values_only=True)]
    assert changes[0] == ("Section", "Key", "Label", "Value")
    assert ("amendments", "requested", "Requested", 3) in changes and ("appeals", "filed", "Filed", 2) in changes
    assert korean_left(data) == []


# ---------------------------------------------------------------------------------- definitions


def _sample() -> dict:
    return json.loads(next(d for d in sample_definitions() if d.id == "ai-regional-2025").model_dump_json())


def _errors(data: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        ProgramDefinition.model_validate(data)
    return field_errors(refused.value, data)


def test_definition_errors_sit_next_to_the_cell_row_or_setting_they_name() -> None:
    data = _sample()
    data["tranches"][1]["share_percent"] = 0
    data["tasks"][2]["sme_region"] = "화성"
    data["slots"] = "ten"
    data["policy"]["clocks"] = {"review": {"reminder_days_before": [3]}}
    data["colour"] = "blue"
    errors = _errors(data)
    assert "지급 비율" in readable("tranches.1.share_percent") and "2번째" in readable("tranches.1.share_percent")
    assert errors["tranches.1.share_percent"][0].startswith("값이 너무 작습니다")
    assert "not a Korean region" in errors["tasks.2"][0]  # a rule of the whole task row
    assert errors["slots"][0].startswith("정수를 입력하세요 (")  # the words of RuleId.INT_PARSING
    assert any("clocks.review" in m for m in errors["policy"])  # the deeper path is named in the message
    assert any("colour" in m and "알 수 없는 항목" in m for m in errors[""])


def test_a_rule_across_fields_is_shown_for_the_field_it_names_or_the_whole_definition() -> None:
    data = _sample()
    data["budget"] = 1
    assert "less than slots × grant_amount" in _errors(data)["budget"][0]
    data = _sample()
    data["tranches"][0]["share_percent"] = 60
    # Said in the page's words alone, without the validator's English.
    assert _errors(data)[""][0] == "분할 지급 비율의 합은 100이어야 합니다"


@pytest.mark.parametrize("raw,expected", [
    (b"", "비어 있습니다"), (b"{\n  \"id\": 1,,\n}", "2행"), (b"[1, 2]", "JSON 객체"), (b"\xff\xfe{", "UTF-8"),
])
def test_an_unreadable_upload_is_refused_at_the_file_field(raw: bytes, expected: str) -> None:
    data, errors = parse_upload(raw)
    assert data is None and expected in errors["definition"][0]


def test_definition_errors_on_an_english_page_are_in_english() -> None:
    data = _sample()
    data["tranches"][1]["share_percent"] = 0
    data["tasks"][2]["sme_region"] = "화성"
    data["slots"] = "ten"
    data["colour"] = "blue"
    with language(ENGLISH):
        errors = _errors(data)
        names = [readable(path) for path in errors]
        unreadable = [parse_upload(raw)[1]["definition"][0] for raw in (b"", b"{,}", b"[1]", b"\xff\xfe{")]
    assert readable("tranches.1.share_percent") == "분할 지급 2번째 › 지급 비율 (tranches[1].share_percent)"
    with language(ENGLISH):
        assert readable("tranches.1.share_percent") == "Tranche 2 › Share (tranches[1].share_percent)"
        assert readable("") == "The whole definition" and readable("slots") == "Slots (slots)"
    assert errors["tranches.1.share_percent"][0].startswith("The value is too small (")
    assert errors["slots"][0].startswith("Enter a whole number (")
    assert any(m.startswith("Unknown field") and "colour" in m for m in errors[""])
    # The region named in the message is the definition's own value: data, left as it is.
    assert korean_left("\n".join(m for ms in errors.values() for m in ms), ["화성"]) == []
    assert korean_left("\n".join(names + unreadable)) == []
    assert unreadable[0] == "The definition file is empty." and "line 1, column 2" in unreadable[1]


def test_a_readable_upload_keeps_a_byte_order_mark_out_of_the_way() -> None:
    data, errors = parse_upload("\ufeff{\"id\": \"x\"}".encode())
    assert data == {"id": "x"} and errors == {}



@pytest.mark.parametrize("text", [charts.INK, charts.MUTED, charts.ACCENT, charts.WARN, charts.GOOD])
@pytest.mark.parametrize("background", ["#ffffff", charts.WARN_BG, charts.TODAY_BG, "#f6f7f9"])
def test_chart_text_keeps_its_contrast_on_every_chart_background(text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5, (text, background, round(contrast(text, background), 2))


def test_every_money_line_stands_out_from_the_page() -> None:
    # Lines are graphics (WCAG 1.4.11: 3:1); each also has its own dash pattern.
    assert all(contrast(s.colour, "#ffffff") >= 3 for s in charts.MONEY_LOOK.values())
    assert len({s.dash for s in charts.MONEY_LOOK.values()}) == len(charts.MONEY_LOOK)
