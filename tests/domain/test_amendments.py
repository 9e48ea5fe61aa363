"""Agreement amendments' rules (협약 변경), without a server: the kinds and the program's choice of
approval-type and notice-type, each kind's field and checks (the partner by the match's region
rule), one amendment at a time, four eyes on the decision, and accept-agreement after the signature
taking only the newest amended version."""

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from domain.amendments import (
    AMENDMENT_KINDS,
    AgreementVersion,
    AmendedPartner,
    AmendmentChange,
    AmendmentPolicy,
    AmendmentRequest,
    AmendmentState,
    MilestoneDue,
    RegisterAnswer,
    check_fields_of_kind,
    check_milestone_plan,
    check_poc_end,
    new_due_days,
)
from domain.change_commands import DecideAmendmentBody, RequestAmendmentBody
from domain.commands import AcceptAgreementBody, Command
from domain.documents import DocumentKind, DocumentRef
from domain.phases import Action, Phase, Role
from domain.program import ProgramDefinition
from domain.rules import allowed_actions, check_command
from domain.state import Partner, StartupState
from domain.violation import RuleViolation
from store.work_items import items_of
from tests.builders import actor, kst_end_of, milestone, program, startup, utc

NOW = utc(2025, 9, 1, 3)
PO, PO2 = actor(Role.PROGRAM_OFFICER, "po-1"), actor(Role.PROGRAM_OFFICER, "po-2")
BRN = "1248100998"
PARTNER = {"name": "㈜부산정밀", "brn": "613-81-00014", "region": "부산"}


def signed(**fields: Any) -> StartupState:
    base: dict[str, Any] = {
        "brn": BRN, "agreement_two_step": True, "amendments": AmendmentState(),
        "partners": [Partner(name="강원 SME", brn="2208162517", region="강원")],
        "milestones": [milestone("kickoff", kst_end_of(2025, 8, 20), "accepted"),
                       milestone("midterm", kst_end_of(2025, 10, 31)),
                       milestone("final_report", kst_end_of(2025, 12, 31))]}
    return startup(Phase.IN_POC, **(base | fields))


def refusal(state: StartupState, action: Action, body: Any, who: Any = PO,
            definition: ProgramDefinition | None = None) -> dict[str, Any]:
    with pytest.raises(RuleViolation) as refused:
        check_command(state, action, Command[Any](actor=who, body=body), NOW, definition or program())
    return refused.value.details


def request(**fields: Any) -> RequestAmendmentBody:
    return RequestAmendmentBody.model_validate(fields)


def test_the_program_says_which_kinds_need_approval_and_older_definitions_parse_unchanged() -> None:
    default = program().amendments
    assert [default.type_of(k) for k in AMENDMENT_KINDS] == ["approval", "approval", "approval", "notice", "approval"]
    data = program().model_dump(mode="json")
    data.pop("amendments")  # a definition saved before amendments
    assert ProgramDefinition.model_validate(data).amendments == default
    chosen = AmendmentPolicy.model_validate({"types": {"milestone_plan": "notice"}, "decision_days": 5})
    assert chosen.type_of("milestone_plan") == "notice" and chosen.type_of("task_content") == "approval"
    with pytest.raises(ValidationError):  # the budget's tolerance decides a budget move, not this policy
        AmendmentPolicy.model_validate({"types": {"budget": "notice"}})


