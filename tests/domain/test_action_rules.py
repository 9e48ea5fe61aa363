"""The lifecycle's action rules as pure functions: each rule's refusals and its accepted case,
the order `check_command` checks them in, and what `allowed_actions` offers. No server."""

from datetime import date
from typing import Any

import pytest

from domain import action_rules as r
from domain.commands import (
    AcceptAgreementBody,
    Body,
    Command,
    DisbursementBody,
    ExtendDeadlineBody,
    FinalEvaluationBody,
    MatchBody,
    PartnerBody,
    PromoteBody,
    RequestDisbursementBody,
    RetryCollectionBody,
    ReviewMilestoneBody,
    ScoreBody,
    SignAgreementBody,
    SpendLineBody,
    SubmitMilestoneBody,
    SubmitSettlementBody,
    TerminateBody,
    WaiveClawbackBody,
)
from domain.documents import DocumentKind, DocumentRef
from domain.phases import Action, Phase, Role
from domain.program import DeadlinePolicy
from domain.rules import ACTION_RULES, allowed_actions, check_action, check_command, check_role
from domain.state import Actor, AgreementAcceptance, Partner, ScoreEntry, StartupState
from domain.violation import RuleViolation
from tests.builders import (
    OTHER_STARTUP_BRN,
    PARTNER_BRN,
    STARTUP_BRN,
    actor,
    collection,
    kst_end_of,
    milestone,
    program,
    settlement,
    startup,
    tranche,
    utc,
)

PROGRAM = program()
NOW = utc(2025, 10, 10, 3)  # 12:00 KST on 2025-10-10

OFFICER = actor(Role.PROGRAM_OFFICER, "po-1", "김담당")
FINANCE = actor(Role.FINANCE_OFFICER, "fo-1", "이재무")
EVALUATOR = actor(Role.EVALUATOR, "ev-1", "박심사")
OWN_STARTUP = actor(Role.STARTUP, "su-1", "테스트랩 대표", brn=STARTUP_BRN)
OTHER_STARTUP = actor(Role.STARTUP, "su-2", "다른회사 대표", brn=OTHER_STARTUP_BRN)


def cmd(who: Actor, body: Body, **extra: Any) -> Command[Any]:
    return Command[type(body)](actor=who, body=body, **extra)  # type: ignore[misc]


def refusal(rule: r.Rule, state: StartupState, command: Command[Any], now=NOW, prog=PROGRAM) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        rule(state, command, now, prog)
    return caught.value


def in_poc(**fields: Any) -> StartupState:
    return startup(Phase.IN_POC, agreement_signed_at=utc(2025, 8, 1, 1), **fields)


def with_partner(phase: Phase = Phase.FINAL_REVIEW) -> StartupState:
    return startup(phase, partners=[Partner(name="㈜경남정밀", brn=PARTNER_BRN, region="경남")])


# --- score and final evaluation: conflict of interest, one score per round ------------------------

def score(round_: str = "document") -> ScoreBody:
    return ScoreBody(round=round_, score=80)


@pytest.mark.parametrize("conflicted", [STARTUP_BRN, PARTNER_BRN])
def test_score_refuses_an_evaluator_with_a_conflict_with_the_startup_or_its_partner(conflicted: str) -> None:
    state = with_partner(Phase.UNDER_REVIEW)
    v = check(state, Action.SCORE, cmd(EVALUATOR, score(), conflicts=[conflicted]))
    assert (v.code, v.details["rule"]) == ("forbidden", "conflict_of_interest")


def test_score_accepts_a_conflict_declared_with_an_unrelated_company() -> None:
    state = with_partner(Phase.UNDER_REVIEW)
    check_command(state, Action.SCORE, cmd(EVALUATOR, score(), conflicts=[OTHER_STARTUP_BRN]), NOW, PROGRAM)


def test_score_refuses_a_second_score_by_the_same_evaluator_id_in_one_round() -> None:
    state = startup(Phase.UNDER_REVIEW, scores=[ScoreEntry(evaluator_id="ev-1", round="document", score=70,
                                                            at=utc(2025, 7, 20))])
    v = refusal(r.score_rule, state, cmd(EVALUATOR, score("document")))
    assert (v.code, v.details["rule"]) == ("conflict", "one_score_per_round")
    # The other round, or another evaluator with the same display name, may score.
    r.score_rule(state, cmd(EVALUATOR, score("presentation")), NOW, PROGRAM)
    namesake = actor(Role.EVALUATOR, "ev-2", EVALUATOR.name)
    r.score_rule(state, cmd(namesake, score("document")), NOW, PROGRAM)


@pytest.mark.parametrize("conflicted", [STARTUP_BRN, PARTNER_BRN])
def test_final_evaluation_refuses_a_conflicted_evaluator(conflicted: str) -> None:
    body = FinalEvaluationBody(score=88, grade="A")
    v = check(with_partner(), Action.FINAL_EVALUATION, cmd(EVALUATOR, body, conflicts=[conflicted]))
    assert (v.code, v.details["rule"]) == ("forbidden", "conflict_of_interest")
    check_command(with_partner(), Action.FINAL_EVALUATION, cmd(EVALUATOR, body, conflicts=[OTHER_STARTUP_BRN]),
                  NOW, PROGRAM)
    check_command(with_partner(), Action.FINAL_EVALUATION, cmd(EVALUATOR, body), NOW, PROGRAM)


