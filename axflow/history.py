"""The readable trail of a lifecycle, built from its Temporal history.

Every state change reaches the read model through the `project_startup` activity, whose input
(recorded in history) carries the transitions with actor, role, reason and phases, and the state:
whole in histories from before ProjectedChanges and in each run's first projection, otherwise the
fields that changed since the run's previous projection. Reading those inputs back across every
run of the workflow (continue-as-new) gives the complete trail, and the state as it was at any
past instant, from Temporal alone.
"""

from datetime import datetime
from typing import Any, cast

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter

from domain.io import PROJECT_STARTUP, Projection, ProjectionInput
from domain.state import StartupState, Transition


async def run_histories(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of the workflow, oldest first, following continue-as-new links backwards."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        first = history.events[0].workflow_execution_started_event_attributes if history.events else None
        if not first or not first.continued_execution_run_id:
            break
        run_id = first.continued_execution_run_id
    return list(reversed(histories))


# A union is no `type` for the converter's signature; the pydantic converter validates either.
PROJECTION_INPUT = cast(type, ProjectionInput)


async def projections(converter: DataConverter, histories: list[WorkflowHistory]) -> list[Projection]:
    """The inputs of every `project_startup` activity, in the order they were scheduled, each with
    the whole state: one that carries only the changes since the run's previous projection
    (ProjectedChanges) is merged onto that projection's state."""
    found: list[Projection] = []
    for history in histories:
        base: dict[str, Any] = {}
        for event in history.events:
            if not event.HasField("activity_task_scheduled_event_attributes"):
                continue
            attrs = event.activity_task_scheduled_event_attributes
            if attrs.activity_type.name != PROJECT_STARTUP:
                continue
            sent = (await converter.decode(attrs.input.payloads, [PROJECTION_INPUT]))[0]
            whole = sent if isinstance(sent, Projection) else sent.on(base)
            base = whole.state.model_dump(mode="json")
            found.append(whole)
    return found


def transitions(recorded: list[Projection]) -> list[Transition]:
    by_seq: dict[int, Transition] = {}
    for projection in recorded:
        for t in projection.transitions:
            by_seq.setdefault(t.seq, t)
    return [by_seq[seq] for seq in sorted(by_seq)]


def state_as_of(recorded: list[Projection], instant: datetime) -> StartupState | None:
    """The state after the last transition made at or before `instant` (None: not yet applied)."""
    found = None
    for projection in recorded:
        if projection.transitions and max(t.at for t in projection.transitions) <= instant:
            found = projection.state
    return found


def raw(histories: list[WorkflowHistory]) -> Any:
    """Temporal's own JSON: one history object, or a list when the lifecycle spans several runs."""
    dicts = [h.to_json_dict() for h in histories]
    return dicts[0] if len(dicts) == 1 else dicts
