"""Who may take which action in which phase, and the action's own rule: one table, used by the
workflow's Update validators (the authority) and by the API (to answer 403 early and to list
`allowed_actions`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import action_rules as r
from domain import amendment_rules as amend
from domain import appeal_rules as appeal
from domain import budget_actions as b
from domain import settlement_ledger as ledger
from domain.commands import Command
from domain.conflicts import evaluator_cleared, no_conflict_of_interest
from domain.phases import FINAL_PHASES, Action, Phase, Role
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.state import Actor, StartupState
from domain.violation import RuleViolation

__all__ = ["ACTION_RULES", "ActionRule", "RuleViolation", "allowed_actions", "check_action", "check_command",
           "check_role"]

P = Phase
_POC = frozenset({P.CONTRACTED, P.IN_POC, P.FINAL_REVIEW, P.SETTLEMENT})
_OPEN = frozenset(set(Phase) - FINAL_PHASES - {P.COMPLETED, P.APPLIED})


@dataclass(frozen=True)
class ActionRule:
    roles: frozenset[Role]
    phases: frozenset[Phase]
    # The action's own rule (domain.action_rules), checked after role and phase.
    check: r.Rule | None = None
    # Whether the state leaves anything to act on (a tranche to request, a deliverable to
    # review): `allowed_actions` offers the action only then.
    offered: Callable[[StartupState], bool] | None = None


ACTION_RULES: dict[Action, ActionRule] = {
    # After an upheld selection appeal, only evaluators who did not score it before (domain.appeal_rules).
    Action.SCORE: ActionRule(frozenset({Role.EVALUATOR}), frozenset({P.UNDER_REVIEW}), appeal.score_rule),
    Action.MATCH: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.SELECTED, P.MATCHED}), r.match_rule),
    # Before the signature the agreement; after it an amended version (변경 N, domain.amendment_rules).
    Action.ACCEPT_AGREEMENT: ActionRule(frozenset({Role.STARTUP}), frozenset({P.MATCHED, P.CONTRACTED, P.IN_POC}),
                                        amend.accept_agreement_rule, amend.accept_offered),
    Action.SIGN_AGREEMENT: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.MATCHED}), r.sign_agreement_rule,
                                      lambda s: not s.agreement_two_step or s.agreement_acceptance is not None),
    Action.REQUEST_DISBURSEMENT: ActionRule(frozenset({Role.PROGRAM_OFFICER}), _POC, r.request_disbursement_rule,
                                               lambda s: any(t.status in ("due", "payment_failed") for t in s.tranches)),
    Action.APPROVE_DISBURSEMENT: ActionRule(frozenset({Role.FINANCE_OFFICER}), _POC, r.approve_disbursement_rule,
                                               lambda s: any(t.status == "requested" for t in s.tranches)),
    Action.SUBMIT_MILESTONE: ActionRule(frozenset({Role.STARTUP}), frozenset({P.IN_POC}), r.submit_milestone_rule,
                                           lambda s: any(m.open for m in s.milestones)),
    Action.REVIEW_MILESTONE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.IN_POC}),
                                        r.review_milestone_rule,
                                        lambda s: any(m.status == "submitted" for m in s.milestones)),
    Action.EXTEND_DEADLINE: ActionRule(
        frozenset({Role.PROGRAM_OFFICER}),
        frozenset({P.SELECTED, P.MATCHED, P.CONTRACTED, P.IN_POC, P.SUSPENDED}),
        r.extend_deadline_rule,
    ),
    Action.SUSPEND: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.CONTRACTED, P.IN_POC})),
    Action.RESUME: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.SUSPENDED}), r.resume_rule),
    Action.FINAL_EVALUATION: ActionRule(
        # Its conflict of interest rule is every staff action's (domain.conflicts); phase `final_review`
        # already means every milestone is accepted. After an upheld appeal, by someone else (domain.appeal_rules).
        frozenset({Role.EVALUATOR, Role.PROGRAM_OFFICER}), frozenset({P.FINAL_REVIEW}), appeal.final_evaluation_rule
    ),
    Action.SUBMIT_SETTLEMENT: ActionRule(frozenset({Role.STARTUP}), frozenset({P.SETTLEMENT}),
                                         ledger.submit_settlement_rule,
                                         lambda s: not (s.settlement and s.settlement.approved_at)),
    Action.APPROVE_SETTLEMENT: ActionRule(frozenset({Role.FINANCE_OFFICER}), frozenset({P.SETTLEMENT}),
                                          ledger.approve_settlement_rule,
                                          lambda s: bool(s.settlement and s.settlement.submitted_at
                                                         and s.settlement.approved_at is None)),
    Action.PROMOTE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.COMPLETED}), r.promote_rule),
    Action.WITHDRAW: ActionRule(frozenset({Role.STARTUP}), _OPEN),
    Action.TERMINATE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), _OPEN, r.terminate_rule),
    # The one action on a terminated lifecycle: it stays open while money is owed.
    Action.WAIVE_CLAWBACK: ActionRule(frozenset({Role.FINANCE_OFFICER}), frozenset({P.TERMINATED}),
                                      r.waive_clawback_rule,
                                      lambda s: any(c.status == "waiver_requested" for c in s.collections)),
    # Money owed back is collected in these phases (a settlement refund, a withdrawal's refund,
    # a termination's clawback).
    Action.RETRY_COLLECTION: ActionRule(frozenset({Role.FINANCE_OFFICER}),
                                        frozenset({P.SETTLEMENT, P.WITHDRAWN, P.TERMINATED}),
                                        r.retry_collection_rule,
                                        lambda s: any(c.status == "failed" for c in s.collections)),
    # The budget plan by 비목 (lifecycles under the budget-plan patch): before the startup accepts
    # the agreement that carries it; the ledger while the PoC runs.
    Action.SUBMIT_BUDGET_PLAN: ActionRule(frozenset({Role.STARTUP}), frozenset({P.SELECTED, P.MATCHED}),
                                          b.submit_budget_plan_rule,
                                          lambda s: s.budget_ledger and s.agreement_acceptance is None),
    Action.RECORD_EXPENSE: ActionRule(frozenset({Role.STARTUP}), frozenset({P.IN_POC}), b.record_expense_rule,
                                      lambda s: bool(s.budget and s.budget.plans)),
    Action.CANCEL_EXPENSE: ActionRule(frozenset({Role.STARTUP}), frozenset({P.IN_POC}), b.cancel_expense_rule,
                                      lambda s: bool(s.budget and any(not m.cancelled
                                                                      for m in s.budget.entries.values()))),
    Action.REQUEST_BUDGET_CHANGE: ActionRule(frozenset({Role.STARTUP}), frozenset({P.IN_POC}),
                                             b.request_budget_change_rule,
                                             lambda s: bool(s.budget and s.budget.plans
                                                            and s.budget.plans[0].approved_at
                                                            and s.budget.pending_change is None)),
    Action.DECIDE_BUDGET_CHANGE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.IN_POC}),
                                            b.decide_budget_change_rule,
                                            lambda s: bool(s.budget and s.budget.pending_change)),
    Action.REVIEW_EXPENSE: ActionRule(frozenset({Role.FINANCE_OFFICER}),
                                      frozenset({P.IN_POC, P.FINAL_REVIEW, P.SETTLEMENT}), b.review_expense_rule,
                                      lambda s: bool(s.budget and any(not m.cancelled and m.review is None
                                                                      for m in s.budget.entries.values()))),
    # 협약 변경 (lifecycles under the agreement-amendments patch): asked by either side of a signed
    # agreement; the approval-type ones decided by the officer.
    Action.REQUEST_AMENDMENT: ActionRule(frozenset({Role.STARTUP, Role.PROGRAM_OFFICER}),
                                         frozenset({P.CONTRACTED, P.IN_POC}), amend.request_amendment_rule,
                                         amend.request_offered),
    Action.DECIDE_AMENDMENT: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.CONTRACTED, P.IN_POC}),
                                        amend.decide_amendment_rule, amend.decide_offered),
    # 이의신청 (lifecycles under the appeals patch): the startup appeals a result; a panel member who
    # took no part in it decides.
    Action.FILE_APPEAL: ActionRule(frozenset({Role.STARTUP}), appeal.FILE_PHASES, appeal.file_appeal_rule,
                                   appeal.file_offered),
    Action.DECIDE_APPEAL: ActionRule(frozenset({Role.PROGRAM_OFFICER, Role.ADMIN}), appeal.FILE_PHASES,
                                     appeal.decide_appeal_rule, appeal.decide_offered),
}


def allowed_actions(state: StartupState, actor: Actor) -> list[str]:
    """The actions this actor could take now: role and phase fit, and the state leaves something
    to act on (a body can still be refused by the action's own rule)."""
    if actor.role is Role.STARTUP and actor.brn != state.brn:
        return []
    return [
        a.value
        for a, rule in ACTION_RULES.items()
        if actor.role in rule.roles and state.phase in rule.phases and (rule.offered is None or rule.offered(state))
    ]


def check_role(action: Action, actor: Actor) -> None:
    """Raise RuleViolation unless the actor's role may take the action at all (the API's 403)."""
    rule = ACTION_RULES[action]
    if actor.role not in rule.roles:
        raise RuleViolation(
            "forbidden",
            f"role {actor.role.value} may not {action.value}",
            {"rule": RuleId.ROLE, "allowed_roles": sorted(role.value for role in rule.roles)},
        )


def check_action(state: StartupState, action: Action, actor: Actor) -> None:
    """Raise RuleViolation unless the actor's role and the current phase allow the action."""
    rule = ACTION_RULES[action]
    check_role(action, actor)
    if actor.role is Role.STARTUP and actor.brn != state.brn:
        raise RuleViolation("forbidden", "a startup acts only on its own records", {"rule": RuleId.OWN_RECORDS})
    if state.phase not in rule.phases:
        raise RuleViolation(
            "invalid_transition",
            f"{action.value} is not allowed in phase {state.phase.value}",
            {"phase": state.phase.value, "allowed_actions": allowed_actions(state, actor)},
        )


def check_command(state: StartupState, action: Action, cmd: Command[Any], now: datetime,
                  program: ProgramDefinition) -> None:
    """Every rule of one action: role, the person's conflicts of interest (whatever the phase), an
    evaluator's standing in the program's pool, own records, phase, then the action's own rule."""
    check_role(action, cmd.actor)
    no_conflict_of_interest(state, action, cmd)
    evaluator_cleared(action, cmd)  # the evaluator pool, the pledge, 회피 and 제척
    check_action(state, action, cmd.actor)
    own_rule = ACTION_RULES[action].check
    if own_rule is not None:
        own_rule(state, cmd, now, program)
