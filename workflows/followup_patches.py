"""Every `workflow.patched` id of the FollowUp workflow (workflows/followup.py), in one place.

A follow-up lives for years (five surveys, one run each): a patch id stays while a run that
started before its change may still be open, which is at most one follow-up year (a run ends when
its survey closes, and the next year's run starts under the new code), so a patch may be
deprecated (`workflow.deprecate_patch`) 13 months after the release that added it.
"""

# The notices go to `deliver_notification` (the lifecycle's delivery: inbox, mail, SMS where
# chosen) as events of the follow-up's NoticeKinds, instead of the logging stub `followup_notice`.
# Deprecate 13 months after its release.
FOLLOWUP_DELIVER = "followup-deliver"

# Each recorded year is written into the read model (store/followup_tables.py) by the activity
# `project_followup_year`, for the program's outcome report; runs from before record theirs in
# the workflow only. Deprecate 13 months after its release.
FOLLOWUP_PROJECTION = "followup-projection"

# An answer is checked against the employment-insurance register (고용보험 피보험자 수) by the
# activity `check_followup_figures`: a typed head count off by more than the policy's tolerance is
# flagged in the year's record and the program officer is told (never corrected); a register that
# cannot answer leaves the year `unchecked`. Deprecate 13 months after its release.
FOLLOWUP_CHECKED_FIGURES = "followup-checked-figures"
