"""A startup's clocks as data: the running deadlines and the events each clock fires, per phase.
Expected instants are worked out by hand: "due on D" is 23:59:59 KST on D = 14:59:59 UTC on D."""

from datetime import date, timedelta
from typing import Any, get_args

import pytest

from domain.clocks import (
    AllClocks,
    ClockEvent,
    ClockEventKind,
    clock_schedule,
    due_instant,
    reminder_instants,
    running_deadlines,
    take_reminder,
)
from domain.phases import Phase
from domain.program import ClockKind, DeadlinePolicy
from domain.state import Deadline, StartupState
from tests.builders import collection, kst_end_of, milestone, program, settlement, startup, tranche, utc

K = ClockEventKind
POLICY = program().policy  # the sample program: every default (reminders 7/3/1, grace 14 days, ...)

# 2025-10-03 (개천절), 2025-10-06..10-09 (추석 and its substitute, 한글날): a recorded holiday table.
HOLIDAYS = [date(2025, 10, 3), date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 8), date(2025, 10, 9)]


class RecordingFeatures:
    """Patched clocks that remember being asked: in a workflow, asking records a patch marker."""

    def __init__(self, staff: bool = True, settlement: bool = True) -> None:
        self.staff, self.settlement = staff, settlement
        self.calls: list[str] = []

    def staff_deadlines(self) -> bool:
        self.calls.append("staff_deadlines")
        return self.staff

    def settlement_reminders(self) -> bool:
        self.calls.append("settlement_reminders")
        return self.settlement


def events(state: StartupState, policy: DeadlinePolicy = POLICY, features: Any = None) -> list[ClockEvent]:
    return clock_schedule(state, policy).events(features or AllClocks())


def in_poc(*milestones: Any, **fields: Any) -> StartupState:
    return startup(Phase.IN_POC, agreement_signed_at=utc(2025, 8, 1, 1), milestones=list(milestones), **fields)


# --- agreement -----------------------------------------------------------------------------------

AGREEMENT_DUE = kst_end_of(2025, 7, 31)


@pytest.mark.parametrize("phase", [Phase.SELECTED, Phase.MATCHED])
def test_the_agreement_deadline_and_its_lapse(phase: Phase) -> None:
    schedule = clock_schedule(startup(phase, agreement_due_at=AGREEMENT_DUE), POLICY)
    assert schedule.deadlines == [Deadline(kind="agreement", at=utc(2025, 7, 31, 14, 59, 59))]
    assert schedule.next_deadline == Deadline(kind="agreement", at=utc(2025, 7, 31, 14, 59, 59))
    # The agreement clock sends no reminders by default: only the lapse.
    assert schedule.events(AllClocks()) == [ClockEvent(K.AGREEMENT_LAPSE, utc(2025, 7, 31, 14, 59, 59))]


def test_agreement_reminders_when_the_policy_asks_for_them_and_not_twice() -> None:
    policy = DeadlinePolicy(clocks={"agreement": {"reminder_days_before": [2]}})
    state = startup(Phase.MATCHED, agreement_due_at=AGREEMENT_DUE)
    assert events(state, policy) == [
        ClockEvent(K.AGREEMENT_REMINDER, utc(2025, 7, 29, 14, 59, 59)),
        ClockEvent(K.AGREEMENT_LAPSE, utc(2025, 7, 31, 14, 59, 59)),
    ]
    state = startup(Phase.MATCHED, agreement_due_at=AGREEMENT_DUE, agreement_reminders_sent=[2])
    assert events(state, policy) == [ClockEvent(K.AGREEMENT_LAPSE, utc(2025, 7, 31, 14, 59, 59))]


def test_a_signed_agreement_runs_no_agreement_clock() -> None:
    schedule = clock_schedule(in_poc(agreement_due_at=AGREEMENT_DUE), POLICY)
    assert schedule.deadlines == [] and schedule.next_deadline is None
    assert schedule.events(AllClocks()) == []


# --- milestones ----------------------------------------------------------------------------------

MIDTERM_DUE = kst_end_of(2025, 10, 15)


