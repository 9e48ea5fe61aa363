"""The auditors' and admins' page logic without a server: as-of days, the event search's filters,
export files that hold what the page showed, form errors next to their fields, and the mailbox."""

import csv
import io
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from openpyxl import load_workbook

from api.i18n import ENGLISH, language
from api.pages.console.admin_forms import directory_errors, field_message, read_new_user, read_token_request
from api.pages.console.audit_views import (
    EventFilters,
    as_of_instant,
    chain_problem,
    column_headers,
    event_cells,
    parse_event_filters,
    timeline,
    upload_problem,
)
from api.pages.console.exports import table_csv, table_xlsx
from api.pages.console.mail_view import newest_first, one
from api.schemas import HistoryEntry, RefusedEntry
from store.tables import AuditEvent
from store.users import DirectoryError

UTC = UTC


def test_an_as_of_day_ends_at_midnight_in_korea_not_in_utc() -> None:
    end = as_of_instant(date(2025, 7, 10))
    assert end == datetime(2025, 7, 10, 14, 59, 59, 999999, tzinfo=UTC)
    # 23:59:59.5 KST still belongs to that day; midnight KST is the next one.
    assert datetime(2025, 7, 10, 14, 59, 59, 500000, tzinfo=UTC) <= end
    assert datetime(2025, 7, 10, 15, 0, tzinfo=UTC) > end


def test_event_filters_read_kst_days_with_both_ends_included() -> None:
    filters, errors = parse_event_filters({"program_id": " p1 ", "since": "2025-07-01", "until": "2025-07-02",
                                           "action": "score", "after": "40"})
    assert errors == {}
    assert filters.program_id == "p1" and filters.after == 40
    assert filters.since_instant() == datetime(2025, 6, 30, 15, 0, tzinfo=UTC)
    assert filters.until_instant() == datetime(2025, 7, 2, 15, 0, tzinfo=UTC)  # exclusive: 3 July 00:00 KST
    assert filters.query(after=None) == "program_id=p1&action=score&since=2025-07-01&until=2025-07-02"


def test_unreadable_filters_are_named_and_left_out_never_guessed() -> None:
    filters, errors = parse_event_filters({"since": "2025-13-01", "until": "yesterday", "actor": "x" * 121,
                                           "after": "-3"})
    assert set(errors) == {"since", "until", "actor"}
    assert "YYYY-MM-DD" in errors["since"][0] and errors["since"][0].startswith("날짜")
    assert filters == EventFilters()
    _, reversed_range = parse_event_filters({"since": "2025-07-02", "until": "2025-07-01"})
    assert reversed_range["until"][0].startswith("종료일이 시작일보다")
    with language(ENGLISH):
        _, errors = parse_event_filters({"since": "2025-13-01", "actor": "x" * 121})
    assert errors == {"since": ["A date is written YYYY-MM-DD (got '2025-13-01')"], "actor": ["At most 120 characters"]}


def _event(**changes: object) -> AuditEvent:
    values: dict[str, object] = dict(
        id=7, at=datetime(2025, 7, 10, 6, 0, tzinfo=UTC), startup_id="startup:p1:1248100998", program_id="p1", seq=3,
        actor_id="u-1", actor_name="김감사", role="program_officer", action="sign-agreement", reason="협약 체결",
        from_phase="matched", to_phase="contracted", request_id=None, details={"agreement_no": "AX-1"},
        prev_hash="0" * 64, hash="ab" * 32)
    return AuditEvent(**(values | changes))


def test_an_event_row_shows_korean_time_and_the_phase_change() -> None:
    cells = event_cells(_event())
    assert cells[1] == "2025-07-10 15:00:00"
    assert cells[5] == "김감사 (u-1)" and cells[8] == "matched → contracted"
    assert cells[10] == '{"agreement_no": "AX-1"}'
    # SQLite returns the time without its zone: it is UTC all the same.
    assert event_cells(_event(at=datetime(2025, 7, 10, 6, 0)))[1] == "2025-07-10 15:00:00"
    assert event_cells(_event(from_phase="in_poc", to_phase="in_poc"))[8] == "in_poc"


