"""The finance and evaluator desks' rules, without a server: what each approval is and who asked
for it, the action and body that approve it, the money that failed to move, an evaluator's
conflict with a startup or its partner, and how a refusal reads on a page. Then the desks' pages
rendered as they are in every state, in English (no Korean left but the data they show) and in
Korean (none of that English)."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from api.errors import ApiError
from api.i18n import ENGLISH, KOREAN, _, language
from api.pages.console.evaluations import ROUNDS, conflict_with
from api.pages.console.finance import Outcome, unreachable_text
from api.pages.console.finance_items import (
    approval_command,
    approval_of,
    failed_collections,
    failed_payments,
    item_key,
    parse_item_key,
)
from api.pages.shared.common import NAVIGATION
from api.pages.shared.refusal_text import form_errors, refusal_text
from api.templating import templates
from axflow.reconcile import Difference, FinanceUnreachable
from domain.phases import Action, Role
from domain.state import Partner, ScoreEntry, Termination
from store.tables import EvaluatorConflict
from tests.builders import OTHER_STARTUP_BRN, PARTNER_BRN, STARTUP_BRN, collection, settlement, startup, tranche
from tests.i18n_support import korean_left

AT = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)


def test_a_checkbox_value_names_one_approval_and_nothing_else() -> None:
    key = item_key("startup:p1:1248100998", "approve_disbursement", "advance")
    assert parse_item_key(key) == ("startup:p1:1248100998", "approve_disbursement", "advance")
    assert parse_item_key("startup:p1:1248100998|terminate|") is None  # not an approval
    assert parse_item_key("just-text") is None and parse_item_key("|approve_settlement|") is None


def test_each_approval_is_the_action_the_api_takes_for_it() -> None:
    assert approval_command("approve_disbursement", "advance", "확인") == (
        Action.APPROVE_DISBURSEMENT, {"reason": "확인", "tranche": "advance"})
    assert approval_command("approve_settlement", "", "") == (Action.APPROVE_SETTLEMENT, {"reason": ""})
    assert approval_command("decide_waiver", "clawback", "성실실패 인정") == (
        Action.WAIVE_CLAWBACK, {"reason": "성실실패 인정", "decision": "approve"})


def test_an_approval_says_how_much_and_who_asked() -> None:
    state = startup(phase="contracted", tranches=[
        tranche("advance", status="requested", requested_by="u-officer", requested_at=AT)])
    approval = approval_of(state, "approve_disbursement", "advance")
    assert (approval.amount, approval.asked_by, approval.asked_at) == (56_000_000, "u-officer", AT)
    assert "advance" in approval.detail and approval.key.endswith("|approve_disbursement|advance")
    report = settlement(spent=50_000_000, submitted_by="u-startup", submitted_at=AT)
    state = startup(phase="settlement", settlement=report, tranches=[tranche("advance", status="paid")])
    approval = approval_of(state, "approve_settlement", "")
    assert approval.amount == 50_000_000 and approval.asked_by == "u-startup"
    assert "반납 예정 6,000,000원" in approval.detail
    state = startup(phase="terminated", collections=[collection("clawback", "waiver_requested",
                                                                opened_by="u-terminator")])
    assert approval_of(state, "decide_waiver", "clawback").asked_by == "u-terminator"


def test_failed_money_lists_refused_payments_and_refused_collections() -> None:
    state = startup(phase="contracted", bank_account="국민 000-00", tranches=[
        tranche("advance", status="payment_failed", failure="bank account rejected"),
        tranche("balance")])
    [failed] = failed_payments(state)
    assert (failed.subject, failed.amount, failed.failure, failed.account) == (
        "advance", 56_000_000, "bank account rejected", "국민 000-00")
    stored = [{"kind": "refund", "amount": 6_000_000, "status": "failed", "failure": "no virtual account"},
              {"kind": "clawback", "amount": 1, "status": "requested"}]
    [refused] = failed_collections("s1", "알파AI", "p1", stored)
    assert (refused.kind, refused.amount, refused.failure) == ("refund", 6_000_000, "no virtual account")


def test_a_conflict_with_the_startup_or_its_partner_closes_the_form() -> None:
    def declared(brn: str) -> dict[str, EvaluatorConflict]:
        return {brn: EvaluatorConflict(evaluator_id="u-ev", brn=brn, reason="자문", declared_at=AT)}

    state = startup(phase="under_review", partners=[Partner(name="경남정밀", brn=PARTNER_BRN, region="경남")])
    assert conflict_with(state, declared(STARTUP_BRN)).brn == STARTUP_BRN
    assert conflict_with(state, declared(PARTNER_BRN)).brn == PARTNER_BRN  # the SME partner
    assert conflict_with(state, declared(OTHER_STARTUP_BRN)) is None


def test_a_refusal_reads_in_korean_with_its_rule_and_sits_by_its_field() -> None:
    four_eyes = ApiError("forbidden", "four-eyes rule: the requester of a disbursement cannot approve it",
                         {"rule": "four_eyes"})
    text = refusal_text(four_eyes)
    assert text.startswith("4안 원칙") and "four_eyes" not in text and "requester" not in text
    [top] = form_errors(four_eyes, {"score"})[""]
    assert top.startswith("4안 원칙") and "four_eyes" not in top and top.heading == "지금은 할 수 없는 작업입니다"
    invalid = ApiError("validation_error", "invalid score body", [
        {"field": "score", "rule": "less_than_equal", "message": "Input should be less than or equal to 100"},
        {"field": "extra", "rule": "extra_forbidden", "message": "Extra inputs are not permitted"}])
    errors = form_errors(invalid, {"score", "round"})
    assert errors["score"][0].startswith("값이 너무 큽니다")
    assert errors[""][0].startswith("extra:")
    unavailable = ApiError("unavailable", "no worker answered in time")
    assert form_errors(unavailable, {"score"}) == {"": [refusal_text(unavailable)]}
    assert "반영되지 않았습니다" in refusal_text(unavailable)


# --- The pages in English and in Korean ----------------------------------------------------------

ME = SimpleNamespace(id="u-me", display_name="박지현", login_id="desk.me")
COMPANY, OTHER_COMPANY = "㈜테스트랩", "알파AI"
PROGRAM_NAME = "AI 지역 주력산업 연계 프로젝트"
ACCOUNT = "국민 123-45-678901"
CONFLICT_REASON = "대표이사와 공동 연구 (3년 이내)"
# What the pages show that is data, not the page's words: names, the program, regions, accounts,
# reasons people typed, and the link back to Korean (written in Korean on purpose).
DATA = (COMPANY, OTHER_COMPANY, PROGRAM_NAME, ME.display_name, "김담당", ACCOUNT, CONFLICT_REASON, "경남", "경북",
        "한국어")
LANG_EN = re.compile(r'<html lang="en">')


def page(name: str, role: Role, code: str, **context: Any) -> str:
    """A desk's template as `render` fills it for a signed-in person, in the language `code`."""
    path = {"console/finance.html": "/console/finance"}.get(name, "/console/evaluations")
    frame = {"request": SimpleNamespace(url=SimpleNamespace(path=path, query="")), "me": ME, "viewer": None,
             "acting_role": role.value, "csrf_token": "token", "session_expires_at": AT + timedelta(minutes=30),
             "warning_seconds": 300, "idle_minutes": 30, "navigation": NAVIGATION[role], "now": AT,
             "current_path": path}
    with language(code):
        return templates.get_template(name).render(frame | context)


