"""Each lifecycle action described once: the words people read for it, the body it takes and
what the API's documentation says about it. Who may take it and its own rule are `ACTION_RULES`
(domain/rules.py), beside it; its Update and validator are `workflows/lifecycle/workflow.py`'s.
Everything else follows from these two tables: the API validates with `ACTION_BODIES`, the OpenAPI
schema shows `summary`, `when` and `example`, and the pages name the action by `label` (Korean
here, English in the catalogue under the context "action").

A new action: a member of `domain.phases.Action`, its `ActionInfo` here, its `ActionRule`, its
handler and Update; tests/domain/test_action_info.py fails until each is there."""

from dataclasses import dataclass
from typing import Any

from domain.change_commands import DecideAmendmentBody, DecideAppealBody, FileAppealBody, RequestAmendmentBody
from domain.commands import (
    AcceptAgreementBody,
    Body,
    CancelExpenseBody,
    DecideBudgetChangeBody,
    DisbursementBody,
    ExtendDeadlineBody,
    FinalEvaluationBody,
    MatchBody,
    PromoteBody,
    RecordExpenseBody,
    RequestBudgetChangeBody,
    RequestDisbursementBody,
    RetryCollectionBody,
    ReviewExpenseBody,
    ReviewMilestoneBody,
    ScoreBody,
    SignAgreementBody,
    SubmitBudgetPlanBody,
    SubmitMilestoneBody,
    SubmitSettlementBody,
    TerminateBody,
    WaiveClawbackBody,
)
from domain.phases import Action
from domain.words import NP_


@dataclass(frozen=True)
class ActionInfo:
    # What people call it (the console's forms and timeline, the portal), Korean.
    label: str
    # The body the action takes: the API and the Update validate with it.
    body: type[Body]
    # The OpenAPI schema's title, its "when" line and the request's example.
    summary: str
    when: str
    example: dict[str, Any]


