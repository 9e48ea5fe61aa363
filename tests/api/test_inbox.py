"""Identity in the record and what waits on whom: four-eyes and conflicts by user id (one person
in two roles; two people with one name), and `GET /me` and `GET /me/inbox` for each role."""

from datetime import datetime, timedelta
from typing import Any

from domain.phases import Role
from store.db import session_scope
from store.tokens import issue_token
from store.users import create_user, get_user
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import drive

_serial = iter(range(1, 1_000_000))


def person(stack: Stack, name: str, roles: list[str], brn: str | None = None) -> tuple[str, str]:
    """A new directory user and a token acting in any of their roles: (user id, token)."""
    with session_scope(stack.engine) as session:
        user = create_user(session, login_id=f"p{next(_serial)}.{roles[0][:4]}", display_name=name,
                           kind="startup" if brn else "staff", roles=roles, brn=brn)
        return user.id, issue_token(session, user, None)


def as_(token: str, role: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} | ({"X-Axflow-Role": role} if role else {})


async def inbox(stack: Stack, headers: dict[str, str], program_id: str | None = None) -> list[dict[str, Any]]:
    # The shared stack holds every test's startups: a test looks at its own program's work.
    path = f"/me/inbox?program_id={program_id}" if program_id else "/me/inbox"
    return (await stack.call("GET", path, headers))["items"]


def kinds(items: list[dict[str, Any]], startup_id: str) -> list[tuple[str, str]]:
    return [(i["kind"], i["subject"]) for i in items if i["startup_id"] == startup_id]


async def test_one_person_in_two_roles_never_approves_their_own_request(stack: Stack) -> None:
    startup = await drive(stack, "contracted")
    dual_id, dual = person(stack, "한지민", ["program_officer", "finance_officer"])
    me = await stack.call("GET", "/me", as_(dual, "finance_officer"))
    assert (me["id"], me["roles"], me["acting_role"]) == (dual_id, ["program_officer", "finance_officer"],
                                                          "finance_officer")
    # A role one does not hold is refused, and so is acting as a role beyond a token's own.
    refused = await stack.call("GET", "/me", as_(dual, "auditor"), expect=403)
    assert refused["error"]["details"]["rule"] == "role_choice"

    await stack.act(startup.id, "request-disbursement", as_(dual, "program_officer"), {"tranche": "advance"})
    error = await stack.act(startup.id, "approve-disbursement", as_(dual, "finance_officer"), {"tranche": "advance"},
                            expect=403)
    assert error["error"]["details"]["rule"] == "four_eyes"
    # The read model's audit rows follow the Update within moments.
    rows = await wait_until(lambda: stack.audit_rows(startup.id),
                            lambda found: any(r.action == "request-disbursement" for r in found))
    wait = [r for r in rows if r.action == "request-disbursement"]
    assert wait and (wait[-1].actor_id, wait[-1].actor_name, wait[-1].role) == (dual_id, "한지민", "program_officer")

    # The approval waits on every finance officer but the requester.
    _, other = person(stack, "오세훈", ["finance_officer"])
    waiting = await wait_until(lambda: inbox(stack, as_(other), startup.program.id),
                               lambda items: ("approve_disbursement", "advance") in kinds(items, startup.id))
    assert waiting and ("approve_disbursement", "advance") not in kinds(await inbox(stack, as_(dual), startup.program.id),
                                                                        startup.id)
    await stack.act(startup.id, "approve-disbursement", as_(other), {"tranche": "advance"})


async def test_two_people_with_one_name_may_check_each_other(stack: Stack) -> None:
    startup = await drive(stack, "contracted")
    first_id, first = person(stack, "김민수", ["program_officer", "finance_officer"])
    second_id, second = person(stack, "김민수", ["program_officer", "finance_officer"])
    assert first_id != second_id
    await stack.act(startup.id, "request-disbursement", as_(first, "program_officer"), {"tranche": "advance"})
    state = await stack.act(startup.id, "approve-disbursement", as_(second, "finance_officer"), {"tranche": "advance"})
    advance = next(t for t in state["tranches"] if t["key"] == "advance")
    assert (advance["requested_by"], advance["approved_by"]) == (first_id, second_id)


async def test_conflicts_of_interest_follow_the_user_not_the_token(stack: Stack) -> None:
    program = await stack.program()
    startup_id = await stack.apply(program)
    brn = startup_id.rsplit(":", 1)[1]
    await stack.wait_phase(startup_id, "under_review")
    evaluator_id, evaluator = person(stack, "정평가", ["evaluator"])
    _, free = person(stack, "정평가", ["evaluator"])  # same name, no conflict
    await wait_until(lambda: inbox(stack, as_(evaluator), program.id),
                     lambda items: ("score", "") in kinds(items, startup_id))
    await stack.call("POST", "/evaluators/me/conflicts", as_(evaluator), {"brn": brn}, 201)
    # A second token of the same person carries the conflict too.
    with session_scope(stack.engine) as session:
        again = issue_token(session, get_user(session, evaluator_id), Role.EVALUATOR)
    assert kinds(await inbox(stack, as_(again), program.id), startup_id) == []
    error = await stack.act(startup_id, "score", as_(again), {"round": "document", "score": 90}, expect=403)
    assert error["error"]["details"]["rule"] == "conflict_of_interest"
    await stack.act(startup_id, "score", as_(free), {"round": "document", "score": 80})
    await wait_until(lambda: inbox(stack, as_(free), program.id), lambda items: kinds(items, startup_id) == [])


async def test_each_role_sees_what_waits_on_it_overdue_first(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    _, ceo = person(stack, "대표 홍길동", ["startup"], brn=startup.brn)
    _, stranger = person(stack, "다른 회사", ["startup"], brn=new_brn())
    items = await wait_until(lambda: inbox(stack, as_(ceo)), lambda items: len(kinds(items, startup.id)) == 4)
    assert [i["subject"] for i in items] == ["kickoff", "midterm", "poc_complete", "final_report"]
    assert all(i["due_at"] and i["due_at_kst"].endswith("KST") and i["company_name"] for i in items)
    assert kinds(await inbox(stack, as_(stranger)), startup.id) == []
    # A startup user acting on another company: 404, revealing nothing.
    other = await stack.act(startup.id, "submit-milestone", as_(stranger),
                            {"milestone": "kickoff", "deliverable": "x.pdf"}, expect=404)
    assert other["error"]["code"] == "not_found"

    await stack.act(startup.id, "submit-milestone", as_(ceo), {"milestone": "kickoff", "deliverable": "k.pdf"})
    _, officer = person(stack, "박담당", ["program_officer"])
    await wait_until(lambda: inbox(stack, as_(officer), startup.program.id),
                     lambda items: ("review_milestone", "kickoff") in kinds(items, startup.id))
    await stack.act(startup.id, "review-milestone", as_(officer), {"milestone": "kickoff", "decision": "accept"})
    items = await wait_until(lambda: inbox(stack, as_(ceo)), lambda items: len(kinds(items, startup.id)) == 3)

    # The milestone clock runs out: the overdue deliverable comes first, flagged.
    handle = stack.client.get_workflow_handle(startup.id)
    state = await stack.state(startup.id)
    midterm = next(m for m in state["milestones"] if m["key"] == "midterm")
    due = datetime.fromisoformat(midterm["due_at"])
    await stack.skipper.fast_forward(handle, due - datetime.now(due.tzinfo) + timedelta(hours=1))
    items = await wait_until(lambda: inbox(stack, as_(ceo)), lambda items: items and items[0]["overdue"])
    assert items[0]["subject"] == "midterm" and not any(i["overdue"] for i in items[1:])
