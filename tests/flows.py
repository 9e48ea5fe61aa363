"""Driving startups through the lifecycle over HTTP, as staff and startups would."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.phases import Role
from domain.program import ProgramDefinition
from store.company_binding import bind
from store.db import session_scope
from store.users import find_by_login, set_password
from tests.conftest import Stack, new_brn

PO, FO, EV = Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.EVALUATOR
MILESTONES = ("kickoff", "midterm", "poc_complete", "final_report")
ORDER = ["under_review", "selected", "matched", "contracted", "in_poc", "final_review", "settlement", "completed"]
# The password of every test startup user (the owner of `stack.as_startup`'s token): accepting the
# agreement asks for it again.
STARTUP_PASSWORD = "Agree!ment-2025q"


@dataclass
class Startup:
    id: str
    brn: str
    program: ProgramDefinition

    def me(self, stack: Stack) -> dict[str, str]:
        return stack.as_startup(self.brn)


async def select(stack: Stack, program: ProgramDefinition, scores: dict[str, int]) -> dict[str, Any]:
    """Score every applicant (startup id → score), close the window by its timer, finalize."""
    for startup_id, score in scores.items():
        await stack.wait_phase(startup_id, "under_review")
        await stack.act(startup_id, "score", stack.as_role(EV), {"round": "document", "score": score})
    await stack.close_window(program)
    return await stack.call("POST", f"/programs/{program.id}/selection", stack.as_role(PO), {"reason": "위원회"})


def startup_password(stack: Stack, brn: str) -> str:
    """The test startup user's password, set the first time it is asked for."""
    stack.as_startup(brn)  # the user exists once its token does
    with session_scope(stack.engine) as session:
        user = find_by_login(session, f"startup-{brn}")
        assert user is not None, brn
        if user.password_hash is None:
            set_password(session, user, STARTUP_PASSWORD)
    return STARTUP_PASSWORD


def approve_company(stack: Stack, login_id: str, company_name: str) -> None:
    """Bind a portal sign-up to the company it named, as a program officer's approval would, for
    walks about something else (tests/security/test_company_ownership.py proves binding itself)."""
    with session_scope(stack.engine) as session:
        user = find_by_login(session, login_id)
        assert user is not None and user.brn, login_id
        bind(session, user, user.brn, proof="staff_approval", by="system:tests", at=datetime.now(UTC),
             representative=True, company_name=company_name)
        session.commit()


async def match(stack: Stack, startup_id: str) -> dict[str, Any]:
    return await stack.act(startup_id, "match", stack.as_role(PO),
                           {"partners": [{"name": "강원 정밀 SME", "brn": new_brn(), "region": "강원"}]})


async def accept_agreement(stack: Stack, startup_id: str, matched: dict[str, Any]) -> dict[str, Any] | None:
    """The startup accepts the agreement generated at its match (`matched`: the state the match
    answered), re-entering its password; nothing to do for a lifecycle signed in one step."""
    if not matched["agreement_two_step"]:
        return None
    brn = startup_id.rsplit(":", 1)[1]
    return await stack.act(startup_id, "accept-agreement", stack.as_startup(brn),
                           {"agreement_sha256": matched["agreement_document"]["sha256"],
                            "password": startup_password(stack, brn)})


async def sign(stack: Stack, startup_id: str, matched: dict[str, Any], agreement_no: str = "AX-1") -> dict[str, Any]:
    """The agreement in as many steps as the lifecycle has: accepted, then (counter)signed."""
    await accept_agreement(stack, startup_id, matched)
    return await stack.act(startup_id, "sign-agreement", stack.as_role(PO), {"agreement_no": agreement_no})


async def match_and_sign(stack: Stack, startup_id: str) -> dict[str, Any]:
    return await sign(stack, startup_id, await match(stack, startup_id))


async def pay(stack: Stack, startup_id: str, tranche: str) -> dict[str, Any]:
    await stack.act(startup_id, "request-disbursement", stack.as_role(PO), {"tranche": tranche})
    await stack.act(startup_id, "approve-disbursement", stack.as_role(FO), {"tranche": tranche})
    return await stack.wait_until_state(
        startup_id, lambda s: stack_tranche(s, tranche)["status"] == "paid", f"{tranche} paid")


def stack_tranche(state: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in state["tranches"] if t["key"] == key)


async def pass_milestone(stack: Stack, startup: Startup, key: str) -> dict[str, Any]:
    await stack.act(startup.id, "submit-milestone", startup.me(stack), {"milestone": key, "deliverable": f"{key}.pdf"})
    return await stack.act(startup.id, "review-milestone", stack.as_role(PO), {"milestone": key, "decision": "accept"})


async def drive(stack: Stack, phase: str, program: ProgramDefinition | None = None) -> Startup:
    """A new startup in `phase` (one of ORDER, or waitlisted / rejected / suspended)."""
    if phase in ("waitlisted", "rejected"):
        program = program or await stack.program(slots=1, budget=80_000_000)
        first, second = await stack.apply(program), await stack.apply(program)
        await select(stack, program, {first: 90, second: 80 if phase == "waitlisted" else 10})
        await stack.wait_phase(second, phase)
        return Startup(second, second.rsplit(":", 1)[1], program)
    target = "in_poc" if phase == "suspended" else phase
    program = program or await stack.program()
    startup_id = await stack.apply(program)
    startup = Startup(startup_id, startup_id.rsplit(":", 1)[1], program)
    steps = ORDER[: ORDER.index(target) + 1]
    await stack.wait_phase(startup_id, "under_review")
    if "selected" in steps:
        await select(stack, program, {startup_id: 90})
        await stack.wait_phase(startup_id, "selected")
        await stack.wait_until_state(startup_id, lambda s: s["agreement_due_at"] is not None, "agreement deadline")
    if "matched" in steps:
        matched = await match(stack, startup_id)
    if "contracted" in steps:
        await sign(stack, startup_id, matched)
    if "in_poc" in steps:
        await pay(stack, startup_id, "advance")
        await stack.wait_phase(startup_id, "in_poc")
    if "final_review" in steps:
        for key in MILESTONES:
            await pass_milestone(stack, startup, key)
    if "settlement" in steps:
        await stack.act(startup_id, "final-evaluation", stack.as_role(EV), {"score": 92, "grade": "A"})
    if "completed" in steps:
        await stack.act(startup_id, "submit-settlement", startup.me(stack),
                        {"lines": [{"item": "인건비", "amount": 50_000_000}]})
        await stack.act(startup_id, "approve-settlement", stack.as_role(FO))
    if phase == "suspended":
        await stack.act(startup_id, "suspend", stack.as_role(PO), {"reason": "현장 점검"})
    await stack.wait_phase(startup_id, phase)
    return startup
