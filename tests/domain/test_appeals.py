"""Appeals' rules (이의신청), without a server: which results may be appealed in which phase, the
program's window (7 days by default, older definitions unchanged), once per result, the panel that
took no part in the result (the person, whatever role), a written reason, and re-scoring by others."""

from typing import Any

import pytest

from domain.appeals import Appeal, AppealableResult, AppealPolicy, AppealState, window_closes_at
from domain.change_commands import DecideAppealBody, FileAppealBody
from domain.commands import Command, FinalEvaluationBody, ScoreBody
from domain.phases import Action, Phase, Role
from domain.program import ProgramDefinition
from domain.rules import allowed_actions, check_command
from domain.state import BudgetState, ExpenseMark, Settlement, StartupState
from domain.violation import RuleViolation
from tests.builders import actor, kst_end_of, program, startup, utc

REJECTED_AT = utc(2025, 7, 20, 6)  # 15:00 KST on 20 July
ME = actor(Role.STARTUP, "startup-user", "㈜에이엑스", brn="1248100998")
SCORER, PANEL = actor(Role.EVALUATOR, "u-scorer"), actor(Role.PROGRAM_OFFICER, "u-panel")


def rejected(**fields: Any) -> StartupState:
    appeals = AppealState(results=[AppealableResult(kind="selection", at=REJECTED_AT, actors=["u-scorer"],
                                                    outcome="rejected")])
    return startup(Phase.REJECTED, **({"appeals": appeals} | fields))


def check(state: StartupState, action: Action, body: Any, who: Any = ME, now: Any = REJECTED_AT,
          definition: ProgramDefinition | None = None) -> None:
    check_command(state, action, Command[Any](actor=who, body=body), now, definition or program())


def refused(state: StartupState, action: Action, body: Any, who: Any = ME, now: Any = REJECTED_AT,
            definition: ProgramDefinition | None = None) -> dict[str, Any]:
    with pytest.raises(RuleViolation) as refusal:
        check(state, action, body, who, now, definition)
    return refusal.value.details


def appeal(**fields: Any) -> FileAppealBody:
    return FileAppealBody.model_validate({"kind": "selection", "reasons": "점수 산정 오류"} | fields)


def test_the_window_is_the_programs_and_older_definitions_get_seven_days() -> None:
    sample = program()
    assert sample.appeals == AppealPolicy() and sample.appeals.window_days == 7
    assert ProgramDefinition.model_validate(sample.model_dump(exclude={"appeals"})).appeals.window_days == 7
    # The end of the KST day seven days after the result.
    assert window_closes_at(REJECTED_AT, sample.appeals) == kst_end_of(2025, 7, 27)
    check(rejected(), Action.FILE_APPEAL, appeal(), now=kst_end_of(2025, 7, 27))
    late = refused(rejected(), Action.FILE_APPEAL, appeal(), now=utc(2025, 7, 27, 15))
    assert late["rule"] == "appeal_window" and late["days"] == 7
    shorter = sample.model_copy(update={"appeals": AppealPolicy(window_days=3)})
    assert refused(rejected(), Action.FILE_APPEAL, appeal(), now=utc(2025, 7, 24, 3),
                   definition=shorter)["rule"] == "appeal_window"


def test_what_may_be_appealed_by_whom_and_once() -> None:
    state = rejected()
    assert "file-appeal" in allowed_actions(state, ME)
    assert refused(state, Action.FILE_APPEAL, appeal(kind="final_evaluation"))["rule"] == "appealable_result"
    assert refused(startup(Phase.REJECTED), Action.FILE_APPEAL, appeal())["rule"] == "appeals_unavailable"
    assert refused(state, Action.FILE_APPEAL, appeal(), who=PANEL)["rule"] == "role"
    filed = state.model_copy(update={"appeals": state.appeals.model_copy(update={"appeals": [  # type: ignore[union-attr]
        Appeal(number=1, kind="selection", reasons="x", filed_by=ME.id, filed_at=REJECTED_AT)]})})
    assert refused(filed, Action.FILE_APPEAL, appeal())["rule"] == "one_appeal_per_result"
    assert "file-appeal" not in allowed_actions(filed, ME) and "decide-appeal" in allowed_actions(filed, PANEL)
    # A final evaluation before the settlement is submitted; a disallowed expense before its approval.
    evaluated = startup(Phase.SETTLEMENT, settlement=Settlement(due_at=kst_end_of(2026, 3, 31)), appeals=AppealState(
        results=[AppealableResult(kind="final_evaluation", at=REJECTED_AT, actors=["u-evaluator"])]))
    check(evaluated, Action.FILE_APPEAL, appeal(kind="final_evaluation"))
    submitted = evaluated.model_copy(update={"settlement": Settlement(due_at=kst_end_of(2026, 3, 31),
                                                                      submitted_at=REJECTED_AT)})
    assert refused(submitted, Action.FILE_APPEAL, appeal(kind="final_evaluation"))["rule"] == "appealable_result"
    budget = BudgetState(plans=[], entries={"E0001": ExpenseMark(category="materials", amount=1_000_000,
                                                                 review="disallow", disallowed=1_000_000)})
    spending = startup(Phase.IN_POC, budget=budget, appeals=AppealState(results=[AppealableResult(
        kind="expense", subject="E0001", at=REJECTED_AT, actors=["u-finance"])]))
    check(spending, Action.FILE_APPEAL, appeal(kind="expense", entry_id="E0001"))
    assert refused(spending, Action.FILE_APPEAL, appeal(kind="expense"))["field"] == "entry_id"
    assert refused(spending, Action.FILE_APPEAL, appeal(kind="expense", entry_id="E0002"))["rule"] == (
        "appealable_result")


