"""The projection carries only what changed (domain/state_changes.py): the read model's row and
the trail rebuilt from history still hold the whole state, an action still answers every field,
and a row that no longer holds the state the changes are relative to gets the whole state."""

from typing import Any

from sqlalchemy import text

from axflow.history import projections, run_histories
from domain.state import StartupState
from store.db import session_scope
from store.tables import StartupRow
from tests.conftest import Stack, wait_until
from tests.flows import drive, match

UNCHANGING = {"company_name", "program_name", "brn", "founded_on", "applied_at"}


def row_state(stack: Stack, startup_id: str) -> StartupState | None:
    with session_scope(stack.engine) as session:
        row = session.get(StartupRow, startup_id)
        return StartupState.model_validate(row.state) if row else None


async def project_startup_inputs(stack: Stack, startup_id: str) -> list[dict[str, Any]]:
    """What the lifecycle sent each project_startup activity, as recorded in its history."""
    history = await stack.client.get_workflow_handle(startup_id).fetch_history()
    converter = stack.client.data_converter
    return [(await converter.decode(e.activity_task_scheduled_event_attributes.input.payloads, [dict]))[0]
            for e in history.events if e.HasField("activity_task_scheduled_event_attributes")
            and e.activity_task_scheduled_event_attributes.activity_type.name == "project_startup"]


async def the_row_holds_the_last_projection(stack: Stack, startup_id: str, phase: str) -> StartupState:
    async def both() -> tuple[StartupState | None, StartupState]:
        rebuilt = await projections(stack.client.data_converter, await run_histories(stack.client, startup_id))
        return row_state(stack, startup_id), rebuilt[-1].state

    row, rebuilt = await wait_until(both, lambda found: found[0] is not None and found[0].phase.value == phase
                                    and found[0].version == found[1].version, what=f"the row in {phase}")
    assert row == rebuilt  # the activity's merge and the trail's give the same whole state
    return rebuilt


async def test_projections_carry_the_changes_and_the_row_and_trail_the_whole_state(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    state = await the_row_holds_the_last_projection(stack, startup.id, "selected")
    assert state.company_name and state.agreement_due_at is not None
    sent = await project_startup_inputs(stack, startup.id)
    assert sent[0]["base_version"] is None and UNCHANGING <= set(sent[0]["fields"])
    later = sent[1:]
    assert later and all(s["base_version"] is not None and not UNCHANGING & set(s["fields"]) for s in later)
    # The action's answer is the whole state, though the Update answered its compact JSON.
    matched = await match(stack, startup.id)
    assert matched["phase"] == "matched" and set(StartupState.model_fields) <= set(matched)
    assert matched["suspended_at"] is None and matched["milestones"] == []


async def test_a_row_that_lost_the_base_state_gets_the_whole_state(stack: Stack) -> None:
    startup = await drive(stack, "selected")
    selected = await the_row_holds_the_last_projection(stack, startup.id, "selected")
    # The row put back to an older copy (a restore): the next changes cannot be merged onto it.
    with session_scope(stack.engine) as session:
        session.exec(text("UPDATE startup SET version = 1, phase = 'under_review' WHERE startup_id = :id")
                     .bindparams(id=startup.id))  # type: ignore[call-overload]
        session.commit()
    await match(stack, startup.id)
    matched = await the_row_holds_the_last_projection(stack, startup.id, "matched")
    assert matched.company_name == selected.company_name and matched.version > selected.version
    sent = await project_startup_inputs(stack, startup.id)
    assert sent[-1]["base_version"] is None and UNCHANGING <= set(sent[-1]["fields"])
    assert sent[-2]["base_version"] == selected.version  # refused by the activity, then sent whole