@pytest.mark.parametrize("phase", [Phase.CONTRACTED, Phase.IN_POC])
def test_milestone_reminders_overdue_and_suspension_after_the_grace_period(phase: Phase) -> None:
    state = startup(phase, milestones=[milestone("midterm", MIDTERM_DUE)])
    assert events(state) == [
        ClockEvent(K.MILESTONE_REMINDER, utc(2025, 10, 8, 14, 59, 59), 0, "midterm"),   # 7 days before
        ClockEvent(K.MILESTONE_REMINDER, utc(2025, 10, 12, 14, 59, 59), 0, "midterm"),  # 3 days before
        ClockEvent(K.MILESTONE_REMINDER, utc(2025, 10, 14, 14, 59, 59), 0, "midterm"),  # 1 day before
        ClockEvent(K.MILESTONE_OVERDUE, utc(2025, 10, 15, 14, 59, 59), 1, "midterm"),
        ClockEvent(K.MILESTONE_SUSPEND, utc(2025, 10, 29, 14, 59, 59), 2, "midterm"),   # + 14 days' grace
    ]
    assert clock_schedule(state, POLICY).deadlines == [
        Deadline(kind="milestone", at=utc(2025, 10, 15, 14, 59, 59), subject="midterm")]


def test_reminders_already_sent_and_an_overdue_already_marked_are_not_listed_again() -> None:
    state = in_poc(milestone("midterm", MIDTERM_DUE, reminders_sent=[7, 3]))
    assert [(e.kind, e.at) for e in events(state)] == [
        (K.MILESTONE_REMINDER, utc(2025, 10, 14, 14, 59, 59)),
        (K.MILESTONE_OVERDUE, utc(2025, 10, 15, 14, 59, 59)),
        (K.MILESTONE_SUSPEND, utc(2025, 10, 29, 14, 59, 59)),
    ]
    state = in_poc(milestone("midterm", MIDTERM_DUE, reminders_sent=[7, 3, 1], overdue=True))
    assert events(state) == [ClockEvent(K.MILESTONE_SUSPEND, utc(2025, 10, 29, 14, 59, 59), 2, "midterm")]


def test_a_revision_requested_milestone_runs_its_clock_and_a_submitted_or_accepted_one_does_not() -> None:
    state = in_poc(milestone("midterm", MIDTERM_DUE, "revision_requested", reminders_sent=[7, 3, 1]),
                   milestone("kickoff", kst_end_of(2025, 9, 1), "accepted"),
                   milestone("poc_complete", kst_end_of(2025, 12, 29), "submitted"))
    assert {e.subject for e in events(state, features=RecordingFeatures(staff=False))} == {"midterm"}


def test_events_at_one_instant_run_reminders_then_overdue_then_suspension() -> None:
    # kickoff (listed first): due 09-01, its 14 days' grace end at 09-15 23:59:59 KST;
    # midterm: due that very instant; poc_complete: due a day later, so its 1-day reminder is then too.
    state = in_poc(
        milestone("kickoff", kst_end_of(2025, 9, 1), reminders_sent=[7, 3, 1], overdue=True),
        milestone("midterm", kst_end_of(2025, 9, 15), reminders_sent=[7, 3, 1]),
        milestone("poc_complete", kst_end_of(2025, 9, 16), reminders_sent=[7, 3]),
    )
    assert events(state) == [
        ClockEvent(K.MILESTONE_REMINDER, utc(2025, 9, 15, 14, 59, 59), 0, "poc_complete"),
        ClockEvent(K.MILESTONE_OVERDUE, utc(2025, 9, 15, 14, 59, 59), 1, "midterm"),
        ClockEvent(K.MILESTONE_SUSPEND, utc(2025, 9, 15, 14, 59, 59), 2, "kickoff"),
        ClockEvent(K.MILESTONE_OVERDUE, utc(2025, 9, 16, 14, 59, 59), 1, "poc_complete"),
        ClockEvent(K.MILESTONE_SUSPEND, utc(2025, 9, 29, 14, 59, 59), 2, "midterm"),
        ClockEvent(K.MILESTONE_SUSPEND, utc(2025, 9, 30, 14, 59, 59), 2, "poc_complete"),
    ]


def test_events_at_one_instant_and_order_keep_the_order_they_were_listed_in() -> None:
    state = in_poc(milestone("midterm", MIDTERM_DUE, reminders_sent=[7, 3, 1]),
                   milestone("kickoff", MIDTERM_DUE, reminders_sent=[7, 3, 1]))
    overdue = [e.subject for e in events(state) if e.kind is K.MILESTONE_OVERDUE]
    assert overdue == ["midterm", "kickoff"]


