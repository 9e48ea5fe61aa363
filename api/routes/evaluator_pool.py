"""The evaluator pool of a program (평가위원 풀): staff invite evaluators and see each one's pledge,
load and calibration; an evaluator reads and signs the pledge (서약서) before the program's
applications are visible to them; an evaluator recuses themselves (회피) and staff exclude one (제척)
from a startup; the program officer assigns panels or spreads them evenly. The service:
api/services/evaluator_pool.py and api/services/evaluator_assignment.py."""

from fastapi import APIRouter

from api.deps import SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.policy import Authorized
from api.services import evaluator_assignment as assignments
from api.services import evaluator_pool as pool
from api.services.evaluator_assignment import AssignIn, PanelRow, SpreadIn
from api.services.evaluator_notices import tell_assigned, tell_evaluator
from api.services.evaluator_pool import ExclusionIn, InviteIn, MemberOut, PledgeIn, PledgeOut, WithdrawalIn, WithdrawalOut

router = APIRouter(tags=["evaluator pool"], responses=ERROR_RESPONSES)


@router.get("/programs/{program_id}/evaluators", response_model=list[PanelRow])
async def panel(program_id: str, session: SessionDep, actor: Authorized) -> list[PanelRow]:
    """The pool: each evaluator's pledge, load (startups assigned) and calibration."""
    pool.known_program(session, program_id)
    return assignments.panel_table(session, program_id)


@router.post("/programs/{program_id}/evaluators", status_code=201, response_model=MemberOut)
async def invite(program_id: str, body: InviteIn, session: SessionDep, settings: SettingsDep,
                 actor: Authorized) -> MemberOut:
    """Invite an evaluator; they are told by email, with where to sign the pledge."""
    member = pool.invite(session, program_id, body, actor)
    await tell_evaluator(settings, session, member.evaluator_id, "invited", program_id)
    return member


@router.get("/programs/{program_id}/pledge", response_model=PledgeOut)
async def read_pledge(program_id: str, session: SessionDep, actor: Authorized) -> PledgeOut:
    return pool.pledge(session, program_id, actor)


@router.post("/programs/{program_id}/pledge", status_code=201, response_model=MemberOut)
async def sign_pledge(program_id: str, body: PledgeIn, session: SessionDep, actor: Authorized) -> MemberOut:
    return pool.sign_pledge(session, program_id, body, actor)


@router.post("/programs/{program_id}/evaluators/spread", response_model=dict[str, list[str]])
async def spread(program_id: str, body: SpreadIn, session: SessionDep, settings: SettingsDep,
                 actor: Authorized) -> dict[str, list[str]]:
    """Panels for every startup awaiting evaluation that has none yet, spread evenly; each
    evaluator is told of every startup newly theirs."""
    panels = assignments.spread_program(session, program_id, body, actor)
    await tell_assigned(settings, session, program_id, {}, panels)
    return panels


@router.put("/startups/{startup_id}/evaluators", response_model=list[str])
async def assign(startup_id: str, body: AssignIn, session: SessionDep, settings: SettingsDep,
                 actor: Authorized) -> list[str]:
    """Set the startup's panel; the evaluators new on it are told."""
    before = {startup_id: pool.panel_of(session, startup_id)}
    panel = assignments.assign(session, startup_id, body, actor)
    await tell_assigned(settings, session, pool.program_of(startup_id), before, {startup_id: panel})
    return panel


@router.post("/startups/{startup_id}/recusal", status_code=201, response_model=WithdrawalOut)
async def recuse(startup_id: str, body: WithdrawalIn, session: SessionDep, actor: Authorized) -> WithdrawalOut:
    """회피: I step back from evaluating this startup."""
    return pool.withdraw(session, startup_id, actor.id, "recused", body.reason, actor)


@router.post("/startups/{startup_id}/exclusions", status_code=201, response_model=WithdrawalOut)
async def exclude(startup_id: str, body: ExclusionIn, session: SessionDep, settings: SettingsDep,
                  actor: Authorized) -> WithdrawalOut:
    """제척: staff exclude an evaluator from this startup; the evaluator is told, with the reason."""
    excluded = pool.withdraw(session, startup_id, body.evaluator_id, "excluded", body.reason, actor)
    await tell_evaluator(settings, session, excluded.evaluator_id, "excluded", pool.program_of(startup_id),
                         startup_id, excluded.reason)
    return excluded
