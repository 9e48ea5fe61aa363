"""Programs: definitions, applications, selection and the program report (the reads and the
commands: api/services/programs.py and api/services/reports.py)."""

from fastapi import APIRouter, Request
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES
from api.policy import Authorized
from api.schemas import ApplicationCreated, ProgramPublic, Report, SelectionRequest
from api.services import appeal_panel, programs, reports
from api.services.appeal_panel import PanelAnswer, PanelBody
from api.services.evaluator_pool import pool_refusal
from api.services.programs import OfferSlotRequest
from domain.commands import ApplicationBody
from domain.phases import Role
from domain.program import ProgramDefinition
from store.audit_key import audit_key
from store.db import release
from workflows.program_call import CallState, SelectionResult

router = APIRouter(prefix="/programs", tags=["programs"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=ProgramPublic)
async def create(definition: ProgramDefinition, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
                 actor: Authorized) -> ProgramPublic:
    return await programs.create_from_definition(definition, session, temporal, settings.task_queue, actor)


@router.get("", response_model=list[ProgramPublic])
async def list_programs(session: SessionDep, _: Authorized) -> list[ProgramPublic]:
    return programs.all_programs(session)


@router.get("/{program_id}", response_model=ProgramPublic)
async def get_program(program_id: str, session: SessionDep, temporal: TemporalDep,
                      actor: Authorized) -> ProgramPublic:
    row = programs.known_program(session, program_id)
    # An evaluator the program's pool has not admitted reads the program, not its applicants.
    closed = actor.role is Role.EVALUATOR and pool_refusal(session, program_id, actor.id) is not None
    release(session)
    call = None
    if row.definition.get("application_closes_at") and not closed:
        try:
            call = await programs.call_state(temporal, program_id)
        except (RPCError, WorkflowQueryFailedError):
            call = None  # no worker can answer now: the definition and counts still can be shown
    return programs.public(session, row, call)


@router.post("/{program_id}/applications", status_code=201, response_model=ApplicationCreated)
async def apply(program_id: str, body: ApplicationBody, request: Request, session: SessionDep,
                temporal: TemporalDep,
                actor: Authorized) -> ApplicationCreated:
    return await programs.submit_application(program_id, body, request.state.request_id, session, temporal, actor)


@router.post("/{program_id}/selection", response_model=SelectionResult)
async def finalize_selection(program_id: str, body: SelectionRequest, request: Request, session: SessionDep,
                             temporal: TemporalDep,
                             actor: Authorized) -> SelectionResult:
    return await programs.finalize_selection(program_id, body, request.state.request_id, session, temporal, actor)


@router.post("/{program_id}/slots/offer", response_model=CallState)
async def offer_slot(program_id: str, body: OfferSlotRequest, request: Request, session: SessionDep,
                     temporal: TemporalDep, actor: Authorized) -> CallState:
    """Offer a free slot to the next waitlisted startup, recorded with who offered it and why. A
    slot freed while someone waits is re-offered by itself; this is for a slot left free."""
    return await programs.offer_slot(program_id, body, request.state.request_id, session, temporal, actor)


@router.put("/{program_id}/appeals/panel", response_model=PanelAnswer,
            description="Name the program's review panel (심의위원회) again while it runs: the whole panel by user "
                        "id (an empty list: any program officer or admin decides) and an optional reason. Each "
                        "member is active staff who may decide an appeal (a program officer or an admin), named "
                        "once, at most 50. It takes effect for every appeal decided after it; the change is kept "
                        "with an audit row (chain `appeal-panel:{program_id}`, action set-appeal-panel). 422 "
                        "`validation_error` names the field and each rule (panel_size, panel_member_once, "
                        "panel_member_known, panel_member_staff), nothing changed.")
async def set_appeal_panel(program_id: str, body: PanelBody, request: Request, session: SessionDep,
                           settings: SettingsDep, actor: Authorized) -> PanelAnswer:
    return appeal_panel.set_appeal_panel(session, audit_key(settings), program_id, body, actor,
                                         request.state.request_id)


@router.get("/{program_id}/report", response_model=Report)
async def report(program_id: str, session: SessionDep,
                 _: Authorized) -> Report:
    return reports.report(session, program_id)
