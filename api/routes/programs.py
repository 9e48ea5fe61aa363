"""Programs: definitions, applications, selection and the program report."""

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, TypeAdapter
from pydantic import Field as PydanticField
from sqlalchemy import exists, func
from sqlmodel import Session, col, select
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api.document_refs import resolve_document_refs
from api.deps import QUERY_TIMEOUT, SessionDep, SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError, from_rpc_error
from api.policy import Authorized
from api.refusals import refusals_recorded
from api.services.conflicts import declared_conflicts
from api.schemas import ApplicationCreated, ProgramPublic, Report, SelectionRequest, WaitingItem
from api.updates import send_update
from axflow.programs import ProgramExists, create_program
from domain.commands import ApplicationBody
from domain.commands import BRN, Text
from domain.documents import DocumentKind
from domain.eligibility import Problem, founding_problems
from domain.io import (
    ApplyCommand,
    ApplyResult,
    FinalizeCommand,
    OfferSlotCommand,
    program_workflow_id,
    startup_workflow_id,
)
from domain.phases import Role
from domain.program import ProgramDefinition
from domain.state import Actor, Application, CollectionState, MilestoneState, Settlement, TrancheState
from domain.timeutil import kst_date
from store.db import as_utc, release
from store.documents import mark_referenced
from store.tables import LedgerEntry, ProgramRow, StartupRow
from store.user_tables import WorkItem
from workflows.program_call import CallState, SelectionResult

router = APIRouter(prefix="/programs", tags=["programs"], responses=ERROR_RESPONSES)


def _program(session: Session, program_id: str) -> ProgramRow:
    row = session.get(ProgramRow, program_id)
    if row is None:
        raise ApiError("not_found", f"unknown program {program_id!r}")
    return row


def _counts(session: Session, program_id: str) -> dict[str, int]:
    rows = session.exec(
        select(StartupRow.phase, func.count()).where(StartupRow.program_id == program_id).group_by(StartupRow.phase)
    ).all()
    return {phase: n for phase, n in rows}


def _public(session: Session, row: ProgramRow, call: CallState | None = None) -> ProgramPublic:
    return ProgramPublic(
        id=row.id, name=row.name, stage=row.stage, definition=ProgramDefinition.model_validate(row.definition),
        created_at=as_utc(row.created_at), created_by=row.created_by, counts_by_phase=_counts(session, row.id),
        call=None if call is None else {
            "window": call.window, "closed_at": call.closed_at, "applicants": len(call.applicants),
            "finalized_at": call.finalized_at, "holding_slots": len(call.holding_slots),
            "waitlist": call.waitlist, "reoffers": call.reoffers,
        },
    )


@router.post("", status_code=201, response_model=ProgramPublic)
async def create(definition: ProgramDefinition, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
                 actor: Authorized) -> ProgramPublic:
    return await create_from_definition(definition, session, temporal, settings.task_queue, actor)


async def create_from_definition(definition: ProgramDefinition, session: Session, temporal: Any, task_queue: str,
                                 actor: Actor) -> ProgramPublic:
    """A program from a validated definition, for the API and the console's upload form alike."""
    try:
        row = await create_program(session.get_bind(), temporal, task_queue, definition, actor.id)
    except ProgramExists:
        raise ApiError("conflict", f"program {definition.id!r} already exists", {"field": "id"}) from None
    return _public(session, row)


@router.get("", response_model=list[ProgramPublic])
async def list_programs(session: SessionDep, _: Authorized) -> list[ProgramPublic]:
    rows = session.exec(select(ProgramRow).order_by(col(ProgramRow.created_at))).all()
    return [_public(session, r) for r in rows]


@router.get("/{program_id}", response_model=ProgramPublic)
async def get_program(program_id: str, session: SessionDep, temporal: TemporalDep,
                      _: Authorized) -> ProgramPublic:
    row = _program(session, program_id)
    release(session)
    call = None
    if row.definition.get("application_closes_at"):
        try:
            call = await temporal.get_workflow_handle(program_workflow_id(program_id)).query(
                "status", result_type=CallState, rpc_timeout=QUERY_TIMEOUT)
        except (RPCError, WorkflowQueryFailedError):
            call = None  # no worker can answer now: the definition and counts still can be shown
    return _public(session, row, call)


@router.post("/{program_id}/applications", status_code=201, response_model=ApplicationCreated)
async def apply(program_id: str, body: ApplicationBody, request: Request, session: SessionDep,
                temporal: TemporalDep,
                actor: Authorized) -> ApplicationCreated:
    return await submit_application(program_id, body, request.state.request_id, session, temporal, actor)


async def submit_application(program_id: str, body: ApplicationBody, request_id: str, session: Session,
                             temporal: Any, actor: Actor) -> ApplicationCreated:
    """The one way an application is made, from the API and from the portal's 최종 제출 alike:
    the same checks, the same Update to the program's call (whose validator decides, by the
    server's clock, whether the window is still open), the same record of a refusal."""
    with refusals_recorded(session.get_bind(), actor, "apply", request_id,
                           startup_workflow_id(program_id, body.brn), program_id):
        return await _apply(program_id, body, request_id, session, temporal, actor)


