"""A conflict of interest belongs to the person, not to the role they act in.

Found once: a person holding the program officer and evaluator roles declared a conflict with a
startup; as evaluator they were refused its final evaluation, as program officer they were let do
it. Now every staff action on a lifecycle involving a declared company is refused to that person
in each of their roles (domain/conflicts.py), and so are the program call's decisions about it.

One lifecycle serves every case: the conflict is checked before the phase, so each action is
refused for the conflict whatever phase the startup is in, and nothing else is needed."""

from datetime import date
from typing import Any

import pytest

from domain.commands import Command, MatchBody, PartnerBody
from domain.conflicts import BARRED_WHEN_CONFLICTED, involved_companies
from domain.phases import Action, Phase, Role
from domain.rules import ACTION_RULES, check_command
from domain.state import Partner
from domain.violation import RuleViolation
from store.db import session_scope
from store.tokens import issue_token
from store.users import create_user
from tests.builders import PARTNER_BRN, STARTUP_BRN, actor, program, startup, utc
from tests.conftest import Stack, new_brn
from tests.flows import Startup, drive

PO, FO, EV = Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR
PERSON_ROLES = (PO, EV, FO)


def test_every_staff_action_is_barred_and_no_startup_action_is() -> None:
    staff_actions = {a for a, rule in ACTION_RULES.items() if rule.roles - {Role.STARTUP}}
    assert set(BARRED_WHEN_CONFLICTED) == staff_actions


@pytest.mark.parametrize("conflicted", [STARTUP_BRN, PARTNER_BRN, "partner-chosen-now"])
def test_a_match_is_refused_for_the_startup_its_partner_or_the_partner_it_would_choose(conflicted: str) -> None:
    chosen = PartnerBody(name="㈜부산정밀", brn=new_brn(), region="부산")
    conflicts = [chosen.brn if conflicted == "partner-chosen-now" else conflicted]
    state = startup(Phase.MATCHED, partners=[Partner(name="㈜경남정밀", brn=PARTNER_BRN, region="경남")])
    command = Command[MatchBody](actor=actor(PO, "po-7", "겸직 담당자"), body=MatchBody(partners=[chosen]),
                                 conflicts=conflicts)
    assert set(conflicts) <= involved_companies(state, command)
    with pytest.raises(RuleViolation) as refused:
        check_command(state, Action.MATCH, command, utc(2025, 9, 1), program())
    assert refused.value.details["rule"] == "conflict_of_interest"


# ---- through the real API and worker ---------------------------------------------------------

_shared: dict[str, Any] = {}


async def conflicted_person(stack: Stack) -> tuple[Startup, str]:
    """A startup under review, and the token of one person holding the program officer,
    evaluator and finance officer roles who declared a conflict with it (made once)."""
    if not _shared:
        found = await drive(stack, "under_review")
        with session_scope(stack.engine) as session:
            person = create_user(session, login_id=f"conflicted.{found.brn}", display_name="겸직 심사위원",
                                 kind="staff", roles=[r.value for r in PERSON_ROLES])
            token = issue_token(session, person, None, f"conflicted-{found.brn}")
        declared = await stack.call("POST", "/evaluators/me/conflicts", as_person(token, EV),
                                    {"brn": found.brn, "reason": "전 직장 동료"}, 201)
        assert declared["brn"] == found.brn
        _shared.update(startup=found, token=token)
    return _shared["startup"], _shared["token"]


def as_person(token: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Axflow-Role": role.value}


def body_for(action: Action, found: Startup) -> dict[str, Any]:
    """A body the API accepts for the action, so that the workflow's validator is what answers."""
    tranche, milestone = {"tranche": "advance"}, {"milestone": "kickoff"}
    return {
        Action.SCORE: {"round": "document", "score": 80},
        Action.FINAL_EVALUATION: {"score": 95, "grade": "S"},
        Action.MATCH: {"partners": [{"name": "강원 정밀 SME", "brn": new_brn(), "region": "강원"}]},
        Action.SIGN_AGREEMENT: {"agreement_no": "AX-COI-1"},
        Action.REQUEST_DISBURSEMENT: tranche,
        Action.APPROVE_DISBURSEMENT: tranche,
        Action.REVIEW_MILESTONE: milestone | {"decision": "accept"},
        Action.EXTEND_DEADLINE: {"deadline": "agreement", "new_due_on": date(2030, 1, 31).isoformat()},
        Action.PROMOTE: {"target_program_id": found.program.id},
        Action.TERMINATE: {"cause": "misuse"},
        Action.WAIVE_CLAWBACK: {"decision": "approve"},
        Action.RETRY_COLLECTION: {"kind": "clawback"},
        Action.DECIDE_BUDGET_CHANGE: {"decision": "approve"},
        Action.REVIEW_EXPENSE: {"entry_id": "E0001", "decision": "accept"},
        Action.REQUEST_AMENDMENT: {"kind": "task_content", "task_content": "과제 내용 변경", "reason": "이해충돌 확인"},
        Action.DECIDE_AMENDMENT: {"decision": "approve"},
        Action.DECIDE_APPEAL: {"decision": "dismiss", "reason": "이해충돌 확인"},
    }.get(action, {"reason": "이해충돌 확인"})


CASES = [(role, action) for action in BARRED_WHEN_CONFLICTED for role in PERSON_ROLES
         if role in ACTION_RULES[action].roles]


@pytest.mark.parametrize("role,action", CASES, ids=[f"{r.value}-{a.value}" for r, a in CASES])
async def test_the_conflicted_person_is_refused_in_each_of_their_roles(stack: Stack, role: Role, action: Action) -> None:
    found, token = await conflicted_person(stack)
    refused = await stack.act(found.id, action.value, as_person(token, role), body_for(action, found), expect=403)
    assert refused["error"]["details"]["rule"] == "conflict_of_interest", refused


async def test_nor_may_they_finalize_the_ranking_or_offer_it_a_slot(stack: Stack) -> None:
    found, token = await conflicted_person(stack)
    program_id = found.program.id
    finalize = await stack.call("POST", f"/programs/{program_id}/selection", as_person(token, PO),
                                {"reason": "위원회"}, 403)
    assert finalize["error"]["details"]["rule"] == "conflict_of_interest"
    assert found.id in finalize["error"]["details"]["startups"]
    offer = await stack.call("POST", f"/programs/{program_id}/slots/offer", as_person(token, PO),
                             {"brn": found.brn}, 403)
    assert offer["error"]["details"]["rule"] == "conflict_of_interest"
    # Nothing happened to the startup: still under review, unscored.
    state = await stack.state(found.id)
    assert state["phase"] == "under_review" and state["scores"] == []


async def test_their_barred_actions_are_not_offered_to_them(stack: Stack) -> None:
    found, token = await conflicted_person(stack)
    for role, action in ((PO, "terminate"), (EV, "score")):
        offered = (await stack.call("GET", f"/startups/{found.id}", as_person(token, role)))["allowed_actions"]
        assert action not in offered, (role.value, offered)
        assert action in (await stack.state(found.id, stack.as_role(role)))["allowed_actions"]