# --- match ---------------------------------------------------------------------------------------

def test_match_refuses_the_startup_as_its_own_partner_and_accepts_another_company() -> None:
    state = startup(Phase.SELECTED)
    own = MatchBody(partners=[PartnerBody(name="자기자신", brn=STARTUP_BRN, region="경남")])
    v = refusal(r.match_rule, state, cmd(OFFICER, own))
    assert (v.code, v.details["rule"], v.details["field"]) == (
        "validation_error", "partner_is_another_company", "partners")
    other = MatchBody(partners=[PartnerBody(name="㈜경남정밀", brn=PARTNER_BRN, region="경남")])
    r.match_rule(state, cmd(OFFICER, other), NOW, PROGRAM)


# --- disbursements -------------------------------------------------------------------------------

def test_request_disbursement_refuses_an_unknown_tranche() -> None:
    state = in_poc(tranches=[tranche("advance", "due"), tranche("balance")])
    v = refusal(r.request_disbursement_rule, state, cmd(OFFICER, RequestDisbursementBody(tranche="bonus")))
    assert (v.code, v.details["field"], v.details["known"]) == ("validation_error", "tranche", ["advance", "balance"])


def test_request_disbursement_refuses_a_locked_tranche() -> None:
    state = in_poc(tranches=[tranche("advance", "paid"), tranche("balance", "locked")])
    v = refusal(r.request_disbursement_rule, state, cmd(OFFICER, RequestDisbursementBody(tranche="balance")))
    assert (v.code, v.details["rule"]) == ("conflict", "tranche_trigger")


@pytest.mark.parametrize("status", ["requested", "approved", "paying", "paid"])
def test_request_disbursement_refuses_a_tranche_already_on_its_way(status: str) -> None:
    state = in_poc(tranches=[tranche("advance", status), tranche("balance")])
    v = refusal(r.request_disbursement_rule, state, cmd(OFFICER, RequestDisbursementBody(tranche="advance")))
    assert (v.code, v.details["rule"], v.details["status"]) == ("conflict", "one_request_per_tranche", status)


@pytest.mark.parametrize("status", ["due", "payment_failed"])
def test_request_disbursement_accepts_a_due_or_failed_tranche(status: str) -> None:
    state = in_poc(tranches=[tranche("advance", status), tranche("balance")])
    r.request_disbursement_rule(state, cmd(OFFICER, RequestDisbursementBody(tranche="advance")), NOW, PROGRAM)


def requested_advance(requested_by: str = "po-1") -> StartupState:
    return in_poc(tranches=[tranche("advance", "requested", requested_by=requested_by, requested_at=NOW),
                            tranche("balance")])


def test_approve_disbursement_refuses_an_unknown_tranche() -> None:
    v = refusal(r.approve_disbursement_rule, requested_advance(), cmd(FINANCE, DisbursementBody(tranche="bonus")))
    assert (v.code, v.details["field"]) == ("validation_error", "tranche")


@pytest.mark.parametrize("status", ["locked", "due", "approved", "paying", "paid", "payment_failed"])
def test_approve_disbursement_refuses_a_tranche_that_is_not_requested(status: str) -> None:
    state = in_poc(tranches=[tranche("advance", status), tranche("balance")])
    v = refusal(r.approve_disbursement_rule, state, cmd(FINANCE, DisbursementBody(tranche="advance")))
    assert (v.code, v.details["rule"], v.details["status"]) == ("conflict", "approve_after_request", status)


def test_approve_disbursement_four_eyes_compares_actor_ids_not_names() -> None:
    body = DisbursementBody(tranche="advance")
    # The requester's own id may not approve, whatever name it shows.
    state = requested_advance(requested_by="fo-1")
    same_id = actor(Role.FINANCE_OFFICER, "fo-1", "전혀 다른 이름")
    v = refusal(r.approve_disbursement_rule, state, cmd(same_id, body))
    assert (v.code, v.details["rule"]) == ("forbidden", "four_eyes")
    # Another person who happens to share the requester's display name may.
    state = requested_advance(requested_by="po-1")
    namesake = actor(Role.FINANCE_OFFICER, "fo-9", OFFICER.name)
    r.approve_disbursement_rule(state, cmd(namesake, body), NOW, PROGRAM)


# --- milestones ----------------------------------------------------------------------------------

MIDTERM_DUE = kst_end_of(2025, 10, 15)


def test_submit_milestone_refuses_an_unknown_milestone() -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE)])
    body = SubmitMilestoneBody(milestone="nope", deliverable="report")
    v = refusal(r.submit_milestone_rule, state, cmd(OWN_STARTUP, body))
    assert (v.code, v.details["field"], v.details["known"]) == ("validation_error", "milestone", ["midterm"])


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_submit_milestone_refuses_a_milestone_that_is_not_open(status: str) -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE, status)])
    body = SubmitMilestoneBody(milestone="midterm", deliverable="중간보고서")
    v = refusal(r.submit_milestone_rule, state, cmd(OWN_STARTUP, body))
    assert (v.code, v.details["rule"], v.details["status"]) == ("conflict", "submit_open_milestone", status)