def test_no_suspension_event_when_the_policy_does_not_suspend() -> None:
    policy = DeadlinePolicy(clocks={"milestone": {"consequence": "none", "reminder_days_before": [2]}})
    state = in_poc(milestone("midterm", MIDTERM_DUE))
    assert events(state, policy) == [
        ClockEvent(K.MILESTONE_REMINDER, utc(2025, 10, 13, 14, 59, 59), 0, "midterm"),
        ClockEvent(K.MILESTONE_OVERDUE, utc(2025, 10, 15, 14, 59, 59), 1, "midterm"),
    ]


def test_a_suspended_startup_runs_no_milestone_clock() -> None:
    state = startup(Phase.SUSPENDED, milestones=[milestone("midterm", MIDTERM_DUE)], suspended_at=utc(2025, 10, 1))
    schedule = clock_schedule(state, POLICY)
    assert schedule.deadlines == [] and schedule.events(AllClocks()) == []


def test_due_events_are_those_whose_instant_has_come() -> None:
    schedule = clock_schedule(in_poc(milestone("midterm", MIDTERM_DUE)), POLICY)
    assert schedule.due_events(AllClocks(), utc(2025, 10, 8, 14, 59, 58)) == []
    assert [e.at for e in schedule.due_events(AllClocks(), utc(2025, 10, 12, 14, 59, 59))] == [
        utc(2025, 10, 8, 14, 59, 59), utc(2025, 10, 12, 14, 59, 59)]


# --- staff clocks --------------------------------------------------------------------------------

def with_staff_work(**milestone_fields: Any) -> StartupState:
    return in_poc(
        milestone("kickoff", kst_end_of(2025, 9, 1), "submitted", submitted_at=utc(2025, 8, 28, 3),
                  **milestone_fields),
        tranches=[tranche("advance", "requested", requested_by="po-1", requested_at=utc(2025, 8, 4, 5, 30)),
                  tranche("balance")],
    )


def test_staff_clocks_run_from_the_very_instant_when_the_feature_is_on() -> None:
    assert events(with_staff_work()) == [
        ClockEvent(K.APPROVAL_LATE, utc(2025, 8, 9, 5, 30), 1, "advance"),  # 5 days after the request
        ClockEvent(K.REVIEW_LATE, utc(2025, 9, 11, 3), 1, "kickoff"),        # 14 days after the submission
    ]


def test_staff_clocks_are_not_listed_when_the_feature_is_off() -> None:
    assert events(with_staff_work(), features=RecordingFeatures(staff=False)) == []


def test_an_escalated_staff_clock_is_not_listed_again() -> None:
    state = with_staff_work(review_escalated=True)
    state.tranches[0].approval_escalated = True
    assert events(state) == []


def test_staff_clocks_are_not_deadlines_of_the_startup() -> None:
    assert clock_schedule(with_staff_work(), POLICY).deadlines == []


def test_a_business_day_staff_clock_counts_on_the_recorded_holiday_table() -> None:
    policy = DeadlinePolicy(clocks={"review": {"unit": "business", "days": 3}})
    state = in_poc(milestone("kickoff", kst_end_of(2025, 10, 15), "submitted", submitted_at=utc(2025, 10, 1, 3)),
                   holiday_table=HOLIDAYS)
    # 10-02 (1), 10-03 and 10-06..10-09 are holidays, 10-10 (2), 10-13 (3).
    assert events(state, policy) == [ClockEvent(K.REVIEW_LATE, utc(2025, 10, 13, 14, 59, 59), 1, "kickoff")]


# --- settlement ----------------------------------------------------------------------------------

REPORT_DUE = kst_end_of(2026, 3, 31)


def settling(**settlement_fields: Any) -> StartupState:
    return startup(Phase.SETTLEMENT, tranches=[tranche("advance", "paid"), tranche("balance", "paid")],
                   settlement=settlement(**settlement_fields))


def test_settlement_reminders_and_overdue_when_the_feature_is_on() -> None:
    schedule = clock_schedule(settling(due_at=REPORT_DUE), POLICY)
    assert schedule.deadlines == [Deadline(kind="settlement_report", at=utc(2026, 3, 31, 14, 59, 59))]
    assert schedule.events(AllClocks()) == [
        ClockEvent(K.SETTLEMENT_REMINDER, utc(2026, 3, 24, 14, 59, 59)),
        ClockEvent(K.SETTLEMENT_REMINDER, utc(2026, 3, 28, 14, 59, 59)),
        ClockEvent(K.SETTLEMENT_REMINDER, utc(2026, 3, 30, 14, 59, 59)),
        ClockEvent(K.SETTLEMENT_OVERDUE, utc(2026, 3, 31, 14, 59, 59), 1),
    ]


