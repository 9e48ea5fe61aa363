"""The console's pure parts: money and deadlines as people read them, action forms read into the
API's bodies, and the API's refusals placed on the form's fields (in Korean, and in English when
the page is)."""

from datetime import UTC, date, datetime

import pytest

from api.i18n import ENGLISH, language
from api.pages.console.action_forms import body_from_form, field_labels, fields_for, form_names, region_choices
from api.pages.console.startups import ListFilters
from api.pages.shared.form_errors import errors_from
from api.pages.shared.formatting import days_left, days_left_label, man_won, won
from domain.action_info import ACTION_BODIES
from domain.commands import PartnerBody
from domain.phases import Action, Phase, Stage
from domain.regions import normalize_region
from domain.state import MilestoneState, StartupState, TrancheState
from tests.i18n_support import korean_left

AT = datetime(2025, 9, 1, 3, 0, tzinfo=UTC)  # 12:00 KST


@pytest.mark.parametrize(("amount", "formal", "spoken"), [
    (80_000_000, "₩80,000,000", "8,000만 원"), (56_000_000, "₩56,000,000", "5,600만 원"),
    (600_000_000, "₩600,000,000", "6억 원"), (125_000_000, "₩125,000,000", "1억 2,500만 원"),
    (35_000, "₩35,000", "3만 5,000원"), (0, "₩0", "0원"), (-24_000_000, "-₩24,000,000", "-2,400만 원"),
])
def test_money_is_shown_both_ways(amount: int, formal: str, spoken: str) -> None:
    assert (won(amount), man_won(amount)) == (formal, spoken)


def test_days_left_count_korean_calendar_days() -> None:
    # 23:59 KST the same day is due today; 00:30 KST tomorrow (15:30 UTC today) is one day away.
    assert days_left(datetime(2025, 9, 1, 14, 59, tzinfo=UTC), AT) == 0
    assert days_left(datetime(2025, 9, 1, 15, 30, tzinfo=UTC), AT) == 1
    assert days_left(datetime(2025, 8, 29, 3, 0, tzinfo=UTC), AT) == -3
    assert days_left(None, AT) is None
    assert days_left_label(14) == "D-14 (14일 남음)" and days_left_label(-3) == "D+3 (3일 지남)"
    assert days_left_label(0) == "오늘 마감"


def state() -> StartupState:
    due = datetime(2025, 10, 1, tzinfo=UTC)
    return StartupState(
        startup_id="startup:p1:1248100998", program_id="p1", program_name="P", stage=Stage.MICRO,
        brn="1248100998", company_name="AI", founded_on=date(2020, 1, 1), task_id="SF-01", sector="smart_factory",
        region="경북", grant_amount=80_000_000, phase=Phase.IN_POC, applied_at=AT,
        tranches=[TrancheState(key="advance", label="선금", amount=56_000_000, trigger="agreement", status="paid"),
                  TrancheState(key="balance", label="잔금", amount=24_000_000, trigger="midterm", status="requested")],
        milestones=[MilestoneState(key="kickoff", title="착수보고", due_at=due, original_due_at=due, status="accepted"),
                    MilestoneState(key="midterm", title="중간점검", due_at=due, original_due_at=due, status="submitted")])


def test_a_form_offers_what_the_state_leaves_to_act_on() -> None:
    approve = {f.name: f for f in fields_for(Action.APPROVE_DISBURSEMENT, state())}
    assert [v for v, _ in approve["tranche"].options] == ["balance"]
    review = {f.name: f for f in fields_for(Action.REVIEW_MILESTONE, state())}
    assert [v for v, _ in review["milestone"].options] == ["midterm"]
    assert review["decision"].type == "select" and review["revise_due_on"].type == "date"
    assert list(approve)[-1] == "reason"  # what first, then why


def test_a_form_becomes_the_body_the_api_would_receive() -> None:
    body, _ = body_from_form(Action.TERMINATE, {"cause": ["misuse"], "clawback_amount": ["₩80,000,000"],
                                                "ban_years": ["2"], "honest_failure": ["true"], "reason": [""]})
    assert body == {"cause": "misuse", "clawback_amount": 80_000_000, "ban_years": 2, "honest_failure": True}
    ACTION_BODIES[Action.TERMINATE].model_validate(body)
    typed_wrong, _ = body_from_form(Action.FINAL_EVALUATION, {"score": ["여든"], "grade": ["A"]})
    assert typed_wrong["score"] == "여든"  # left as typed: the model refuses it by name


def test_blank_list_rows_are_left_out_and_errors_go_back_to_the_row_typed() -> None:
    form = {"partners.0.name": ["가"], "partners.0.brn": ["124-81-00998"], "partners.0.region": ["강원"],
            "partners.0.role": ["lead"], "partners.1.role": ["member"],
            "partners.2.name": ["나"], "partners.2.region": ["서울"], "partners.2.role": ["member"]}
    body, remap = body_from_form(Action.MATCH, form)
    assert [p["name"] for p in body["partners"]] == ["가", "나"]
    details = [{"field": "partners.1.region", "rule": "value_error", "message": "outside the capital area"},
               {"field": "body", "rule": "value_error", "message": "exactly one lead"}]
    errors = errors_from("validation_error", "invalid match body", details, form_names(Action.MATCH, state()), remap)
    assert list(errors.by_field) == ["partners.2.region", ""]


