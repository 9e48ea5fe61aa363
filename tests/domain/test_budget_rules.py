"""Budget rules as program data, the budget plan (사업비 계획) checked against them, and moves between
categories (비목 변경): pure functions, no server."""

import json

import pytest
from pydantic import ValidationError

from axflow.programs import SAMPLES, sample_definitions
from domain.budget import BudgetMove, apply_move, check_move, check_plan, classify_move
from domain.program import ProgramDefinition
from domain.violation import RuleViolation
from tests.budget_support import AGREED, GRANT, plan, rules


def refusal(call: object, *args: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_sample_programs_carry_the_categories_of_a_commercialisation_grant() -> None:
    for program in sample_definitions():
        assert program.budget_rules is not None, program.id
        names = {c.name for c in program.budget_rules.categories}
        assert {"재료비", "외주용역비", "기계장치", "인건비", "창업활동비"} <= names
        # Their agreements carry a budget plan, so their lifecycles settle from the ledger.
        assert program.budget_rules.plan_required, program.id
    sample = rules()
    assert sample.category("personnel").cap(GRANT) == 40_000_000  # type: ignore[union-attr]
    assert sample.category("equipment").cap(GRANT) == 16_000_000  # type: ignore[union-attr]
    assert sample.category("founder_activity").cap(GRANT) == 3_000_000  # type: ignore[union-attr]
    assert ["contract"] in sample.required_evidence("outsourcing", "account_transfer")
    assert sample.required_evidence("materials", "account_transfer") == [["tax_invoice", "card_slip"],
                                                                         ["transfer_receipt"]]


def test_a_definition_from_before_budgets_still_parses_and_bad_budget_rules_are_refused() -> None:
    raw = json.loads((SAMPLES / "ai-regional-2025.json").read_text(encoding="utf-8"))
    older = {k: v for k, v in raw.items() if k != "budget_rules"}
    assert ProgramDefinition.model_validate(older).budget_rules is None
    categories = raw["budget_rules"]["categories"]
    with pytest.raises(ValidationError, match="duplicate budget category"):
        ProgramDefinition.model_validate(raw | {"budget_rules": {"categories": categories + categories[:1]}})
    with pytest.raises(ValidationError, match="cash"):
        ProgramDefinition.model_validate(raw | {"budget_rules": {"categories": categories,
                                                                 "payment_methods": ["card", "cash"]}})
    capped = [{"key": "personnel", "name": "인건비", "cap_percent": 50}, {"key": "equipment", "name": "기계장치",
                                                                       "cap_percent": 20}]
    with pytest.raises(ValidationError, match="adds up to the grant"):
        ProgramDefinition.model_validate(raw | {"budget_rules": {"categories": capped}})


def test_the_agreed_plan_passes_and_each_broken_rule_is_named_with_its_line() -> None:
    check_plan(plan(), rules(), GRANT)
    over_cap = refusal(check_plan, plan(AGREED | {"personnel": 45_000_000, "materials": 3_000_000}), rules(), GRANT)
    assert (over_cap.code, over_cap.details["rule"], over_cap.details["field"]) == \
        ("validation_error", "category_cap", "lines[0].amount")
    assert over_cap.details["cap"] == 40_000_000 and "인건비" in over_cap.message and "cap" in over_cap.message
    short = refusal(check_plan, plan(AGREED | {"fees": 1_999_999}), rules(), GRANT)
    assert (short.details["rule"], short.details["total"]) == ("plan_adds_up_to_grant", 79_999_999)
    unknown = refusal(check_plan, plan({"snacks": 1_000_000} | AGREED), rules(), GRANT)
    assert (unknown.details["rule"], unknown.details["field"]) == ("known_category", "lines[0].category")
    founder = refusal(check_plan, plan(AGREED | {"founder_activity": 3_000_001, "fees": 1_999_999}), rules(), GRANT)
    assert founder.details["rule"] == "category_cap" and founder.details["cap"] == 3_000_000


def test_a_small_move_is_a_notice_and_a_large_or_sensitive_one_needs_approval() -> None:
    agreed = plan()
    # 20% of the smaller line (여비 ₩2,000,000) is ₩400,000.
    small = BudgetMove(from_category="materials", to_category="travel", amount=400_000)
    assert classify_move(small, rules(), agreed, agreed) == "notice"
    assert classify_move(small.model_copy(update={"amount": 400_001}), rules(), agreed, agreed) == "approval"
    into_personnel = BudgetMove(from_category="materials", to_category="personnel", amount=10_000)
    assert classify_move(into_personnel, rules(), agreed, agreed) == "approval"
    # Two notices in a row are measured against the agreed plan: the second one goes over.
    after_first = apply_move(agreed, small)
    assert classify_move(BudgetMove(from_category="materials", to_category="travel", amount=1_000), rules(),
                         agreed, after_first) == "approval"


def test_an_approved_move_makes_a_new_version_with_its_own_hash_and_the_same_total() -> None:
    agreed = plan()
    moved = apply_move(agreed, BudgetMove(from_category="outsourcing", to_category="training", amount=1_500_000))
    assert moved.version == 2 and moved.amount("outsourcing") == 18_500_000 and moved.amount("training") == 1_500_000
    assert sum(line.amount for line in moved.lines) == GRANT and moved.sha256() != agreed.sha256()
    assert agreed.amount("outsourcing") == 20_000_000  # the agreed version is untouched
    check_plan(moved, rules(), GRANT)


def test_moves_that_cannot_happen_are_refused_naming_the_rule() -> None:
    agreed = plan()
    spent = refusal(check_move, agreed, BudgetMove(from_category="materials", to_category="fees", amount=5_000_000),
                    rules(), GRANT, {"materials": 4_000_000})
    assert (spent.details["rule"], spent.details["available"]) == ("move_keeps_spent_money", 4_000_000)
    over = refusal(check_move, agreed, BudgetMove(from_category="materials", to_category="equipment", amount=6_500_000),
                   rules(), GRANT, {})
    assert (over.details["rule"], over.details["cap"]) == ("category_cap", 16_000_000)
    same = refusal(check_move, agreed, BudgetMove(from_category="fees", to_category="fees", amount=1), rules(), GRANT, {})
    assert same.details["rule"] == "move_between_categories"
    unknown = refusal(check_move, agreed, BudgetMove(from_category="fees", to_category="yacht", amount=1), rules(),
                      GRANT, {})
    assert (unknown.details["rule"], unknown.details["field"]) == ("known_category", "to_category")
    check_move(agreed, BudgetMove(from_category="materials", to_category="equipment", amount=6_000_000), rules(), GRANT,
               {"materials": 2_000_000})

