"""The program call and its applicants' selection appeals (patch call-waits-for-appeals).

An upheld selection appeal sends the application back to review, and only the program call ranks
it again once it is scored again. A call whose waitlist's validity ran out used to end at once, and
an appeal upheld after that left its application in review for ever. Each lifecycle now tells the
call when a selection appeal is filed and when it stops waiting (dismissed, upheld or closed as
moot; patch tell-call-of-appeals, the `selection_appeal_pending` of `applicant_changed`), and the
call does not end while one it heard of waits. Nor, under patch late-results-appealable, before the
appeal window of a rejection or waitlist place it made when ranking an application again has closed.
"""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.appeals import AppealPolicy, window_closes_at
    from domain.io import ApplicantUpdate

# Calls begun before it ended when the waitlist expired whatever appeal waited. Asked only when an
# appeal waits, so a call that never heard of one replays as before. Deprecate once no program call
# begun before its release is open.
CALL_WAITS_FOR_APPEALS = "call-waits-for-appeals"


def note_selection_appeal(waiting: list[str], update: ApplicantUpdate) -> bool:
    """Keep `waiting` (the applicants whose selection appeal waits) current; True when one stopped
    waiting, so that the run loop looks whether the call may end."""
    if update.selection_appeal_pending:
        if update.brn not in waiting:
            waiting.append(update.brn)
        return False
    if update.brn in waiting:
        waiting.remove(update.brn)
        return True
    return False


def appeals_hold_call(waiting: list[str]) -> bool:
    """Whether a waiting selection appeal keeps the call open past the waitlist's expiry."""
    return bool(waiting) and workflow.patched(CALL_WAITS_FOR_APPEALS)


# A rejection or a waitlist place the call makes after the selection (an application ranked again)
# is a new result, appealable in its own window: under it the call does not end before that window
# has closed (a day's margin: the lifecycle notes the result when the call's signal reaches it), so
# that an appeal filed in it is heard. Calls begun before it ended as soon as nothing was scored.
# Deprecate once no program call begun before its release is open.
LATE_RESULTS_APPEALABLE = "late-results-appealable"


def late_result_window(until: datetime | None, policy: AppealPolicy) -> datetime | None:
    """When the appeal windows of the results the call made after the selection have all closed."""
    if not workflow.patched(LATE_RESULTS_APPEALABLE):
        return until
    closes = window_closes_at(workflow.now(), policy) + timedelta(days=1)
    return closes if until is None else max(until, closes)


def late_window_open(until: datetime | None) -> bool:
    return until is not None and workflow.now() < until


def held_open(waiting: list[str], late_until: datetime | None) -> bool:
    """Whether the call, its waitlist expired and nothing being scored again, still may not end."""
    return appeals_hold_call(waiting) or late_window_open(late_until)
