"""The settlement statement (정산보고서) computed from plan + ledger + reviews: a worked example, and
a property that it always adds up (paid = accepted + refund, per category and in total)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.expense_review import ReviewDecision
from domain.ledger import Cancellation, LedgerEntry
from domain.settlement_statement import SettlementStatement, check_statement_final, settlement_statement
from domain.violation import RuleViolation
from tests.budget_support import AGREED, GRANT, entry, evidence, plan, rules


def test_a_worked_statement_returns_the_unspent_and_the_disallowed_with_interest() -> None:
    ledger = [entry("p1", "personnel", 25_000_000, vat=0, evidence=[]),
              entry("m1", "materials", 6_000_000), entry("m2", "materials", 1_000_000),
              entry("m3", "materials", 1_500_000, cancels="m2"),
              entry("o1", "outsourcing", 18_000_000)]
    reviews = [ReviewDecision(entry_id="p1", decision="accept"), ReviewDecision(entry_id="m1", decision="accept"),
               ReviewDecision(entry_id="m3", decision="disallow", reason="insufficient_evidence"),
               ReviewDecision(entry_id="o1", decision="disallow", reason="outside_purpose", disallowed_amount=3_000_000)]
    statement = settlement_statement(plan(), rules(), ledger, [], reviews, paid=GRANT, interest=41_250)
    line = {x.category: x for x in statement.lines}
    assert (line["materials"].executed, line["materials"].disallowed, line["materials"].accepted) == \
        (7_500_000, 1_500_000, 6_000_000)
    assert (line["outsourcing"].accepted, line["outsourcing"].refund) == (15_000_000, 5_000_000)
    assert line["equipment"].refund == 10_000_000 and line["equipment"].executed == 0
    assert statement.accepted == 25_000_000 + 6_000_000 + 15_000_000
    assert statement.refund == GRANT - statement.accepted + 41_250 and statement.interest == 41_250
    # Each line was paid what it was planned, since the whole grant was paid.
    assert all(x.paid == AGREED[x.category] for x in statement.lines)
    assert statement.vat_not_grant_expense == 600_000 + 150_000 + 1_800_000 and statement.undecided == ()
    check_statement_final(statement)


def test_a_statement_with_undecided_expenses_is_not_final_and_interest_stays_when_the_program_keeps_it() -> None:
    statement = settlement_statement(plan(), rules(), [entry("m1")], [], [], paid=56_000_000, interest=10_000)
    with pytest.raises(RuleViolation) as caught:
        check_statement_final(statement)
    assert caught.value.details == {"rule": "review_every_expense", "undecided": ["m1"]}
    kept = rules().model_copy(update={"refund_interest": False})
    assert settlement_statement(plan(), kept, [entry("m1")], [], [], paid=56_000_000, interest=10_000).interest == 0


CATEGORIES = list(AGREED)
# (category, supply, VAT, which earlier entry it corrects: none when not an earlier index)
ENTRY = st.tuples(st.sampled_from(CATEGORIES), st.integers(1, 30_000_000), st.integers(0, 3_000_000),
                  st.integers(0, 12))
# (which entry, disallowed or accepted, the part disallowed: None for all of it)
REVIEW = st.tuples(st.integers(0, 11), st.booleans(), st.none() | st.integers(1, 40_000_000))
LEDGERS = st.tuples(st.lists(ENTRY, max_size=12), st.lists(st.integers(0, 11), max_size=2),
                    st.lists(REVIEW, max_size=15), st.integers(0, GRANT), st.integers(0, 5_000_000))
EVIDENCE = evidence("tax_invoice", "transfer_receipt")
Drawn = tuple[list[tuple[str, int, int, int]], list[int], list[tuple[int, bool, int | None]], int, int]


def ledger_of(drawn: Drawn) -> tuple[list[LedgerEntry], list[Cancellation], list[ReviewDecision]]:
    rows, cancelled, decided, _, _ = drawn
    entries = [entry(f"e{i}", category, supply, vat=vat, evidence=EVIDENCE, cancels=f"e{c}" if c < i else None)
               for i, (category, supply, vat, c) in enumerate(rows)]
    cancellations = [Cancellation(cancels=f"e{i}", reason="착오") for i in cancelled if i < len(rows)]
    reviews = [ReviewDecision(entry_id=f"e{i}", decision="disallow" if disallow else "accept",
                              reason="duplicate" if disallow else None, disallowed_amount=part if disallow else None)
               for i, disallow, part in decided if i < len(rows)]
    return entries, cancellations, reviews


def assert_adds_up(statement: SettlementStatement) -> None:
    assert sum(x.paid for x in statement.lines) == statement.paid
    assert statement.paid + statement.interest == statement.accepted + statement.refund
    assert sum(x.refund for x in statement.lines) + statement.interest == statement.refund
    assert sum(x.accepted for x in statement.lines) == statement.accepted <= statement.paid
    for x in statement.lines:
        assert x.paid == x.accepted + x.refund, x
        assert x.executed == x.disallowed + x.accepted + x.beyond_paid, x
        assert min(x.executed, x.disallowed, x.accepted, x.beyond_paid, x.paid, x.refund) >= 0, x


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LEDGERS, st.booleans())
def test_the_statement_always_adds_up(drawn: Drawn, vat_reclaimable: bool) -> None:
    entries, cancellations, reviews = ledger_of(drawn)
    paid, interest = drawn[3], drawn[4]
    assert_adds_up(settlement_statement(plan(), rules(), entries, cancellations, reviews, paid=paid,
                                        interest=interest, vat_reclaimable=vat_reclaimable))
