"""The budget plan in the agreement: the generated document shows the table, so its SHA-256 covers
the plan; without a plan (or under a program from before budgets) the document is as it was."""

import hashlib

from axflow.agreement import render_agreement
from axflow.agreement_budget import budget_terms, share_text
from domain.budget import BudgetMove, apply_move
from domain.phases import Phase
from tests.budget_support import plan
from tests.builders import program, startup


def test_shares_are_exact_to_a_tenth_of_a_percent() -> None:
    assert [share_text(a, 80_000_000) for a in (30_000_000, 2_000_000, 1, 79_999_999, 80_000_000)] == \
        ["37.5%", "2.5%", "0.0%", "100.0%", "100.0%"]
    assert share_text(1, 3) == "33.3%" and share_text(2, 3) == "66.7%"


def test_the_agreement_shows_the_plan_and_its_hash_covers_it() -> None:
    sample, state = program(), startup(Phase.MATCHED)
    without = render_agreement(sample, state)
    agreed = plan()
    shown = render_agreement(sample, state, agreed).decode("utf-8")
    assert "비목별 사업비 계획 (제1판)" in shown and "비목별 사업비 계획" not in without.decode("utf-8")
    for name, amount in (("인건비", "30,000,000원"), ("기계장치", "10,000,000원"), ("창업활동비", "3,000,000원")):
        assert f"<th scope=\"row\">{name}</th><td class=\"money\">{amount}</td>" in shown
    assert "지원금의 50% 이내, 증액 시 사전 승인" in shown and "80,000,000원" in shown
    assert "기계장치·인건비 비목으로" in shown and agreed.sha256() in shown
    # Another version of the plan is another document.
    moved = apply_move(agreed, BudgetMove(from_category="materials", to_category="travel", amount=100_000))
    again = render_agreement(sample, state, moved)
    assert hashlib.sha256(again).digest() != hashlib.sha256(shown.encode("utf-8")).digest()
    assert "(제2판)" in again.decode("utf-8")
    # A program from before budgets shows no table, plan or not.
    older = sample.model_copy(update={"budget_rules": None})
    assert budget_terms(older, agreed) is None and render_agreement(older, state, agreed) == without
