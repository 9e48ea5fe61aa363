"""Notifications to people: the event a workflow emits (plain pydantic, workflow-safe), the kinds
of events, and the channels a person may choose. Wording lives in templates (axflow/notices/),
never here: changing a sentence never touches a workflow's history."""

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel

# The activity that turns an event into messages for people, and the daily digest's.
DELIVER_NOTIFICATION = "deliver_notification"
SEND_DAILY_DIGESTS = "send_daily_digests"

# Every kind a lifecycle emits. A person's preferences name kinds from this list; each has a
# template under axflow/notices/.
KINDS: tuple[str, ...] = (
    "ineligible", "selection_selected", "selection_rejected", "selection_waitlisted", "selection_cancelled",
    "agreement_reminder", "agreement_lapsed", "agreement_ready", "agreement_accepted", "agreement_signed",
    "disbursement_requested", "approval_overdue", "payment_received", "payment_failed",
    "milestone_reminder", "milestone_submitted", "milestone_overdue", "review_overdue",
    "milestone_accept", "milestone_revise", "deadline_extended",
    "suspended", "terminated",
    "settlement_open", "settlement_reminder", "settlement_report_overdue", "settlement_submitted",
    "settlement_approved",
    "refund_due", "refund_reminder", "refund_overdue", "refund_request_failed", "refund_received",
    "clawback_due", "clawback_reminder", "clawback_overdue", "clawback_request_failed", "clawback_received",
    "promoted",
)

EMAIL, SMS, INBOX = "email", "sms", "inbox"
# What a person chooses per kind. The in-app inbox always keeps every notification (it is the
# record of what was sent to whom), so it is not a choice.
CHOOSABLE_CHANNELS: tuple[str, ...] = (EMAIL, SMS)
# Without a choice: email for every kind; SMS/알림톡 only for kinds a person asked for.
DEFAULT_CHANNELS: tuple[str, ...] = (EMAIL,)
# Each person reads their notices in one language, Korean unless they chose English.
KOREAN, ENGLISH = "ko", "en"
NOTICE_LANGUAGES: tuple[str, ...] = (KOREAN, ENGLISH)


class NotificationEvent(BaseModel):
    """Something happened that people should hear of. `recipients` are roles, desks or "startup"
    (domain.program.Recipient); the notification activity resolves them to people."""

    key: str  # unique per event: "<startup id>:n<serial>"
    kind: str
    recipients: list[str]
    startup_id: str
    program_id: str
    brn: str
    at: AwareDatetime
    # Plain JSON values for the template: names, amounts in won, instants as ISO strings.
    data: dict[str, Any] = {}


class DigestRequest(BaseModel):
    """The daily digest of one KST calendar day ("YYYY-MM-DD"): its key, so a retry sends none twice."""

    day: str


def event_data(value: Any) -> Any:
    """A value as the event carries it (instants as ISO strings)."""
    return value.isoformat() if isinstance(value, datetime) else value