def both(name: str, role: Role, context: Any) -> tuple[str, str]:
    """The page in English, then in Korean; `context` is called in each language, as a request would."""
    pages = []
    for code in (ENGLISH, KOREAN):
        with language(code):
            values = context()
        pages.append(page(name, role, code, **values))
    return pages[0], pages[1]


def english_only(html: str) -> None:
    assert LANG_EN.search(html), "the page does not say it is in English"
    assert korean_left(html, DATA) == []


def korean_only(html: str, *english: str) -> None:
    assert '<html lang="ko">' in html
    for words in english:
        assert words not in html, f"English {words!r} on the Korean page"


def _approvals() -> list:
    own = startup(phase="contracted", tranches=[tranche("advance", status="requested", requested_by=ME.id,
                                                        requested_at=AT)])
    other = startup(phase="contracted", startup_id=f"startup:ai-regional-2025:{OTHER_STARTUP_BRN}",
                    brn=OTHER_STARTUP_BRN, company_name=OTHER_COMPANY, region="경북",
                    tranches=[tranche("advance", status="requested", requested_by="u-po", requested_at=AT)])
    report = settlement(spent=50_000_000, submitted_by="u-startup", submitted_at=AT)
    settling = startup(phase="settlement", settlement=report, tranches=[tranche("advance", status="paid")])
    terminated = startup(phase="terminated", collections=[collection("clawback", "waiver_requested",
                                                                     opened_by="u-po")],
                         termination=Termination(cause="misuse", clawback_amount=10_000_000, ban_years=1,
                                                 honest_failure=True, at=AT))
    return [approval_of(other, "approve_disbursement", "advance"), approval_of(own, "approve_disbursement", "advance"),
            approval_of(settling, "approve_settlement", ""), approval_of(terminated, "decide_waiver", "clawback")]


