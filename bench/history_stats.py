"""What the throughput row's lifecycles left in Temporal, read from their histories after the run
(no extra load during it): the payload bytes per lifecycle by what carries them (and the largest
carriers by activity or Update name), and the projection lag, how long after an Update completed the read model held its change.

The lag of one Update: from its `WorkflowExecutionUpdateCompleted` event to the completion of the
first `project_startup` activity scheduled at or after it (the projection that carries the change;
the activity completes after its transaction committed). Both are the Temporal server's own
timestamps, so the driver's and the API's delays are not in it."""

import json
from typing import Any

from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from bench.stats import summary_ms
from domain.io import PROJECT_STARTUP

E = EventType


def _size(payloads: Payloads) -> int:
    return sum(len(p.data) + sum(len(k) + len(v) for k, v in p.metadata.items()) for p in payloads.payloads)


def payload_bytes(event: HistoryEvent) -> tuple[str, int] | None:
    """Which kind of payload an event carries, and its bytes."""
    if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        return "start input", _size(event.workflow_execution_started_event_attributes.input)
    if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        return "activity inputs", _size(event.activity_task_scheduled_event_attributes.input)
    if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        return "activity results", _size(event.activity_task_completed_event_attributes.result)
    if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        return "update requests", _size(request.input.args)
    if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        return "update results", _size(event.workflow_execution_update_completed_event_attributes.outcome.success)
    if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        return "workflow result", _size(event.workflow_execution_completed_event_attributes.result)
    if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        return "signals", _size(event.workflow_execution_signaled_event_attributes.input)
    return None


def payload_names(events: list[HistoryEvent]) -> list[tuple[str, int]]:
    """Each payload of one history by what carries it and the activity or Update it belongs to
    (`activity inputs: project_startup`, `update requests: score`, ...), with its bytes."""
    activities: dict[int, str] = {}  # scheduled event id → activity type
    found = []
    for event in events:
        sized = payload_bytes(event)
        if sized is None:
            continue
        name = ""
        if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = activities[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
        elif event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            name = activities.get(event.activity_task_completed_event_attributes.scheduled_event_id, "")
        elif event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            name = event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        found.append((f"{sized[0]}: {name}" if name else sized[0], sized[1]))
    return found


def event_kinds(events: list[HistoryEvent]) -> list[str]:
    """Each event of one history by type, with what tells its kind apart: the marker's patch id,
    the activity's type, the signal's name (`MARKER_RECORDED: notify-outbox`, `ACTIVITY_TASK_SCHEDULED:
    project_startup`, ...): where a lifecycle's events come from."""
    activities: dict[int, str] = {}
    kinds = []
    for event in events:
        kind = E.Name(event.event_type).removeprefix("EVENT_TYPE_")
        name = ""
        if event.event_type == E.EVENT_TYPE_MARKER_RECORDED:
            details = event.marker_recorded_event_attributes.details
            name = event.marker_recorded_event_attributes.marker_name
            if "patch-data" in details and details["patch-data"].payloads:
                name = json.loads(details["patch-data"].payloads[0].data).get("id", name)
        elif event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = activities[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
        elif event.event_type in (E.EVENT_TYPE_ACTIVITY_TASK_STARTED, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED):
            attrs = (event.activity_task_started_event_attributes
                     if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_STARTED
                     else event.activity_task_completed_event_attributes)
            name = activities.get(attrs.scheduled_event_id, "")
        elif event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            name = event.workflow_execution_signaled_event_attributes.signal_name
        elif event.event_type == E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
            name = event.signal_external_workflow_execution_initiated_event_attributes.signal_name
        kinds.append(f"{kind}: {name}" if name else kind)
    return kinds


def lags_ms(events: list[HistoryEvent]) -> list[float]:
    """Each completed Update's projection lag in one history, in ms."""
    scheduled_at: dict[int, float] = {}
    projections: list[tuple[float, float]] = []  # (scheduled, completed)
    updates: list[float] = []
    for event in events:
        at = event.event_time.ToMicroseconds() / 1000
        if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED \
                and event.activity_task_scheduled_event_attributes.activity_type.name == PROJECT_STARTUP:
            scheduled_at[event.event_id] = at
        elif event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            scheduled = event.activity_task_completed_event_attributes.scheduled_event_id
            if scheduled in scheduled_at:
                projections.append((scheduled_at[scheduled], at))
        elif event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            updates.append(at)
    found = []
    for done in updates:
        carrying = [completed for scheduled, completed in projections if scheduled >= done]
        if carrying:
            found.append(min(carrying) - done)
    return found


async def history_stats(client: Client, workflow_ids: list[str]) -> dict[str, Any]:
    """Payload bytes per lifecycle by kind, history events and bytes per lifecycle, projection lag."""
    by_kind: dict[str, int] = {}
    by_name: dict[str, int] = {}
    by_type: dict[str, int] = {}
    events_total, lags = 0, []
    for workflow_id in workflow_ids:
        events = [e async for e in client.get_workflow_handle(workflow_id).fetch_history_events()]
        events_total += len(events)
        for event in events:
            sized = payload_bytes(event)
            if sized:
                by_kind[sized[0]] = by_kind.get(sized[0], 0) + sized[1]
        for name, size in payload_names(events):
            by_name[name] = by_name.get(name, 0) + size
        lags += lags_ms(events)
        for kind in event_kinds(events):
            by_type[kind] = by_type.get(kind, 0) + 1
    n = max(len(workflow_ids), 1)
    per_lifecycle = {kind: round(total / n) for kind, total in sorted(by_kind.items(), key=lambda kv: -kv[1])}
    largest = sorted(by_name.items(), key=lambda kv: -kv[1])[:6]
    return {"events_per_lifecycle": round(events_total / n, 1),
            "payload_bytes_per_lifecycle": sum(per_lifecycle.values()),
            "payload_bytes_by_kind": per_lifecycle,
            # The largest carriers by activity or Update name: where to look first.
            "payload_bytes_by_name": {name: round(total / n) for name, total in largest},
            "events_by_type": {kind: round(total / n, 2) for kind, total in sorted(by_type.items())},
            "projection_lag": summary_ms([ms / 1000 for ms in lags]) if lags else {"n": 0}}