def test_each_kind_names_its_field_and_its_rule() -> None:
    state = signed()
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="poc_period")) == {
        "field": "new_end_on", "rule": "amendment_field_required"}
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="task_content", task_content="새 내용",
                                                            new_end_on="2026-01-31")) == {
        "field": "new_end_on", "rule": "amendment_field_of_kind"}
    # The PoC's end is the last milestone's due day: in the future, after every other open milestone.
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="poc_period", new_end_on="2025-09-01"))["rule"] \
        == "future_date"
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="poc_period", new_end_on="2025-10-15")) == {
        "field": "new_end_on", "rule": "poc_end_after_milestones"}
    plan = {"kind": "milestone_plan"}
    assert refusal(state, Action.REQUEST_AMENDMENT, request(**plan, milestones=[
        {"milestone": "kickoff", "due_on": "2025-12-01"}])) == {"field": "milestones[0].milestone",
                                                               "rule": "amended_milestone_open"}
    assert refusal(state, Action.REQUEST_AMENDMENT, request(**plan, milestones=[
        {"milestone": "nope", "due_on": "2025-12-01"}]))["rule"] == "known_milestone"
    assert refusal(state, Action.REQUEST_AMENDMENT, request(**plan, milestones=[
        {"milestone": "midterm", "due_on": "2026-01-15"}])) == {"field": "milestones", "rule": "milestones_in_order"}
    # The partner: the match's rules on the body (비수도권, one lead), another company in the rule.
    with pytest.raises(ValidationError) as capital:
        request(kind="sme_partner", partners=[PARTNER | {"region": "서울"}])
    assert capital.value.errors()[0]["type"] == "regional_partner"
    with pytest.raises(ValidationError) as leadless:
        request(kind="sme_partner", partners=[PARTNER | {"role": "member"}])
    assert [(e["loc"], e["type"]) for e in leadless.value.errors()] == [(("partners",), "one_lead_partner")]
    same = {"name": "강원 SME", "brn": "220-81-62517", "region": "강원"}
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="sme_partner", partners=[same]))["rule"] \
        == "partner_changes"
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="sme_partner", partners=[
        PARTNER | {"brn": BRN}]))["rule"] == "partner_is_another_company"
    # What passes: each kind with its field, by the startup or the officer, never the finance officer.
    for body in (request(kind="poc_period", new_end_on="2026-01-31"),
                 request(**plan, milestones=[{"milestone": "midterm", "due_on": "2025-11-14"}]),
                 request(kind="sme_partner", partners=[PARTNER]), request(kind="task_content", task_content="변경")):
        check_command(state, Action.REQUEST_AMENDMENT, Command[Any](actor=PO, body=body), NOW, program())
    me = actor(Role.STARTUP, "s-1", brn=BRN)
    check_command(state, Action.REQUEST_AMENDMENT, Command[Any](actor=me, body=request(kind="task_content",
                                                                                        task_content="변경")),
                  NOW, program())
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="task_content", task_content="x"),
                   actor(Role.FINANCE_OFFICER, "fo-1"))["rule"] == "role"


def test_a_new_representative_needs_the_registers_answer_and_the_budget_has_its_own_path() -> None:
    state, me = signed(), actor(Role.STARTUP, "s-1", brn=BRN)
    asked = request(kind="representative", representative_name="김다른", representative_opened_on="2021-03-02")
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="representative", representative_name="김다른")) == {
        "field": "representative_opened_on", "rule": "amendment_field_required"}
    # Without the register's answer (the API asks it), or with one about another name or company: refused.
    assert refusal(state, Action.REQUEST_AMENDMENT, asked, me) == {
        "field": "representative_name", "rule": "representative_register_checked"}
    answer = RegisterAnswer(brn=BRN, opened_on=date(2021, 3, 2), representative="김다른", checked_at=NOW)
    for wrong in (answer.model_copy(update={"representative": "홍길동"}), answer.model_copy(update={"brn": "2208162517"})):
        with pytest.raises(RuleViolation) as refused:
            check_command(state, Action.REQUEST_AMENDMENT, Command[Any](actor=me, body=asked, register_answer=wrong),
                          NOW, program())
        assert refused.value.details["rule"] == "representative_register_checked"
    check_command(state, Action.REQUEST_AMENDMENT, Command[Any](actor=me, body=asked, register_answer=answer), NOW,
                  program())
    assert program().amendments.type_of("representative") == "approval"
    already = signed(amendments=AmendmentState(representative="김다른"))
    with pytest.raises(RuleViolation) as same:
        check_command(already, Action.REQUEST_AMENDMENT, Command[Any](actor=me, body=asked, register_answer=answer),
                      NOW, program())
    assert same.value.details == {"field": "representative_name", "rule": "representative_changes"}
    # A budget move is asked with request-budget-change (one path for the money), never here.
    with pytest.raises(ValidationError):
        request(kind="budget")
    with pytest.raises(RuleViolation) as budget:
        check_fields_of_kind(AmendmentChange(kind="budget"))
    assert budget.value.details == {"field": "kind", "rule": "budget_through_budget_change"}


def test_pure_checks_and_the_days_a_change_moves() -> None:
    dues = {"midterm": date(2025, 10, 31), "final_report": date(2025, 12, 31)}
    check_poc_end(date(2026, 1, 31), date(2025, 9, 1), dues, "final_report")
    with pytest.raises(RuleViolation):
        check_poc_end(date(2026, 1, 31), date(2025, 9, 1), {"midterm": date(2025, 10, 31)}, "final_report")
    check_milestone_plan([MilestoneDue(milestone="midterm", due_on=date(2025, 11, 30))], date(2025, 9, 1),
                         ["kickoff", "midterm", "final_report"], dues | {"kickoff": date(2025, 8, 20)},
                         set(dues))
    order = ["kickoff", "midterm", "final_report"]
    assert new_due_days(AmendmentChange(kind="poc_period", new_end_on=date(2026, 1, 31)), order, dues) == {
        "final_report": date(2026, 1, 31)}
    assert new_due_days(AmendmentChange(kind="task_content", task_content="x"), order, dues) == {}