def _refuse_problems(problems: list[Problem]) -> None:
    if problems:
        raise ApiError("validation_error", "; ".join(p.message for p in problems), [p.detail() for p in problems])


async def _apply(program_id: str, body: ApplicationBody, request_id: str, session: Session, temporal: Any,
                 actor: Actor) -> ApplicationCreated:
    definition = ProgramDefinition.model_validate(_program(session, program_id).definition)
    if actor.role is Role.STARTUP and actor.brn != body.brn:
        raise ApiError("forbidden", "a startup token applies only for its own business registration number",
                       {"field": "brn", "rule": "own_records"})
    if definition.application_closes_at is None:
        raise ApiError("conflict", "this program takes no applications: startups enter it by promotion",
                       {"rule": "application_window"})
    if definition.task(body.task_id) is None:
        raise ApiError("validation_error", f"unknown task {body.task_id!r}",
                       [{"field": "task_id", "rule": "known_task",
                         "message": f"one of {', '.join(t.id for t in definition.tasks)}"}])
    now = datetime.now(timezone.utc)
    _refuse_problems(founding_problems(body.founded_on, definition.application_closes_at,
                                       definition.founded_within_years, kst_date(now)))
    startup_id = startup_workflow_id(program_id, body.brn)
    proposal = None
    if body.proposal_document:  # pinned by its hash in the Update, as every action's documents are
        [proposal] = resolve_document_refs(session, startup_id, [body.proposal_document],
                                           kind=DocumentKind.PROPOSAL, field="proposal_document")
    command = ApplyCommand(actor=actor, request_id=request_id, application=Application(
        **body.model_dump(exclude={"proposal_document"}), proposal=proposal))
    release(session)
    result = await send_update(temporal.get_workflow_handle(program_workflow_id(program_id)), "apply", command,
                               ApplyResult, lambda err: from_rpc_error(err, "the program's call for applications"))
    if proposal is not None:  # kept for good from now on (cleanup deletes only unused uploads)
        mark_referenced(session, [proposal.id], "apply", now)
        session.commit()
    return ApplicationCreated(startup_id=result.startup_id, phase=result.phase.value)


@router.post("/{program_id}/selection", response_model=SelectionResult)
async def finalize_selection(program_id: str, body: SelectionRequest, request: Request, session: SessionDep,
                             temporal: TemporalDep,
                             actor: Authorized) -> SelectionResult:
    with refusals_recorded(session.get_bind(), actor, "finalize_selection", request.state.request_id,
                           program_id=program_id):
        _program(session, program_id)
        conflicts = declared_conflicts(session, actor.id)
        release(session)
        command = FinalizeCommand(actor=actor, request_id=request.state.request_id, reason=body.reason,
                                  conflicts=conflicts)
        return await send_update(temporal.get_workflow_handle(program_workflow_id(program_id)),
                                 "finalize_selection", command, SelectionResult,
                                 lambda err: from_rpc_error(err, "the program's call"))


# Phases in which a startup's milestones, tranches and settlement can wait on staff.
ACTIVE_PHASES = ("contracted", "in_poc", "suspended", "final_review", "settlement")
# The work items (store/work_items.py) of a submitted milestone, a requested tranche and a submitted
# settlement (one is submitted in settlement only, which its approval ends): a startup without
# one has nothing for the report's list, so its stored state is not read at all.
STAFF_WAITING_KINDS = ("review_milestone", "approve_disbursement", "approve_settlement")
_MILESTONES = TypeAdapter(list[MilestoneState])
_TRANCHES = TypeAdapter(list[TrancheState])
_SETTLEMENT = TypeAdapter(Settlement | None)
_INSTANT = TypeAdapter(AwareDatetime | None)
_COLLECTIONS = TypeAdapter(list[CollectionState])


def _with_status(stored: list[dict[str, Any]] | None, model: type[BaseModel], status: str) -> list[dict[str, Any]]:
    """The stored entries (milestones, tranches) in `status`, as `model` would read them."""
    default = model.model_fields["status"].default
    return [entry for entry in stored or [] if entry.get("status", default) == status]


