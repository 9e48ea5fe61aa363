"""The appeal actions' own rules (file-appeal, decide-appeal) and the re-scoring rule, applied to a
lifecycle's state for the workflow's Update validators and the API (domain.rules registers them).
The pure checks they use are in domain.appeals."""

from datetime import datetime

from domain import action_rules as r
from domain.appeals import (
    AppealableResult,
    AppealState,
    check_named_panel,
    check_not_appealed,
    check_panel_member,
    check_rescorer,
    check_within_window,
)
from domain.change_commands import DecideAppealBody, FileAppealBody
from domain.commands import Command, FinalEvaluationBody, ScoreBody
from domain.phases import Phase
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.state import StartupState
from domain.violation import RuleViolation

# Where each kind of result may be appealed: the selection while rejected or waitlisted, the final
# evaluation before the settlement is submitted, an expense before the settlement is approved.
FILE_PHASES = frozenset({Phase.REJECTED, Phase.WAITLISTED, Phase.IN_POC, Phase.FINAL_REVIEW, Phase.SETTLEMENT})


def _appeals(state: StartupState) -> AppealState:
    if state.appeals is None:
        raise RuleViolation("conflict", "this lifecycle started before appeals; ask the program officer "
                            "(이 과제는 시스템에서 이의신청을 할 수 없습니다)", {"rule": RuleId.APPEALS_UNAVAILABLE})
    return state.appeals


def _no_result(field: str, why: str) -> RuleViolation:
    return RuleViolation("conflict", f"nothing to appeal: {why} (이의신청할 수 있는 결과가 없습니다)",
                         {"field": field, "rule": RuleId.APPEALABLE_RESULT})


def appealed_result(state: StartupState, body: FileAppealBody) -> AppealableResult:
    """The result this appeal is about, if the startup may appeal it in the state it is in."""
    appeals = _appeals(state)
    if body.kind == "selection":
        result = appeals.result("selection")
        if result is None or state.phase not in (Phase.REJECTED, Phase.WAITLISTED):
            raise _no_result("kind", "the selection result appealed is a rejection or a place on the waitlist")
        return result
    if body.kind == "final_evaluation":
        result = appeals.result("final_evaluation")
        if result is None or state.phase is not Phase.SETTLEMENT or (state.settlement and state.settlement.submitted_at):
            raise _no_result("kind", "a final evaluation is appealed before the settlement is submitted")
        return result
    if not body.entry_id:
        raise RuleViolation("validation_error", "an expense appeal names its entry (entry_id)",
                            {"field": "entry_id", "rule": RuleId.APPEALABLE_RESULT})
    result = appeals.result("expense", body.entry_id)
    mark = state.budget.entries.get(body.entry_id) if state.budget else None
    if result is None or mark is None or mark.review != "disallow" or (
            state.settlement and state.settlement.approved_at):
        raise _no_result("entry_id", "the entry is not disallowed, or the settlement is approved")
    return result


def file_appeal_rule(state: StartupState, cmd: Command[FileAppealBody], now: datetime,
                     program: ProgramDefinition) -> None:
    result = appealed_result(state, cmd.body)
    check_within_window(result, now, program.appeals)
    check_not_appealed(_appeals(state), result)


def decide_appeal_rule(state: StartupState, cmd: Command[DecideAppealBody], now: datetime,
                       program: ProgramDefinition) -> None:
    appeals = _appeals(state)
    appeal = appeals.appeal(cmd.body.appeal)
    if appeal is None or appeal.status != "pending":
        raise RuleViolation("conflict", "no appeal waits for a decision (심의할 이의신청이 없습니다)",
                            {"field": "appeal", "rule": RuleId.APPEAL_PENDING})
    check_named_panel(program.appeals.panel if cmd.appeal_panel is None else cmd.appeal_panel, cmd.actor.id)
    result = appeals.result(appeal.kind, appeal.subject)
    if result is not None:
        check_panel_member(result, cmd.actor.id)
    if not cmd.body.reason:
        raise RuleViolation("validation_error", "a decision on an appeal gives its written reason "
                            "(심의 결과의 사유를 적어 주십시오)", {"field": "reason", "rule": RuleId.APPEAL_DECISION_REASON})


def score_rule(state: StartupState, cmd: Command[ScoreBody], now: datetime, program: ProgramDefinition) -> None:
    """One score per round, and after an upheld selection appeal only by evaluators who did not score."""
    r.score_rule(state, cmd, now, program)
    if state.appeals is not None:
        check_rescorer(state.appeals.excluded_scorers, cmd.actor.id)


def final_evaluation_rule(state: StartupState, cmd: Command[FinalEvaluationBody], now: datetime,
                          program: ProgramDefinition) -> None:
    """After an upheld appeal of the final evaluation, it is made again by someone who did not make it."""
    if state.appeals is not None:
        check_rescorer([actor for a in state.appeals.appeals if a.kind == "final_evaluation" and a.status == "upheld"
                        for actor in a.earlier_scorers], cmd.actor.id)


def file_offered(state: StartupState) -> bool:
    appeals = state.appeals
    return bool(appeals and any(not any(a.kind == res.kind and a.subject == res.subject and a.filed_at >= res.at
                                        for a in appeals.appeals) for res in appeals.results))


def decide_offered(state: StartupState) -> bool:
    return bool(state.appeals and state.appeals.pending)

