"""bench/throughput.asks_of: what a round's lifecycles asked of Temporal beyond their Updates and
activities, read from their histories, becomes what the baseline is asked to do beside them."""

from bench.throughput import asks_of


def test_a_lifecycles_asks_become_the_baselines_extras() -> None:
    stats = {
        "events_by_type": {
            "MARKER_RECORDED: patches-in-force-at-start": 1.0,
            "MARKER_RECORDED: core_local_activity": 3.0,  # a local activity is an activity, not a patch
            "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": 13.4,  # one of them the SDK's, with the patch marker
            "TIMER_STARTED": 5.6,
            "TIMER_CANCELED": 4.6,
            "WORKFLOW_EXECUTION_SIGNALED: payment_outcome": 3.0,
            "WORKFLOW_EXECUTION_SIGNALED: selection_decided": 1.0,
            "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: applicant_changed": 2.0,
            "EXTERNAL_WORKFLOW_EXECUTION_SIGNALED": 2.0,  # the server's word that it arrived: not a signal received
        },
        "payload_bytes_by_kind": {"update results": 92_000, "activity inputs": 66_000, "start input": 7_700},
    }
    extras, signals = asks_of(stats, updates=23, activities=33)
    assert (extras.patches, extras.upserts, extras.timers, extras.external_signals) == (1, 12, 6, 2)
    assert signals == 4
    assert (extras.result_bytes, extras.input_bytes, extras.start_bytes) == (4_000, 2_000, 7_700)
