"""The execution ledger (집행 내역), the finance officer's review and the risk flags: pure functions."""

from datetime import date

import pytest

from domain.expense_review import ReviewDecision, check_review, disallowed_amounts
from domain.expense_risk import risk_flags
from domain.ledger import (
    LEDGER_GENESIS,
    Cancellation,
    active_entries,
    chain_ledger,
    check_cancellable,
    check_entry,
    grant_expense,
)
from domain.violation import RuleViolation
from tests.budget_support import OTHER_VENDOR_BRN, STARTUP_BRN, VENDOR_BRN, context, entry, evidence, rules

NEW_VENDOR_BRN = "3148100005"


def refused(new: object, ctx: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_entry(new, ctx)  # type: ignore[arg-type]
    return caught.value


def test_an_entry_with_its_evidence_inside_the_period_and_the_line_is_accepted() -> None:
    check_entry(entry("e1"), context())
    check_entry(entry("e2", payment_method="card", evidence=evidence("card_slip")), context())
    check_entry(entry("e3", "outsourcing", evidence=evidence("tax_invoice", "transfer_receipt", "contract")), context())


@pytest.mark.parametrize("fields,field,rule", [
    ({"spent_on": date(2025, 8, 31)}, "spent_on", "within_agreement_period"),
    ({"spent_on": date(2026, 2, 28)}, "spent_on", "within_agreement_period"),
    ({"category": "snacks"}, "category", "known_category"),
    ({"payment_method": "cash"}, "payment_method", "payment_method_accepted"),
    ({"vendor_brn": STARTUP_BRN}, "vendor_brn", "vendor_not_self"),
    ({"vendor_brn": "220-81-00001"}, "vendor_brn", "vendor_not_partner"),
    ({"evidence": evidence("tax_invoice")}, "evidence", "evidence_required"),
    ({"supply_amount": 8_000_001}, "supply_amount", "within_category_line"),
])
def test_each_refusal_names_its_field_and_rule_in_korean_and_english(fields: dict[str, object], field: str,
                                                                     rule: str) -> None:
    violation = refused(entry("e1", **fields), context())
    assert (violation.code, violation.details["field"], violation.details["rule"]) == ("validation_error", field, rule)
    assert any("가" <= ch <= "힣" for ch in violation.message) and any("a" <= ch <= "z" for ch in violation.message)


def test_a_category_asking_for_a_contract_refuses_an_expense_without_one() -> None:
    violation = refused(entry("e1", "outsourcing"), context())
    assert violation.details["missing"] == [["contract"]] and "계약서" in violation.message


def test_the_line_counts_pending_and_accepted_entries_but_not_disallowed_or_cancelled_ones() -> None:
    first, second = entry("e1", supply=5_000_000), entry("e2", supply=2_000_000)
    ctx = context((first, second))
    assert ctx.line_used("materials") == 7_000_000
    violation = refused(entry("e3", supply=1_000_001), ctx)
    assert violation.details["available"] == 1_000_000
    check_entry(entry("e3", supply=1_000_000), ctx)
    check_entry(entry("e3", supply=3_000_000), context((first, second), disallowed={"e2": 2_000_000}))
    check_entry(entry("e3", supply=3_000_000), context((first, second), cancellations=(Cancellation(
        cancels="e2", reason="입력 착오"),)))


def test_vat_counts_against_the_line_only_where_the_company_cannot_reclaim_it() -> None:
    spend = entry("e1", supply=7_500_000, vat=750_000)
    assert grant_expense(spend, vat_reclaimable=True) == 7_500_000
    assert grant_expense(spend, vat_reclaimable=False) == 8_250_000
    check_entry(spend, context())
    assert refused(spend, context(vat_reclaimable=False)).details["rule"] == "within_category_line"


def test_a_correction_is_a_new_entry_cancelling_the_old_one_and_nothing_is_edited() -> None:
    wrong = entry("e1", supply=6_000_000)
    corrected = entry("e2", supply=7_500_000, cancels="e1")
    check_entry(corrected, context((wrong,)))  # the old line use is left out: 7.5M fits the 8M line
    ledger = (wrong, corrected)
    assert [e.id for e in active_entries(ledger)] == ["e2"]
    assert refused(entry("e3", cancels="e1"), context(ledger)).details["rule"] == "cancel_once"
    assert refused(entry("e3", cancels="nope"), context(ledger)).details["rule"] == "known_entry"
    duplicate = refused(entry("e2"), context(ledger))
    assert (duplicate.code, duplicate.details["rule"]) == ("conflict", "entry_id_unique")
    with pytest.raises(RuleViolation, match="already cancelled"):
        check_cancellable("e1", context(ledger))
    assert wrong.supply_amount == 6_000_000


def test_reviews_accept_or_disallow_with_a_reason_from_the_list() -> None:
    ledger = [entry("e1", supply=3_000_000), entry("e2", supply=1_000_000), entry("e3", cancels="e2", supply=900_000)]
    check_review(ReviewDecision(entry_id="e1", decision="accept"), ledger, [], True)
    for review, rule in [
        (ReviewDecision(entry_id="e1", decision="disallow"), "disallow_reason_required"),
        (ReviewDecision(entry_id="e1", decision="disallow", reason="other"), "other_reason_explained"),
        (ReviewDecision(entry_id="e1", decision="accept", reason="duplicate"), "accept_without_reason"),
        (ReviewDecision(entry_id="e1", decision="disallow", reason="outside_purpose", disallowed_amount=3_000_001),
         "disallow_at_most_expense"),
        (ReviewDecision(entry_id="e2", decision="accept"), "review_active_entry"),
    ]:
        with pytest.raises(RuleViolation) as caught:
            check_review(review, ledger, [], True)
        assert caught.value.details["rule"] == rule
    reviews = [ReviewDecision(entry_id="e1", decision="disallow", reason="insufficient_evidence"),
               ReviewDecision(entry_id="e3", decision="disallow", reason="outside_purpose", disallowed_amount=400_000),
               ReviewDecision(entry_id="e1", decision="disallow", reason="related_party", disallowed_amount=1_000_000)]
    # The latest decision on an entry stands.
    assert disallowed_amounts(ledger, [], reviews, True) == {"e1": 1_000_000, "e3": 400_000}


def test_risk_flags_name_their_reason_and_never_refuse() -> None:
    ledger = [
        entry("s1", supply=2_500_000, vat=250_000, spent_on=date(2025, 11, 3)),
        entry("s2", supply=2_500_000, vat=250_000, spent_on=date(2025, 11, 10)),
        entry("s3", supply=2_500_000, vat=250_000, spent_on=date(2025, 12, 20)),  # outside the 30-day window
        entry("h1", supply=300_000, vat=30_000, spent_on=date(2025, 10, 6), vendor_brn=OTHER_VENDOR_BRN),  # 추석
        entry("r1", supply=1_000_000, vat=0, vendor_brn=OTHER_VENDOR_BRN),
        entry("n1", supply=123_000, vat=12_300, vendor_brn=NEW_VENDOR_BRN, category="fees"),
    ]
    flags = risk_flags(ledger, rules(), other_startups_by_vendor={VENDOR_BRN: frozenset({"a", "b"})},
                       vendor_founded_on={NEW_VENDOR_BRN: date(2025, 9, 20), VENDOR_BRN: date(2019, 5, 1)})
    by_rule = {(f.entry_id, f.rule) for f in flags}
    assert {("s1", "split_purchase"), ("s2", "split_purchase")} <= by_rule
    assert ("s3", "split_purchase") not in by_rule
    assert ("h1", "non_business_day") in by_rule and ("s3", "non_business_day") in by_rule  # 12-20 is a Saturday
    assert ("r1", "round_amount") in by_rule and ("s1", "round_amount") not in by_rule
    assert {("s1", "shared_vendor"), ("s2", "shared_vendor")} <= by_rule and ("h1", "shared_vendor") not in by_rule
    assert [f.entry_id for f in flags if f.rule == "new_vendor"] == ["n1"]
    split = next(f for f in flags if (f.entry_id, f.rule) == ("s1", "split_purchase"))
    assert split.related == ("s2",) and "분할" in split.message
    assert all(any("가" <= ch <= "힣" for ch in f.message) for f in flags)


def test_the_running_hash_pins_every_record_and_its_order() -> None:
    first, second = entry("e1"), entry("e2", supply=2_000_000)
    cancel = Cancellation(cancels="e1", reason="입력 착오")
    head = LEDGER_GENESIS
    for record in (first, second, cancel):
        head = chain_ledger(head, record)
    assert head == chain_ledger(chain_ledger(chain_ledger(LEDGER_GENESIS, first), second), cancel)
    assert head != chain_ledger(chain_ledger(chain_ledger(LEDGER_GENESIS, second), first), cancel)
    swapped_evidence = entry("e1", evidence=evidence("tax_invoice", "card_slip"))
    assert chain_ledger(LEDGER_GENESIS, first) != chain_ledger(LEDGER_GENESIS, swapped_evidence)
