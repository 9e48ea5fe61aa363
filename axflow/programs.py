"""Creating programs: the definition row plus, for a program with an application window, its
ProgramCall workflow. Used by `POST /programs` and by `axflow dev` to load the samples."""

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.io import program_workflow_id
from domain.program import ProgramDefinition
from store.db import session_scope
from store.tables import ProgramRow
from workflows.program_call import ProgramCall, ProgramCallInput

SAMPLES = Path(__file__).resolve().parent / "programs"


class ProgramExists(Exception):
    pass


def sample_definitions() -> list[ProgramDefinition]:
    return [ProgramDefinition.model_validate(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(SAMPLES.glob("*.json"))]


async def create_program(engine: Engine, client: Client, task_queue: str, definition: ProgramDefinition,
                         created_by: str) -> ProgramRow:
    with session_scope(engine) as session:
        if session.get(ProgramRow, definition.id) is not None:
            raise ProgramExists(definition.id)
    handle = None
    if definition.application_closes_at is not None:
        try:
            handle = await client.start_workflow(
                ProgramCall.run,
                ProgramCallInput(program=definition),
                id=program_workflow_id(definition.id),
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError as err:
            raise ProgramExists(definition.id) from err
    row = ProgramRow(id=definition.id, name=definition.name, stage=definition.stage.value,
                     definition=definition.model_dump(mode="json"), created_at=datetime.now(UTC),
                     created_by=created_by)
    try:
        with session_scope(engine) as session:
            session.add(row)
            session.commit()
    except Exception:
        # Nothing half-created: without its row the program's workflow must not live on.
        if handle is not None:
            await handle.terminate("program row could not be written")
        raise
    return row


def load_program(engine: Engine, program_id: str) -> ProgramDefinition | None:
    with session_scope(engine) as session:
        row = session.get(ProgramRow, program_id)
    return ProgramDefinition.model_validate(row.definition) if row else None