def _waiting_on_staff(session: Session, program_id: str) -> list[WaitingItem]:
    """Milestones to review, tranches and settlements to approve, with how long each has waited.
    Of each stored state only the parts that say so are read (the database extracts them)."""
    state = StartupRow.__table__.c.state
    staff_work = exists().where(WorkItem.startup_id == StartupRow.startup_id,
                                col(WorkItem.kind).in_(STAFF_WAITING_KINDS))
    found = session.exec(
        select(StartupRow.startup_id, StartupRow.company_name, state["milestones"], state["tranches"],
               state["settlement"], state["observed_at"])
        .where(StartupRow.program_id == program_id, col(StartupRow.phase).in_(ACTIVE_PHASES), staff_work)).all()
    # In startup order, so that items waiting since the same instant keep one order; sorted here,
    # as ordering in the query would have the database walk every startup of the program instead.
    rows = sorted(found, key=lambda row: row[0])
    now = datetime.now(timezone.utc)
    waiting = []
    for startup_id, company_name, milestones, tranches, settlement_json, observed in rows:
        observed_at = _INSTANT.validate_python(observed)
        clock = max(now, observed_at or now)
        # Only the entries that wait are validated (their instants parsed), the others skipped as stored.
        items = [(f"review of {m.key}", m.submitted_at)
                 for m in _MILESTONES.validate_python(_with_status(milestones, MilestoneState, "submitted"))]
        items += [(f"approval of {t.key}", t.requested_at)
                  for t in _TRANCHES.validate_python(_with_status(tranches, TrancheState, "requested"))]
        settlement = _SETTLEMENT.validate_python(settlement_json)
        if settlement and settlement.submitted_at and not settlement.approved_at:
            items.append(("settlement approval", settlement.submitted_at))
        waiting += [WaitingItem(startup_id=startup_id, company_name=company_name, waiting_for=what,
                                since=since, waiting_days=round((clock - since).total_seconds() / 86400, 2))
                    for what, since in items if since]
    return sorted(waiting, key=lambda w: w.since)


class OfferSlotRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brn: BRN = PydanticField(description="The next waitlisted startup's business registration number "
                             "(예비 후보 1순위)", examples=["124-81-00998"])
    reason: Text = ""


@router.post("/{program_id}/slots/offer", response_model=CallState)
async def offer_slot(program_id: str, body: OfferSlotRequest, request: Request, session: SessionDep,
                     temporal: TemporalDep, actor: Authorized) -> CallState:
    """Offer a free slot to the next waitlisted startup, recorded with who offered it and why. A
    slot freed while someone waits is re-offered by itself; this is for a slot left free."""
    with refusals_recorded(session.get_bind(), actor, "offer_slot", request.state.request_id,
                           program_id=program_id):
        _program(session, program_id)
        conflicts = declared_conflicts(session, actor.id)
        release(session)
        command = OfferSlotCommand(actor=actor, request_id=request.state.request_id, brn=body.brn,
                                   reason=body.reason, conflicts=conflicts)
        return await send_update(temporal.get_workflow_handle(program_workflow_id(program_id)),
                                 "offer_slot", command, CallState,
                                 lambda err: from_rpc_error(err, "the program's call"))


def _owed_now(session: Session, program_id: str) -> dict[str, int]:
    """Money owed back and not yet received, by kind, from the startups that can owe it."""
    collections = StartupRow.__table__.c.state["collections"]
    rows = session.exec(select(collections).where(
        StartupRow.program_id == program_id,
        col(StartupRow.phase).in_(("settlement", "withdrawn", "terminated")))).all()
    owed = {"refund": 0, "clawback": 0}
    for stored in rows:
        for collection in _COLLECTIONS.validate_python(stored or []):
            if collection.outstanding:
                owed[collection.kind] += collection.amount
    return owed


@router.get("/{program_id}/report", response_model=Report)
async def report(program_id: str, session: SessionDep,
                 _: Authorized) -> Report:
    row = _program(session, program_id)
    definition = ProgramDefinition.model_validate(row.definition)
    counts = _counts(session, program_id)
    money_rows = session.exec(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.program_id == program_id).group_by(LedgerEntry.kind)
    ).all()
    money = {kind: 0 for kind in ("committed", "requested", "approved", "paid", "failed", "refund_due",
                                  "refunded", "clawback_due", "clawed_back", "waived", "released")}
    money.update({kind: int(total or 0) for kind, total in money_rows})
    # Running totals stay as recorded (refund_due: every refund ever owed; refunded: received);
    # what is still owed now is reported beside them, and committed is net of released grants.
    owed = _owed_now(session, program_id)
    money |= {"committed": money["committed"] - money["released"],
              "refund_owed": owed["refund"], "clawback_owed": owed["clawback"]}
    done, on_time, overdue = session.exec(
        select(func.coalesce(func.sum(StartupRow.milestones_done), 0),
               func.coalesce(func.sum(StartupRow.milestones_on_time), 0),
               func.count().filter(col(StartupRow.overdue)))
        .where(StartupRow.program_id == program_id)
    ).one()
    return Report(
        waiting_on_staff=_waiting_on_staff(session, program_id),
        program_id=program_id, stage=definition.stage.value, slots=definition.slots, budget=definition.budget,
        counts_by_phase=counts, startups=sum(counts.values()), money=money,
        milestones_accepted=int(done), milestones_on_time=int(on_time),
        on_time_rate=round(on_time / done, 4) if done else None, overdue=int(overdue),
    )


