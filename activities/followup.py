"""The follow-up's notices: for now a recorded stub.

The FollowUp workflow asks this activity to tell people that a survey opened, a reminder, or that
an answer is late; the activity logs the notice and delivers nothing yet. Delivery goes through
`deliver_notification` once the follow-up kinds have their templates (axflow/notices/) and the
portal has the survey form: see docs/followup.md. Nothing in the workflow changes then but the
activity it names, under a patch.
"""

import structlog
from temporalio import activity

from domain.followup_io import FOLLOWUP_NOTICE, FollowUpNotice

log = structlog.get_logger()


@activity.defn(name=FOLLOWUP_NOTICE)
def followup_notice(notice: FollowUpNotice) -> None:
    info = activity.info()
    log.info("follow-up notice (not delivered yet)", key=notice.key, kind=notice.kind, brn=notice.brn,
             year=notice.year, recipients=notice.recipients, workflow_id=info.workflow_id,
             run_id=info.workflow_run_id, attempt=info.attempt)