ACTION_INFO: dict[Action, ActionInfo] = {
    Action.SCORE: ActionInfo(
        NP_("action", "평가 점수 입력"), ScoreBody,
        "평가 점수 입력 · Score a round", "under_review; once per round per evaluator",
        {"round": "document", "score": 85, "reason": "사업화 가능성 우수, 기술 완성도 보통"}),
    Action.MATCH: ActionInfo(
        NP_("action", "수요기업 매칭"), MatchBody,
        "수요기업 매칭 · Match with an SME partner", "selected or matched (a new match replaces the old)",
        {"partners": [{"name": "㈜경남정밀", "brn": "613-81-00014", "region": "경남", "role": "lead"}],
         "reason": "스마트팩토리 실증 수요 일치"}),
    Action.ACCEPT_AGREEMENT: ActionInfo(
        NP_("action", "협약 동의"), AcceptAgreementBody,
        "협약 동의 · Accept the agreement (the startup, password re-entered)",
        "matched, once the agreement is generated; by the startup itself, with the SHA-256 of the "
        "agreement it read (agreement_document.sha256) and its password",
        {"agreement_sha256": "9f2c4e0b7a1d3c5e8f6a2b4d0c1e3f5a7b9d2c4e6f8a0b1c3d5e7f9a2b4c6d8e",
         "password": "본인 비밀번호", "reason": "협약 내용 확인 후 동의"}),
    Action.SIGN_AGREEMENT: ActionInfo(
        NP_("action", "협약 체결"), SignAgreementBody,
        "협약 체결(서명) · Sign (countersign) the agreement",
        "matched, before the agreement deadline; where the startup accepts first (lifecycles with "
        "agreement_two_step), only after it accepted the current agreement",
        {"agreement_no": "2025-AI-0001", "reason": "스타트업 동의 확인 후 서명"}),
    Action.REQUEST_DISBURSEMENT: ActionInfo(
        NP_("action", "사업비 지급 요청"), RequestDisbursementBody,
        "사업비 지급 요청 · Request a tranche", "contracted … settlement, once the tranche's trigger happened",
        {"tranche": "advance", "reason": "협약 체결에 따른 선금 지급 요청"}),
    Action.APPROVE_DISBURSEMENT: ActionInfo(
        NP_("action", "사업비 지급 승인"), DisbursementBody,
        "사업비 지급 승인 · Approve a tranche", "a requested tranche; never by the officer who requested it",
        {"tranche": "advance", "reason": "증빙 확인 완료"}),
    Action.SUBMIT_MILESTONE: ActionInfo(
        NP_("action", "산출물 제출"), SubmitMilestoneBody,
        "산출물 제출 · Submit a milestone's deliverable", "in_poc; by the startup itself",
        {"milestone": "midterm", "deliverable": "중간보고서 v1 (PoC 1차 결과)", "reason": ""}),
    Action.REVIEW_MILESTONE: ActionInfo(
        NP_("action", "산출물 검토"), ReviewMilestoneBody,
        "산출물 검토 · Review a deliverable (accept, or revise by a date)", "in_poc, a submitted milestone",
        {"milestone": "midterm", "decision": "revise", "revise_due_on": "2025-10-15",
         "reason": "실증 데이터 보완 필요"}),
    Action.EXTEND_DEADLINE: ActionInfo(
        NP_("action", "기한 연장"), ExtendDeadlineBody,
        "기한 연장 · Extend a deadline", "selected … suspended",
        {"deadline": "midterm", "new_due_on": "2025-11-30", "shift_later": True, "reason": "수요기업 설비 교체 지연"}),
    Action.SUSPEND: ActionInfo(
        NP_("action", "중지"), Body,
        "사업 일시중지 · Suspend (clocks pause)", "contracted or in_poc",
        {"reason": "사업비 집행 점검 중"}),
    Action.RESUME: ActionInfo(
        NP_("action", "재개"), Body,
        "사업 재개 · Resume (clocks restart with the time left)", "suspended",
        {"reason": "점검 완료"}),
    Action.FINAL_EVALUATION: ActionInfo(
        NP_("action", "최종평가"), FinalEvaluationBody,
        "최종평가 · Final evaluation", "final_review",
        {"score": 88, "grade": "A", "reason": "목표 달성, 후속 단계 연계 추천"}),
    Action.SUBMIT_SETTLEMENT: ActionInfo(
        NP_("action", "정산 보고"), SubmitSettlementBody,
        "정산 보고 · Submit the settlement",
        "settlement; by the startup itself: typed lines at most what was paid, or, where the agreement carried "
        "a budget plan, no lines (the statement is computed from the ledger) and the interest earned",
        {"lines": [{"item": "인건비", "amount": 30_000_000}, {"item": "장비·재료비", "amount": 20_000_000}],
         "reason": ""}),
    Action.APPROVE_SETTLEMENT: ActionInfo(
        NP_("action", "정산 승인"), Body,
        "정산 승인 · Approve the settlement", "settlement, once submitted",
        {"reason": "증빙 검토 완료"}),
    Action.PROMOTE: ActionInfo(
        NP_("action", "후속 단계 연계"), PromoteBody,
        "후속 단계 연계 · Promote to the next stage", "completed with grade S or A",
        {"target_program_id": "chogyeokcha-2026", "reason": "최종평가 A등급"}),
    Action.WITHDRAW: ActionInfo(
        NP_("action", "포기"), Body,
        "사업 포기 · Withdraw", "any open phase; by the startup itself",
        {"reason": "내부 사정으로 사업 포기"}),
    Action.TERMINATE: ActionInfo(
        NP_("action", "협약 해지"), TerminateBody,
        "협약 해지 · Terminate", "any open phase",
        {"cause": "non_performance", "ban_years": 1, "honest_failure": False, "reason": "중간점검 2회 미달"}),
    Action.WAIVE_CLAWBACK: ActionInfo(
        NP_("action", "환수 면제 결정"), WaiveClawbackBody,
        "환수 면제 결정 · Decide on waiving an honest failure's clawback", "terminated with honest_failure",
        {"decision": "approve", "reason": "성실실패 인정"}),
    Action.RETRY_COLLECTION: ActionInfo(
        NP_("action", "반납·환수 재요청"), RetryCollectionBody,
        "반납·환수 재요청 · Ask the finance system again for money owed back", "after it refused the request",
        {"kind": "refund", "reason": "계좌 정보 정정 후 재요청"}),
    Action.SUBMIT_BUDGET_PLAN: ActionInfo(
        NP_("action", "사업비 계획 제출"), SubmitBudgetPlanBody,
        "사업비 계획 제출 · Submit the budget plan by category (비목)",
        "selected or matched, before the agreement is accepted (lifecycles with budget_ledger); by the startup "
        "itself; the lines add up to the grant exactly and keep each category's cap; once matched, the agreement "
        "is generated again with the plan's table in it",
        {"lines": [{"category": "materials", "amount": 20_000_000}, {"category": "outsourcing", "amount": 24_000_000},
                   {"category": "personnel", "amount": 30_000_000}, {"category": "travel", "amount": 6_000_000}],
         "reason": ""}),
    Action.RECORD_EXPENSE: ActionInfo(
        NP_("action", "집행 등록"), RecordExpenseBody,
        "집행 등록 · Record an expense (or correct one: cancels)",
        "in_poc; by the startup itself; within the agreement period and the category's line, with the "
        "evidence the category and the payment method need (documents of kind receipt, uploaded first); never "
        "the company itself or its SME partner as the vendor",
        {"spent_on": "2025-09-15", "category": "materials", "vendor_name": "㈜부품상사", "vendor_brn": "220-81-62517",
         "description": "센서 모듈 20개", "supply_amount": 2_000_000, "vat": 200_000, "payment_method": "card",
         "evidence": [{"kind": "card_slip", "document": "d-0f3a9c"}], "reason": ""}),
    Action.CANCEL_EXPENSE: ActionInfo(
        NP_("action", "집행 취소"), CancelExpenseBody,
        "집행 취소 · Withdraw an expense", "in_poc; by the startup itself; an entry not cancelled yet",
        {"entry": "E0001", "reason": "거래처 환불"}),
    Action.REQUEST_BUDGET_CHANGE: ActionInfo(
        NP_("action", "비목 변경"), RequestBudgetChangeBody,
        "비목 변경 · Move money between budget categories",
        "in_poc; by the startup itself; within the program's tolerance of the agreed plan a notice that makes "
        "the next plan version at once, beyond it or into a category needing prior approval a request the program "
        "officer decides (one at a time)",
        {"from_category": "materials", "to_category": "outsourcing", "amount": 1_000_000,
         "reason": "시제품 가공을 외주로 전환"}),
    Action.DECIDE_BUDGET_CHANGE: ActionInfo(
        NP_("action", "비목 변경 결정"), DecideBudgetChangeBody,
        "비목 변경 결정 · Approve or reject a budget change", "in_poc, a change waiting for a decision; a rejection "
        "gives its reason",
        {"decision": "approve", "reason": "실증 일정상 타당"}),
    Action.REVIEW_EXPENSE: ActionInfo(
        NP_("action", "집행 검토"), ReviewExpenseBody,
        "집행 검토 · Accept or disallow an expense (불인정)", "in_poc, final_review or settlement; an entry that "
        "still counts; a later decision on it replaces the earlier one",
        {"entry_id": "E0001", "decision": "disallow", "disallow_reason": "insufficient_evidence",
         "disallowed_amount": 200_000, "reason": "검수조서 누락"}),
    Action.REQUEST_AMENDMENT: ActionInfo(
        NP_("action", "협약 변경 신청"), RequestAmendmentBody,
        "협약 변경 신청 · Ask to amend the signed agreement",
        "contracted or in_poc (lifecycles with amendments); by the startup itself or the program officer; one at a "
        "time; a notice-type kind (통보 사항) takes effect at once, an approval-type one (승인 사항) waits for the "
        "officer's decision",
        {"kind": "poc_period", "new_end_on": "2026-03-31", "reason": "수요기업 설비 교체로 실증 일정 연장"}),
    Action.DECIDE_AMENDMENT: ActionInfo(
        NP_("action", "협약 변경 결정"), DecideAmendmentBody,
        "협약 변경 결정 · Approve or reject an amendment",
        "contracted or in_poc, a request waiting for a decision; never by the officer who asked for it; a rejection "
        "gives its reason; an approval makes the agreement's next version (변경 N), which the startup accepts again",
        {"decision": "approve", "reason": "실증 일정 변경 타당"}),
    Action.FILE_APPEAL: ActionInfo(
        NP_("action", "이의신청"), FileAppealBody,
        "이의신청 · Appeal a result",
        "lifecycles with appeals; by the startup itself, once per result, within the program's window (appeals."
        "window_days, 7 by default) after it: the selection while rejected or waitlisted, the final evaluation "
        "before the settlement is submitted, a disallowed expense before the settlement is approved",
        {"kind": "selection", "reasons": "발표평가에서 실증 실적이 반영되지 않았습니다", "documents": []}),
    Action.DECIDE_APPEAL: ActionInfo(
        NP_("action", "이의신청 심의"), DecideAppealBody,
        "이의신청 심의 · Decide an appeal",
        "an appeal waiting; by a program officer or admin who took no part in the result appealed (scored it, "
        "evaluated it, reviewed the expense); always with a written reason; upheld, a selection returns to review "
        "for other evaluators, a final evaluation is made again, a disallowed expense is accepted",
        {"decision": "dismiss", "reason": "평가 절차와 점수 산정에 하자가 없습니다"}),
}
ACTION_BODIES: dict[Action, type[Body]] = {action: info.body for action, info in ACTION_INFO.items()}