@pytest.mark.parametrize("status", ["pending", "revision_requested"])
def test_submit_milestone_accepts_an_open_milestone(status: str) -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE, status)])
    body = SubmitMilestoneBody(milestone="midterm", deliverable="중간보고서")
    r.submit_milestone_rule(state, cmd(OWN_STARTUP, body), NOW, PROGRAM)


def submitted_midterm() -> StartupState:
    return in_poc(milestones=[milestone("midterm", MIDTERM_DUE, "submitted", submitted_at=utc(2025, 10, 8))])


def review(decision: str = "revise", revise_due_on: date | None = None, key: str = "midterm") -> ReviewMilestoneBody:
    return ReviewMilestoneBody(milestone=key, decision=decision, revise_due_on=revise_due_on)


def test_review_milestone_refuses_an_unknown_milestone() -> None:
    v = refusal(r.review_milestone_rule, submitted_midterm(), cmd(OFFICER, review("accept", key="nope")))
    assert (v.code, v.details["field"]) == ("validation_error", "milestone")


@pytest.mark.parametrize("status", ["pending", "revision_requested", "accepted"])
def test_review_milestone_refuses_a_milestone_that_is_not_submitted(status: str) -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE, status)])
    v = refusal(r.review_milestone_rule, state, cmd(OFFICER, review("accept")))
    assert (v.code, v.details["rule"], v.details["status"]) == ("conflict", "review_submitted_milestone", status)


@pytest.mark.parametrize("day", [date(2025, 10, 9), date(2025, 10, 10)])
def test_review_refuses_a_revision_date_that_is_not_in_the_future_in_kst(day: date) -> None:
    v = refusal(r.review_milestone_rule, submitted_midterm(), cmd(OFFICER, review(revise_due_on=day)))
    assert (v.code, v.details["rule"], v.details["field"]) == ("validation_error", "future_date", "revise_due_on")


def test_review_counts_today_in_kst_not_utc() -> None:
    # 2025-10-10T16:00Z is already 01:00 on 2025-10-11 in Korea: the 11th is today, not the future.
    late_evening_utc = utc(2025, 10, 10, 16)
    v = refusal(r.review_milestone_rule, submitted_midterm(), cmd(OFFICER, review(revise_due_on=date(2025, 10, 11))),
                now=late_evening_utc)
    assert v.details["rule"] == "future_date"


@pytest.mark.parametrize("day", [date(2025, 10, 11), date(2025, 10, 14)])
def test_review_refuses_a_revision_due_before_the_milestone_itself(day: date) -> None:
    v = refusal(r.review_milestone_rule, submitted_midterm(), cmd(OFFICER, review(revise_due_on=day)))
    assert (v.code, v.details["rule"], v.details["field"]) == (
        "validation_error", "revision_keeps_time", "revise_due_on")
    assert v.details["current_due_at"] == "2025-10-15T14:59:59+00:00"


@pytest.mark.parametrize("body", [
    review("accept"),
    review("revise"),                                  # the policy's revision clock
    review("revise", revise_due_on=date(2025, 10, 15)),  # the milestone's own due date is kept
    review("revise", revise_due_on=date(2025, 11, 1)),
])
def test_review_accepts_an_acceptance_or_a_revision_that_keeps_the_time(body: ReviewMilestoneBody) -> None:
    r.review_milestone_rule(submitted_midterm(), cmd(OFFICER, body), NOW, PROGRAM)


# --- extend-deadline -----------------------------------------------------------------------------

AGREEMENT_DUE = kst_end_of(2025, 7, 31)


def extend(deadline: str, new_due_on: date) -> ExtendDeadlineBody:
    return ExtendDeadlineBody(deadline=deadline, new_due_on=new_due_on)


@pytest.mark.parametrize("state", [
    startup(Phase.SELECTED),  # no agreement deadline recorded
    in_poc(agreement_due_at=AGREEMENT_DUE),  # the agreement is signed; its clock stopped
], ids=["selected_without_deadline", "in_poc"])
def test_extend_refuses_an_agreement_deadline_that_is_not_running(state: StartupState) -> None:
    v = refusal(r.extend_deadline_rule, state, cmd(OFFICER, extend("agreement", date(2025, 8, 30))))
    assert (v.code, v.details["rule"], v.details["field"]) == ("conflict", "running_deadline", "deadline")


@pytest.mark.parametrize("day", [date(2025, 7, 30), date(2025, 7, 31)])
def test_extend_refuses_an_agreement_date_that_is_not_later(day: date) -> None:
    state = startup(Phase.MATCHED, agreement_due_at=AGREEMENT_DUE)
    v = refusal(r.extend_deadline_rule, state, cmd(OFFICER, extend("agreement", day)))
    assert (v.code, v.details["rule"], v.details["field"]) == (
        "validation_error", "extension_moves_later", "new_due_on")
    assert v.details["current_due_at"] == "2025-07-31T14:59:59+00:00"


