"""Conflicts of interest (이해충돌) belong to the person, not to the role they act in.

A person who declared a conflict with a company (a startup or an SME partner) takes none of the
actions below on a lifecycle that involves it — as evaluator, program officer, finance officer or
admin alike. The API puts the person's declarations (by user id) on every command; the workflow's
Update validators refuse here, before the phase is looked at, so the answer does not depend on
where the lifecycle stands.

The startup's own actions (accept-agreement, submit-milestone, submit-settlement, withdraw) are not
listed: they are the company acting for itself, and declarations are made by staff."""

from collections.abc import Collection
from typing import Any

from domain.change_commands import DecideAmendmentBody, RequestAmendmentBody
from domain.commands import Command, MatchBody
from domain.phases import Action, Role
from domain.rule_ids import RuleId
from domain.state import StartupState
from domain.violation import RuleViolation

# Every staff action of ACTION_RULES, each with why a conflicted person may not take it.
BARRED_WHEN_CONFLICTED: dict[Action, str] = {
    Action.SCORE: "evaluates the application (서면·발표평가 점수)",
    Action.FINAL_EVALUATION: "evaluates the results (최종평가)",
    Action.MATCH: "decides who the SME partner is, and so whom the money reaches",
    Action.SIGN_AGREEMENT: "approves the agreement on the agency's side (협약 체결)",
    Action.REQUEST_DISBURSEMENT: "decides that money is due (사업비 지급 요청)",
    Action.APPROVE_DISBURSEMENT: "approves a payment (사업비 지급 승인)",
    Action.REVIEW_MILESTONE: "reviews a deliverable: accept, or revise by a new date",
    Action.DECIDE_BUDGET_CHANGE: "decides where the company's grant may be spent (비목 변경 승인)",
    Action.REVIEW_EXPENSE: "decides which of the company's expenses the grant bears (집행 검토)",
    Action.EXTEND_DEADLINE: "decides a deadline in the company's favour",
    Action.SUSPEND: "decides a sanction (중지)",
    Action.RESUME: "decides that a sanction ends",
    Action.APPROVE_SETTLEMENT: "approves what was spent and what is owed back (정산 승인)",
    Action.PROMOTE: "decides the move to the next stage and its grant (단계 연계)",
    Action.TERMINATE: "decides the end, its cause and so the clawback (협약 해지·환수)",
    Action.WAIVE_CLAWBACK: "decides that money owed back is waived (성실실패 면제)",
    Action.RETRY_COLLECTION: "acts on the money owed back; another officer does it",
    Action.REQUEST_AMENDMENT: "proposes a change to the company's agreement (협약 변경 신청)",
    Action.DECIDE_AMENDMENT: "decides a change to the company's agreement (협약 변경 승인)",
    Action.DECIDE_APPEAL: "decides the company's appeal (이의신청 심의)",
}


def involved_companies(state: StartupState, cmd: Command[Any]) -> set[str]:
    """The startup, its SME partners, and the partners a match (or a partner amendment, asked or
    about to be decided) is about to choose."""
    involved = {state.brn, *(p.brn for p in state.partners)}
    if isinstance(cmd.body, MatchBody | RequestAmendmentBody):
        involved |= {p.brn for p in cmd.body.partners}
    pending = state.amendments.pending if state.amendments else None
    if isinstance(cmd.body, DecideAmendmentBody) and pending is not None:
        involved |= {p.brn for p in pending.change.partners}
    return involved


def barred_by_conflicts(state: StartupState, conflicts: Collection[str]) -> frozenset[Action]:
    """The actions a person with these declarations may not take on this lifecycle (none, unless
    the startup or one of its partners is a declared company): taken out of `allowed_actions`."""
    involved = {state.brn, *(p.brn for p in state.partners)}
    return frozenset(BARRED_WHEN_CONFLICTED) if involved & set(conflicts) else frozenset()


def no_conflict_of_interest(state: StartupState, action: Action, cmd: Command[Any]) -> None:
    """Refuse a barred action by a person who declared a conflict with a company it involves."""
    if action in BARRED_WHEN_CONFLICTED and involved_companies(state, cmd) & set(cmd.conflicts):
        raise RuleViolation("forbidden", "이해충돌을 신고한 기업에 관한 작업입니다 (conflict of interest: you declared a "
                            "conflict with this startup or its SME partner)",
                            {"rule": RuleId.CONFLICT_OF_INTEREST, "action": action.value})


# The evaluator's own actions on an application, barred until the program's pool admits them.
EVALUATOR_ACTIONS = frozenset({Action.SCORE, Action.FINAL_EVALUATION})


def evaluator_cleared(action: Action, cmd: Command[Any]) -> None:
    """Refuse an evaluator's score of a startup they may not evaluate: in a program with an
    evaluator pool, one not invited or who has not signed the pledge (서약서); in any program, one
    who recused themselves (회피), whom staff excluded (제척) from this startup, or whose recorded
    employer is related to it (`known_relation`); and a score by one not on the startup's panel
    once it has one (`assigned` False). The API fills the
    facts (`evaluator_standing`); a command without them (another role, an older caller) is let be."""
    standing = cmd.evaluator_standing
    if action not in EVALUATOR_ACTIONS or cmd.actor.role is not Role.EVALUATOR or standing is None:
        return
    details = {"action": action.value}
    if standing.pooled and not standing.member:
        raise RuleViolation("forbidden", "이 사업의 평가위원 풀에 없습니다 (you are not in this program's evaluator "
                            "pool)", details | {"rule": RuleId.EVALUATOR_POOL})
    if standing.pooled and not standing.pledged:
        raise RuleViolation("forbidden", "서약서에 서명하지 않았습니다 (sign this program's evaluator pledge first)",
                            details | {"rule": RuleId.PLEDGE_SIGNED})
    if standing.withdrawn == "recused":
        raise RuleViolation("forbidden", "평가를 회피한 스타트업입니다 (you recused yourself from this startup)",
                            details | {"rule": RuleId.RECUSAL})
    if standing.withdrawn == "excluded":
        raise RuleViolation("forbidden", "평가에서 제척되었습니다 (staff excluded you from evaluating this startup)",
                            details | {"rule": RuleId.EXCLUSION})
    if standing.known_relation:
        raise RuleViolation("forbidden", "소속 기업이 이 스타트업이나 그 수요기업과 관계가 있습니다 (your recorded "
                            "employer is this startup, its SME partner or a former partner of it)",
                            details | {"rule": RuleId.KNOWN_RELATION})
    # A panel decides who scores the application; the final evaluation is not the panel's.
    if action is Action.SCORE and standing.assigned is False:
        raise RuleViolation("forbidden", "이 스타트업의 평가위원으로 배정되지 않았습니다 (you are not on this "
                            "startup's evaluation panel)", details | {"rule": RuleId.EVALUATOR_ASSIGNED})