def test_settlement_reminders_already_sent_or_overdue_are_not_listed_again() -> None:
    state = settling(due_at=REPORT_DUE, reminders_sent=[7, 3])
    assert events(state) == [ClockEvent(K.SETTLEMENT_REMINDER, utc(2026, 3, 30, 14, 59, 59)),
                             ClockEvent(K.SETTLEMENT_OVERDUE, utc(2026, 3, 31, 14, 59, 59), 1)]
    assert events(settling(due_at=REPORT_DUE, reminders_sent=[7, 3, 1], overdue=True)) == []


def test_settlement_clock_is_off_without_the_feature_but_the_deadline_stays() -> None:
    schedule = clock_schedule(settling(due_at=REPORT_DUE), POLICY)
    assert schedule.events(RecordingFeatures(settlement=False)) == []
    assert schedule.next_deadline == Deadline(kind="settlement_report", at=utc(2026, 3, 31, 14, 59, 59))


@pytest.mark.parametrize("state", [
    in_poc(milestone("midterm", MIDTERM_DUE)),
    settling(due_at=REPORT_DUE, submitted_by="su-1", submitted_at=utc(2026, 3, 2)),
    settling(),  # no due date yet
    startup(Phase.SETTLEMENT),  # no settlement at all
    startup(Phase.COMPLETED, settlement=settlement(due_at=REPORT_DUE), closed_at=utc(2026, 4, 1)),
    startup(Phase.SUSPENDED, settlement=settlement(due_at=REPORT_DUE)),
], ids=["in_poc", "report_submitted", "no_due_date", "no_settlement", "completed", "suspended"])
def test_the_settlement_feature_is_not_asked_unless_a_report_is_due_and_unsubmitted(state: StartupState) -> None:
    features = RecordingFeatures()
    schedule = clock_schedule(state, POLICY)
    schedule.events(features)
    schedule.due_events(features, utc(2027, 1, 1))
    assert features.calls == ["staff_deadlines", "staff_deadlines"]


def test_the_settlement_feature_is_asked_once_per_listing_when_a_report_is_due() -> None:
    features = RecordingFeatures(settlement=False)
    schedule = clock_schedule(settling(due_at=REPORT_DUE), POLICY)
    schedule.events(features)
    assert features.calls == ["staff_deadlines", "settlement_reminders"]


# --- collections (refund 반납, clawback 환수) ------------------------------------------------------

REFUND_DUE = kst_end_of(2026, 4, 30)


def test_a_requested_collection_sends_reminders_and_falls_overdue() -> None:
    state = startup(Phase.WITHDRAWN, collections=[collection("refund", "requested", due_at=REFUND_DUE)])
    schedule = clock_schedule(state, POLICY)
    assert schedule.deadlines == [Deadline(kind="refund", at=utc(2026, 4, 30, 14, 59, 59))]
    assert schedule.events(AllClocks()) == [
        ClockEvent(K.COLLECTION_REMINDER, utc(2026, 4, 23, 14, 59, 59), 0, "refund"),
        ClockEvent(K.COLLECTION_REMINDER, utc(2026, 4, 27, 14, 59, 59), 0, "refund"),
        ClockEvent(K.COLLECTION_REMINDER, utc(2026, 4, 29, 14, 59, 59), 0, "refund"),
        ClockEvent(K.COLLECTION_OVERDUE, utc(2026, 4, 30, 14, 59, 59), 1, "refund"),
    ]


def test_a_clawback_uses_the_refund_clock_and_skips_what_was_already_done() -> None:
    state = startup(Phase.TERMINATED, collections=[
        collection("clawback", "requested", due_at=REFUND_DUE, reminders_sent=[7, 3, 1], overdue=True)])
    assert events(state) == []
    state = startup(Phase.TERMINATED, collections=[
        collection("clawback", "requested", due_at=REFUND_DUE, reminders_sent=[7])])
    assert [(e.kind, e.at, e.subject) for e in events(state)] == [
        (K.COLLECTION_REMINDER, utc(2026, 4, 27, 14, 59, 59), "clawback"),
        (K.COLLECTION_REMINDER, utc(2026, 4, 29, 14, 59, 59), "clawback"),
        (K.COLLECTION_OVERDUE, utc(2026, 4, 30, 14, 59, 59), "clawback"),
    ]


