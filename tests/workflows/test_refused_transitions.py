"""Refused transitions: the phase, the role and the rules. A refused action answers at once with
the error shape of DESIGN.md and leaves no trace in the workflow's history."""

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.commands import Body, Command
from domain.phases import Action, Role
from domain.rules import ACTION_RULES
from domain.state import Actor, StartupState
from tests.conftest import Stack
from tests.flows import EV, FO, PO, drive

# For each phase: an action the right role may take, but not in that phase.
WRONG_PHASE = [
    ("under_review", Action.SIGN_AGREEMENT, PO, {"agreement_no": "X"}),
    ("selected", Action.SIGN_AGREEMENT, PO, {"agreement_no": "X"}),
    ("waitlisted", Action.MATCH, PO, {"partners": [{"name": "A", "brn": "1248100998", "region": "강원"}]}),
    ("matched", Action.REQUEST_DISBURSEMENT, PO, {"tranche": "advance"}),
    ("contracted", Action.REVIEW_MILESTONE, PO, {"milestone": "kickoff", "decision": "accept"}),
    ("in_poc", Action.FINAL_EVALUATION, EV, {"score": 90, "grade": "A"}),
    ("suspended", Action.SUSPEND, PO, {}),
    ("final_review", Action.APPROVE_SETTLEMENT, FO, {}),
    ("settlement", Action.REVIEW_MILESTONE, PO, {"milestone": "kickoff", "decision": "accept"}),
    ("completed", Action.SIGN_AGREEMENT, PO, {"agreement_no": "X"}),
]


async def _update_events(stack: Stack, startup_id: str, name: str) -> int:
    history = await stack.client.get_workflow_handle(startup_id).fetch_history()
    return sum(1 for e in history.events
               if e.HasField("workflow_execution_update_accepted_event_attributes")
               and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name == name)


@pytest.mark.parametrize("phase,action,role,body", WRONG_PHASE, ids=[p[0] for p in WRONG_PHASE])
async def test_an_action_the_phase_does_not_allow_is_refused_without_a_trace(
        stack: Stack, phase: str, action: Action, role: Role, body: dict) -> None:
    startup = await drive(stack, phase)
    before = await _update_events(stack, startup.id, action.value)
    error = await stack.act(startup.id, action.value, stack.as_role(role), body, expect=409)
    assert error["error"]["code"] == "invalid_transition"
    assert error["error"]["details"]["phase"] == phase
    state = await stack.state(startup.id, stack.as_role(role))
    assert error["error"]["details"]["allowed_actions"] == state["allowed_actions"]
    assert action.value not in state["allowed_actions"]
    assert await _update_events(stack, startup.id, action.value) == before
    assert state["phase"] == phase


async def test_a_closed_lifecycle_refuses_every_action(stack: Stack) -> None:
    startup = await drive(stack, "rejected")
    error = await stack.act(startup.id, "match", stack.as_role(PO),
                            {"partners": [{"name": "A", "brn": "1248100998", "region": "강원"}]}, expect=409)
    assert error["error"]["code"] == "invalid_transition"
    # Whether the workflow is still finishing (its validator answers) or closed (the server does).
    assert error["error"]["details"] == {"phase": "rejected", "allowed_actions": []}


async def test_every_action_refuses_every_role_it_does_not_name(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    staff = [Role.ADMIN, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR, Role.AUDITOR]
    refused = 0
    for action, rule in ACTION_RULES.items():
        for role in [*staff, Role.STARTUP]:
            if role in rule.roles:
                continue
            headers = startup.me(stack) if role is Role.STARTUP else stack.as_role(role)
            error = await stack.act(startup.id, action.value, headers, {}, expect=403)
            assert error["error"]["code"] == "forbidden", (action, role)
            refused += 1
    assert refused >= 60
    assert (await stack.state(startup.id))["phase"] == "in_poc"


async def test_the_workflow_itself_refuses_a_role_even_if_the_api_were_bypassed(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    forged = Command[Body](actor=Actor(id="mallory", name="mallory", role=Role.STARTUP, brn="1248100998"),
                           body=Body())
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await stack.client.get_workflow_handle(startup.id).execute_update("suspend", forged, result_type=StartupState)
    assert refused.value.cause.type == "forbidden"


async def test_four_eyes_and_tranche_rules(stack: Stack) -> None:
    startup = await drive(stack, "contracted")
    kim_po = {"Authorization": f"Bearer {stack.token(Role.PROGRAM_OFFICER, 'kim')}"}
    kim_fo = {"Authorization": f"Bearer {stack.token(Role.FINANCE_OFFICER, 'kim')}"}
    error = await stack.act(startup.id, "request-disbursement", kim_po, {"tranche": "balance"}, expect=409)
    assert error["error"]["details"]["rule"] == "tranche_trigger"
    error = await stack.act(startup.id, "request-disbursement", kim_po, {"tranche": "bonus"}, expect=422)
    assert error["error"]["details"]["field"] == "tranche"
    await stack.act(startup.id, "request-disbursement", kim_po, {"tranche": "advance"})
    error = await stack.act(startup.id, "request-disbursement", kim_po, {"tranche": "advance"}, expect=409)
    assert error["error"]["details"]["rule"] == "one_request_per_tranche"
    error = await stack.act(startup.id, "approve-disbursement", kim_fo, {"tranche": "advance"}, expect=403)
    assert error["error"]["details"]["rule"] == "four_eyes"
    assert "requester" in error["error"]["message"]
    state = await stack.act(startup.id, "approve-disbursement", stack.as_role(FO), {"tranche": "advance"})
    assert next(t for t in state["tranches"] if t["key"] == "advance")["approved_by"] == stack.user_id(FO.value)


async def test_an_evaluator_scores_each_round_once(stack: Stack) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    await stack.wait_phase(startup_id, "under_review")
    await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": 80})
    error = await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": 99}, expect=409)
    assert error["error"]["details"]["rule"] == "one_score_per_round"
    error = await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": 101}, expect=422)
    assert error["error"]["details"][0]["field"] == "score"
    other = {"Authorization": f"Bearer {stack.token(Role.EVALUATOR, 'evaluator.two')}"}
    state = await stack.act(startup_id, "score", other, {"round": "document", "score": 90})
    assert state["average_score"] == 85.0


async def test_unknown_action_and_bad_bodies(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    error = await stack.act(startup.id, "approve-everything", stack.as_role(PO), {}, expect=404)
    assert "match" in error["error"]["details"]["actions"]
    error = await stack.act(startup.id, "match", stack.as_role(PO), {"partners": [
        {"name": "서울 SME", "brn": "1248100998", "region": "서울"}]}, expect=422)
    assert error["error"]["details"][0]["field"] == "partners.0.region"
    assert "capital area" in error["error"]["details"][0]["message"]
    error = await stack.act(startup.id, "match", stack.as_role(PO), {"partners": [
        {"name": "강원 SME", "brn": "1248100998", "region": "강원"}], "actor": "someone"}, expect=422)
    assert error["error"]["details"][0]["field"] == "actor"
    error = await stack.act(startup.id, "match", stack.as_role(PO), {"partners": [
        {"name": "강원 SME", "brn": startup.brn, "region": "강원"}]}, expect=422)
    assert error["error"]["details"]["rule"] == "partner_is_another_company"
    assert (await stack.state(startup.id))["phase"] == "selected"
