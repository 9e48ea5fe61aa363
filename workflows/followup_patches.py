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

# An answer's revenue is checked against the company's tax filing (부가세/법인세 신고 매출) when it
# consented (`revenue_consent`), by the same activity: a difference beyond the policy's
# `revenue_tolerance_percent` is flagged and the program officer told (`followup_revenue_mismatch`);
# without consent the filing is never read and the year records `revenue_check: no_consent`.
# Deprecate 13 months after its release.
FOLLOWUP_REVENUE_CHECK = "followup-revenue-check"

# A closure the check finds (폐업) and a suspended business (휴업) are each told to the program officer
# by a notice of its own (`followup_business_closed`, `followup_business_suspended`) instead of only
# flagged in the year's record. Deprecate 13 months after its release.
FOLLOWUP_STATUS_NOTICES = "followup-status-notices"
