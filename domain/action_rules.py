"""Each action's own rule, beyond role and phase: a pure function of (state, command, now, program)
that raises the RuleViolation the caller sees. The workflow's Update validators call them through
`domain.rules.check_command` (the authority); the API calls the same functions for its early
answers, so a rule and its error details exist once. Actions with no rule of their own
(suspend, withdraw, final-evaluation) have none here; conflicts of interest are every staff
action's rule (`domain.conflicts`).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.commands import (
    AcceptAgreementBody,
    Command,
    DisbursementBody,
    ExtendDeadlineBody,
    MatchBody,
    PromoteBody,
    RequestDisbursementBody,
    ReviewMilestoneBody,
    ScoreBody,
    SignAgreementBody,
    SubmitMilestoneBody,
    SubmitSettlementBody,
    TerminateBody,
    WaiveClawbackBody,
)
from domain.formatting import won
from domain.phases import NEXT_STAGE, Phase
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.state import MilestoneState, StartupState, TrancheState
from domain.timeutil import end_of_kst_day, kst_date
from domain.violation import RuleViolation

Rule = Callable[[StartupState, Command[Any], datetime, ProgramDefinition], None]


def known_tranche(state: StartupState, key: str) -> TrancheState:
    tranche = state.tranche(key)
    if tranche is None:
        raise RuleViolation("validation_error", f"unknown tranche {key!r}",
                            {"field": "tranche", "rule": RuleId.KNOWN_TRANCHE, "known": [t.key for t in state.tranches]})
    return tranche


def known_milestone(state: StartupState, key: str, field: str = "milestone") -> MilestoneState:
    m = state.milestone(key)
    if m is None:
        raise RuleViolation("validation_error", f"unknown milestone {key!r}",
                            {"field": field, "rule": RuleId.KNOWN_MILESTONE, "known": [x.key for x in state.milestones]})
    return m


def score_rule(state: StartupState, cmd: Command[ScoreBody], now: datetime, program: ProgramDefinition) -> None:
    if any(e.evaluator_id == cmd.actor.id and e.round == cmd.body.round for e in state.scores):
        raise RuleViolation("conflict", f"this evaluator already scored the {cmd.body.round} round",
                            {"rule": RuleId.ONE_SCORE_PER_ROUND})


def match_rule(state: StartupState, cmd: Command[MatchBody], now: datetime, program: ProgramDefinition) -> None:
    if any(p.brn == state.brn for p in cmd.body.partners):
        raise RuleViolation("validation_error", "the startup cannot be its own SME partner",
                            {"field": "partners", "rule": RuleId.PARTNER_IS_ANOTHER_COMPANY})


def accept_agreement_rule(state: StartupState, cmd: Command[AcceptAgreementBody], now: datetime,
                          program: ProgramDefinition) -> None:
    """The startup accepts exactly the agreement the system generated for its current match."""
    if not state.agreement_two_step:
        raise RuleViolation("conflict", "this lifecycle's agreement is signed by the program officer alone "
                            "(이 협약은 담당자 서명만으로 체결됩니다)", {"rule": RuleId.ONE_STEP_AGREEMENT})
    document = state.agreement_document
    if document is None:
        raise RuleViolation("conflict", "the agreement is still being prepared; try again in a moment "
                            "(협약서를 만드는 중입니다. 잠시 후 다시 시도하십시오)", {"rule": RuleId.AGREEMENT_READY})
    if state.agreement_acceptance is not None:
        raise RuleViolation("conflict", "the agreement is already accepted (이미 동의한 협약서입니다)",
                            {"rule": RuleId.ACCEPT_ONCE, "sha256": state.agreement_acceptance.document.sha256})
    if cmd.body.agreement_sha256 != document.sha256:
        raise RuleViolation("conflict", "the agreement has changed since it was read: read it again "
                            "(협약서가 바뀌었습니다. 다시 읽고 동의하십시오)",
                            {"field": "agreement_sha256", "rule": RuleId.AGREEMENT_CHANGED, "current": document.sha256})


def sign_agreement_rule(state: StartupState, cmd: Command[SignAgreementBody], now: datetime,
                        program: ProgramDefinition) -> None:
    """Two-step lifecycles: the officer countersigns only the agreement the startup accepted."""
    if not state.agreement_two_step:
        return
    accepted = state.agreement_acceptance
    if accepted is None:
        raise RuleViolation("conflict", "the startup has not accepted the agreement yet "
                            "(스타트업의 협약 동의가 먼저입니다)", {"rule": RuleId.STARTUP_ACCEPTS_FIRST})
    current = state.agreement_document
    if current is None or current.sha256 != accepted.document.sha256:
        raise RuleViolation("conflict", "the agreement differs from the one the startup accepted "
                            "(스타트업이 동의한 협약서와 다릅니다)",
                            {"rule": RuleId.SAME_AGREEMENT, "accepted": accepted.document.sha256,
                             "current": current.sha256 if current else None})


def request_disbursement_rule(state: StartupState, cmd: Command[RequestDisbursementBody], now: datetime,
                              program: ProgramDefinition) -> None:
    tranche = known_tranche(state, cmd.body.tranche)
    if tranche.status == "locked":
        raise RuleViolation("conflict", f"tranche {tranche.key} is not due yet: its trigger "
                            f"({tranche.trigger}) has not happened", {"rule": RuleId.TRANCHE_TRIGGER})
    if tranche.status not in ("due", "payment_failed"):
        raise RuleViolation("conflict", f"tranche {tranche.key} is already {tranche.status}",
                            {"rule": RuleId.ONE_REQUEST_PER_TRANCHE, "status": tranche.status})


def approve_disbursement_rule(state: StartupState, cmd: Command[DisbursementBody], now: datetime,
                              program: ProgramDefinition) -> None:
    tranche = known_tranche(state, cmd.body.tranche)
    if tranche.status != "requested":
        raise RuleViolation("conflict", f"tranche {tranche.key} is {tranche.status}, not requested",
                            {"rule": RuleId.APPROVE_AFTER_REQUEST, "status": tranche.status})
    if tranche.requested_by == cmd.actor.id:
        raise RuleViolation("forbidden", "four-eyes rule: the requester of a disbursement cannot approve it",
                            {"rule": RuleId.FOUR_EYES})


def submit_milestone_rule(state: StartupState, cmd: Command[SubmitMilestoneBody], now: datetime,
                          program: ProgramDefinition) -> None:
    m = known_milestone(state, cmd.body.milestone)
    if not m.open:
        raise RuleViolation("conflict", f"milestone {m.key} is {m.status}; nothing to submit",
                            {"rule": RuleId.SUBMIT_OPEN_MILESTONE, "status": m.status})


def review_milestone_rule(state: StartupState, cmd: Command[ReviewMilestoneBody], now: datetime,
                          program: ProgramDefinition) -> None:
    m = known_milestone(state, cmd.body.milestone)
    if m.status != "submitted":
        raise RuleViolation("conflict", f"milestone {m.key} is {m.status}, not submitted",
                            {"rule": RuleId.REVIEW_SUBMITTED_MILESTONE, "status": m.status})
    if cmd.body.revise_due_on and cmd.body.revise_due_on <= kst_date(now):
        raise RuleViolation("validation_error", "revise_due_on must be a future date (KST)",
                            {"field": "revise_due_on", "rule": RuleId.FUTURE_DATE})
    if cmd.body.revise_due_on and end_of_kst_day(cmd.body.revise_due_on) < m.due_at:
        raise RuleViolation("validation_error",
                            f"revise_due_on must not be earlier than the milestone's due date "
                            f"{kst_date(m.due_at)} (수정 기한은 마일스톤 기한보다 앞설 수 없습니다)",
                            {"field": "revise_due_on", "rule": RuleId.REVISION_KEEPS_TIME,
                             "current_due_at": m.due_at.isoformat()})


def extend_deadline_rule(state: StartupState, cmd: Command[ExtendDeadlineBody], now: datetime,
                         program: ProgramDefinition) -> None:
    if cmd.body.deadline == "agreement":
        if state.phase not in (Phase.SELECTED, Phase.MATCHED) or state.agreement_due_at is None:
            raise RuleViolation("conflict", "there is no running agreement deadline",
                                {"field": "deadline", "rule": RuleId.RUNNING_DEADLINE})
        current = state.agreement_due_at
    else:
        m = known_milestone(state, cmd.body.deadline, field="deadline")
        if not m.open:
            raise RuleViolation("conflict", f"milestone {m.key} is {m.status}; its deadline is not running",
                                {"field": "deadline", "rule": RuleId.RUNNING_DEADLINE})
        current = m.due_at
    if end_of_kst_day(cmd.body.new_due_on) <= current:
        raise RuleViolation("validation_error", "new_due_on must be later than the current due date",
                            {"field": "new_due_on", "rule": RuleId.EXTENSION_MOVES_LATER,
                             "current_due_at": current.isoformat()})


def resume_rule(state: StartupState, cmd: Command[Any], now: datetime, program: ProgramDefinition) -> None:
    milestone = program.policy.clock("milestone")
    if milestone.consequence != "suspend" or milestone.grace_days is None or state.suspended_at is None:
        return
    grace = timedelta(days=milestone.grace_days)
    for m in state.milestones:
        if m.open and not m.set_while_suspended and m.due_at + grace <= state.suspended_at:
            raise RuleViolation("conflict", f"milestone {m.key} is past its grace period: "
                                "extend its deadline before resuming",
                                {"rule": RuleId.EXTEND_BEFORE_RESUME, "milestone": m.key})


def submit_settlement_rule(state: StartupState, cmd: Command[SubmitSettlementBody], now: datetime,
                           program: ProgramDefinition) -> None:
    if state.settlement and state.settlement.approved_at is not None:
        raise RuleViolation("conflict", "the settlement is approved; it cannot be submitted again "
                            "(승인된 정산은 다시 제출할 수 없습니다)", {"rule": RuleId.SETTLEMENT_APPROVED})
    spent = sum(line.amount for line in cmd.body.lines)
    if spent > state.paid_total:
        raise RuleViolation("validation_error", f"spent {won(spent)} exceeds the {won(state.paid_total)} paid",
                            {"field": "lines", "rule": RuleId.SPENT_AT_MOST_PAID, "paid": state.paid_total})


def approve_settlement_rule(state: StartupState, cmd: Command[Any], now: datetime, program: ProgramDefinition) -> None:
    st = state.settlement
    if st is None or st.submitted_at is None:
        raise RuleViolation("conflict", "no settlement report has been submitted", {"rule": RuleId.REPORT_FIRST})
    if st.approved_at is not None:
        raise RuleViolation("conflict", "the settlement is approved; its refund is awaited",
                            {"rule": RuleId.APPROVE_ONCE})
    if st.submitted_by == cmd.actor.id:
        raise RuleViolation("forbidden", "four-eyes rule: the submitter cannot approve", {"rule": RuleId.FOUR_EYES})


def promotion_target_rule(cmd: Command[PromoteBody]) -> ProgramDefinition:
    """The program a promotion moves into must be known (the API looks it up and fills it in)."""
    target = cmd.target_program
    if target is None or target.id != cmd.body.target_program_id:
        raise RuleViolation("validation_error", f"unknown program {cmd.body.target_program_id!r}",
                            {"field": "target_program_id", "rule": RuleId.KNOWN_PROGRAM})
    return target


def promote_rule(state: StartupState, cmd: Command[PromoteBody], now: datetime, program: ProgramDefinition) -> None:
    if state.next_startup_id is not None:
        # Set as the promotion starts: a second request accepted meanwhile must not promote again.
        raise RuleViolation("conflict", f"already promoted to {state.next_startup_id}",
                            {"rule": RuleId.PROMOTE_ONCE, "next_startup_id": state.next_startup_id})
    target = promotion_target_rule(cmd)
    if NEXT_STAGE.get(state.stage) != target.stage:
        raise RuleViolation("validation_error",
                            f"a {state.stage.value} startup moves on to stage "
                            f"{NEXT_STAGE.get(state.stage, 'none')}, not {target.stage.value}",
                            {"field": "target_program_id", "rule": RuleId.NEXT_STAGE})
    if state.final_grade not in program.promotion_grades:
        raise RuleViolation("conflict", f"grade {state.final_grade} does not qualify for promotion "
                            f"(needs one of {', '.join(program.promotion_grades)})",
                            {"rule": RuleId.PROMOTION_GRADE})


def terminate_rule(state: StartupState, cmd: Command[TerminateBody], now: datetime, program: ProgramDefinition) -> None:
    body = cmd.body
    if body.clawback_amount is not None and body.clawback_amount > state.paid_total:
        raise RuleViolation("validation_error",
                            f"clawback {won(body.clawback_amount)} exceeds the {won(state.paid_total)} paid",
                            {"field": "clawback_amount", "rule": RuleId.CLAWBACK_AT_MOST_PAID})
    if body.honest_failure and body.clawback_amount:
        raise RuleViolation("validation_error", "an honest failure (성실실패) is spared the clawback",
                            {"field": "clawback_amount", "rule": RuleId.HONEST_FAILURE_NO_CLAWBACK})


def waive_clawback_rule(state: StartupState, cmd: Command[WaiveClawbackBody], now: datetime,
                        program: ProgramDefinition) -> None:
    owed = state.collection("clawback")
    if owed is None or owed.status != "waiver_requested":
        raise RuleViolation("conflict", "no clawback waiver is waiting for a decision",
                            {"rule": RuleId.WAIVER_REQUESTED_FIRST})
    if owed.opened_by == cmd.actor.id:
        raise RuleViolation("forbidden", "four-eyes rule: whoever terminated cannot decide the waiver",
                            {"rule": RuleId.FOUR_EYES})


def retry_collection_rule(state: StartupState, cmd: Command[Any], now: datetime, program: ProgramDefinition) -> None:
    kind = cmd.body.kind
    owed = state.collection(kind)
    if owed is None:
        raise RuleViolation("validation_error", f"no {kind} is owed",
                            {"field": "kind", "rule": RuleId.KNOWN_COLLECTION,
                             "known": [c.kind for c in state.collections]})
    if owed.status != "failed":
        raise RuleViolation("conflict", f"the {kind} request is {owed.status}; only a refused one is retried",
                            {"rule": RuleId.RETRY_REFUSED_COLLECTION, "status": owed.status})
