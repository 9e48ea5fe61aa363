"""Notifications to people: the event a workflow emits (plain pydantic, workflow-safe), the kinds
of events, and the channels a person may choose. Wording lives in templates (axflow/notices/),
never here: changing a sentence never touches a workflow's history."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel

from domain.words import NP_

# The activity that turns an event into messages for people, and the daily digest's.
DELIVER_NOTIFICATION = "deliver_notification"
SEND_DAILY_DIGESTS = "send_daily_digests"

class NoticeKind(StrEnum):
    """Every kind of notice a lifecycle sends. A member is its string (the events, the outbox, a
    person's preferences and the histories keep it as it was); each has a template under
    axflow/notices/templates/<kind>.txt and a label in NOTICE_LABELS. Sent by its member, never
    by a name built from parts, so a search for a kind finds where it is sent."""

    INELIGIBLE = "ineligible"
    SELECTION_SELECTED = "selection_selected"
    SELECTION_REJECTED = "selection_rejected"
    SELECTION_WAITLISTED = "selection_waitlisted"
    SELECTION_CANCELLED = "selection_cancelled"
    AGREEMENT_REMINDER = "agreement_reminder"
    AGREEMENT_LAPSED = "agreement_lapsed"
    AGREEMENT_READY = "agreement_ready"
    AGREEMENT_ACCEPTED = "agreement_accepted"
    AGREEMENT_SIGNED = "agreement_signed"
    DISBURSEMENT_REQUESTED = "disbursement_requested"
    APPROVAL_OVERDUE = "approval_overdue"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_FAILED = "payment_failed"
    MILESTONE_REMINDER = "milestone_reminder"
    MILESTONE_SUBMITTED = "milestone_submitted"
    MILESTONE_OVERDUE = "milestone_overdue"
    REVIEW_OVERDUE = "review_overdue"
    MILESTONE_ACCEPT = "milestone_accept"
    MILESTONE_REVISE = "milestone_revise"
    DEADLINE_EXTENDED = "deadline_extended"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    SETTLEMENT_OPEN = "settlement_open"
    SETTLEMENT_REMINDER = "settlement_reminder"
    SETTLEMENT_REPORT_OVERDUE = "settlement_report_overdue"
    SETTLEMENT_SUBMITTED = "settlement_submitted"
    SETTLEMENT_APPROVED = "settlement_approved"
    REFUND_DUE = "refund_due"
    REFUND_REMINDER = "refund_reminder"
    REFUND_OVERDUE = "refund_overdue"
    REFUND_REQUEST_FAILED = "refund_request_failed"
    REFUND_RECEIVED = "refund_received"
    CLAWBACK_DUE = "clawback_due"
    CLAWBACK_REMINDER = "clawback_reminder"
    CLAWBACK_OVERDUE = "clawback_overdue"
    CLAWBACK_REQUEST_FAILED = "clawback_request_failed"
    CLAWBACK_RECEIVED = "clawback_received"
    PROMOTED = "promoted"
    BUDGET_CHANGE_DECIDED = "budget_change_decided"
    # A budget move the program officer reads (a notice, applied at once) or decides (a request).
    BUDGET_CHANGE_NOTICED = "budget_change_noticed"
    BUDGET_CHANGE_REQUESTED = "budget_change_requested"
    # Agreement amendments (협약 변경, workflows/lifecycle/amendments.py): a request the officer reads
    # (or decides), the decision the startup reads, and a decision that waits too long.
    AMENDMENT_REQUESTED = "amendment_requested"
    AMENDMENT_DECIDED = "amendment_decided"
    AMENDMENT_OVERDUE = "amendment_overdue"
    # Appeals (이의신청): the officers told of a filing, the startup of the panel's decision and its reason.
    APPEAL_FILED = "appeal_filed"
    APPEAL_DECIDED = "appeal_decided"
    # The follow-up's (사후관리, workflows/followup.py): sent by the FollowUp workflow, not a lifecycle.
    FOLLOWUP_SURVEY_OPEN = "followup_survey_open"
    FOLLOWUP_SURVEY_REMINDER = "followup_survey_reminder"
    FOLLOWUP_SURVEY_OVERDUE = "followup_survey_overdue"
    FOLLOWUP_SURVEY_CLOSED = "followup_survey_closed"
    # A typed figure the public register does not bear out (고용보험): for the program officer to look at.
    FOLLOWUP_FIGURES_MISMATCH = "followup_figures_mismatch"
    # The typed revenue the company's tax filing (read with its consent) does not bear out.
    FOLLOWUP_REVENUE_MISMATCH = "followup_revenue_mismatch"
    # The check found the company closed (폐업: its follow-up ended) or suspended (휴업).
    FOLLOWUP_BUSINESS_CLOSED = "followup_business_closed"
    FOLLOWUP_BUSINESS_SUSPENDED = "followup_business_suspended"
    # The evaluator pool's (평가위원 풀, api/services/evaluator_notices.py): sent by the API to the one
    # evaluator concerned, not by a lifecycle: invited into a pool, assigned to panels, excluded (제척).
    EVALUATOR_INVITED = "evaluator_invited"
    EVALUATOR_ASSIGNED = "evaluator_assigned"
    EVALUATOR_EXCLUDED = "evaluator_excluded"


# What a person's inbox and notification settings call each kind: Korean, English in the catalogue.
NOTICE_LABELS: dict[NoticeKind, str] = {
    NoticeKind.INELIGIBLE: NP_("notice", "자격 미달 안내"),
    NoticeKind.SELECTION_SELECTED: NP_("notice", "선정 안내"),
    NoticeKind.SELECTION_REJECTED: NP_("notice", "탈락 안내"),
    NoticeKind.SELECTION_WAITLISTED: NP_("notice", "예비 후보 안내"),
    NoticeKind.SELECTION_CANCELLED: NP_("notice", "선정 취소 안내"),
    NoticeKind.AGREEMENT_REMINDER: NP_("notice", "협약 체결 기한 알림"),
    NoticeKind.AGREEMENT_LAPSED: NP_("notice", "협약 기한 경과"),
    NoticeKind.AGREEMENT_READY: NP_("notice", "협약서 준비"),
    NoticeKind.AGREEMENT_ACCEPTED: NP_("notice", "스타트업 협약 동의"),
    NoticeKind.AGREEMENT_SIGNED: NP_("notice", "협약 체결"),
    NoticeKind.DISBURSEMENT_REQUESTED: NP_("notice", "사업비 지급 요청"),
    NoticeKind.APPROVAL_OVERDUE: NP_("notice", "승인 지연"),
    NoticeKind.PAYMENT_RECEIVED: NP_("notice", "지급 완료"),
    NoticeKind.PAYMENT_FAILED: NP_("notice", "지급 실패"),
    NoticeKind.MILESTONE_REMINDER: NP_("notice", "산출물 기한 알림"),
    NoticeKind.MILESTONE_SUBMITTED: NP_("notice", "산출물 제출"),
    NoticeKind.MILESTONE_OVERDUE: NP_("notice", "산출물 기한 지남"),
    NoticeKind.REVIEW_OVERDUE: NP_("notice", "검토 지연"),
    NoticeKind.MILESTONE_ACCEPT: NP_("notice", "산출물 승인"),
    NoticeKind.MILESTONE_REVISE: NP_("notice", "산출물 보완 요청"),
    NoticeKind.DEADLINE_EXTENDED: NP_("notice", "기한 연장"),
    NoticeKind.SUSPENDED: NP_("notice", "중지"),
    NoticeKind.TERMINATED: NP_("notice", "협약 해지"),
    NoticeKind.SETTLEMENT_OPEN: NP_("notice", "정산 시작"),
    NoticeKind.SETTLEMENT_REMINDER: NP_("notice", "정산 보고 기한 알림"),
    NoticeKind.SETTLEMENT_REPORT_OVERDUE: NP_("notice", "정산 보고 기한 지남"),
    NoticeKind.SETTLEMENT_SUBMITTED: NP_("notice", "정산 보고 제출"),
    NoticeKind.SETTLEMENT_APPROVED: NP_("notice", "정산 승인"),
    NoticeKind.REFUND_DUE: NP_("notice", "반납 요청"),
    NoticeKind.REFUND_REMINDER: NP_("notice", "반납 기한 알림"),
    NoticeKind.REFUND_OVERDUE: NP_("notice", "반납 기한 지남"),
    NoticeKind.REFUND_REQUEST_FAILED: NP_("notice", "반납 요청 실패"),
    NoticeKind.REFUND_RECEIVED: NP_("notice", "반납 입금 확인"),
    NoticeKind.CLAWBACK_DUE: NP_("notice", "환수 요청"),
    NoticeKind.CLAWBACK_REMINDER: NP_("notice", "환수 기한 알림"),
    NoticeKind.CLAWBACK_OVERDUE: NP_("notice", "환수 기한 지남"),
    NoticeKind.CLAWBACK_REQUEST_FAILED: NP_("notice", "환수 요청 실패"),
    NoticeKind.CLAWBACK_RECEIVED: NP_("notice", "환수 입금 확인"),
    NoticeKind.PROMOTED: NP_("notice", "후속 단계 연계"),
    NoticeKind.BUDGET_CHANGE_DECIDED: NP_("notice", "비목 변경 결정"),
    NoticeKind.BUDGET_CHANGE_NOTICED: NP_("notice", "비목 변경 통보"),
    NoticeKind.BUDGET_CHANGE_REQUESTED: NP_("notice", "비목 변경 승인 요청"),
    NoticeKind.AMENDMENT_REQUESTED: NP_("notice", "협약 변경 신청"),
    NoticeKind.AMENDMENT_DECIDED: NP_("notice", "협약 변경 결정"),
    NoticeKind.AMENDMENT_OVERDUE: NP_("notice", "협약 변경 결정 지연"),
    NoticeKind.APPEAL_FILED: NP_("notice", "이의신청 접수"),
    NoticeKind.APPEAL_DECIDED: NP_("notice", "이의신청 심의 결과"),
    NoticeKind.FOLLOWUP_SURVEY_OPEN: NP_("notice", "성과 조사 요청"),
    NoticeKind.FOLLOWUP_SURVEY_REMINDER: NP_("notice", "성과 조사 기한 알림"),
    NoticeKind.FOLLOWUP_SURVEY_OVERDUE: NP_("notice", "성과 조사 미제출"),
    NoticeKind.FOLLOWUP_SURVEY_CLOSED: NP_("notice", "성과 조사 마감"),
    NoticeKind.FOLLOWUP_FIGURES_MISMATCH: NP_("notice", "성과 조사 수치 불일치"),
    NoticeKind.FOLLOWUP_REVENUE_MISMATCH: NP_("notice", "성과 조사 매출 불일치"),
    NoticeKind.FOLLOWUP_BUSINESS_CLOSED: NP_("notice", "사후관리 기업 폐업"),
    NoticeKind.FOLLOWUP_BUSINESS_SUSPENDED: NP_("notice", "사후관리 기업 휴업"),
    NoticeKind.EVALUATOR_INVITED: NP_("notice", "평가위원 풀 초대"),
    NoticeKind.EVALUATOR_ASSIGNED: NP_("notice", "평가 배정"),
    NoticeKind.EVALUATOR_EXCLUDED: NP_("notice", "평가 제척"),
}
# A person's preferences name kinds from this list.
KINDS: tuple[NoticeKind, ...] = tuple(NoticeKind)


@dataclass(frozen=True)
class CollectionNotices:
    """The notices of money owed back, for one kind of collection (a refund or a clawback)."""

    due: NoticeKind
    reminder: NoticeKind
    overdue: NoticeKind
    request_failed: NoticeKind
    received: NoticeKind


COLLECTION_NOTICES: dict[str, CollectionNotices] = {
    "refund": CollectionNotices(NoticeKind.REFUND_DUE, NoticeKind.REFUND_REMINDER, NoticeKind.REFUND_OVERDUE,
                                NoticeKind.REFUND_REQUEST_FAILED, NoticeKind.REFUND_RECEIVED),
    "clawback": CollectionNotices(NoticeKind.CLAWBACK_DUE, NoticeKind.CLAWBACK_REMINDER, NoticeKind.CLAWBACK_OVERDUE,
                                  NoticeKind.CLAWBACK_REQUEST_FAILED, NoticeKind.CLAWBACK_RECEIVED),
}
# The selection's decision and a deliverable's review, by their values, as the notice each sends.
SELECTION_NOTICES: dict[str, NoticeKind] = {"selected": NoticeKind.SELECTION_SELECTED,
                                            "rejected": NoticeKind.SELECTION_REJECTED,
                                            "waitlisted": NoticeKind.SELECTION_WAITLISTED}
REVIEW_NOTICES: dict[str, NoticeKind] = {"accept": NoticeKind.MILESTONE_ACCEPT, "revise": NoticeKind.MILESTONE_REVISE}

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