def pending_request(by: str = "po-1") -> AmendmentState:
    change = AmendmentChange(kind="poc_period", new_end_on=date(2026, 1, 31))
    return AmendmentState(requests=[AmendmentRequest(number=1, change=change, type="approval", requested_by=by,
                                                     requested_by_role="program_officer", requested_at=NOW)])


def test_one_at_a_time_four_eyes_and_a_rejection_says_why() -> None:
    state = signed(amendments=pending_request())
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="task_content", task_content="x"), PO2)["rule"] \
        == "one_amendment_at_a_time"
    assert refusal(state, Action.DECIDE_AMENDMENT, DecideAmendmentBody(decision="approve"))["rule"] == "four_eyes"
    assert refusal(state, Action.DECIDE_AMENDMENT, DecideAmendmentBody(decision="reject"), PO2) == {
        "field": "reason", "rule": "reason_for_rejection"}
    check_command(state, Action.DECIDE_AMENDMENT, Command[Any](actor=PO2, body=DecideAmendmentBody(
        decision="approve")), NOW, program())
    # A conflict follows the person: declared with the partner a pending amendment would bring in.
    partner = AmendmentChange(kind="sme_partner", partners=[AmendedPartner(**PARTNER | {"brn": "6138100014"})])
    swap = AmendmentState(requests=[pending_request().requests[0].model_copy(update={"change": partner})])
    conflicted = Command[Any](actor=PO2, body=DecideAmendmentBody(decision="approve"), conflicts=["6138100014"])
    with pytest.raises(RuleViolation) as barred:
        check_command(signed(amendments=swap), Action.DECIDE_AMENDMENT, conflicted, NOW, program())
    assert barred.value.details["rule"] == "conflict_of_interest"
    assert "decide-amendment" in allowed_actions(state, PO2)
    # It waits in the officer's inbox (not the asker's), with its decision day.
    waiting = [(i.audience, i.kind, i.subject, i.excluded) for i in items_of(state) if "amendment" in i.kind]
    assert waiting == [(Role.PROGRAM_OFFICER, "decide_amendment", "1", {"po-1"})]
    assert refusal(signed(), Action.DECIDE_AMENDMENT, DecideAmendmentBody(decision="approve"), PO2)["rule"] \
        == "amendment_pending"
    # A lifecycle started before the patch has no amendments: refused by rule.
    assert refusal(signed(amendments=None), Action.REQUEST_AMENDMENT,
                   request(kind="task_content", task_content="x"))["rule"] == "amendments_unavailable"
    assert "request-amendment" not in allowed_actions(signed(amendments=None), PO)


def test_after_the_signature_the_startup_accepts_only_the_newest_amended_version() -> None:
    me = actor(Role.STARTUP, "s-1", brn=BRN)
    document = DocumentRef(id="agreement-v1", sha256="a" * 64, kind=DocumentKind.AGREEMENT, filename="협약서.html")
    version = AgreementVersion(version=1, request=1, kind="poc_period", approved_by="po-2", approved_at=NOW,
                               document=document)
    amended = pending_request()
    amended.requests[0].status, amended.versions = "approved", [version]
    state = signed(amendments=amended)
    assert version.label == "변경 1" and "accept-agreement" in allowed_actions(state, me)
    assert [(i.audience, i.kind, i.subject) for i in items_of(state) if "amendment" in i.kind] == [
        (Role.STARTUP, "accept_amendment", "변경 1")]
    assert refusal(state, Action.ACCEPT_AGREEMENT, AcceptAgreementBody(agreement_sha256="b" * 64), me)["rule"] \
        == "agreement_changed"
    check_command(state, Action.ACCEPT_AGREEMENT, Command[Any](actor=me, body=AcceptAgreementBody(
        agreement_sha256="a" * 64)), NOW, program())
    assert refusal(state, Action.REQUEST_AMENDMENT, request(kind="task_content", task_content="x"))["rule"] \
        == "one_amendment_at_a_time"
    assert refusal(signed(), Action.ACCEPT_AGREEMENT, AcceptAgreementBody(agreement_sha256="a" * 64), me)["rule"] \
        == "amendment_to_accept"
