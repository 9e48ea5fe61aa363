"""Why an action was refused, for the people who meet the refusal, in the page's language: by the
rule id the API names in its error details (409/403 `rule`, 422 per-field `rule`)."""

import re

from api.i18n import ENGLISH, N_, current_language, gettext

RULES = {
    "four_eyes": N_("4안 원칙: 요청하거나 제출한 사람은 같은 건을 승인할 수 없습니다. 다른 담당자가 승인해야 합니다."),
    "role": N_("이 역할로는 할 수 없는 작업입니다."),
    "own_records": N_("스타트업은 자기 기업의 과제만 처리할 수 있습니다."),
    "conflict_of_interest": N_("이해충돌을 신고한 기업에 관해서는 평가하거나 승인·결정할 수 없습니다."),
    "one_score_per_round": N_("이 평가 단계에는 이미 점수를 입력했습니다."),
    "partner_is_another_company": N_("스타트업 자신은 수요기업이 될 수 없습니다."),
    "tranche_trigger": N_("이 회차의 지급 조건이 아직 충족되지 않았습니다."),
    "one_request_per_tranche": N_("이 회차는 이미 요청되었습니다."),
    "approve_after_request": N_("요청된 회차만 승인할 수 있습니다."),
    "known_tranche": N_("사업의 지급 일정에 없는 회차입니다."),
    "known_milestone": N_("사업의 마일스톤 계획에 없는 마일스톤입니다."),
    "submit_open_milestone": N_("제출할 수 있는 상태의 마일스톤이 아닙니다."),
    "review_submitted_milestone": N_("제출된 산출물만 검토할 수 있습니다."),
    "future_date": N_("오늘 이후의 날짜여야 합니다."),
    "revision_keeps_time": N_("보완 기한은 마일스톤 본래 기한보다 앞설 수 없습니다."),
    "running_deadline": N_("진행 중인 기한만 연장할 수 있습니다."),
    "extension_moves_later": N_("새 기한은 지금 기한보다 늦어야 합니다."),
    "extend_before_resume": N_("유예 기간이 지난 마일스톤은 재개 전에 기한을 연장해야 합니다."),
    "settlement_approved": N_("승인된 정산은 다시 제출할 수 없습니다."),
    "spent_at_most_paid": N_("사용액 합계가 지급받은 금액을 넘을 수 없습니다."),
    "report_first": N_("정산 보고가 먼저 제출되어야 합니다."),
    "approve_once": N_("이미 승인되었습니다."),
    "known_program": N_("알 수 없는 사업입니다."),
    "next_stage": N_("다음 단계의 사업으로만 연계할 수 있습니다."),
    "promote_once": N_("이미 다음 단계로 연계되었습니다."),
    "promotion_grade": N_("최종평가 등급이 연계 기준에 미치지 못합니다."),
    "clawback_at_most_paid": N_("환수액은 지급한 금액을 넘을 수 없습니다."),
    "honest_failure_no_clawback": N_("성실실패는 환수를 면제받을 수 있습니다."),
    "waiver_requested_first": N_("결정을 기다리는 환수 면제 신청이 없습니다."),
    "known_collection": N_("요청된 반납·환수가 없습니다."),
    "retry_refused_collection": N_("거절된 요청만 다시 요청할 수 있습니다."),
    "idempotency_key_reused": N_("같은 요청 키가 다른 요청에 이미 쓰였습니다."),
    "unknown_document": N_("알 수 없는 서류입니다. 먼저 올린 서류를 고르세요."),
    "document_kind": N_("이 작업에 쓸 수 없는 종류의 서류입니다."),
    "document_milestone": N_("다른 마일스톤의 서류입니다."),
    "one_step_agreement": N_("이 협약은 담당자 서명만으로 체결됩니다."),
    "agreement_ready": N_("협약서를 만드는 중입니다. 잠시 후 다시 시도하십시오."),
    "startup_accepts_first": N_("스타트업의 협약 동의가 먼저입니다."),
    # The action bodies' own checks (domain/commands.py).
    "known_region": N_("시·도 이름 가운데 하나를 고르세요."),
    "regional_partner": N_("수요기업은 비수도권 기업이어야 합니다."),
    "one_lead_partner": N_("주관기업은 정확히 하나여야 합니다."),
    "distinct_partners": N_("같은 수요기업이 두 번 들어 있습니다."),
    "shares_add_up": N_("분담 비율은 모든 수요기업에 적고 합이 100이어야 합니다."),
    "something_delivered": N_("산출물 서류를 고르거나 내용을 적으세요."),
    "csrf": N_("보안 토큰이 없거나 맞지 않습니다. 화면을 새로 고친 뒤 다시 시도하십시오."),
    # The program's call (ProgramCall's validators).
    "application_window": N_("접수 기간이 아닙니다."),
    "one_application_per_program": N_("한 사업에는 한 번만 신청할 수 있습니다."),
    "window_closed_first": N_("접수가 마감된 뒤에 선정을 확정할 수 있습니다."),
    "eligibility_done": N_("자격 검토가 끝나지 않은 신청이 있습니다. 잠시 후 다시 시도하십시오."),
    "all_scored": N_("평가 점수가 모자란 신청 기업이 있습니다. 모든 기업의 평가가 끝나야 확정할 수 있습니다."),
    "finalize_once": N_("선정은 이미 확정되었습니다."),
    "waitlist_valid": N_("자리 제안은 선정 확정 뒤 예비 후보 유효 기한 안에만 할 수 있습니다."),
    "free_slot": N_("빈 선정 자리가 없습니다."),
    "next_on_waitlist": N_("자리는 예비 후보 순위대로 제안합니다."),
}
# Pydantic's error types, for a field that is wrong in itself.
FIELD_TYPES = {
    "missing": N_("필수 항목입니다."),
    "int_type": N_("정수를 입력하세요."), "int_parsing": N_("정수를 입력하세요."), "int_from_float": N_("정수를 입력하세요."),
    "greater_than_equal": N_("값이 너무 작습니다."), "greater_than": N_("값이 너무 작습니다."),
    "less_than_equal": N_("값이 너무 큽니다."), "less_than": N_("값이 너무 큽니다."),
    "string_too_short": N_("비어 있거나 너무 짧습니다."), "string_too_long": N_("너무 깁니다."),
    "too_short": N_("하나 이상 입력하세요."), "too_long": N_("항목이 너무 많습니다."),
    "literal_error": N_("허용된 값 중에서 고르세요."), "enum": N_("허용된 값 중에서 고르세요."),
    "date_parsing": N_("날짜를 YYYY-MM-DD 형식으로 입력하세요."), "date_from_datetime_parsing": N_("날짜를 YYYY-MM-DD 형식으로 입력하세요."),
    "date_type": N_("날짜를 YYYY-MM-DD 형식으로 입력하세요."),
    "string_pattern_mismatch": N_("형식이 맞지 않습니다."), "bool_type": N_("예/아니오로 고르세요."),
    "extra_forbidden": N_("이 작업에 없는 항목입니다."),
}