def test_a_refused_rule_is_explained_in_korean_at_the_top() -> None:
    errors = errors_from("forbidden", "four-eyes rule: the requester of a disbursement cannot approve it",
                         {"rule": "four_eyes"}, set(), {})
    (message,) = errors.by_field[""]
    # The rule in the page's words alone, headed as a rule's refusal: no English, no rule id.
    assert message.startswith("4안 원칙") and "four_eyes" not in message and "requester" not in message
    assert message.heading == "지금은 할 수 없는 작업입니다"
    window = errors_from("conflict", "selection is finalized after the window closes",
                         {"rule": "window_closed_first"}, set(), {}).by_field[""][0]
    assert (window, window.heading) == ("접수가 마감된 뒤에 선정을 확정할 수 있습니다.", "아직 선정을 확정할 수 없습니다")
    typed = errors_from("validation_error", "bad", [{"field": "partners.0.region", "rule": "regional_partner",
                                                     "message": "the SME partner must be outside the capital area "
                                                                "(비수도권)"}], {"partners.0.region"}, {})
    assert typed.by_field == {"partners.0.region": ["수요기업은 비수도권 기업이어야 합니다."]}
    assert not hasattr(typed.by_field["partners.0.region"][0], "heading")  # a field's problem: "check what you typed"


def test_list_filters_keep_known_values_and_drop_others() -> None:
    filters = ListFilters.from_query({"phase": "in_poc", "region": "경남", "overdue": "yes", "stage": "mega",
                                      "q": " 테스트 "}, programs=["p1"])
    assert filters.values == {"phase": "in_poc", "region": "경남", "overdue": "yes", "q": "테스트"}
    assert filters.query_filters()["overdue"] is True and len(filters.problems) == 1
    assert "page=2" in filters.link(page=2) and "phase=in_poc" in filters.link(page=2)


def test_an_action_form_reads_in_english_when_the_page_does() -> None:
    with language(ENGLISH):
        terminate = {f.name: f for f in fields_for(Action.TERMINATE, state())}
        assert terminate["cause"].label == "Cause" and ("misuse", "Misuse of funds") in terminate["cause"].options
        assert terminate["reason"].hint == "Why; may be empty. Kept in the history with who did it."
        review = {f.name: f for f in fields_for(Action.REVIEW_MILESTONE, state())}
        assert [label for _, label in review["decision"].options] == ["Accept", "Request revision"]
        labels = field_labels(Action.MATCH, state())
        assert labels["partners.1.region"] == "Partner company 2 · Region"
        shown = [f.label for action in Action for f in fields_for(action, state())] + \
            [hint for action in Action for f in fields_for(action, state()) if (hint := f.hint)] + \
            [label for action in Action for f in fields_for(action, state()) for _, label in f.options or []]
        # Only the program's own words (tranche and milestone names) stay Korean.
        assert korean_left("\n".join(shown), ["선금", "잔금", "착수보고", "중간점검"]) == []
    assert fields_for(Action.TERMINATE, state())[0].label == "해지 사유"  # Korean without a switch


def test_a_refused_rule_is_explained_in_english_on_an_english_page() -> None:
    with language(ENGLISH):
        errors = errors_from("forbidden", "four-eyes rule: the requester of a disbursement cannot approve it",
                             {"rule": "four_eyes"}, set(), {})
        (message,) = errors.by_field[""]
        heading = message.heading
        unknown = errors_from("validation_error", "bad", [{"field": "x", "rule": "value_error",
                                                           "message": "알 수 없는 값 — unknown value"}], {"x"}, {})
    assert message.startswith("Four-eyes rule") and "four_eyes" not in message
    assert heading == "This cannot be done now" and korean_left(message + heading) == []
    assert unknown.by_field == {"x": ["unknown value"]}  # a two-language message in the page's language


def test_a_region_is_understood_as_people_spell_it_and_chosen_outside_the_capital_area() -> None:
    assert PartnerBody(name="가", brn="124-81-00998", region="경상남도").region == "경남"
    assert [normalize_region(t) for t in ("경 상 남 도", "강원도", "서울특별시", "뉴욕")] == ["경남", "강원", "서울", "뉴욕"]
    offered = dict(region_choices())
    assert offered["경남"] == "경상남도" and "서울" not in offered and "경기" not in offered
    with language(ENGLISH):
        assert dict(region_choices())["경남"] == "South Gyeongsang"
    assert ListFilters.from_query({"region": "경상남도"}, programs=[]).values == {"region": "경남"}