@pytest.mark.parametrize("status", ["waiver_requested", "received", "waived", "failed"])
def test_a_collection_that_is_not_requested_runs_no_clock(status: str) -> None:
    state = startup(Phase.TERMINATED, collections=[collection("clawback", status, due_at=REFUND_DUE)])
    schedule = clock_schedule(state, POLICY)
    assert schedule.deadlines == [] and schedule.events(AllClocks()) == []


# --- promotion window ----------------------------------------------------------------------------

def test_a_completed_lifecycle_closes_its_promotion_window_after_90_days() -> None:
    state = startup(Phase.COMPLETED, closed_at=utc(2026, 3, 2, 5))
    schedule = clock_schedule(state, POLICY)
    assert schedule.deadlines == []
    # 2026-03-02 + 90 days: 29 more in March, 30 in April, 31 in May.
    assert schedule.events(AllClocks()) == [ClockEvent(K.PROMOTION_WINDOW_CLOSE, utc(2026, 5, 31, 5))]


def test_no_promotion_window_once_promoted_or_without_a_closing_instant() -> None:
    assert events(startup(Phase.PROMOTED, closed_at=utc(2026, 3, 2, 5))) == []
    assert events(startup(Phase.COMPLETED)) == []


# --- running deadlines ---------------------------------------------------------------------------

def test_running_deadlines_are_listed_earliest_first() -> None:
    state = in_poc(milestone("poc_complete", kst_end_of(2025, 12, 29)),
                   milestone("kickoff", kst_end_of(2025, 9, 1), "accepted"),
                   milestone("midterm", MIDTERM_DUE, "revision_requested"))
    expected = [Deadline(kind="milestone", at=utc(2025, 10, 15, 14, 59, 59), subject="midterm"),
                Deadline(kind="milestone", at=utc(2025, 12, 29, 14, 59, 59), subject="poc_complete")]
    assert running_deadlines(state) == expected
    schedule = clock_schedule(state, POLICY)
    assert schedule.deadlines == expected and schedule.next_deadline == expected[0]


def test_a_collection_due_before_the_settlement_report_comes_first() -> None:
    state = settling(due_at=REPORT_DUE)
    state.collections = [collection("clawback", "failed", due_at=kst_end_of(2026, 3, 1)),
                         collection("refund", "requested", due_at=kst_end_of(2026, 3, 20))]
    assert running_deadlines(state) == [Deadline(kind="refund", at=utc(2026, 3, 20, 14, 59, 59)),
                                        Deadline(kind="settlement_report", at=utc(2026, 3, 31, 14, 59, 59))]


def test_no_running_deadline() -> None:
    schedule = clock_schedule(startup(Phase.UNDER_REVIEW), POLICY)
    assert schedule.deadlines == [] and schedule.next_deadline is None


def test_overdue_means_an_open_milestone_marked_overdue() -> None:
    assert clock_schedule(in_poc(milestone("midterm", MIDTERM_DUE, overdue=True)), POLICY).overdue is True
    assert clock_schedule(in_poc(milestone("midterm", MIDTERM_DUE, "accepted", overdue=True)), POLICY).overdue is False
    assert clock_schedule(in_poc(milestone("midterm", MIDTERM_DUE)), POLICY).overdue is False


# --- due_instant ---------------------------------------------------------------------------------

NOON_KST = utc(2025, 10, 1, 3)           # 12:00 KST, Wednesday 2025-10-01
AFTER_MIDNIGHT_KST = utc(2025, 10, 1, 16)  # 01:00 KST, already Thursday 2025-10-02


def test_business_days_skip_weekends_and_the_recorded_holidays() -> None:
    # From 10-01: 10-02 (1); 10-03, 10-04/05 (weekend), 10-06..10-09 skipped; 10-10 (2), 10-13..10-17 (3-7),
    # 10-20..10-22 (8-10).
    assert due_instant(POLICY, "agreement", NOON_KST, HOLIDAYS) == utc(2025, 10, 22, 14, 59, 59)
    # The same count on an empty table: only weekends are skipped.
    assert due_instant(POLICY, "agreement", NOON_KST, []) == utc(2025, 10, 15, 14, 59, 59)


def test_business_days_count_from_the_kst_day() -> None:
    # From 10-02 (KST): 10-10 (1), 10-13..10-17 (2-6), 10-20..10-23 (7-10).
    assert due_instant(POLICY, "agreement", AFTER_MIDNIGHT_KST, HOLIDAYS) == utc(2025, 10, 23, 14, 59, 59)