@pytest.mark.parametrize("phase", [Phase.SELECTED, Phase.MATCHED])
def test_extend_accepts_a_later_agreement_date(phase: Phase) -> None:
    state = startup(phase, agreement_due_at=AGREEMENT_DUE)
    r.extend_deadline_rule(state, cmd(OFFICER, extend("agreement", date(2025, 8, 1))), NOW, PROGRAM)


def test_extend_refuses_an_unknown_milestone() -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE)])
    v = refusal(r.extend_deadline_rule, state, cmd(OFFICER, extend("nope", date(2025, 11, 1))))
    assert v.code == "validation_error" and v.details["known"] == ["midterm"]


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_extend_refuses_a_milestone_whose_clock_is_not_running(status: str) -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE, status)])
    v = refusal(r.extend_deadline_rule, state, cmd(OFFICER, extend("midterm", date(2025, 11, 1))))
    assert (v.code, v.details["rule"], v.details["field"]) == ("conflict", "running_deadline", "deadline")


def test_extend_refuses_a_milestone_date_that_is_not_later_and_accepts_a_later_one() -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE, "revision_requested")])
    v = refusal(r.extend_deadline_rule, state, cmd(OFFICER, extend("midterm", date(2025, 10, 15))))
    assert (v.details["rule"], v.details["field"], v.details["current_due_at"]) == (
        "extension_moves_later", "new_due_on", "2025-10-15T14:59:59+00:00")
    r.extend_deadline_rule(state, cmd(OFFICER, extend("midterm", date(2025, 10, 16))), NOW, PROGRAM)


# --- resume --------------------------------------------------------------------------------------

KICKOFF_DUE = kst_end_of(2025, 9, 1)  # grace of 14 days ends 2025-09-15T14:59:59Z


def suspended(at, **milestone_fields: Any) -> StartupState:
    return startup(Phase.SUSPENDED, suspended_from=Phase.IN_POC, suspended_at=at,
                   milestones=[milestone("kickoff", KICKOFF_DUE, **milestone_fields)])


def test_resume_refuses_while_a_milestone_is_past_its_grace_period() -> None:
    exactly_at_grace_end = utc(2025, 9, 15, 14, 59, 59)
    v = refusal(r.resume_rule, suspended(exactly_at_grace_end), cmd(OFFICER, Body()))
    assert (v.code, v.details["rule"], v.details["milestone"]) == ("conflict", "extend_before_resume", "kickoff")


@pytest.mark.parametrize("state", [
    suspended(utc(2025, 9, 15, 14, 59, 58)),                        # suspended by hand within the grace period
    suspended(utc(2025, 9, 20), set_while_suspended=True),          # its date was set while suspended
    suspended(utc(2025, 9, 20), status="accepted"),                 # nothing open
    startup(Phase.SUSPENDED, milestones=[milestone("kickoff", KICKOFF_DUE)]),  # no suspension instant
], ids=["within_grace", "set_while_suspended", "accepted", "no_suspended_at"])
def test_resume_accepts_when_no_open_milestone_is_past_its_grace(state: StartupState) -> None:
    r.resume_rule(state, cmd(OFFICER, Body()), NOW, PROGRAM)


def test_resume_has_no_grace_rule_when_the_policy_does_not_suspend() -> None:
    lenient = PROGRAM.model_copy(update={"policy": DeadlinePolicy(clocks={"milestone": {"consequence": "none"}})})
    r.resume_rule(suspended(utc(2025, 9, 20)), cmd(OFFICER, Body()), NOW, lenient)


# --- settlement ----------------------------------------------------------------------------------

def settling(**settlement_fields: Any) -> StartupState:
    return startup(Phase.SETTLEMENT, tranches=[tranche("advance", "paid"), tranche("balance", "paid")],
                   settlement=settlement(**settlement_fields) if settlement_fields else None)


def spend(*amounts: int) -> SubmitSettlementBody:
    return SubmitSettlementBody(lines=[SpendLineBody(item=f"비목{i}", amount=a) for i, a in enumerate(amounts)])


def test_submit_settlement_refuses_spending_above_what_was_paid_and_accepts_up_to_it() -> None:
    v = refusal(r.submit_settlement_rule, settling(), cmd(OWN_STARTUP, spend(60_000_000, 20_000_001)))
    assert (v.code, v.details["rule"], v.details["field"], v.details["paid"]) == (
        "validation_error", "spent_at_most_paid", "lines", 80_000_000)
    r.submit_settlement_rule(settling(), cmd(OWN_STARTUP, spend(60_000_000, 20_000_000)), NOW, PROGRAM)


def test_submit_settlement_counts_only_paid_tranches() -> None:
    state = startup(Phase.SETTLEMENT, tranches=[tranche("advance", "paid"), tranche("balance", "payment_failed")])
    v = refusal(r.submit_settlement_rule, state, cmd(OWN_STARTUP, spend(56_000_001)))
    assert v.details["paid"] == 56_000_000


