"""bench/history_stats.event_kinds: each history event by type, with the patch id, activity type or
signal name that tells where it comes from (the table of events per lifecycle is built on it)."""

from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from bench.history_stats import event_kinds

E = EventType


def test_events_are_told_apart_by_patch_activity_and_signal() -> None:
    marker = HistoryEvent(event_id=1, event_type=E.EVENT_TYPE_MARKER_RECORDED)
    marker.marker_recorded_event_attributes.marker_name = "core_patch"
    marker.marker_recorded_event_attributes.details["patch-data"].CopyFrom(
        Payloads(payloads=[Payload(data=b'{"id":"keep-wake-timer","deprecated":false}')]))
    scheduled = HistoryEvent(event_id=2, event_type=E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    scheduled.activity_task_scheduled_event_attributes.activity_type.name = "project_startup"
    completed = HistoryEvent(event_id=3, event_type=E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
    completed.activity_task_completed_event_attributes.scheduled_event_id = 2
    signal = HistoryEvent(event_id=4, event_type=E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
    signal.workflow_execution_signaled_event_attributes.signal_name = "payment_outcome"
    timer = HistoryEvent(event_id=5, event_type=E.EVENT_TYPE_TIMER_STARTED)
    assert event_kinds([marker, scheduled, completed, signal, timer]) == [
        "MARKER_RECORDED: keep-wake-timer", "ACTIVITY_TASK_SCHEDULED: project_startup",
        "ACTIVITY_TASK_COMPLETED: project_startup", "WORKFLOW_EXECUTION_SIGNALED: payment_outcome", "TIMER_STARTED"]
