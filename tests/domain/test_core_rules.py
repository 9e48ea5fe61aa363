"""The deterministic rules: registration numbers, exact money splits, Korean business days, program
definitions and the action table."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from axflow.programs import sample_definitions
from domain.brn import normalize_brn
from domain.calendar import add_business_days, business_deadline
from domain.commands import ApplicationBody, MatchBody, TerminateBody
from domain.money import split_exact
from domain.phases import FINAL_PHASES, Action, Phase, Role
from domain.program import ProgramDefinition
from domain.rules import ACTION_RULES


def test_brn_check_digit_accepts_the_documented_example_and_refuses_a_wrong_digit() -> None:
    assert normalize_brn("124-81-00998") == "1248100998"
    with pytest.raises(ValueError, match="check digit"):
        normalize_brn("124-81-00997")
    with pytest.raises(ValueError, match="10 digits"):
        normalize_brn("12-81-00998")


@pytest.mark.parametrize("total,weights", [(80_000_000, [70, 30]), (600_000_000, [34, 33, 33]),
                                           (100, [1, 1, 1]), (7, [3, 3, 3]), (1, [50, 50])])
def test_splits_add_up_exactly(total: int, weights: list[int]) -> None:
    parts = split_exact(total, weights)
    assert sum(parts) == total
    exact = [total * w / sum(weights) for w in weights]
    assert all(abs(p - e) < 1 for p, e in zip(parts, exact, strict=True))


def test_sample_tranches_are_70_and_30_percent() -> None:
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025")
    assert sample.tranche_amounts() == {"advance": 56_000_000, "balance": 24_000_000}
    assert len(sample.tasks) == 13 and len({t.sector for t in sample.tasks}) == 5
    assert sample.slots == 10 and sample.grant_amount == 80_000_000 and sample.budget == 800_000_000
    assert sample.application_closes_at == datetime(2025, 7, 10, 6, 0, tzinfo=UTC)  # 15:00 KST


def test_ten_business_days_skip_chuseok_and_substitute_holidays() -> None:
    # 개천절 10-03, 추석 10-05..07, substitute holiday 10-08, 한글날 10-09.
    assert add_business_days(date(2025, 9, 29), 10) == date(2025, 10, 20)
    due = business_deadline(datetime(2025, 9, 29, 1, 0, tzinfo=UTC), 10)
    assert due == datetime(2025, 10, 20, 14, 59, 59, tzinfo=UTC)  # 23:59:59 KST
    assert add_business_days(date(2025, 9, 29), 1, frozenset({date(2025, 9, 30)})) == date(2025, 10, 1)


def test_program_definition_refuses_incoherent_money_and_schedule() -> None:
    sample = next(d for d in sample_definitions() if d.id == "ai-regional-2025").model_dump()
    with pytest.raises(ValidationError, match="budget"):
        ProgramDefinition.model_validate(sample | {"budget": 1})
    with pytest.raises(ValidationError, match="add up to 100"):
        ProgramDefinition.model_validate(sample | {"tranches": [sample["tranches"][0]]})
    bad_trigger = [sample["tranches"][0], sample["tranches"][1] | {"trigger": "nope"}]
    with pytest.raises(ValidationError, match="trigger"):
        ProgramDefinition.model_validate(sample | {"tranches": bad_trigger})
    with pytest.raises(ValidationError, match="after application_opens_at"):
        ProgramDefinition.model_validate(sample | {"application_closes_at": sample["application_opens_at"]})


def test_bodies_refuse_capital_area_partners_fractional_money_and_extra_fields() -> None:
    with pytest.raises(ValidationError, match="capital area"):
        MatchBody.model_validate({"partners": [{"name": "A", "brn": "1248100998", "region": "서울"}]})
    with pytest.raises(ValidationError, match="exactly one partner"):
        MatchBody.model_validate({"partners": [{"name": "A", "brn": "1248100998", "region": "강원",
                                                "role": "member"}]})
    with pytest.raises(ValidationError):
        TerminateBody.model_validate({"cause": "fraud", "clawback_amount": 1.5})
    with pytest.raises(ValidationError, match="Extra inputs"):
        ApplicationBody.model_validate({"brn": "1248100998", "company_name": "A", "founded_on": "2020-01-01",
                                        "task_id": "SF-01", "representative": "B", "email": "a@b.kr",
                                        "proposal_title": "C", "actor": "someone else"})


def test_every_action_has_a_rule_and_no_action_is_open_to_auditors_or_in_final_phases() -> None:
    assert set(ACTION_RULES) == set(Action)
    for action, rule in ACTION_RULES.items():
        assert Role.AUDITOR not in rule.roles and Role.SYSTEM not in rule.roles
        # Only the money owed back is acted on in a finished lifecycle (it stays open while money
        # is owed): the waiver decision and a refused collection's retry.
        money_owed = action in (Action.WAIVE_CLAWBACK, Action.RETRY_COLLECTION)
        # And a rejection's appeal (이의신청): it stays open while the appeal window runs or an appeal waits.
        appeal = action in (Action.FILE_APPEAL, Action.DECIDE_APPEAL) and rule.phases & FINAL_PHASES == {Phase.REJECTED}
        assert not rule.phases & FINAL_PHASES or money_owed or appeal, action
