"""The evaluator pool's pure parts: spreading evaluators evenly and never onto a startup they are
barred from, calibration against the panel's mean, the pledge's fingerprint, and the validator's
refusals of an evaluator the pool has not cleared (domain/evaluator_pool.py, domain/conflicts.py)."""

import itertools
from collections import Counter

import pytest

from domain.commands import Command, EvaluatorStanding, ScoreBody
from domain.conflicts import evaluator_cleared
from domain.evaluator_pool import PLEDGE_TEXT, calibration, pledge_sha256, related_companies, spread
from domain.phases import Action, Phase, Role
from domain.rules import check_command
from domain.violation import RuleViolation
from tests.builders import actor, program, startup, utc


def loads(assigned: dict[str, list[str]], evaluators: list[str]) -> list[int]:
    counted = Counter(itertools.chain.from_iterable(assigned.values()))
    return [counted[e] for e in evaluators]


@pytest.mark.parametrize("evaluators,startups,per", [(5, 13, 3), (4, 10, 1), (7, 7, 2), (3, 20, 3), (6, 1, 2)])
def test_an_unbarred_spread_is_even_and_gives_each_startup_its_panel(evaluators: int, startups: int, per: int) -> None:
    people = [f"ev{i}" for i in range(evaluators)]
    ids = [f"s{i}" for i in range(startups)]
    assigned = spread(people, ids, per)
    assert list(assigned) == ids
    assert all(len(panel) == min(per, evaluators) == len(set(panel)) for panel in assigned.values())
    counted = loads(assigned, people)
    assert max(counted) - min(counted) <= 1 and sum(counted) == startups * min(per, evaluators)
    assert spread(people, ids, per) == assigned  # reproducible


def test_a_barred_evaluator_is_never_assigned_and_loads_stay_within_one() -> None:
    people = ["ev0", "ev1", "ev2", "ev3"]
    ids = [f"s{i}" for i in range(9)]
    barred = {"s0": {"ev0", "ev1"}, "s1": {"ev0"}, "s4": {"ev3"}, "s8": {"ev2", "ev3"}}
    assigned = spread(people, ids, 2, barred)
    for startup_id, panel in assigned.items():
        assert not set(panel) & barred.get(startup_id, set()), startup_id
        assert len(panel) == 2
    counted = loads(assigned, people)
    assert max(counted) - min(counted) <= 1
    # What an evaluator already carries counts: the loaded one gets less of the new work.
    more = spread(people, ["n1", "n2", "n3"], 1, load={"ev0": 5, "ev1": 0, "ev2": 0, "ev3": 0})
    assert "ev0" not in itertools.chain.from_iterable(more.values())
    # A startup whose every evaluator is barred gets nobody rather than a barred one.
    assert spread(people, ["lone"], 2, {"lone": set(people)}) == {"lone": []}


def test_calibration_is_the_mean_gap_to_the_panel_where_someone_else_scored() -> None:
    rows = [("a", "s1", "document", 80), ("b", "s1", "document", 70), ("c", "s1", "document", 90),
            ("a", "s2", "document", 60), ("b", "s2", "document", 50),
            ("a", "s3", "presentation", 99)]  # a alone on this panel: counted, not compared
    table = calibration(rows)
    assert list(table) == ["a", "b", "c"]
    assert (table["a"].scores, table["a"].compared, table["a"].offset) == (3, 2, 2.5)  # (0 + 5) / 2
    assert (table["b"].offset, table["c"].offset) == (-7.5, 10.0)  # (-10 - 5) / 2; +10
    assert calibration([("d", "s9", "document", 70)])["d"].offset is None


def test_the_pledge_is_fingerprinted_per_language() -> None:
    assert set(PLEDGE_TEXT) == {"ko", "en"}
    assert len(pledge_sha256("ko")) == 64 and pledge_sha256("ko") != pledge_sha256("en")
    assert "서약" in PLEDGE_TEXT["ko"] and "pledge" in PLEDGE_TEXT["en"]


STANDINGS = [
    (EvaluatorStanding(pooled=True), "evaluator_pool"),
    (EvaluatorStanding(pooled=True, member=True), "pledge_signed"),
    (EvaluatorStanding(pooled=True, member=True, pledged=True, withdrawn="recused"), "recusal"),
    (EvaluatorStanding(pooled=False, withdrawn="excluded"), "exclusion"),
    (EvaluatorStanding(pooled=True, member=True, pledged=True), None),
    (EvaluatorStanding(pooled=False), None),
    (None, None),
    # A startup's panel, once it has one, is who scores it; a related employer bars at once.
    (EvaluatorStanding(pooled=True, member=True, pledged=True, assigned=False), "evaluator_assigned"),
    (EvaluatorStanding(pooled=True, member=True, pledged=True, assigned=True), None),
    (EvaluatorStanding(pooled=True, member=True, pledged=True, assigned=True, known_relation=True), "known_relation"),
    (EvaluatorStanding(pooled=False, known_relation=True), "known_relation"),
]


@pytest.mark.parametrize("standing,rule", STANDINGS)
def test_the_validator_refuses_an_evaluator_the_pool_has_not_cleared(standing: EvaluatorStanding | None,
                                                                    rule: str | None) -> None:
    command = Command[ScoreBody](actor=actor(Role.EVALUATOR, "ev-1", "평가위원"),
                                 body=ScoreBody(round="document", score=80), evaluator_standing=standing)
    state = startup(Phase.UNDER_REVIEW)
    if rule is None:
        check_command(state, Action.SCORE, command, utc(2025, 7, 20), program())
        return
    with pytest.raises(RuleViolation) as refused:
        check_command(state, Action.SCORE, command, utc(2025, 7, 20), program())
    assert refused.value.details["rule"] == rule and refused.value.code == "forbidden"


def test_an_older_payload_decodes_and_the_final_evaluation_is_not_the_panels() -> None:
    assert EvaluatorStanding.model_validate({"pooled": True, "member": True, "pledged": True}).assigned is None
    command = Command[ScoreBody](actor=actor(Role.EVALUATOR, "ev-1", "평가위원"), body=ScoreBody(round="document",
                                score=80), evaluator_standing=EvaluatorStanding(assigned=False))
    evaluator_cleared(Action.FINAL_EVALUATION, command)  # a panel is for the application's scores only


def test_related_companies_are_the_company_its_partners_and_its_former_partners() -> None:
    states = [{"partners": [{"brn": "2222222222"}]},
              {"partners": [], "amendments": {"requests": [
                  {"status": "effective", "change": {"partners": [{"brn": "3333333333"}]}},
                  {"status": "rejected", "change": {"partners": [{"brn": "4444444444"}]}}]}}]
    assert related_companies("1111111111", states) == {"1111111111", "2222222222", "3333333333"}
    assert related_companies("1111111111", []) == {"1111111111"}
