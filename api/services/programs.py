"""Programs: their definitions and rows, the call's state, applications, the selection and the
slots offered again. The API's /programs routes and the console's and portal's program pages
call these; the report and the dashboard's reads are in api/services/reports.py."""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import QUERY_TIMEOUT
from api.document_refs import resolve_document_refs
from api.errors import ApiError, from_rpc_error
from api.refusals import refusals_recorded
from api.schemas import ApplicationCreated, ProgramPublic, SelectionRequest
from api.services.conflicts import declared_conflicts
from api.updates import send_update
from axflow.programs import ProgramExists, create_program
from domain.commands import BRN, ApplicationBody
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
from domain.state import Actor, Application
from domain.text import Text
from domain.timeutil import kst_date
from store.db import as_utc, engine_of, release
from store.documents import mark_referenced
from store.idempotency import fingerprint
from store.tables import ProgramRow, StartupRow
from workflows.program_call import CallState, SelectionResult


class OfferSlotRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brn: BRN = PydanticField(description="The next waitlisted startup's business registration number "
                             "(예비 후보 1순위)", examples=["124-81-00998"])
    reason: Text = ""


def program_row(session: Session, program_id: str) -> ProgramRow | None:
    return session.get(ProgramRow, program_id)


def known_program(session: Session, program_id: str) -> ProgramRow:
    """The program's row; 404 when there is none."""
    row = program_row(session, program_id)
    if row is None:
        raise ApiError("not_found", f"unknown program {program_id!r}")
    return row


def program_rows(session: Session) -> list[ProgramRow]:
    """Every program, the earliest made first."""
    return list(session.exec(select(ProgramRow).order_by(col(ProgramRow.created_at))).all())


def program_choices(session: Session, *, stage: str | None = None, ids: list[str] | None = None,
                    order: Literal["created", "id"] = "created") -> list[tuple[str, str]]:
    """(id, name) of the programs (of one `stage`, or among `ids`), the earliest made first or by id."""
    query = select(ProgramRow.id, ProgramRow.name)
    if stage is not None:
        query = query.where(ProgramRow.stage == stage)
    if ids is not None:
        query = query.where(col(ProgramRow.id).in_(ids))
    query = query.order_by(col(ProgramRow.id) if order == "id" else col(ProgramRow.created_at))
    return [(program_id, name) for program_id, name in session.exec(query).all()]


def counts_by_phase(session: Session, program_id: str) -> dict[str, int]:
    rows = session.exec(
        select(StartupRow.phase, func.count()).where(StartupRow.program_id == program_id).group_by(StartupRow.phase)
    ).all()
    return {phase: n for phase, n in rows}


def applicant_phases(session: Session, program_id: str) -> dict[str, str]:
    """Startup id → phase of each of the program's startups, as the read model has it now."""
    return dict(session.exec(select(StartupRow.startup_id, StartupRow.phase)
                             .where(StartupRow.program_id == program_id)).all())


def public(session: Session, row: ProgramRow, call: CallState | None = None) -> ProgramPublic:
    return ProgramPublic(
        id=row.id, name=row.name, stage=row.stage, definition=ProgramDefinition.model_validate(row.definition),
        created_at=as_utc(row.created_at), created_by=row.created_by, counts_by_phase=counts_by_phase(session, row.id),
        call=None if call is None else {
            "window": call.window, "closed_at": call.closed_at, "applicants": len(call.applicants),
            "finalized_at": call.finalized_at, "holding_slots": len(call.holding_slots),
            "waitlist": call.waitlist, "reoffers": call.reoffers,
        },
    )


def all_programs(session: Session) -> list[ProgramPublic]:
    return [public(session, r) for r in program_rows(session)]


async def call_state(temporal: Any, program_id: str) -> CallState:
    """The program's call as its workflow answers now; raises RPCError or WorkflowQueryFailedError
    when no worker can answer."""
    return await temporal.get_workflow_handle(program_workflow_id(program_id)).query(
        "status", result_type=CallState, rpc_timeout=QUERY_TIMEOUT)


async def create_from_definition(definition: ProgramDefinition, session: Session, temporal: Any, task_queue: str,
                                 actor: Actor) -> ProgramPublic:
    """A program from a validated definition, for the API and the console's upload form alike."""
    try:
        row = await create_program(engine_of(session), temporal, task_queue, definition, actor.id)
    except ProgramExists:
        raise ApiError("conflict", f"program {definition.id!r} already exists", {"field": "id"}) from None
    return public(session, row)