def test_business_days_need_the_recorded_table() -> None:
    with pytest.raises(ValueError):
        due_instant(POLICY, "agreement", NOON_KST, None)


def test_calendar_days_end_at_the_end_of_the_kst_day() -> None:
    assert due_instant(POLICY, "refund", NOON_KST, None) == utc(2025, 10, 31, 14, 59, 59)
    assert due_instant(POLICY, "refund", AFTER_MIDNIGHT_KST, None) == utc(2025, 11, 1, 14, 59, 59)
    assert due_instant(POLICY, "settlement_report", NOON_KST, None, days=10) == utc(2025, 10, 11, 14, 59, 59)
    # A milestone's length is its own: 90 days after an agreement signed on 2025-08-01 KST.
    assert due_instant(POLICY, "milestone", utc(2025, 8, 1, 1), None, days=90) == utc(2025, 10, 30, 14, 59, 59)


def test_a_milestone_clock_needs_its_length() -> None:
    with pytest.raises(ValueError):
        due_instant(POLICY, "milestone", NOON_KST, None)


@pytest.mark.parametrize(("kind", "start", "due"), [
    ("review", NOON_KST, utc(2025, 10, 15, 3)),
    ("approval", NOON_KST, utc(2025, 10, 6, 3)),
    ("approval", AFTER_MIDNIGHT_KST, utc(2025, 10, 6, 16)),
])
def test_staff_clocks_run_from_the_very_instant(kind: str, start, due) -> None:
    assert due_instant(POLICY, kind, start, None) == due


def test_a_revision_uses_the_policy_revision_days() -> None:
    assert due_instant(POLICY, "revision", NOON_KST, None) == utc(2025, 10, 15, 14, 59, 59)


# --- reminders -----------------------------------------------------------------------------------

DAYS = [7, 3, 1]


def test_reminder_instants_leave_out_those_already_sent() -> None:
    assert reminder_instants(DAYS, MIDTERM_DUE, [3]) == [utc(2025, 10, 8, 14, 59, 59), utc(2025, 10, 14, 14, 59, 59)]


@pytest.mark.parametrize(("sent", "now", "expected"), [
    ([], MIDTERM_DUE - timedelta(days=8), (None, [])),
    ([], utc(2025, 10, 8, 14, 59, 59), (7, [7])),                  # exactly 7 days before
    ([], utc(2025, 10, 13, 14, 59, 59), (3, [7, 3])),              # 7 was missed: not repeated, but marked
    ([7], utc(2025, 10, 13, 14, 59, 59), (3, [7, 3])),
    ([7, 3], utc(2025, 10, 15, 14), (1, [7, 3, 1])),
    ([], utc(2025, 10, 20), (1, [7, 3, 1])),                       # all passed: only the nearest is sent
    ([7, 3, 1], utc(2025, 10, 20), (None, [7, 3, 1])),
    ([7, 3], utc(2025, 10, 14, 14, 59, 58), (None, [7, 3])),       # a second before the 1-day reminder
])
def test_take_reminder_sends_the_nearest_passed_and_marks_every_passed_one(sent, now, expected) -> None:
    assert take_reminder(DAYS, MIDTERM_DUE, sent, now) == expected


def test_take_reminder_does_not_change_the_list_it_is_given() -> None:
    sent: list[int] = [7]
    take_reminder(DAYS, MIDTERM_DUE, sent, utc(2025, 10, 20))
    assert sent == [7]


# --- the rule of each kind ------------------------------------------------------------------------

def test_each_kind_of_clock_has_its_default_rule_and_a_program_entry_overrides_only_what_it_names() -> None:
    defaults = DeadlinePolicy(refund_days=21, reminder_days_before=[5, 1])
    assert {kind: defaults.clock(kind).kind for kind in get_args(ClockKind)} == {k: k for k in get_args(ClockKind)}
    assert (defaults.clock("refund").days, defaults.clock("refund").reminder_days_before) == (21, [5, 1])
    assert defaults.clock("agreement").consequence == "cancel_selection"
    assert defaults.clock("milestone").grace_days == defaults.suspension_grace_days
    custom = DeadlinePolicy(refund_days=21, clocks={"refund": {"reminder_days_before": [2]}})
    refund = custom.clock("refund")
    assert (refund.days, refund.reminder_days_before, refund.escalate_to) == (21, [2], ["finance_officer"])
