"""A lifecycle started under patch patches-in-force-at-start has every earlier patch in force and
records one patch marker for them (with the one TemporalChangeVersion upsert the SDK adds to it),
not one per patch as it meets each; lifecycles started before replay as they ran (every saved
history in tests/workflows/test_replay.py)."""

import json
import os
from pathlib import Path

from temporalio.api.enums.v1 import EventType

from domain.phases import Role
from tests.conftest import Stack
from tests.flows import drive
from workflows.lifecycle import patches

SAVED_HISTORY = Path(__file__).resolve().parents[1] / "histories" / "lifecycle-patches-in-force.json"


async def test_a_new_lifecycle_records_one_patch_marker_and_has_every_earlier_patch_in_force(stack: Stack) -> None:
    startup = await drive(stack, "in_poc")
    state = await stack.state(startup.id)
    # Patches decided at the start (the two-step agreement) and met on the way (the audit anchor
    # the projections return) took their new paths.
    assert state["agreement_two_step"] and state["audit_anchor"] is not None
    markers, version_upserts = [], 0
    async for event in stack.client.get_workflow_handle(startup.id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            details = event.marker_recorded_event_attributes.details
            markers.append(json.loads(details["patch-data"].payloads[0].data)["id"])
        elif event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            version_upserts += "TemporalChangeVersion" in fields
    assert markers == [patches.IN_FORCE_AT_START]
    assert version_upserts == 1
    if os.environ.get("AXFLOW_CAPTURE_HISTORIES") and (not SAVED_HISTORY.exists()
                                                       or os.environ["AXFLOW_CAPTURE_HISTORIES"] == "overwrite"):
        exported = await stack.call("GET", f"/startups/{startup.id}/history?format=temporal",
                                    stack.as_role(Role.AUDITOR), expect=200)
        SAVED_HISTORY.write_text(json.dumps(exported, indent=1) + "\n")
