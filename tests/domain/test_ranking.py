"""Where an application scored again after its upheld selection appeal goes (domain.ranking)."""

from datetime import UTC, datetime, timedelta

from domain.ranking import Candidate, place_rescored

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def c(brn: str, score: float, minutes: int = 0) -> Candidate:
    return Candidate(brn=brn, average_score=score, applied_at=T0 + timedelta(minutes=minutes))


def test_a_free_slot_goes_to_it_when_nobody_waiting_ranks_above() -> None:
    placed = place_rescored(c("R", 80), [c("A", 90), c("R", 10)], [], free_slots=1, min_score=60)
    assert (placed.decision, placed.rank, placed.waitlist) == ("selected", 2, [])


def test_without_a_free_slot_it_takes_its_place_on_the_waitlist_by_score() -> None:
    ranked = [c("A", 90), c("B", 75), c("D", 65), c("R", 10)]
    placed = place_rescored(c("R", 70, 5), ranked, [c("B", 75), c("D", 65)], free_slots=0, min_score=60)
    assert (placed.decision, placed.rank, placed.waitlist) == ("waitlisted", 3, ["B", "R", "D"])


def test_an_equal_score_ranks_by_who_applied_first() -> None:
    placed = place_rescored(c("R", 75, 9), [c("B", 75, 1)], [c("B", 75, 1)], free_slots=0, min_score=60)
    assert placed.waitlist == ["B", "R"] and placed.rank == 2


def test_a_free_slot_goes_to_the_head_of_the_waitlist_when_it_ranks_above() -> None:
    # The officer offers it to the head, as the waitlist already works; the re-scored one waits behind.
    placed = place_rescored(c("R", 70), [c("B", 80)], [c("B", 80)], free_slots=1, min_score=60)
    assert (placed.decision, placed.waitlist) == ("waitlisted", ["B", "R"])


def test_below_the_minimum_it_is_rejected_again_and_leaves_the_waitlist_as_it_was() -> None:
    placed = place_rescored(c("R", 40), [c("B", 80)], [c("B", 80), c("R", 50)], free_slots=1, min_score=60)
    assert (placed.decision, placed.waitlist) == ("rejected", ["B"])
