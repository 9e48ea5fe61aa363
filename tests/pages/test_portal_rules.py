"""The portal's rules without a server: the countdown's words, where a window stands, the settlement
form's rows, receipt numbers, and the accounts, links and drafts on a migrated database."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from starlette.datastructures import FormData

from api.i18n import ENGLISH, language
from api.pages.portal.calls import eligibility_rules
from api.pages.portal.common import remaining, window_state
from api.pages.portal.script_words import portal_words
from api.pages.portal.settlement import SettlementForm, read_settlement_form
from api.pages.portal.signup import refusal_text
from api.pages.shared.bilingual import one_language
from axflow.programs import sample_definitions
from store.application_drafts import DraftFrozen, DraftInput, mark_submitted, receipt_number, save_draft
from store.company_binding import bind, bound_brn
from store.db import make_engine, migrate
from store.portal_accounts import accept_invitation, invite, issue_link, sign_up, verify
from store.users import DirectoryError

HANGUL = re.compile(r"[\uac00-\ud7a3]")
NOW = datetime(2025, 7, 10, 5, 0, tzinfo=UTC)  # 14:00 KST, an hour before the sample closes
BRN, OTHER = "1248100998", "2208162517"


def test_the_countdown_says_days_hours_and_minutes_left_in_the_pages_language() -> None:
    assert remaining(NOW + timedelta(days=2, hours=3, minutes=4, seconds=59), NOW) == "2일 3시간 4분 남음"
    assert remaining(NOW + timedelta(hours=1, minutes=5), NOW) == "1시간 5분 남음"
    assert remaining(NOW + timedelta(minutes=59), NOW) == "59분 남음"
    assert remaining(NOW + timedelta(seconds=30), NOW) == "1분 미만 남음"
    assert remaining(NOW, NOW) == "마감되었습니다"
    with language(ENGLISH):
        assert remaining(NOW + timedelta(days=2, hours=3, minutes=4, seconds=59), NOW) == "2 d 3 h 4 min left"
        assert remaining(NOW + timedelta(minutes=59), NOW) == "59 min left"
        assert remaining(NOW + timedelta(seconds=30), NOW) == "Under a minute left"
        assert remaining(NOW, NOW) == "Closed"
        # portal.js ticks with the same words, given as data with their placeholders.
        words = portal_words()
        assert words["leftDays"] == "%(days)s d %(hours)s h %(minutes)s min left"
        assert words["brnBad"].startswith("This business registration number is not valid")


def test_the_rules_and_refusals_a_startup_reads_are_in_one_language() -> None:
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    assert eligibility_rules(sample)[0].startswith(f"창업 {sample.founded_within_years}년 이내: ")
    with language(ENGLISH):
        rules = eligibility_rules(sample)
        assert rules[0].startswith(f"Founded within {sample.founded_within_years} years of the closing date: on or after ")
        assert not [rule for rule in rules if HANGUL.search(rule)]
    # A message written in both languages by the directory shows in the page's language alone.
    both = ("비밀번호는 두 종류 이상의 문자로 10자 이상이어야 합니다 (at least 10 characters of two kinds); "
            "login id 'x' is taken (이미 사용 중인 아이디)")
    assert one_language(both) == "비밀번호는 두 종류 이상의 문자로 10자 이상이어야 합니다; 이미 사용 중인 아이디"
    assert one_language("한국어만 (괄호 안도 한국어)") == "한국어만 (괄호 안도 한국어)"
    with language(ENGLISH):
        assert one_language(both) == "at least 10 characters of two kinds; login id 'x' is taken"
        refused = DirectoryError("validation_error", "brn",
                                 "사업자등록번호가 올바르지 않습니다 — check digit does not match (사업자등록번호 검증 실패)")
        assert refusal_text(refused) == "The last digit (the check digit) does not match. Check the number again."


def test_a_window_is_open_up_to_its_closing_instant_exclusive() -> None:
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    closes = sample.application_closes_at
    assert closes is not None and sample.application_opens_at is not None
    assert window_state(sample, sample.application_opens_at - timedelta(seconds=1)) == "scheduled"
    assert window_state(sample, closes - timedelta(microseconds=1)) == "open"
    assert window_state(sample, closes) == "closed"
    promoted = next(d for d in sample_definitions() if d.application_closes_at is None)
    assert window_state(promoted, NOW) == "none"


def test_the_settlement_form_keeps_rows_as_typed_and_maps_answers_back_to_them() -> None:
    form = FormData([("lines.0.item", "인건비"), ("lines.0.amount", "50,000,000"), ("lines.0.receipts", "r1"),
                     ("lines.1.item", ""), ("lines.1.amount", ""),
                     ("lines.2.item", "재료비"), ("lines.2.amount", "20000000"), ("lines.2.receipts", "r2"),
                     ("lines.2.receipts", "r3")])
    settlement, errors = read_settlement_form(form)
    assert errors == {}
    assert settlement.body_lines() == [{"item": "인건비", "amount": 50_000_000, "receipts": ["r1"]},
                                       {"item": "재료비", "amount": 20_000_000, "receipts": ["r2", "r3"]}]
    # The API numbers the lines it received (0, 1); the form shows rows 0 and 2.
    assert settlement.row_errors({"lines.1.receipts[0]": ["no such receipt"], "lines.0.amount": ["too much"],
                                  "": ["spent more than paid"]}) == \
        {"lines.2.receipts": ["no such receipt"], "lines.0.amount": ["too much"], "": ["spent more than paid"]}
    assert len(settlement.wider(2).rows) == 5


def test_the_settlement_form_refuses_what_it_can_see() -> None:
    _, errors = read_settlement_form(FormData([("lines.0.item", ""), ("lines.0.amount", "3만원")]))
    assert errors == {"lines.0.item": ["비목을 입력하세요."],
                      "lines.0.amount": ["금액을 원 단위 정수로 입력하세요. 예: 30000000"]}
    _, errors = read_settlement_form(FormData([("lines.0.item", ""), ("lines.0.amount", "")]))
    assert errors == {"lines.0.item": ["사용한 비목을 한 줄 이상 입력하세요."]}  # nothing at all: one line is needed
    assert SettlementForm.empty(3).filled() == []


def test_the_settlement_form_refuses_in_the_pages_language() -> None:
    with language(ENGLISH):
        _, errors = read_settlement_form(FormData([("lines.0.item", ""), ("lines.0.amount", "3만원")]))
        _, nothing = read_settlement_form(FormData([("lines.0.item", ""), ("lines.0.amount", "")]))
    assert errors == {"lines.0.item": ["Enter the budget item."],
                      "lines.0.amount": ["Enter the amount as a whole number of won, e.g. 30000000."]}
    assert nothing == {"lines.0.item": ["Enter at least one budget item you spent on."]}


def test_receipt_numbers_are_short_naming_the_program_the_year_and_the_order() -> None:
    assert receipt_number("ai-regional-2025", date(2025, 7, 1), 7) == "AI25-0007"
    assert receipt_number("t12", date(2026, 1, 2), 123) == "T26-0123"
    assert receipt_number("2027-call", date(2027, 3, 4), 1) == "AX27-0001"


@pytest.fixture
def db(tmp_path: Path) -> Session:
    url = f"sqlite:///{tmp_path}/portal.db"
    migrate(url)
    with Session(make_engine(url), expire_on_commit=False) as session:
        yield session


def test_an_account_works_only_after_its_single_use_link(db: Session) -> None:
    user = sign_up(db, email="CEO@Startup.kr", password="Strong!pass-2025", brn="124-81-00998",
                   representative="김대표", company_name="스타트업", now=NOW)
    assert (user.login_id, user.active, user.brn) == ("ceo@startup.kr", False, BRN)
    first = issue_link(db, user, "verify", user.id, NOW)
    second = issue_link(db, user, "verify", user.id, NOW)  # asked again: the first stops working
    assert verify(db, first, NOW) is None
    assert verify(db, second, NOW + timedelta(hours=25)) is None  # expired
    third = issue_link(db, user, "verify", user.id, NOW)
    assert verify(db, third, NOW).active is True
    assert verify(db, third, NOW) is None  # used up


def test_a_typed_number_grants_nothing_and_only_the_bound_representative_invites(db: Session) -> None:
    ceo = sign_up(db, email="ceo@a.kr", password="Strong!pass-2025", brn=BRN, representative="김", company_name="A",
                  now=NOW)
    # Another sign-up naming the same number is not refused (that would tell who signed up) and
    # holds nothing: neither is bound until proven (store/company_binding.py).
    other = sign_up(db, email="other@a.kr", password="Strong!pass-2025", brn=BRN, representative="박",
                    company_name="A", now=NOW)
    assert bound_brn(db, ceo.id) is None and bound_brn(db, other.id) is None
    with pytest.raises(DirectoryError) as refused:
        invite(db, ceo, email="cto@a.kr", name="박기술", now=NOW)
    assert refused.value.code == "forbidden"
    with pytest.raises(DirectoryError) as refused:
        sign_up(db, email="x@b.kr", password="short", brn=OTHER, representative="이", company_name="B", now=NOW)
    assert refused.value.field == "password"
    with pytest.raises(DirectoryError) as refused:
        sign_up(db, email="y@b.kr", password="Strong!pass-2025", brn="1248100999", representative="이",
                company_name="B", now=NOW)
    assert refused.value.field == "brn" and "check digit" in refused.value.message
    bind(db, ceo, BRN, proof="verified", by=ceo.id, at=NOW, representative=True, company_name="A")
    db.commit()
    invitation = invite(db, ceo, email="cto@a.kr", name="박기술", now=NOW)
    assert invitation.user.brn == BRN and not invitation.user.active
    with pytest.raises(DirectoryError) as weak:
        accept_invitation(db, invitation.secret, "1234", NOW)
    assert weak.value.field == "password"
    cto = accept_invitation(db, invitation.secret, "Colleague!2025q", NOW)
    assert cto is not None and cto.active and cto.password_hash and bound_brn(db, cto.id) == BRN
    assert accept_invitation(db, invitation.secret, "Colleague!2025q", NOW) is None
    with pytest.raises(DirectoryError) as refused:
        invite(db, cto, email="intern@a.kr", name="인턴", now=NOW)
    assert refused.value.code == "forbidden"


def test_a_submitted_draft_is_frozen_with_the_next_receipt_number(db: Session) -> None:
    first = save_draft(db, "p-1", BRN, DraftInput(company_name="A"), "u-1", NOW)
    again = save_draft(db, "p-1", BRN, DraftInput(company_name="A 주식회사", task_id="SF-01"), "u-2", NOW)
    assert again.id == first.id and again.company_name == "A 주식회사" and again.updated_by == "u-2"
    other = save_draft(db, "p-1", OTHER, DraftInput(company_name="B"), "u-3", NOW)
    assert mark_submitted(db, again, f"startup:p-1:{BRN}", NOW, date(2025, 7, 10)).receipt_no == "P25-0001"
    assert mark_submitted(db, other, f"startup:p-1:{OTHER}", NOW, date(2025, 7, 10)).receipt_no == "P25-0002"
    with pytest.raises(DraftFrozen):
        save_draft(db, "p-1", BRN, DraftInput(company_name="changed"), "u-1", NOW)
