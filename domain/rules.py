"""Who may take which action in which phase: one table, used by the workflow's Update validators
(the authority) and by the API (to answer 403 early and to list `allowed_actions`)."""

from dataclasses import dataclass, field
from typing import Any

from domain.phases import FINAL_PHASES, Action, Phase, Role
from domain.state import Actor, StartupState

P = Phase
_POC = frozenset({P.CONTRACTED, P.IN_POC, P.FINAL_REVIEW, P.SETTLEMENT})
_OPEN = frozenset(set(Phase) - FINAL_PHASES - {P.COMPLETED, P.APPLIED})


@dataclass(frozen=True)
class ActionRule:
    roles: frozenset[Role]
    phases: frozenset[Phase]


ACTION_RULES: dict[Action, ActionRule] = {
    Action.SCORE: ActionRule(frozenset({Role.EVALUATOR}), frozenset({P.UNDER_REVIEW})),
    Action.MATCH: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.SELECTED, P.MATCHED})),
    Action.SIGN_AGREEMENT: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.MATCHED})),
    Action.REQUEST_DISBURSEMENT: ActionRule(frozenset({Role.PROGRAM_OFFICER}), _POC),
    Action.APPROVE_DISBURSEMENT: ActionRule(frozenset({Role.FINANCE_OFFICER}), _POC),
    Action.SUBMIT_MILESTONE: ActionRule(frozenset({Role.STARTUP}), frozenset({P.IN_POC})),
    Action.REVIEW_MILESTONE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.IN_POC})),
    Action.EXTEND_DEADLINE: ActionRule(
        frozenset({Role.PROGRAM_OFFICER}),
        frozenset({P.SELECTED, P.MATCHED, P.CONTRACTED, P.IN_POC, P.SUSPENDED}),
    ),
    Action.SUSPEND: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.CONTRACTED, P.IN_POC})),
    Action.RESUME: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.SUSPENDED})),
    Action.FINAL_EVALUATION: ActionRule(
        frozenset({Role.EVALUATOR, Role.PROGRAM_OFFICER}), frozenset({P.FINAL_REVIEW})
    ),
    Action.SUBMIT_SETTLEMENT: ActionRule(frozenset({Role.STARTUP}), frozenset({P.SETTLEMENT})),
    Action.APPROVE_SETTLEMENT: ActionRule(frozenset({Role.FINANCE_OFFICER}), frozenset({P.SETTLEMENT})),
    Action.PROMOTE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), frozenset({P.COMPLETED})),
    Action.WITHDRAW: ActionRule(frozenset({Role.STARTUP}), _OPEN),
    Action.TERMINATE: ActionRule(frozenset({Role.PROGRAM_OFFICER}), _OPEN),
    # The one action on a terminated lifecycle: it stays open while money is owed.
    Action.WAIVE_CLAWBACK: ActionRule(frozenset({Role.FINANCE_OFFICER}), frozenset({P.TERMINATED})),
}


@dataclass
class RuleViolation(Exception):
    """A refused action. `code` is the API error code: forbidden, invalid_transition, conflict,
    validation_error."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


def role_may(action: Action, role: Role) -> bool:
    return role in ACTION_RULES[action].roles


def allowed_actions(state: StartupState, actor: Actor) -> list[str]:
    """The actions this actor could take now (payload rules aside)."""
    if actor.role is Role.STARTUP and actor.brn != state.brn:
        return []
    return [
        a.value
        for a, rule in ACTION_RULES.items()
        if actor.role in rule.roles and state.phase in rule.phases
    ]


def check_action(state: StartupState, action: Action, actor: Actor) -> None:
    """Raise RuleViolation unless the actor's role and the current phase allow the action."""
    rule = ACTION_RULES[action]
    if actor.role not in rule.roles:
        raise RuleViolation(
            "forbidden",
            f"role {actor.role.value} may not {action.value}",
            {"rule": "role", "allowed_roles": sorted(r.value for r in rule.roles)},
        )
    if actor.role is Role.STARTUP and actor.brn != state.brn:
        raise RuleViolation("forbidden", "a startup acts only on its own records", {"rule": "own_records"})
    if state.phase not in rule.phases:
        raise RuleViolation(
            "invalid_transition",
            f"{action.value} is not allowed in phase {state.phase.value}",
            {"phase": state.phase.value, "allowed_actions": allowed_actions(state, actor)},
        )
