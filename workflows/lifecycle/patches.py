"""Every `workflow.patched` id of the lifecycle, in one place.

A patch id stays while any lifecycle that started before its change may still be open. A Micro
lifecycle lives at most about 14 months (application to the end of the promotion window, with a
refund's 30 days), so a patch may be deprecated (`workflow.deprecate_patch`) 15 months after the
release that added it, and removed a release after that, once its saved history is re-captured.

A lifecycle started from patch IN_FORCE_AT_START on has every patch before it in force: the
code asks `in_force(id)` for those, and such a run records one marker instead of one per id.
A patch added after it is asked with `workflow.patched` as before (a run started between the two
releases must not see it in force).
"""

from temporalio import workflow

# The final transition is published before the last notifications go out. Added with the
# read model's lifecycle-end fix; deprecate 15 months after that release.
PUBLISH_FINAL_TRANSITION = "publish-final-transition"
# A settlement refund (반납) is collected from the finance system and ends the settlement when it
# arrives, instead of being written off as "due". Deprecate 15 months after its release.
COLLECT_REFUNDS = "collect-refunds"
# A clawback (환수) is collected, and an honest failure's may be waived by a finance officer.
# Deprecate 15 months after its release.
COLLECT_CLAWBACKS = "collect-clawbacks"
# Reminders and escalation of the settlement report. Deprecate 15 months after its release.
SETTLEMENT_CLOCK = "settlement-clock"
# Deadlines on staff (reviewing a deliverable, approving a disbursement). Deprecate 15 months
# after its release.
STAFF_DEADLINES = "staff-deadlines"
# A collection request the finance system refuses becomes a recorded failure a finance officer
# retries, instead of an error left in a background task. Deprecate 15 months after its release.
COLLECTION_REFUSAL = "collection-refusal"
# A revision without a date never ends before the milestone's own due date (a deliverable sent
# early used to get less time). Deprecate 15 months after its release.
REVISION_KEEPS_TIME = "revision-keeps-time"
# A selection given up after the agreement but before any money moved frees its slot, and the
# unpaid grant of a startup that leaves stops counting as committed. Deprecate 15 months after
# its release.
RELEASE_UNPAID_SELECTION = "release-unpaid-selection"
# Notifications go out as events (kind, recipients, facts) that an activity turns into messages
# for people, instead of a subject line built in the workflow. Deprecate 15 months after its release.
NOTIFY_PEOPLE = "notify-people"
# The agreement is signed in two steps: the startup accepts the document the system generated,
# then the program officer countersigns. Decided once, when a lifecycle starts (kept in its state
# as `agreement_two_step`, since Update validators cannot ask `patched`); lifecycles started
# before keep the officer's one-step signature. Deprecate 15 months after its release.
AGREEMENT_TWO_STEP = "agreement-two-step"
# The projection activity returns where the startup's audit chain ends (count and last keyed
# hash) and the state keeps it, so Temporal holds an anchor the database's writer cannot move.
# Deprecate 15 months after its release.
AUDIT_ANCHOR = "audit-anchor"
# The budget plan by 비목 (사업비 계획) enters the state and the agreement, and the startup keeps an
# execution ledger (집행 내역) during the PoC. Decided once, when a lifecycle starts under a program
# with budget rules (kept in its state as `budget_ledger`, since Update validators cannot ask
# `patched`); lifecycles started before keep the typed settlement. Deprecate 15 months after its release.
BUDGET_PLAN = "budget-plan"
# Notification events are recorded by the next projection (the outbox, in the transaction of
# the change) and delivered by the worker's dispatcher, instead of one activity per event on the
# lifecycle's path. Deprecate 15 months after its release.
NOTIFY_OUTBOX = "notify-outbox"
# The settlement (정산) of a lifecycle whose agreement carried a budget plan is computed from the
# ledger: per category the budget, the executed, the disallowed and the accepted, and the refund
# paid − accepted (+ interest). Decided once, when a lifecycle with `budget_ledger` starts (kept in
# its state as `settlement_from_ledger`); lifecycles started before keep the typed settlement.
# Deprecate 15 months after its release.
SETTLEMENT_FROM_LEDGER = "settlement-from-ledger"
# An approved budget change (비목 변경 승인) makes the agreement again with the new version of its
# budget table, kept with its own document hash on the plan version (the accepted agreement stays
# as it was), and the startup is told of each decision. Deprecate 15 months after its release.
BUDGET_VERSION_DOCUMENT = "budget-version-document"
# A lifecycle that ends completed or promoted starts its company's follow-up (사후관리) by the
# activity start_followup, or moves the one an earlier stage started on to this stage. Lifecycles
# started before end without it (their companies are not followed). Deprecate 15 months after
# its release.
START_FOLLOWUP = "start-followup"
# Agreement amendments (협약 변경): a lifecycle started under it may have its signed agreement
# amended (request-amendment, decide-amendment; an approved change makes the agreement's next
# version, 변경 N, which the startup accepts again). Decided once, when a two-step lifecycle starts
# (kept in its state as `amendments`, since Update validators cannot ask `patched`); lifecycles
# started before refuse an amendment. Deprecate 15 months after its release.
AGREEMENT_AMENDMENTS = "agreement-amendments"
# The program officer is told of each budget move (비목 변경): a notice-type move the startup made
# at once, and a request waiting for their decision. Lifecycles started before move money without
# telling the officer (the console's budget page shows both). Deprecate 15 months after its release.
BUDGET_CHANGE_NOTICES = "budget-change-notices"
# Appeals (이의신청): a lifecycle started under it keeps the results it may appeal with who made
# them, takes file-appeal and decide-appeal, and stays open after a rejection until the appeal
# window closes and no appeal waits. Decided once, when a lifecycle starts (kept in its state as
# `appeals`, since Update validators cannot ask `patched`); lifecycles started before refuse an
# appeal. Deprecate 15 months after its release.
APPEALS = "appeals"
# A budget move beyond its tolerance decided through decide-budget-change (the one path that moves
# money) is kept among the agreement's amendments too, in a lifecycle that has them: the request with
# its decision (kind `budget`), and an approval makes the agreement's next version (변경 N, the same
# document as the plan version's), which the startup accepts again with its password. Lifecycles
# started before keep their budget versions unaccepted, as before. Deprecate 15 months after its release.
BUDGET_AMENDMENT_VERSION = "budget-amendment-version"
# A waitlisted startup selected while its selection appeal waits has the appeal closed as moot
# (recorded with the reason, no longer waiting on the panel). Lifecycles before it kept the appeal
# pending, which nobody could decide once selected. Deprecate 15 months after its release.
MOOT_APPEALS = "moot-appeals"
# The officer who finalized the selection is among the people who made a rejection or a waitlist
# place (the program call sends who decided with the decision), so does not decide its appeal.
# Lifecycles before it noted the scorers alone. Deprecate 15 months after its release.
SELECTION_DECIDER_TOOK_PART = "selection-decider-took-part"
# The program call is told when a selection appeal is filed, dismissed or closed as moot (the
# applicant_changed signal, with selection_appeal_pending), so that it does not end while one
# waits: an upheld one comes back to it to be ranked again. Lifecycles before it told the call only
# of an upheld one, which came to a call that had ended after the waitlist's validity ran out.
# Deprecate 15 months after its release.
TELL_CALL_OF_APPEALS = "tell-call-of-appeals"
# The run loop keeps its one timer while the instant it waits for does not change (an Update that
# moves no deadline neither cancels it nor starts another), instead of a new timer per turn of the
# loop cancelled by the next change. Fewer history events per lifecycle, the same wake-ups.
# Deprecate 15 months after its release.
KEEP_WAKE_TIMER = "keep-wake-timer"
# A lifecycle started under it has every patch above in force without a marker of its own: one
# marker (and the one TemporalChangeVersion upsert the SDK adds to every new marker) instead of 24
# per lifecycle. Measured with bench/server_cost.py (bench/optimizations.md): 12 markers and their
# upserts cost the Temporal server about 44 ms of CPU per lifecycle. Asked at the start of the run
# (its first workflow task), so a lifecycle started before it, replaying, answers no and goes on
# asking each id as it did. Deprecate 15 months after its release.
IN_FORCE_AT_START = "patches-in-force-at-start"
_BEFORE_IN_FORCE_AT_START = frozenset({
    PUBLISH_FINAL_TRANSITION, COLLECT_REFUNDS, COLLECT_CLAWBACKS, SETTLEMENT_CLOCK, STAFF_DEADLINES,
    COLLECTION_REFUSAL, REVISION_KEEPS_TIME, RELEASE_UNPAID_SELECTION, NOTIFY_PEOPLE, AGREEMENT_TWO_STEP,
    AUDIT_ANCHOR, BUDGET_PLAN, NOTIFY_OUTBOX, SETTLEMENT_FROM_LEDGER, BUDGET_VERSION_DOCUMENT, START_FOLLOWUP,
    AGREEMENT_AMENDMENTS, BUDGET_CHANGE_NOTICES, APPEALS, BUDGET_AMENDMENT_VERSION, MOOT_APPEALS,
    SELECTION_DECIDER_TOOK_PART, TELL_CALL_OF_APPEALS, KEEP_WAKE_TIMER,
})


def started_under_in_force() -> bool:
    """Whether this run started under IN_FORCE_AT_START (the run loop asks it first of all)."""
    return workflow.patched(IN_FORCE_AT_START)


def in_force(patch_id: str) -> bool:
    """`workflow.patched(patch_id)` for a patch before IN_FORCE_AT_START: yes without a marker of
    its own in a lifecycle started under it, else as the lifecycle itself recorded it."""
    if patch_id not in _BEFORE_IN_FORCE_AT_START:
        raise ValueError(f"{patch_id} came after {IN_FORCE_AT_START}: ask workflow.patched")
    return started_under_in_force() or workflow.patched(patch_id)