@pytest.mark.parametrize("state", [settling(), settling(due_at=kst_end_of(2026, 3, 1))],
                         ids=["no_settlement", "not_submitted"])
def test_approve_settlement_refuses_before_a_report(state: StartupState) -> None:
    v = refusal(r.approve_settlement_rule, state, cmd(FINANCE, Body()))
    assert (v.code, v.details["rule"]) == ("conflict", "report_first")


def test_approve_settlement_refuses_a_second_approval() -> None:
    state = settling(submitted_by="su-1", submitted_at=utc(2026, 2, 1), approved_by="fo-1", approved_at=utc(2026, 2, 2))
    v = refusal(r.approve_settlement_rule, state, cmd(FINANCE, Body()))
    assert (v.code, v.details["rule"]) == ("conflict", "approve_once")


def test_approve_settlement_four_eyes_compares_actor_ids() -> None:
    state = settling(submitted_by="fo-1", submitted_at=utc(2026, 2, 1))
    v = refusal(r.approve_settlement_rule, state, cmd(actor(Role.FINANCE_OFFICER, "fo-1", "다른 이름"), Body()))
    assert (v.code, v.details["rule"]) == ("forbidden", "four_eyes")
    state = settling(submitted_by="su-1", submitted_at=utc(2026, 2, 1))
    namesake = actor(Role.FINANCE_OFFICER, "fo-2", OWN_STARTUP.name)
    r.approve_settlement_rule(state, cmd(namesake, Body()), NOW, PROGRAM)


# --- promote -------------------------------------------------------------------------------------

def completed(grade: str = "A", **fields: Any) -> StartupState:
    return startup(Phase.COMPLETED, final_score=90, final_grade=grade, closed_at=utc(2026, 3, 2), **fields)


def promote(target_id: str = "chogyeokcha-2026", target: str | None = "chogyeokcha-2026") -> Command[PromoteBody]:
    return cmd(OFFICER, PromoteBody(target_program_id=target_id),
               target_program=program(target) if target else None)


def test_promote_refuses_once_a_next_startup_is_set_before_anything_else() -> None:
    state = completed(next_startup_id="startup:chogyeokcha-2026:1248100998")
    for command in (promote(), promote(target=None)):
        v = refusal(r.promote_rule, state, command)
        assert (v.code, v.details["rule"], v.details["next_startup_id"]) == (
            "conflict", "promote_once", "startup:chogyeokcha-2026:1248100998")


@pytest.mark.parametrize("command", [promote(target=None), promote("chogyeokcha-2026", "beyond-2028")],
                         ids=["not_filled_in", "another_program"])
def test_promote_refuses_an_unknown_target_program(command: Command[PromoteBody]) -> None:
    v = refusal(r.promote_rule, completed(), command)
    assert (v.code, v.details["rule"], v.details["field"]) == ("validation_error", "known_program",
                                                               "target_program_id")


def test_promote_refuses_a_target_that_skips_a_stage() -> None:
    v = refusal(r.promote_rule, completed(), promote("beyond-2028", "beyond-2028"))
    assert (v.code, v.details["rule"], v.details["field"]) == ("validation_error", "next_stage", "target_program_id")


@pytest.mark.parametrize("grade", ["B", "C", "D"])
def test_promote_refuses_a_grade_below_the_program_s_promotion_grades(grade: str) -> None:
    v = refusal(r.promote_rule, completed(grade), promote())
    assert (v.code, v.details["rule"]) == ("conflict", "promotion_grade")


@pytest.mark.parametrize("grade", ["S", "A"])
def test_promote_accepts_a_qualifying_grade_into_the_next_stage(grade: str) -> None:
    r.promote_rule(completed(grade), promote(), NOW, PROGRAM)


# --- terminate and the clawback waiver -----------------------------------------------------------

def poc_paid_advance() -> StartupState:
    return in_poc(tranches=[tranche("advance", "paid"), tranche("balance", "locked")])


def test_terminate_refuses_a_clawback_above_what_was_paid() -> None:
    body = TerminateBody(cause="misuse", clawback_amount=56_000_001)
    v = refusal(r.terminate_rule, poc_paid_advance(), cmd(OFFICER, body))
    assert (v.code, v.details["rule"], v.details["field"]) == (
        "validation_error", "clawback_at_most_paid", "clawback_amount")


def test_terminate_refuses_a_clawback_on_an_honest_failure() -> None:
    body = TerminateBody(cause="non_performance", clawback_amount=1_000_000, honest_failure=True)
    v = refusal(r.terminate_rule, poc_paid_advance(), cmd(OFFICER, body))
    assert (v.code, v.details["rule"], v.details["field"]) == (
        "validation_error", "honest_failure_no_clawback", "clawback_amount")


@pytest.mark.parametrize("body", [
    TerminateBody(cause="misuse", clawback_amount=56_000_000),
    TerminateBody(cause="fraud"),
    TerminateBody(cause="non_performance", honest_failure=True),
    TerminateBody(cause="non_performance", honest_failure=True, clawback_amount=0),
])
def test_terminate_accepts_a_clawback_up_to_what_was_paid(body: TerminateBody) -> None:
    r.terminate_rule(poc_paid_advance(), cmd(OFFICER, body), NOW, PROGRAM)


