"""The amendment actions' rules (협약 변경) on a lifecycle's state, for the Update validators
(`domain.rules.ACTION_RULES`): request-amendment, decide-amendment, and accept-agreement once the
agreement is signed (the startup accepts an amended version, 변경 N, as it accepted the first).
The pure checks are `domain.amendments`'."""

from datetime import datetime

from domain import settlement_ledger as ledger
from domain.amendments import (
    AmendedPartner,
    AmendmentChange,
    AmendmentState,
    RegisterAnswer,
    check_fields_of_kind,
    check_milestone_plan,
    check_partner_change,
    check_poc_end,
    check_representative_change,
)
from domain.change_commands import DecideAmendmentBody, RequestAmendmentBody
from domain.commands import AcceptAgreementBody, Command
from domain.phases import Phase
from domain.program import ProgramDefinition
from domain.rule_ids import RuleId
from domain.state import StartupState
from domain.timeutil import kst_date
from domain.violation import RuleViolation


def amendments_of(state: StartupState) -> AmendmentState:
    if state.amendments is None:
        raise RuleViolation("conflict", "this lifecycle started before agreement amendments: ask the program office "
                            "(이 협약은 시스템에서 협약 변경을 신청할 수 없습니다)", {"rule": RuleId.AMENDMENTS_UNAVAILABLE})
    return state.amendments


def change_of(body: RequestAmendmentBody, register: RegisterAnswer | None = None) -> AmendmentChange:
    """The change a request asks for; a representative's carries the register's answer the API got."""
    return AmendmentChange(kind=body.kind, new_end_on=body.new_end_on, milestones=list(body.milestones),
                           partners=[AmendedPartner(**p.model_dump()) for p in body.partners],
                           task_content=body.task_content or None,
                           representative_name=body.representative_name or None,
                           representative_opened_on=body.representative_opened_on,
                           register_answer=register if body.kind == "representative" else None)


def check_change(state: StartupState, change: AmendmentChange, now: datetime) -> None:
    """The change fits the lifecycle as it stands now (asked again when it is approved: a
    milestone may have been accepted meanwhile)."""
    check_fields_of_kind(change)
    today = kst_date(now)
    plan_order = [m.key for m in state.milestones]
    open_dues = {m.key: kst_date(m.due_at) for m in state.milestones if m.open}
    if change.kind == "poc_period" and change.new_end_on is not None:
        check_poc_end(change.new_end_on, today, open_dues, plan_order[-1] if plan_order else None)
    elif change.kind == "milestone_plan":
        check_milestone_plan(change.milestones, today, plan_order,
                             {m.key: kst_date(m.due_at) for m in state.milestones}, set(open_dues))
    elif change.kind == "sme_partner":
        check_partner_change(change.partners, state.brn, {p.brn for p in state.partners})
    elif change.kind == "representative":
        check_representative_change(change, state.brn, amendments_of(state).representative)


def request_amendment_rule(state: StartupState, cmd: Command[RequestAmendmentBody], now: datetime,
                           program: ProgramDefinition) -> None:
    """One amendment at a time: none waiting for a decision, no amended version waiting for the
    startup's acceptance."""
    amendments = amendments_of(state)
    if amendments.pending is not None or amendments.to_accept is not None:
        raise RuleViolation("conflict", "an amendment is waiting for a decision or for the startup's acceptance "
                            "(결정이나 동의를 기다리는 협약 변경이 있습니다)", {"rule": RuleId.ONE_AMENDMENT_AT_A_TIME})
    check_change(state, change_of(cmd.body, cmd.register_answer), now)


def decide_amendment_rule(state: StartupState, cmd: Command[DecideAmendmentBody], now: datetime,
                          program: ProgramDefinition) -> None:
    """A pending request, decided by another officer than the one who asked (four eyes); a
    rejection says why; an approval only of a change still possible now."""
    pending = amendments_of(state).pending
    if pending is None:
        raise RuleViolation("conflict", "no amendment is waiting for a decision (결정할 협약 변경 신청이 없습니다)",
                            {"rule": RuleId.AMENDMENT_PENDING})
    if pending.requested_by == cmd.actor.id:
        raise RuleViolation("forbidden", "four-eyes rule: the officer who asked for an amendment cannot decide it",
                            {"rule": RuleId.FOUR_EYES})
    if cmd.body.decision == "reject" and not cmd.body.reason:
        raise RuleViolation("validation_error", "a rejection needs its reason (반려 사유를 적어 주십시오)",
                            {"field": "reason", "rule": RuleId.REASON_FOR_REJECTION})
    if cmd.body.decision == "approve":
        check_change(state, pending.change, now)


def accept_agreement_rule(state: StartupState, cmd: Command[AcceptAgreementBody], now: datetime,
                          program: ProgramDefinition) -> None:
    """Before the signature, the agreement itself (its own rule); after it, the newest amended
    version, exactly the bytes the startup read."""
    if state.phase is Phase.MATCHED:
        ledger.accept_agreement_rule(state, cmd, now, program)
        return
    version = state.amendments.to_accept if state.amendments else None
    if version is None or version.document is None:
        raise RuleViolation("conflict", "no amended agreement is waiting for acceptance "
                            "(동의할 변경 협약서가 없습니다)", {"rule": RuleId.AMENDMENT_TO_ACCEPT})
    if cmd.body.agreement_sha256 != version.document.sha256:
        raise RuleViolation("conflict", "the agreement has changed since it was read: read it again "
                            "(협약서가 바뀌었습니다. 다시 읽고 동의하십시오)",
                            {"field": "agreement_sha256", "rule": RuleId.AGREEMENT_CHANGED,
                             "current": version.document.sha256})


def accept_offered(state: StartupState) -> bool:
    """accept-agreement is offered before the signature (the agreement) and after it (a version)."""
    if state.phase is Phase.MATCHED:
        return state.agreement_two_step and state.agreement_document is not None and state.agreement_acceptance is None
    version = state.amendments.to_accept if state.amendments else None
    return version is not None and version.document is not None


def request_offered(state: StartupState) -> bool:
    a = state.amendments
    return a is not None and a.pending is None and a.to_accept is None


def decide_offered(state: StartupState) -> bool:
    return state.amendments is not None and state.amendments.pending is not None