def _finance(**context: Any) -> dict[str, Any]:
    """The finance desk with everything on it: approvals (one my own), a refused payment whose
    retry was refused beside its field, a refused refund, and whatever `context` adds."""
    approvals = _approvals()
    payment = startup(phase="contracted", bank_account=ACCOUNT, tranches=[
        tranche("advance", status="payment_failed", failure="bank account rejected")])
    failed = failed_payments(payment) + failed_collections("s2", OTHER_COMPANY, "ai-regional-2025", [
        {"kind": "refund", "amount": 6_000_000, "status": "failed", "failure": "no virtual account"}])
    invalid = ApiError("validation_error", "invalid body", [
        {"field": "account", "rule": "string_too_short", "message": "String should have at least 5 characters"}])
    key = f"{payment.startup_id}|advance"
    return {"program_id": "", "batch": "b", "may_approve": True, "may_retry_payment": True,
            "may_retry_collection": True, "approvals": approvals, "failed": failed,
            "names": {ME.id: ME.display_name, "u-po": "김담당"}, "programs": [("ai-regional-2025", PROGRAM_NAME)],
            "errors": {}, "row_errors": {key: form_errors(invalid, {"account", "reason"})},
            "row_values": {key: {"account": "국민", "reason": ""}}, "outcomes": None, "reconciliation": None,
            "notice": None} | context


def test_the_finance_desk_in_english_approvals_waiting_and_failed_money() -> None:
    english, korean = both("console/finance.html", Role.FINANCE_OFFICER, _finance)
    english_only(english)
    for words in ("Approvals waiting", "4 approvals waiting", "Your own request: the four-eyes rule",
                  "Spent 50,000,000 won, refund due 6,000,000 won", "terminated for misuse of funds",
                  "Approve selected", "Failed payments and collections", "Payment refused", "Refund request refused",
                  "Request again to the corrected account", "Reconcile now"):
        assert words in english, words
    korean_only(korean, "Approvals waiting", "Approve selected", "Payment refused", "four-eyes")
    for words in ("승인 대기 4건", "본인 요청: 4안 원칙상 승인할 수 없습니다", "반납 예정 6,000,000원", "수정 계좌로 다시 요청"):
        assert words in korean, words


def test_the_finance_desk_in_english_bulk_outcome_with_a_four_eyes_refusal() -> None:
    def outcomes() -> dict[str, Any]:
        other, own = _approvals()[:2]
        four_eyes = ApiError("forbidden", "four-eyes rule: the requester of a disbursement cannot approve it",
                             {"rule": "four_eyes"})
        label = f"{own.company_name} · {own.detail}"
        return _finance(outcomes=[Outcome(other, f"{other.company_name} · {other.detail}", True, _("승인되었습니다.")),
                                  Outcome(own, label, False, refusal_text(four_eyes)),
                                  Outcome(None, "x|y|z", False, _("승인할 수 있는 항목이 아닙니다."))],
                        errors={"item": [_("승인할 항목을 하나 이상 고르세요.")]})

    english, korean = both("console/finance.html", Role.FINANCE_OFFICER, outcomes)
    english_only(english)
    assert "Bulk approval: 1 approved, 2 refused" in english and "Four-eyes rule" in english
    assert "four_eyes" not in english  # the rule in words, not its id
    assert "✓ approved" in english and "✗ refused" in english and "Choose at least one item to approve" in english
    korean_only(korean, "Bulk approval", "Approved.", "not an item")
    assert "일괄 승인 결과: 1건 승인, 2건 거절" in korean and "4안 원칙" in korean


def test_the_finance_desk_in_english_retried_and_reconciled() -> None:
    def retried() -> dict[str, Any]:
        return _finance(notice=_("다시 요청했습니다."), row_errors={}, reconciliation={
            "differences": [Difference("ai-regional-2025:s1:advance", 56_000_000, None)], "error": None, "at": AT})

    english, korean = both("console/finance.html", Role.PROGRAM_OFFICER, retried)
    english_only(english)
    assert "Asked again." in english and "1 difference (2025-09-01 10:00 KST)" in english and "nothing" in english
    korean_only(korean, "Asked again", "difference")
    assert "차이 1건" in korean

    agreed = {"differences": [], "error": None, "at": AT}
    english, korean = both("console/finance.html", Role.AUDITOR, lambda: _finance(
        reconciliation=agreed, row_errors={}, may_approve=False, may_retry_payment=False, may_retry_collection=False))
    english_only(english)
    assert "No differences: the ledger and the finance system agree" in english
    assert "A finance officer requests it again." in english and "Approving takes the finance officer role." in english
    assert "차이 없음: 원장과 재무 시스템이 일치합니다" in korean


