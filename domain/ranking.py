"""The selection's ranking, and where an application goes that is scored again after its selection
appeal was upheld (이의신청 인용 후 재평가).

The selection ranks every application under review once, by average score (higher first), then by
when it applied, then by registration number. An application whose rejection or place on the
waitlist was overturned on appeal is scored again by other evaluators after that; it is then
ranked against the same order: below the minimum score it is rejected again; otherwise it takes
a free slot if one is free and nobody waiting ranks above it, else its place on the waitlist by
score (a free slot then goes to the head of the waitlist, as the waitlist already works).

Pure: plain values in, a placement out; the program call (workflows/program_call.py) applies it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Candidate:
    brn: str
    average_score: float | None
    applied_at: datetime


def rank_key(candidate: Candidate) -> tuple[float, datetime, str]:
    """The selection's order: higher average first, then earlier application, then registration number."""
    return -(candidate.average_score or 0), candidate.applied_at, candidate.brn


@dataclass(frozen=True)
class Placement:
    decision: Literal["selected", "waitlisted", "rejected"]
    # Its place in the selection's order among the applications ranked (1 = first).
    rank: int
    # The waitlist after it, in order (it is on it only when waitlisted).
    waitlist: list[str]


def place_rescored(rescored: Candidate, ranked: list[Candidate], waitlist: list[Candidate], free_slots: int,
                   min_score: float) -> Placement:
    """Where a re-scored application goes: `ranked` are the other applications the selection
    ranked, `waitlist` those waiting in order, `free_slots` the slots nobody holds."""
    key = rank_key(rescored)
    rank = 1 + sum(1 for other in ranked if other.brn != rescored.brn and rank_key(other) < key)
    waiting = [c for c in waitlist if c.brn != rescored.brn]
    order = [c.brn for c in waiting]
    if (rescored.average_score or 0) < min_score:
        return Placement("rejected", rank, order)
    place = next((i for i, c in enumerate(waiting) if key < rank_key(c)), len(waiting))
    if free_slots > 0 and place == 0:
        return Placement("selected", rank, order)
    return Placement("waitlisted", rank, order[:place] + [rescored.brn] + order[place:])
