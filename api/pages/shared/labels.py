"""The words pages show for the lifecycle's values. Each table holds the Korean; `label()` gives
it in the page's language. The same Korean can name different things — 협약 체결 is a phase
("contracted"), an action ("sign agreement") and a deadline ("agreement") — so a table's messages
carry a gettext context, and the catalogue (api/locale/en/LC_MESSAGES/messages.po) has one entry
per context. Babel reads the tables themselves (`api.i18n.extract_labels`): their entries need no marker."""

from api.i18n import ENGLISH, current_language, gettext, pgettext
from domain.action_info import ACTION_INFO
from domain.notifications import NOTICE_LABELS
from domain.phases import Phase, Stage


class Labels(dict):
    """value → Korean label; `context` is the gettext context of its messages (None: none), and
    `fallback` a table asked for values this one lacks."""

    def __init__(self, context: str | None, entries: dict, fallback: "Labels | None" = None) -> None:
        super().__init__(entries)
        self.context, self.fallback = context, fallback

    def messages(self) -> list[tuple[str | None, str]]:
        return [(self.context, korean) for korean in self.values()]


PHASES = Labels("phase", {
    Phase.APPLIED: "신청", Phase.INELIGIBLE: "자격 미달", Phase.UNDER_REVIEW: "평가 중", Phase.SELECTED: "선정",
    Phase.WAITLISTED: "예비 후보", Phase.REJECTED: "탈락", Phase.MATCHED: "매칭 완료", Phase.CONTRACTED: "협약 체결",
    Phase.IN_POC: "실증 수행", Phase.SUSPENDED: "중지", Phase.FINAL_REVIEW: "최종평가", Phase.SETTLEMENT: "정산",
    Phase.COMPLETED: "완료", Phase.PROMOTED: "후속 단계 연계", Phase.CANCELLED: "선정 취소", Phase.WITHDRAWN: "포기",
    Phase.TERMINATED: "협약 해지",
})
STAGES = Labels(None, {Stage.MICRO: "Micro 초격차", Stage.CHOGYEOKCHA: "초격차", Stage.BEYOND: "Beyond 초격차"})
SECTORS = Labels(None, {"bio_health": "바이오·헬스", "future_mobility": "미래 모빌리티", "smart_factory": "스마트팩토리",
                        "eco_energy": "친환경·에너지", "chemicals": "화학"})
# The actions' words are their registry's (domain/action_info.py).
ACTIONS = Labels("action", {action: info.label for action, info in ACTION_INFO.items()})
# Kinds of inbox work items (store/work_items.py).
WORK_KINDS = Labels("work", {
    "score": "평가 점수 입력", "match": "수요기업 매칭", "sign_agreement": "협약 체결", "final_evaluation": "최종평가",
    "request_disbursement": "지급 요청", "approve_disbursement": "지급 승인", "fix_payment": "지급 실패 처리",
    "review_milestone": "산출물 검토", "submit_milestone": "산출물 제출", "settlement_report": "정산 보고",
    "approve_settlement": "정산 승인", "refund": "반납", "clawback": "환수", "decide_waiver": "환수 면제 결정",
    "accept_agreement": "협약 동의", "retry_collection": "반납·환수 재요청",
    "evaluate_final": "최종평가", "decide_amendment": "협약 변경 결정", "accept_amendment": "변경 협약서 동의",
    "decide_appeal": "이의신청 심의",
})
TRANCHE_STATUS = Labels("tranche", {
    "locked": "대기", "due": "요청 가능", "requested": "승인 대기", "approved": "승인됨", "paying": "지급 중",
    "paid": "지급 완료", "payment_failed": "지급 실패"})
MILESTONE_STATUS = Labels("milestone", {"pending": "진행 중", "submitted": "제출됨", "revision_requested": "보완 요청",
                                        "accepted": "승인"})
COLLECTION_STATUS = Labels("collection", {"waiver_requested": "면제 심사 중", "requested": "요청됨",
                                          "received": "입금 완료", "waived": "면제", "failed": "요청 실패"})
# The 시·도 by their short names (domain/regions.py), as a choice reads them: the official name.
REGION_NAMES = Labels("region", {
    "서울": "서울특별시", "부산": "부산광역시", "대구": "대구광역시", "인천": "인천광역시", "광주": "광주광역시",
    "대전": "대전광역시", "울산": "울산광역시", "세종": "세종특별자치시", "경기": "경기도", "강원": "강원특별자치도",
    "충북": "충청북도", "충남": "충청남도", "전북": "전북특별자치도", "전남": "전라남도", "경북": "경상북도",
    "경남": "경상남도", "제주": "제주특별자치도",
})
# The system's own actors (domain/state.py's SYSTEM_*), by their ids, as people read them.
SYSTEM_ACTORS = Labels("system actor", {
    "system:program": "공고 절차(자동)", "system:timer": "기한 알림(자동)", "system:workflow": "진행 절차(자동)",
    "system:finance": "회계 시스템(자동)",
})
# What the timeline's entries name besides the actions: what the system did, and the program's
# own acts (refused attempts list them too).
EVENTS = Labels("event", {
    "apply": "신청", "eligibility_check": "자격 검토", "selection": "선정 결과", "promoted_in": "앞 단계에서 연계",
    "payment_received": "지급 완료", "payment_failed": "지급 실패", "agreement_lapsed": "협약 기한 경과",
    "approval_overdue": "승인 지연", "milestone_overdue": "산출물 기한 지남", "review_overdue": "검토 지연",
    "amendment_overdue": "협약 변경 결정 지연",
    "settlement_report_overdue": "정산 보고 기한 지남", "finalize_selection": "선정 확정", "offer_slot": "자리 제안",
}, fallback=ACTIONS)
# What a running deadline is for (the `kind` of StartupState.next_deadline).
DEADLINES = Labels("deadline", {
    "agreement": "협약 체결", "milestone": "산출물 제출", "revision": "보완 제출", "settlement_report": "정산 보고",
    "refund": "반납", "clawback": "환수", "review": "검토", "approval": "승인"})
# Kinds of notifications, as a person's inbox and settings name them: their registry's words.
NOTICE_KINDS = Labels("notice", dict(NOTICE_LABELS))
NOTICE_CHANNELS = Labels("channel", {"email": "이메일", "sms": "문자·알림톡", "inbox": "알림함"})
TABLES = (REGION_NAMES, SYSTEM_ACTORS, NOTICE_KINDS, NOTICE_CHANNELS, PHASES, STAGES, SECTORS, ACTIONS,
          WORK_KINDS, TRANCHE_STATUS, MILESTONE_STATUS, COLLECTION_STATUS,
          EVENTS, DEADLINES)


def label(table: Labels, value: object) -> str:
    """The label of `value` in `table`, in the page's language; the value itself when it has none."""
    if value is None:
        return "—"
    if value in table:
        korean = table[value]
        return pgettext(table.context, korean) if table.context else gettext(korean)
    if table.fallback is not None and value in table.fallback:
        return label(table.fallback, value)
    return str(value)


def task_title(task: object) -> str:
    """A program task's title in the page's language: its English title on English pages when the
    program gives one, else the title as the program wrote it."""
    english = getattr(task, "title_en", "")
    return english if english and current_language() == ENGLISH else str(getattr(task, "title", ""))