@pytest.mark.parametrize("collections", [[], [collection("clawback", "requested")],
                                         [collection("refund", "waiver_requested")]],
                         ids=["none", "clawback_requested", "only_a_refund"])
def test_waive_clawback_refuses_when_no_waiver_is_waiting(collections: list) -> None:
    state = startup(Phase.TERMINATED, collections=collections)
    v = refusal(r.waive_clawback_rule, state, cmd(FINANCE, WaiveClawbackBody(decision="approve")))
    assert (v.code, v.details["rule"]) == ("conflict", "waiver_requested_first")


def test_waive_clawback_four_eyes_compares_actor_ids() -> None:
    state = startup(Phase.TERMINATED, collections=[collection("clawback", "waiver_requested", opened_by="fo-1")])
    same_id = actor(Role.FINANCE_OFFICER, "fo-1", "다른 이름")
    v = refusal(r.waive_clawback_rule, state, cmd(same_id, WaiveClawbackBody(decision="reject")))
    assert (v.code, v.details["rule"]) == ("forbidden", "four_eyes")
    namesake = actor(Role.FINANCE_OFFICER, "fo-2", FINANCE.name)
    r.waive_clawback_rule(state, cmd(namesake, WaiveClawbackBody(decision="approve")), NOW, PROGRAM)


# --- retry-collection ----------------------------------------------------------------------------

def test_retry_collection_refuses_a_kind_that_is_not_owed() -> None:
    state = startup(Phase.WITHDRAWN, collections=[collection("refund", "failed")])
    v = refusal(r.retry_collection_rule, state, cmd(FINANCE, RetryCollectionBody(kind="clawback")))
    assert (v.code, v.details["rule"], v.details["field"], v.details["known"]) == (
        "validation_error", "known_collection", "kind", ["refund"])


@pytest.mark.parametrize("status", ["waiver_requested", "requested", "received", "waived"])
def test_retry_collection_refuses_a_collection_that_was_not_refused(status: str) -> None:
    state = startup(Phase.TERMINATED, collections=[collection("clawback", status)])
    v = refusal(r.retry_collection_rule, state, cmd(FINANCE, RetryCollectionBody(kind="clawback")))
    assert (v.code, v.details["rule"], v.details["status"]) == ("conflict", "retry_refused_collection", status)


def test_retry_collection_accepts_a_failed_collection() -> None:
    state = startup(Phase.SETTLEMENT, collections=[collection("refund", "failed", failure="account closed")])
    r.retry_collection_rule(state, cmd(FINANCE, RetryCollectionBody(kind="refund")), NOW, PROGRAM)


def test_actions_without_a_rule_of_their_own() -> None:
    # final-evaluation's own rule is an upheld appeal's (domain.appeal_rules): made again by someone else.
    assert [a for a, rule in ACTION_RULES.items() if rule.check is None] == [Action.SUSPEND, Action.WITHDRAW]


# --- the agreement in two steps: the startup accepts, the officer countersigns ---------------------

AGREEMENT = DocumentRef(id="agreement-1", sha256="a" * 64, kind=DocumentKind.AGREEMENT, filename="협약서.html")
REMADE = AGREEMENT.model_copy(update={"id": "agreement-2", "sha256": "b" * 64})


def matched(two_step: bool = True, document: DocumentRef | None = AGREEMENT,
            accepted: DocumentRef | None = None) -> StartupState:
    acceptance = AgreementAcceptance(document=accepted, by_id="su-1", by_name="테스트랩 대표",
                                     at=utc(2025, 8, 1)) if accepted else None
    return startup(Phase.MATCHED, agreement_two_step=two_step, agreement_document=document,
                   agreement_acceptance=acceptance)


def accept(sha256: str = AGREEMENT.sha256) -> Command[Any]:
    return cmd(OWN_STARTUP, AcceptAgreementBody(agreement_sha256=sha256, password="not-recorded"))


def countersign() -> Command[Any]:
    return cmd(OFFICER, SignAgreementBody(agreement_no="AX-1"))


@pytest.mark.parametrize(("state", "command", "rule"), [
    (matched(two_step=False), accept(), "one_step_agreement"),
    (matched(document=None), accept(), "agreement_ready"),
    (matched(), accept("c" * 64), "agreement_changed"),
    (matched(accepted=AGREEMENT), accept(), "accept_once"),
], ids=["one-step lifecycle", "not generated yet", "changed since read", "twice"])
def test_accept_agreement_refusals(state: StartupState, command: Command[Any], rule: str) -> None:
    v = refusal(r.accept_agreement_rule, state, command)
    assert (v.code, v.details["rule"]) == ("conflict", rule)


def test_accept_agreement_names_the_hash_field_and_the_current_hash() -> None:
    v = refusal(r.accept_agreement_rule, matched(), accept("c" * 64))
    assert (v.details["field"], v.details["current"]) == ("agreement_sha256", AGREEMENT.sha256)