async def submit_application(program_id: str, body: ApplicationBody, request_id: str, session: Session,
                             temporal: Any, actor: Actor) -> ApplicationCreated:
    """The one way an application is made, from the API and from the portal's 최종 제출 alike:
    the same checks, the same Update to the program's call (whose validator decides, by the
    server's clock, whether the window is still open), the same record of a refusal."""
    with refusals_recorded(engine_of(session), actor, "apply", request_id,
                           startup_workflow_id(program_id, body.brn), program_id):
        return await _apply(program_id, body, request_id, session, temporal, actor)


def _refuse_problems(problems: list[Problem]) -> None:
    if problems:
        raise ApiError("validation_error", "; ".join(p.message for p in problems), [p.detail() for p in problems])


async def _apply(program_id: str, body: ApplicationBody, request_id: str, session: Session, temporal: Any,
                 actor: Actor) -> ApplicationCreated:
    definition = ProgramDefinition.model_validate(known_program(session, program_id).definition)
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
    now = datetime.now(UTC)
    _refuse_problems(founding_problems(body.founded_on, definition.application_closes_at,
                                       definition.founded_within_years, kst_date(now)))
    startup_id = startup_workflow_id(program_id, body.brn)
    proposal = None
    if body.proposal_document:  # pinned by its hash in the Update, as every action's documents are
        [proposal] = resolve_document_refs(session, startup_id, [body.proposal_document],
                                           kind=DocumentKind.PROPOSAL, field="proposal_document")
    command = ApplyCommand(actor=actor, request_id=request_id, application=Application(
        **body.model_dump(exclude={"proposal_document"}), proposal=proposal))
    # The same application sent again (a client's retry after a 503 or a timeout, a double-clicked
    # 최종 제출) is the same Update: Temporal answers a repeated Update id of a run with the first
    # one's outcome, and joins one still in flight, so the retry gets the first 201, never 409
    # "already applied". Another application of the same company still meets that rule (409).
    update_id = f"apply:{body.brn}:{fingerprint('apply', body.model_dump(mode='json'))}"
    release(session)
    result = await send_update(temporal.get_workflow_handle(program_workflow_id(program_id)), "apply", command,
                               ApplyResult, lambda err: from_rpc_error(err, "the program's call for applications"),
                               update_id)
    if proposal is not None:  # kept for good from now on (cleanup deletes only unused uploads)
        mark_referenced(session, [proposal.id], "apply", now)
        session.commit()
    return ApplicationCreated(startup_id=result.startup_id, phase=result.phase.value)


async def finalize_selection(program_id: str, body: SelectionRequest, request_id: str, session: Session,
                             temporal: Any, actor: Actor) -> SelectionResult:
    """Finalize the call's selection (the API's and the call page's), refused and recorded as any action."""
    with refusals_recorded(engine_of(session), actor, "finalize_selection", request_id, program_id=program_id):
        known_program(session, program_id)
        conflicts = declared_conflicts(session, actor.id)
        release(session)
        command = FinalizeCommand(actor=actor, request_id=request_id, reason=body.reason, conflicts=conflicts)
        return await send_update(temporal.get_workflow_handle(program_workflow_id(program_id)),
                                 "finalize_selection", command, SelectionResult,
                                 lambda err: from_rpc_error(err, "the program's call"))


async def offer_slot(program_id: str, body: OfferSlotRequest, request_id: str, session: Session,
                     temporal: Any, actor: Actor) -> CallState:
    """Offer a free slot to the next waitlisted startup (the API's and the call page's)."""
    with refusals_recorded(engine_of(session), actor, "offer_slot", request_id, program_id=program_id):
        known_program(session, program_id)
        conflicts = declared_conflicts(session, actor.id)
        release(session)
        command = OfferSlotCommand(actor=actor, request_id=request_id, brn=body.brn,
                                   reason=body.reason, conflicts=conflicts)
        return await send_update(temporal.get_workflow_handle(program_workflow_id(program_id)),
                                 "offer_slot", command, CallState,
                                 lambda err: from_rpc_error(err, "the program's call"))


def calls_awaiting_selection(session: Session, now: datetime) -> list[tuple[str, str, int]]:
    """(program id, name, applicants waiting) for each call whose window has closed while some of
    its applicants are still applied or under review: a selection waits to be finalized there.
    From the read model alone, so the officer's home asks Temporal nothing."""
    waiting = dict(session.exec(select(StartupRow.program_id, func.count())
                                .where(col(StartupRow.phase).in_(("applied", "under_review")))
                                .group_by(StartupRow.program_id)).all())
    if not waiting:
        return []
    rows = session.exec(select(ProgramRow).where(col(ProgramRow.id).in_(list(waiting)))
                        .order_by(col(ProgramRow.created_at))).all()
    found = []
    for row in rows:
        closes = row.definition.get("application_closes_at")
        if closes and datetime.fromisoformat(closes) <= now:
            found.append((row.id, row.name, waiting[row.id]))
    return found
