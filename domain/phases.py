"""Phases, stages, roles and actions: the words of the lifecycle."""

from enum import StrEnum


class Phase(StrEnum):
    APPLIED = "applied"
    INELIGIBLE = "ineligible"
    UNDER_REVIEW = "under_review"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    MATCHED = "matched"
    CONTRACTED = "contracted"
    IN_POC = "in_poc"
    SUSPENDED = "suspended"
    FINAL_REVIEW = "final_review"
    SETTLEMENT = "settlement"
    COMPLETED = "completed"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"


# Phases in which the lifecycle is over: the workflow returns.
FINAL_PHASES = frozenset(
    {
        Phase.INELIGIBLE,
        Phase.REJECTED,
        Phase.PROMOTED,
        Phase.CANCELLED,
        Phase.WITHDRAWN,
        Phase.TERMINATED,
    }
)


class Stage(StrEnum):
    MICRO = "micro"
    CHOGYEOKCHA = "chogyeokcha"
    BEYOND = "beyond"


NEXT_STAGE = {Stage.MICRO: Stage.CHOGYEOKCHA, Stage.CHOGYEOKCHA: Stage.BEYOND}


class Role(StrEnum):
    ADMIN = "admin"
    PROGRAM_OFFICER = "program_officer"
    FINANCE_OFFICER = "finance_officer"
    EVALUATOR = "evaluator"
    AUDITOR = "auditor"
    STARTUP = "startup"
    # Transitions done by the workflow itself (timers, the program call).
    SYSTEM = "system"


STAFF_ROLES = frozenset({Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR})


class Action(StrEnum):
    SCORE = "score"
    MATCH = "match"
    # The startup accepts the agreement the system generated (after re-entering its password);
    # the program officer's sign-agreement then countersigns it (lifecycles under the
    # agreement-two-step patch; older ones are signed by the officer alone).
    ACCEPT_AGREEMENT = "accept-agreement"
    SIGN_AGREEMENT = "sign-agreement"
    REQUEST_DISBURSEMENT = "request-disbursement"
    APPROVE_DISBURSEMENT = "approve-disbursement"
    SUBMIT_MILESTONE = "submit-milestone"
    REVIEW_MILESTONE = "review-milestone"
    EXTEND_DEADLINE = "extend-deadline"
    SUSPEND = "suspend"
    RESUME = "resume"
    FINAL_EVALUATION = "final-evaluation"
    SUBMIT_SETTLEMENT = "submit-settlement"
    APPROVE_SETTLEMENT = "approve-settlement"
    PROMOTE = "promote"
    WITHDRAW = "withdraw"
    TERMINATE = "terminate"
    # A finance officer's decision on sparing an honest failure (성실실패) the clawback.
    WAIVE_CLAWBACK = "waive-clawback"
    # A finance officer asks the finance system again for money owed back after it refused the
    # request (e.g. once the startup's details are corrected there).
    RETRY_COLLECTION = "retry-collection"
    # The startup's budget plan by 비목, part of the agreement it accepts (lifecycles under the
    # budget-plan patch), and its execution ledger during the PoC: an expense, or one withdrawn.
    SUBMIT_BUDGET_PLAN = "submit-budget-plan"
    RECORD_EXPENSE = "record-expense"
    CANCEL_EXPENSE = "cancel-expense"
    # 비목 변경: the startup moves money between categories; beyond the tolerance the officer decides.
    REQUEST_BUDGET_CHANGE = "request-budget-change"
    DECIDE_BUDGET_CHANGE = "decide-budget-change"
    # 집행 검토: the finance officer accepts or disallows (불인정) each expense.
    REVIEW_EXPENSE = "review-expense"
    # 협약 변경: a change to the signed agreement asked by the startup or the officer, and the
    # officer's decision on one that needs approval (lifecycles under the agreement-amendments patch).
    REQUEST_AMENDMENT = "request-amendment"
    DECIDE_AMENDMENT = "decide-amendment"
    # 이의신청: the startup objects to a result (selection, final evaluation, a disallowed expense)
    # and a review panel member who took no part in it decides (lifecycles under the appeals patch).
    FILE_APPEAL = "file-appeal"
    DECIDE_APPEAL = "decide-appeal"