def test_the_startup_accepts_the_current_agreement_itself_only() -> None:
    r.accept_agreement_rule(matched(), accept(), NOW, PROGRAM)
    assert check(matched(), Action.ACCEPT_AGREEMENT, cmd(OTHER_STARTUP, accept().body)).details["rule"] == "own_records"
    assert check(matched(), Action.ACCEPT_AGREEMENT, cmd(OFFICER, accept().body)).details["rule"] == "role"


def test_countersigning_needs_the_startup_s_acceptance_of_the_same_agreement() -> None:
    v = refusal(r.sign_agreement_rule, matched(), countersign())
    assert (v.code, v.details["rule"]) == ("conflict", "startup_accepts_first")
    # Matched again after the acceptance: the agreement now on file is not the one accepted.
    v = refusal(r.sign_agreement_rule, matched(document=REMADE, accepted=AGREEMENT), countersign())
    assert (v.code, v.details["rule"], v.details["accepted"], v.details["current"]) == (
        "conflict", "same_agreement", AGREEMENT.sha256, REMADE.sha256)
    r.sign_agreement_rule(matched(accepted=AGREEMENT), countersign(), NOW, PROGRAM)


def test_a_one_step_lifecycle_is_signed_by_the_officer_alone() -> None:
    one_step = matched(two_step=False, document=None)
    r.sign_agreement_rule(one_step, countersign(), NOW, PROGRAM)
    assert "sign-agreement" in allowed_actions(one_step, OFFICER)
    assert "accept-agreement" not in allowed_actions(one_step, OWN_STARTUP)


def test_who_is_offered_what_while_the_agreement_waits() -> None:
    waiting = matched()
    assert "accept-agreement" in allowed_actions(waiting, OWN_STARTUP)
    assert "sign-agreement" not in allowed_actions(waiting, OFFICER)
    accepted = matched(accepted=AGREEMENT)
    assert "accept-agreement" not in allowed_actions(accepted, OWN_STARTUP)
    assert "sign-agreement" in allowed_actions(accepted, OFFICER)
    assert "accept-agreement" not in allowed_actions(matched(document=None), OWN_STARTUP)


# --- check_command: role, own records, phase, own rule -------------------------------------------

def test_check_role_names_the_roles_allowed() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_role(Action.APPROVE_DISBURSEMENT, OFFICER)
    assert (caught.value.code, caught.value.details) == (
        "forbidden", {"rule": "role", "allowed_roles": ["finance_officer"]})


def check(state: StartupState, action: Action, command: Command[Any]) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_command(state, action, command, NOW, PROGRAM)
    return caught.value


def test_the_role_is_checked_first() -> None:
    # Wrong role, for another startup's records, in the wrong phase, with a body its rule refuses.
    state = startup(Phase.SELECTED, tranches=[tranche("advance", "locked")])
    v = check(state, Action.REQUEST_DISBURSEMENT, cmd(OTHER_STARTUP, RequestDisbursementBody(tranche="advance")))
    assert (v.code, v.details["rule"]) == ("forbidden", "role")


def test_a_startup_acts_only_on_its_own_records_before_the_phase_is_looked_at() -> None:
    body = SubmitMilestoneBody(milestone="midterm", deliverable="보고서")
    wrong_phase = startup(Phase.SETTLEMENT, milestones=[milestone("midterm", MIDTERM_DUE)])
    v = check(wrong_phase, Action.SUBMIT_MILESTONE, cmd(OTHER_STARTUP, body))
    assert (v.code, v.details["rule"]) == ("forbidden", "own_records")
    right_phase = in_poc(milestones=[milestone("midterm", MIDTERM_DUE)])
    v = check(right_phase, Action.SUBMIT_MILESTONE, cmd(OTHER_STARTUP, body))
    assert (v.code, v.details["rule"]) == ("forbidden", "own_records")


def test_a_startup_without_a_bound_brn_is_not_its_own_records() -> None:
    unbound = actor(Role.STARTUP, "su-3", "미등록")
    v = check(in_poc(), Action.WITHDRAW, cmd(unbound, Body()))
    assert v.details["rule"] == "own_records"


def test_the_phase_is_checked_before_the_action_s_own_rule() -> None:
    # A locked tranche would fail the own rule; the phase refuses first and lists what is allowed.
    state = startup(Phase.SELECTED, agreement_due_at=AGREEMENT_DUE, tranches=[tranche("advance", "locked")])
    v = check(state, Action.REQUEST_DISBURSEMENT, cmd(OFFICER, RequestDisbursementBody(tranche="advance")))
    assert v.code == "invalid_transition"
    assert v.details == {"phase": "selected", "allowed_actions": ["match", "extend-deadline", "terminate"]}


def test_the_own_rule_runs_last_and_an_accepted_command_passes() -> None:
    state = in_poc(tranches=[tranche("advance", "locked"), tranche("balance")])
    v = check(state, Action.REQUEST_DISBURSEMENT, cmd(OFFICER, RequestDisbursementBody(tranche="advance")))
    assert (v.code, v.details["rule"]) == ("conflict", "tranche_trigger")
    state = in_poc(tranches=[tranche("advance", "due"), tranche("balance")])
    check_command(state, Action.REQUEST_DISBURSEMENT, cmd(OFFICER, RequestDisbursementBody(tranche="advance")),
                  NOW, PROGRAM)