def test_the_panel_took_no_part_and_gives_its_reason() -> None:
    waiting = rejected()
    waiting.appeals.appeals.append(Appeal(number=1, kind="selection", reasons="x", filed_by=ME.id,  # type: ignore[union-attr]
                                          filed_at=REJECTED_AT))
    decide = DecideAppealBody(decision="uphold", reason="재평가 필요")
    # The person who scored is refused in any role, as a conflict of interest follows the person.
    same_person = actor(Role.PROGRAM_OFFICER, "u-scorer")
    assert refused(waiting, Action.DECIDE_APPEAL, decide, who=same_person)["rule"] == "panel_took_no_part"
    assert refused(waiting, Action.DECIDE_APPEAL, decide, who=SCORER)["rule"] == "role"
    bare = refused(waiting, Action.DECIDE_APPEAL, DecideAppealBody(decision="dismiss"), who=PANEL)
    assert (bare["field"], bare["rule"]) == ("reason", "appeal_decision_reason")
    check(waiting, Action.DECIDE_APPEAL, decide, who=PANEL)
    check(waiting, Action.DECIDE_APPEAL, decide, who=actor(Role.ADMIN, "u-admin"))
    conflicted = Command[Any](actor=PANEL, body=decide, conflicts=[waiting.brn])
    with pytest.raises(RuleViolation) as refusal:
        check_command(waiting, Action.DECIDE_APPEAL, conflicted, REJECTED_AT, program())
    assert refusal.value.details["rule"] == "conflict_of_interest"
    assert refused(rejected(), Action.DECIDE_APPEAL, decide, who=PANEL)["rule"] == "appeal_pending"


def test_a_named_panel_decides_alone_and_still_took_no_part() -> None:
    """A program that names its 심의위원회 has only its members decide; a member who made the result is
    still refused; a program without one keeps any officer or admin who took no part."""
    waiting = rejected()
    waiting.appeals.appeals.append(Appeal(number=1, kind="selection", reasons="x", filed_by=ME.id,  # type: ignore[union-attr]
                                          filed_at=REJECTED_AT))
    decide = DecideAppealBody(decision="dismiss", reason="점수 산정에 오류 없음")
    base = program()
    named = base.model_copy(update={"appeals": AppealPolicy(panel=["u-panel", "u-scorer"])})
    outsider = actor(Role.PROGRAM_OFFICER, "u-other")
    refusal = refused(waiting, Action.DECIDE_APPEAL, decide, who=outsider, definition=named)
    assert (refusal["rule"], refusal["panel_size"]) == ("named_panel", 2)
    assert refused(waiting, Action.DECIDE_APPEAL, decide, who=actor(Role.ADMIN, "u-admin"),
                   definition=named)["rule"] == "named_panel"
    assert refused(waiting, Action.DECIDE_APPEAL, decide, who=actor(Role.PROGRAM_OFFICER, "u-scorer"),
                   definition=named)["rule"] == "panel_took_no_part"
    check(waiting, Action.DECIDE_APPEAL, decide, who=PANEL, definition=named)
    check(waiting, Action.DECIDE_APPEAL, decide, who=outsider, definition=base)
    with pytest.raises(ValueError, match="named once"):
        AppealPolicy(panel=["u-panel", "u-panel"])


def test_an_appeal_closed_as_moot_no_longer_waits_and_is_no_decision() -> None:
    state = AppealState(appeals=[Appeal(number=1, kind="selection", reasons="x", filed_by=ME.id, filed_at=REJECTED_AT),
                                 Appeal(number=2, kind="expense", subject="E0001", reasons="y", filed_by=ME.id,
                                        filed_at=REJECTED_AT)])
    closed = state.close_moot("selection", REJECTED_AT, "system:program", "program call")
    assert [(a.number, a.status, a.days_to_decide) for a in closed] == [(1, "moot", None)]
    assert [a.number for a in state.pending] == [2] and state.appeal(None) is state.appeals[1]


def test_after_an_upheld_appeal_only_other_evaluators_score() -> None:
    review = startup(Phase.UNDER_REVIEW, appeals=AppealState(excluded_scorers=["u-scorer"]))
    score = ScoreBody(round="document", score=80)
    assert refused(review, Action.SCORE, score, who=SCORER)["rule"] == "rescore_by_others"
    check(review, Action.SCORE, score, who=actor(Role.EVALUATOR, "u-other"))
    check(startup(Phase.UNDER_REVIEW), Action.SCORE, score, who=SCORER)  # lifecycles before appeals
    # The final evaluation made again after an upheld appeal: not by whoever made the first one.
    again = startup(Phase.FINAL_REVIEW, appeals=AppealState(appeals=[Appeal(
        number=1, kind="final_evaluation", reasons="x", filed_by=ME.id, filed_at=REJECTED_AT, status="upheld",
        earlier_scorers=["u-evaluator"])]))
    evaluation = FinalEvaluationBody(score=80, grade="B")
    first = actor(Role.PROGRAM_OFFICER, "u-evaluator")
    assert refused(again, Action.FINAL_EVALUATION, evaluation, who=first)["rule"] == "rescore_by_others"
    check(again, Action.FINAL_EVALUATION, evaluation, who=actor(Role.EVALUATOR, "u-other"))
