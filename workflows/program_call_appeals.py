"""The program call and its applicants' selection appeals (patch call-waits-for-appeals).

An upheld selection appeal sends the application back to review, and only the program call ranks
it again once it is scored again. A call whose waitlist's validity ran out used to end at once, and
an appeal upheld after that left its application in review for ever. Each lifecycle now tells the
call when a selection appeal is filed and when it stops waiting (dismissed, upheld or closed as
moot; patch tell-call-of-appeals, the `selection_appeal_pending` of `applicant_changed`), and the
call does not end while one it heard of waits.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
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