def test_check_command_runs_the_conflict_rule_for_evaluators() -> None:
    state = with_partner(Phase.UNDER_REVIEW)
    v = check(state, Action.SCORE, cmd(EVALUATOR, score(), conflicts=[PARTNER_BRN]))
    assert (v.code, v.details["rule"]) == ("forbidden", "conflict_of_interest")


def test_check_action_lets_a_startup_act_on_its_own_records() -> None:
    check_action(in_poc(), Action.WITHDRAW, OWN_STARTUP)


# --- allowed_actions -----------------------------------------------------------------------------

@pytest.mark.parametrize(("statuses", "offered"), [
    (("due", "locked"), True),
    (("payment_failed", "locked"), True),
    (("paid", "due"), True),
    (("requested", "locked"), False),
    (("paying", "locked"), False),
    (("paid", "locked"), False),
])
def test_request_disbursement_is_offered_only_while_a_tranche_is_due_or_failed(statuses, offered: bool) -> None:
    state = in_poc(tranches=[tranche("advance", statuses[0]), tranche("balance", statuses[1])])
    assert ("request-disbursement" in allowed_actions(state, OFFICER)) is offered


def test_in_settlement_with_every_tranche_paid_nothing_is_left_to_request() -> None:
    assert allowed_actions(settling(), OFFICER) == ["terminate"]


@pytest.mark.parametrize(("statuses", "offered"), [
    (("requested", "locked"), True),
    (("paid", "requested"), True),
    (("due", "locked"), False),
    (("approved", "locked"), False),
    (("payment_failed", "locked"), False),
])
def test_approve_disbursement_is_offered_only_while_a_tranche_is_requested(statuses, offered: bool) -> None:
    state = in_poc(tranches=[tranche("advance", statuses[0]), tranche("balance", statuses[1])])
    assert ("approve-disbursement" in allowed_actions(state, FINANCE)) is offered


def test_allowed_actions_for_each_role_in_poc() -> None:
    state = in_poc(tranches=[tranche("advance", "requested", requested_by="po-1"), tranche("balance")],
                   milestones=[milestone("kickoff", kst_end_of(2025, 9, 1), "submitted"),
                               milestone("midterm", MIDTERM_DUE)])
    assert allowed_actions(state, OFFICER) == ["review-milestone", "extend-deadline", "suspend", "terminate"]
    assert allowed_actions(state, FINANCE) == ["approve-disbursement"]
    assert allowed_actions(state, OWN_STARTUP) == ["submit-milestone", "withdraw"]
    assert allowed_actions(state, OTHER_STARTUP) == []
    assert allowed_actions(state, actor(Role.AUDITOR, "au-1")) == []


def test_retry_collection_is_offered_only_for_a_failed_collection() -> None:
    failed = startup(Phase.WITHDRAWN, collections=[collection("refund", "failed")])
    waiting = startup(Phase.WITHDRAWN, collections=[collection("refund", "requested")])
    assert allowed_actions(failed, FINANCE) == ["retry-collection"]
    assert allowed_actions(waiting, FINANCE) == []


def test_approve_settlement_and_waive_clawback_are_offered_when_there_is_something_to_decide() -> None:
    submitted = settling(submitted_by="su-1", submitted_at=utc(2026, 2, 1))
    approved = settling(submitted_by="su-1", submitted_at=utc(2026, 2, 1), approved_at=utc(2026, 2, 2))
    assert "approve-settlement" in allowed_actions(submitted, FINANCE)
    assert "approve-settlement" not in allowed_actions(approved, FINANCE)
    waiver = startup(Phase.TERMINATED, collections=[collection("clawback", "waiver_requested")])
    assert allowed_actions(waiver, FINANCE) == ["waive-clawback"]


# --- rules added for defects these tests found --------------------------------------------------

def test_an_approved_settlement_cannot_be_submitted_again() -> None:
    state = settling(submitted_by="su-1", submitted_at=utc(2026, 2, 1), approved_by="fo-1",
                     approved_at=utc(2026, 2, 2), spent=70_000_000, refund_due=10_000_000)
    state.collections = [collection("refund", "requested", opened_by="fo-1")]
    assert "submit-settlement" not in allowed_actions(state, OWN_STARTUP)
    v = check(state, Action.SUBMIT_SETTLEMENT, cmd(OWN_STARTUP, spend(80_000_000)))
    assert v.code == "conflict" and v.details["rule"] == "settlement_approved"


def test_extend_names_its_own_body_field_for_an_unknown_milestone() -> None:
    state = in_poc(milestones=[milestone("midterm", MIDTERM_DUE)])
    v = refusal(r.extend_deadline_rule, state, cmd(OFFICER, extend("nope", date(2025, 11, 1))))
    assert v.details["field"] == "deadline"