def test_csv_and_xlsx_hold_exactly_the_rows_shown_headed_in_the_pages_language() -> None:
    rows = [event_cells(_event()), event_cells(_event(id=8, reason="=HYPERLINK(\"x\")"))]
    data = table_csv(column_headers(), rows)
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0][:3] == ["번호", "일시 (KST)", "스타트업 ID"] and parsed[1] == rows[0]
    # A formula in free text reaches the spreadsheet as text.
    assert parsed[2][9] == "'=HYPERLINK(\"x\")"
    sheet = load_workbook(io.BytesIO(table_xlsx("audit events", column_headers(), rows))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == column_headers() and values[1] == rows[0]
    assert values[2][9] == "'=HYPERLINK(\"x\")" and sheet["J3"].data_type == "s"
    # In English the headers are English; the cells are the records as they are.
    with language(ENGLISH):
        english = column_headers()
        parsed = list(csv.reader(io.StringIO(table_csv(english, rows).decode("utf-8-sig"))))
    assert english == ["No.", "At (KST)", "Startup ID", "Program ID", "Seq.", "Actor", "Role", "Action",
                       "Phase change", "Reason", "Details", "Hash"]
    assert parsed[0] == english and parsed[1] == rows[0]


def test_the_timeline_merges_refusals_in_time_and_marks_what_came_after_the_day() -> None:
    entry = HistoryEntry(startup_id="s", stage="micro", seq=1, at=datetime(2025, 7, 1, 1, tzinfo=UTC),
                         at_kst="", actor="u-1", actor_name="담당", role="program_officer", action="match",
                         reason="", from_phase="selected", to_phase="matched", request_id=None, details={})
    later = entry.model_copy(update={"seq": 2, "at": datetime(2025, 7, 3, 1, tzinfo=UTC), "action": "sign-agreement"})
    refusal = RefusedEntry(at=datetime(2025, 7, 2, 1, tzinfo=UTC), at_kst="", startup_id="s", actor="u-2",
                           role="finance_officer", action="approve-disbursement", code="invalid_transition",
                           message="four eyes", details=None, request_id=None)
    items = timeline([later, entry], [refusal], as_of_instant(date(2025, 7, 2)))
    assert [(i.action, i.refused, i.later) for i in items] == [
        ("match", False, False), ("approve-disbursement", True, False), ("sign-agreement", False, True)]
    assert items[1].note == "invalid_transition: four eyes"


def test_the_add_user_form_is_read_into_the_apis_model_with_errors_by_field() -> None:
    read = read_new_user({"login_id": "ab", "display_name": "", "kind": "staff", "password": ""}, [], [])
    # In the form's order, one message each, in the page's language.
    assert list(read.errors) == ["login_id", "display_name", "roles"]
    assert read.errors == {"login_id": ["3자 이상이어야 합니다."], "display_name": ["필수 항목입니다."],
                           "roles": ["하나 이상 있어야 합니다."]}  # pydantic's types in RULE_WORDS' words
    with language(ENGLISH):
        english = read_new_user({"login_id": "ab", "display_name": "", "kind": "staff", "password": ""}, [], [])
    assert english.errors == {"login_id": ["At least 3 characters."], "display_name": ["This field is required."],
                              "roles": ["At least one is needed."]}
    good = read_new_user({"login_id": "kim.po", "display_name": "김담당", "email": "", "password": "Secret-pass-42"},
                         ["program_officer"], ["program_manager"])
    assert good.errors == {} and good.model.email is None and good.model.password.get_secret_value() == "Secret-pass-42"


def test_directory_refusals_are_said_in_the_pages_language() -> None:
    taken = DirectoryError("conflict", "login_id", "login id 'kim' is taken (이미 사용 중인 아이디)")
    assert directory_errors(taken) == {"login_id": ["이미 사용 중인 아이디입니다: kim"]}
    assert field_message("roles", "a startup user holds the startup role only") == \
        "스타트업 사용자는 스타트업 역할만 가질 수 있습니다"
    weak = ("비밀번호에 아이디를 넣을 수 없습니다 (the password may not contain the login id); "
            "널리 알려진 비밀번호입니다 (a commonly used password)")
    unknown_role = "unknown role 'wizard' (알 수 없는 역할); known: admin, auditor"
    with language(ENGLISH):
        assert directory_errors(taken) == {"login_id": ["The login ID kim is already taken"]}
        assert field_message("password", weak) == ("The password may not contain the login ID; "
                                                   "This is a commonly used password")
        assert field_message("roles", unknown_role) == "Unknown role: wizard; choose from admin, auditor"
        # Words not known here: what to check, with the refusal's own words beside.
        assert field_message("phone", "something new") == "Check the phone number (something new)"
    assert field_message("phone", "something new") == "전화번호를 확인하세요 (something new)"
    assert set(read_token_request({"role": "wizard", "expires_days": "0"}).errors) == {"role", "expires_days"}
    assert read_token_request({"role": "auditor"}).model.role.value == "auditor"


def _mail(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, "axflow <noreply@axflow.local>", "kim@agency.kr"
    message["Date"] = "Thu, 10 Jul 2025 06:00:00 +0000"
    message.set_content(body)
    message.add_alternative(f"<p>{body}</p>", subtype="html")
    return b"X-Envelope-To: kim@agency.kr\r\n" + message.as_bytes()


def test_the_mailbox_shows_decoded_korean_newest_first_and_no_paths(tmp_path: Path) -> None:
    (tmp_path / "00000000000000000001-10-000001.eml").write_bytes(_mail("협약 마감 안내", "협약서를 제출하세요."))
    (tmp_path / "00000000000000000002-10-000002.eml").write_bytes(_mail("지급 승인 요청", "승인이 필요합니다."))
    page, total = newest_first(tmp_path, 1)
    assert total == 2 and [m.subject for m in page] == ["지급 승인 요청", "협약 마감 안내"]
    first = one(tmp_path, "00000000000000000001-10-000001")
    assert first is not None and first.text.strip() == "협약서를 제출하세요."
    assert first.sent_kst == "2025-07-10 15:00:00 KST" and first.has_html and first.recipients == "kim@agency.kr"
    assert one(tmp_path, "../../etc/passwd") is None and one(tmp_path, "1-2-3") is None
    assert newest_first(tmp_path / "none", 1) == ([], 0)


def test_the_chain_check_and_refused_uploads_are_told_in_the_pages_language() -> None:
    altered = "content does not match its hash (row altered)"
    assert chain_problem(altered) == "내용이 해시와 맞지 않습니다: 기록이 바뀌었습니다"
    too_big = [{"field": "file", "rule": "max_size", "message": "...", "limit": 26214400}]
    # An upload's refusal in the words every upload page uses (domain/rule_ids.py's RULE_WORDS).
    assert upload_problem("파일이 26214400 바이트를 넘습니다 — the file is over 26214400 bytes", too_big) == \
        "파일이 너무 큽니다. 최대 25 MB까지 올릴 수 있습니다."
    with language(ENGLISH):
        assert chain_problem(altered) == "its content does not match its hash: the row was altered"
        assert upload_problem("...", too_big) == "The file is too large. Files of up to 25 MB can be uploaded."
        assert upload_problem("the API's words", [{"rule": "something new"}]) == "the API's words"
