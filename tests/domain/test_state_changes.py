"""What a projection carries of the state (domain/state_changes.py): only the fields that changed,
from which the whole state is put together again exactly."""

from typing import Any

from domain.io import ProjectedChanges
from domain.phases import Phase
from domain.state import Deadline, StartupState
from domain.state_changes import changed_fields, compact_json, fingerprints, with_changes
from tests.builders import milestone, startup, tranche, utc


def changes(before_state: StartupState, after_state: StartupState) -> dict[str, Any]:
    fields = compact_json(after_state)
    return changed_fields(fields, fingerprints(fields), fingerprints(compact_json(before_state)))


def test_the_compact_state_validates_to_the_same_state() -> None:
    state = startup(Phase.IN_POC, tranches=[tranche("advance", "paid", paid_at=utc(2025, 9, 1))],
                    milestones=[milestone("m1", utc(2025, 10, 1))], agreement_signed_at=utc(2025, 8, 1))
    compact = compact_json(state)
    assert "suspended_at" not in compact and "status" not in compact["milestones"][0]  # defaults left out
    assert with_changes({}, compact) == state


def test_only_the_changed_fields_are_carried_and_merge_onto_the_previous_state() -> None:
    before = startup(Phase.IN_POC, milestones=[milestone("m1", utc(2025, 10, 1))], version=4)
    after = before.model_copy(deep=True)
    after.milestones[0].status, after.milestones[0].submissions = "submitted", 1
    after.version = 5
    carried = changes(before, after)
    assert set(carried) == {"milestones", "version"}
    assert with_changes(before.model_dump(mode="json"), carried) == after


def test_a_field_back_at_its_default_is_carried_with_its_default() -> None:
    before = startup(Phase.SUSPENDED, suspended_at=utc(2025, 9, 1), suspended_from=Phase.IN_POC,
                     next_deadline=Deadline(kind="milestone", at=utc(2025, 10, 1)), overdue=True)
    after = before.model_copy(update={"phase": Phase.IN_POC, "suspended_at": None, "suspended_from": None,
                                      "next_deadline": None, "overdue": False})
    carried = changes(before, after)
    assert carried == {"phase": "in_poc", "suspended_at": None, "suspended_from": None, "next_deadline": None,
                       "overdue": False}
    assert with_changes(before.model_dump(mode="json"), carried) == after


def test_a_run_s_first_projection_carries_the_whole_state_and_needs_no_base() -> None:
    state = startup(Phase.UNDER_REVIEW, version=2)
    first = ProjectedChanges(startup_id=state.startup_id, version=2, base_version=None, fields=compact_json(state))
    assert first.on({"phase": "withdrawn", "company_name": "다른 회사"}).state == state
