"""The words pages show for the lifecycle's values: Korean first, English beside."""

from domain.phases import Action, Phase, Stage

PHASES = {
    Phase.APPLIED: "신청 (applied)", Phase.INELIGIBLE: "자격 미달 (ineligible)",
    Phase.UNDER_REVIEW: "평가 중 (under review)", Phase.SELECTED: "선정 (selected)",
    Phase.WAITLISTED: "예비 후보 (waitlisted)", Phase.REJECTED: "탈락 (rejected)",
    Phase.MATCHED: "매칭 완료 (matched)", Phase.CONTRACTED: "협약 체결 (contracted)",
    Phase.IN_POC: "실증 수행 (in PoC)", Phase.SUSPENDED: "중지 (suspended)",
    Phase.FINAL_REVIEW: "최종평가 (final review)", Phase.SETTLEMENT: "정산 (settlement)",
    Phase.COMPLETED: "완료 (completed)", Phase.PROMOTED: "후속 단계 연계 (promoted)",
    Phase.CANCELLED: "선정 취소 (cancelled)", Phase.WITHDRAWN: "포기 (withdrawn)",
    Phase.TERMINATED: "협약 해지 (terminated)",
}
STAGES = {Stage.MICRO: "Micro 초격차 (micro)", Stage.CHOGYEOKCHA: "초격차 (chogyeokcha)",
          Stage.BEYOND: "Beyond 초격차 (beyond)"}
SECTORS = {"bio_health": "바이오·헬스 (bio & health)", "future_mobility": "미래 모빌리티 (future mobility)",
           "smart_factory": "스마트팩토리 (smart factory)", "eco_energy": "친환경·에너지 (eco & energy)",
           "chemicals": "화학 (chemicals)"}
ACTIONS = {
    Action.SCORE: "평가 점수 입력 (Score)", Action.MATCH: "수요기업 매칭 (Match)",
    Action.SIGN_AGREEMENT: "협약 체결 (Sign agreement)",
    Action.REQUEST_DISBURSEMENT: "사업비 지급 요청 (Request disbursement)",
    Action.APPROVE_DISBURSEMENT: "사업비 지급 승인 (Approve disbursement)",
    Action.SUBMIT_MILESTONE: "산출물 제출 (Submit milestone)",
    Action.REVIEW_MILESTONE: "산출물 검토 (Review milestone)",
    Action.EXTEND_DEADLINE: "기한 연장 (Extend deadline)", Action.SUSPEND: "중지 (Suspend)",
    Action.RESUME: "재개 (Resume)", Action.FINAL_EVALUATION: "최종평가 (Final evaluation)",
    Action.SUBMIT_SETTLEMENT: "정산 보고 (Submit settlement)",
    Action.APPROVE_SETTLEMENT: "정산 승인 (Approve settlement)", Action.PROMOTE: "후속 단계 연계 (Promote)",
    Action.WITHDRAW: "포기 (Withdraw)", Action.TERMINATE: "협약 해지 (Terminate)",
    Action.WAIVE_CLAWBACK: "환수 면제 결정 (Decide clawback waiver)",
    Action.RETRY_COLLECTION: "반납·환수 재요청 (Retry collection)",
    "accept-agreement": "협약 동의 (Accept agreement)",
}
# Kinds of inbox work items (store/work_items.py).
WORK_KINDS = {
    "score": "평가 점수 입력 (Score)", "match": "수요기업 매칭 (Match)", "sign_agreement": "협약 체결 (Sign agreement)",
    "final_evaluation": "최종평가 (Final evaluation)", "request_disbursement": "지급 요청 (Request disbursement)",
    "approve_disbursement": "지급 승인 (Approve disbursement)", "fix_payment": "지급 실패 처리 (Fix a failed payment)",
    "review_milestone": "산출물 검토 (Review deliverable)", "submit_milestone": "산출물 제출 (Submit deliverable)",
    "settlement_report": "정산 보고 (Settlement report)", "approve_settlement": "정산 승인 (Approve settlement)",
    "refund": "반납 (Refund)", "clawback": "환수 (Clawback)", "decide_waiver": "환수 면제 결정 (Decide waiver)",
    "accept_agreement": "협약 동의 (Accept agreement)",
}
TRANCHE_STATUS = {"locked": "대기 (locked)", "due": "요청 가능 (due)", "requested": "승인 대기 (requested)",
                  "approved": "승인됨 (approved)", "paying": "지급 중 (paying)", "paid": "지급 완료 (paid)",
                  "payment_failed": "지급 실패 (payment failed)"}
MILESTONE_STATUS = {"pending": "진행 중 (pending)", "submitted": "제출됨 (submitted)",
                    "revision_requested": "보완 요청 (revision requested)", "accepted": "승인 (accepted)"}
COLLECTION_STATUS = {"waiver_requested": "면제 심사 중 (waiver requested)", "requested": "요청됨 (requested)",
                     "received": "입금 완료 (received)", "waived": "면제 (waived)", "failed": "요청 실패 (failed)"}

# What the timeline's entries name besides the actions: what the system did, and the program's
# own acts (refused attempts list them too).
EVENTS = {
    **ACTIONS,
    "apply": "신청 (apply)", "eligibility_check": "자격 검토 (eligibility check)",
    "selection": "선정 결과 (selection)", "promoted_in": "앞 단계에서 연계 (promoted in)",
    "payment_received": "지급 완료 (payment received)", "payment_failed": "지급 실패 (payment failed)",
    "agreement_lapsed": "협약 기한 경과 (agreement lapsed)", "approval_overdue": "승인 지연 (approval overdue)",
    "milestone_overdue": "산출물 기한 지남 (milestone overdue)", "review_overdue": "검토 지연 (review overdue)",
    "settlement_report_overdue": "정산 보고 기한 지남 (settlement report overdue)",
    "finalize_selection": "선정 확정 (finalize selection)", "offer_slot": "자리 제안 (offer a slot)",
}
# What a running deadline is for (the `kind` of StartupState.next_deadline).
DEADLINES = {"agreement": "협약 체결 (agreement)", "milestone": "산출물 제출 (deliverable)",
             "revision": "보완 제출 (revision)", "settlement_report": "정산 보고 (settlement report)",
             "refund": "반납 (refund)", "clawback": "환수 (clawback)", "review": "검토 (review)",
             "approval": "승인 (approval)"}


def label(table: dict, value: object) -> str:
    """The label of `value` in `table`, or the value itself when it has none."""
    if value is None:
        return "—"
    return table.get(value, str(value))
