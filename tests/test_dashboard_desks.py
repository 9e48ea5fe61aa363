"""The finance and evaluator desks' rules, without a server: what each approval is and who asked
for it, the action and body that approve it, the money that failed to move, an evaluator's
conflict with a startup or its partner, and how a refusal reads on a page."""

from datetime import datetime, timezone

from api.errors import ApiError
from api.pages.evaluations import conflict_with
from api.pages.finance_items import (
    approval_command,
    approval_of,
    failed_collections,
    failed_payments,
    item_key,
    parse_item_key,
)
from api.pages.refusal_text import form_errors, refusal_text
from domain.phases import Action
from domain.state import Partner
from store.tables import EvaluatorConflict
from tests.builders import OTHER_STARTUP_BRN, PARTNER_BRN, STARTUP_BRN, collection, settlement, startup, tranche

AT = datetime(2025, 9, 1, 1, 0, tzinfo=timezone.utc)


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
    assert text.startswith("4안 원칙") and "four_eyes" in text and "requester" in text
    [top] = form_errors(four_eyes, {"score"})[""]
    assert top.startswith("4안 원칙") and "four_eyes" in top
    invalid = ApiError("validation_error", "invalid score body", [
        {"field": "score", "rule": "less_than_equal", "message": "Input should be less than or equal to 100"},
        {"field": "extra", "rule": "extra_forbidden", "message": "Extra inputs are not permitted"}])
    errors = form_errors(invalid, {"score", "round"})
    assert errors["score"][0].startswith("값이 너무 큽니다")
    assert errors[""][0].startswith("extra:")
    unavailable = ApiError("unavailable", "no worker answered in time")
    assert form_errors(unavailable, {"score"}) == {"": [refusal_text(unavailable)]}
    assert "반영되지 않았습니다" in refusal_text(unavailable)