# When a refusal names no rule: what its code means.
CODES = {
    "invalid_transition": N_("지금 단계에서는 할 수 없는 작업입니다."),
    "not_found": N_("찾을 수 없습니다."),
    "unavailable": N_("처리 서버가 응답하지 않아 반영되지 않았습니다. 다시 시도하십시오."),
    "forbidden": N_("허용되지 않은 작업입니다."),
    "conflict": N_("지금 상태와 맞지 않는 요청입니다."),
    "validation_error": N_("입력 내용이 규칙에 맞지 않습니다."),
}
# What a refusal by a rule is headed as: what cannot be done, never "check what you typed".
HEADINGS = {rule: N_("아직 선정을 확정할 수 없습니다") for rule in ("window_closed_first", "eligibility_done", "all_scored")}
DEFAULT_HEADING = N_("지금은 할 수 없는 작업입니다")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_PAIRED = re.compile(r"^(?P<outer>.*?\S)\s*\((?P<inner>[^()]*)\)[.\s]*$", re.S)


class RuleRefusal(str):
    """A form-level message that is a rule's refusal, not a typing mistake: the error summary
    heads it with `heading` (in the page's language) instead of "check what you entered"."""

    heading: str

    def __new__(cls, text: str, rule: str | None) -> "RuleRefusal":
        made = super().__new__(cls, text)
        made.heading = gettext(HEADINGS.get(rule or "", DEFAULT_HEADING))
        return made


def rule_text(rule: str | None) -> str | None:
    known = RULES.get(rule or "")
    return gettext(known) if known else None


def code_text(code: str) -> str:
    return gettext(CODES.get(code, N_("요청이 거절되었습니다.")))


def page_language(message: str) -> str:
    """An API message written in both languages ("한국어 — English", "한국어 (English)" or the
    other way round), in the page's language alone; a message in one language as it is."""
    english = current_language() == ENGLISH
    if " — " in message:
        first, _sep, second = message.partition(" — ")
        if bool(HANGUL.search(first)) != bool(HANGUL.search(second)):
            korean, other = (first, second) if HANGUL.search(first) else (second, first)
            return other if english else korean
    found = _PAIRED.match(message.strip())
    if found and bool(HANGUL.search(found["outer"])) != bool(HANGUL.search(found["inner"])):
        outer, inner = found["outer"].strip(), found["inner"].strip()
        korean, other = (outer, inner) if HANGUL.search(outer) else (inner, outer)
        return other if english else korean
    return message


def field_text(rule: str | None, message: str) -> str:
    """A field's error in the page's language: the words for its rule or type when known (the
    API's own words, half English, are not repeated), else the API's message in the page's language."""
    known = RULES.get(rule or "") or FIELD_TYPES.get(rule or "")
    return gettext(known) if known else page_language(message)