def test_an_unreachable_finance_system_is_told_in_the_page_language() -> None:
    try:
        try:
            raise httpx.ConnectError("refused")
        except httpx.HTTPError as err:
            raise FinanceUnreachable("http://finance:9000", err) from err
    except FinanceUnreachable as unreachable:
        with language(ENGLISH):
            english = unreachable_text("http://finance:9000", unreachable)
        korean = unreachable_text("http://finance:9000", unreachable)
    assert english.startswith("Could not reconcile") and "ConnectError" in english and not korean_left(english)
    assert korean.startswith("재무 시스템(http://finance:9000)") and "Could" not in korean


def _listed() -> list[dict[str, Any]]:
    def item(brn: str, company: str) -> SimpleNamespace:
        return SimpleNamespace(startup_id=f"startup:ai-regional-2025:{brn}", company_name=company,
                               program_id="ai-regional-2025")

    row = SimpleNamespace(task_id="SF-02", sector="smart_factory", region="경남")
    conflict = EvaluatorConflict(evaluator_id=ME.id, brn=OTHER_STARTUP_BRN, reason=CONFLICT_REASON, declared_at=AT)
    return [{"item": item(STARTUP_BRN, COMPANY), "row": row, "conflict": None},
            {"item": item(OTHER_STARTUP_BRN, OTHER_COMPANY), "row": None, "conflict": conflict}]


@pytest.mark.parametrize("state", ["listed", "empty"])
def test_the_evaluation_list_in_english(state: str) -> None:
    def listing() -> dict[str, Any]:
        conflict = EvaluatorConflict(evaluator_id=ME.id, brn=OTHER_STARTUP_BRN, reason=CONFLICT_REASON,
                                     declared_at=AT)
        return {"listed": _listed() if state == "listed" else [], "conflicts": [conflict], "limit": 200,
                "programs": [("ai-regional-2025", PROGRAM_NAME)], "program_id": "",
                "notice": _("점수를 제출했습니다."), "values": {"brn": "123"},
                "errors": {"brn": [_("사업자등록번호는 10자리 숫자입니다 (예: 123-45-67890).")]}}

    english, korean = both("console/evaluations.html", Role.EVALUATOR, listing)
    english_only(english)
    assert "Your score was recorded." in english and "Declared by me" in english
    if state == "listed":
        assert "Waiting for your score: 2" in english and "Closed: conflict of interest" in english
    else:
        assert "Nothing is waiting for your score." in english
    korean_only(korean, "Your score", "Declared by me", "Closed:", "Nothing is waiting")


def _sheet(phase: str = "under_review", conflicted: bool = False, **fields: Any) -> dict[str, Any]:
    state = startup(phase=phase, partners=[Partner(name="경남정밀", brn=PARTNER_BRN, region="경남")],
                    scores=[ScoreEntry(evaluator_id=ME.id, round="document", score=87, at=AT)], **fields)
    conflict = EvaluatorConflict(evaluator_id=ME.id, brn=PARTNER_BRN, reason=CONFLICT_REASON, declared_at=AT) \
        if conflicted else None
    conflict_error = ApiError("forbidden", "a conflicted evaluator may not score this startup",
                              {"rule": "conflict_of_interest"})
    return {"state": state, "conflict": conflict, "under_review": phase == "under_review",
            "rounds": [(value, _(name)) for value, name in ROUNDS if value != "document"],
            "scored_rounds": ["document"], "round_names": {value: _(name) for value, name in ROUNDS},
            "errors": form_errors(conflict_error, {"round", "score", "reason"}) if conflicted else
            {"score": ["Input should be less than or equal to 100"]},
            "values": {"round": "presentation", "score": "120", "reason": "", "request_key": "k"}}


def test_the_scoring_form_in_english() -> None:
    english, korean = both("console/evaluation.html", Role.EVALUATOR, _sheet)
    english_only(english)
    for words in ("Score sheet", "Submit score", "Document review: 87 points", "Declare conflict",
                  "Declare a conflict of interest with this company"):
        assert words in english, words
    korean_only(korean, "Score sheet", "Submit score", "points")
    assert "서면평가 87점" in korean and "점수 제출" in korean

    english, _korean = both("console/evaluation.html", Role.EVALUATOR, lambda: _sheet(phase="selected"))
    english_only(english)
    assert "Scoring is closed: the startup is not under review" in english


def test_the_conflicted_form_in_english_says_why_it_is_closed() -> None:
    english, korean = both("console/evaluation.html", Role.EVALUATOR, lambda: _sheet(conflicted=True))
    english_only(english.replace("경남정밀", ""))
    assert "Closed: conflict of interest" in english and "this startup's partner company" in english
    assert CONFLICT_REASON in english and "conflict_of_interest" not in english
    assert "This cannot be done now" in english and "There is a problem" not in english
    assert 'class="closed-form"' in english and "Submit score" not in english
    korean_only(korean, "Closed:", "partner company")
    assert "이해충돌을 신고한 기업은 평가할 수 없으므로" in korean and "이 스타트업의 수요기업" in korean
