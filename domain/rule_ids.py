"""Every rule that refuses an action, by id: the `rule` an API refusal names (403/409 `details.rule`,
422 per-field `rule`), raised by the domain's rules and the workflows' Update validators. A `StrEnum`:
a member is its id string, so the API's answers and the workflows' histories stay what they were.

`RULE_WORDS` is what a person reads for each rule: Korean here, English in the catalogue
(api/locale/en/), shown in the page's language by `api.pages.shared.rule_text`. Where a figure
belongs the words hold `%(name)s`, filled from the refusal's details (an upload's type, a size
limit). A new rule: a member here, its words in `RULE_WORDS`, their English in the catalogue
(`python -m api.i18n missing` prints the entry to fill in); tests/domain/test_rule_ids.py fails
until all three are there, and when a rule is raised as a bare string in the files it reads."""

from enum import StrEnum

from domain.words import N_


class RuleId(StrEnum):
    # Who may act at all (domain/rules.py, domain/conflicts.py, the program call's validators).
    ROLE = "role"
    OWN_RECORDS = "own_records"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    # The actions' own rules (domain/action_rules.py; promote_once also in workflows/lifecycle/settlement.py).
    ONE_SCORE_PER_ROUND = "one_score_per_round"
    PARTNER_IS_ANOTHER_COMPANY = "partner_is_another_company"
    ONE_STEP_AGREEMENT = "one_step_agreement"
    AGREEMENT_READY = "agreement_ready"
    ACCEPT_ONCE = "accept_once"
    AGREEMENT_CHANGED = "agreement_changed"
    STARTUP_ACCEPTS_FIRST = "startup_accepts_first"
    SAME_AGREEMENT = "same_agreement"
    KNOWN_TRANCHE = "known_tranche"
    KNOWN_MILESTONE = "known_milestone"
    TRANCHE_TRIGGER = "tranche_trigger"
    ONE_REQUEST_PER_TRANCHE = "one_request_per_tranche"
    APPROVE_AFTER_REQUEST = "approve_after_request"
    FOUR_EYES = "four_eyes"
    SUBMIT_OPEN_MILESTONE = "submit_open_milestone"
    REVIEW_SUBMITTED_MILESTONE = "review_submitted_milestone"
    FUTURE_DATE = "future_date"
    REVISION_KEEPS_TIME = "revision_keeps_time"
    RUNNING_DEADLINE = "running_deadline"
    EXTENSION_MOVES_LATER = "extension_moves_later"
    EXTEND_BEFORE_RESUME = "extend_before_resume"
    SETTLEMENT_APPROVED = "settlement_approved"
    SPENT_AT_MOST_PAID = "spent_at_most_paid"
    REPORT_FIRST = "report_first"
    APPROVE_ONCE = "approve_once"
    KNOWN_PROGRAM = "known_program"
    NEXT_STAGE = "next_stage"
    PROMOTE_ONCE = "promote_once"
    PROMOTION_GRADE = "promotion_grade"
    CLAWBACK_AT_MOST_PAID = "clawback_at_most_paid"
    HONEST_FAILURE_NO_CLAWBACK = "honest_failure_no_clawback"
    WAIVER_REQUESTED_FIRST = "waiver_requested_first"
    KNOWN_COLLECTION = "known_collection"
    RETRY_REFUSED_COLLECTION = "retry_refused_collection"
    # The action bodies' own checks (domain/commands.py): the error `type` of a 422 field.
    KNOWN_REGION = "known_region"
    REGIONAL_PARTNER = "regional_partner"
    ONE_LEAD_PARTNER = "one_lead_partner"
    DISTINCT_PARTNERS = "distinct_partners"
    SHARES_ADD_UP = "shares_add_up"
    SOMETHING_DELIVERED = "something_delivered"
    # The program's call (workflows/program_call.py's validators).
    APPLICATION_WINDOW = "application_window"
    ONE_APPLICATION_PER_PROGRAM = "one_application_per_program"
    WINDOW_CLOSED_FIRST = "window_closed_first"
    ELIGIBILITY_DONE = "eligibility_done"
    ALL_SCORED = "all_scored"
    FINALIZE_ONCE = "finalize_once"
    WAITLIST_VALID = "waitlist_valid"
    FREE_SLOT = "free_slot"
    NEXT_ON_WAITLIST = "next_on_waitlist"
    # The follow-up (사후관리): workflows/followup.py's validators and domain/followup.py's survey checks.
    OWN_SURVEY = "own_survey"
    SURVEY_OPEN = "survey_open"
    OFFICER_CLOSES = "officer_closes"
    CLOSED_ONCE = "closed_once"
    OFFICER_MOVES_STAGE = "officer_moves_stage"
    FOLLOWUP_CLOSED = "followup_closed"
    LATER_STAGE = "later_stage"
    SURVEY_FISCAL_YEAR = "survey_fiscal_year"
    REQUIRED_INDICATOR = "required_indicator"
    NON_NEGATIVE = "non_negative"
    AT_MOST = "at_most"
    NEW_HIRES_WITHIN_EMPLOYEES = "new_hires_within_employees"
    POSITIVE_WON = "positive_won"
    # The budget plan, the execution ledger, its review and the settlement from it (domain/budget*.py,
    # domain/ledger.py, domain/expense_review.py, domain/settlement_*.py, api/routes/expense_review.py).
    KNOWN_CATEGORY = "known_category"
    ONE_LINE_PER_CATEGORY = "one_line_per_category"
    CATEGORY_CAP = "category_cap"
    PLAN_ADDS_UP_TO_GRANT = "plan_adds_up_to_grant"
    MOVE_BETWEEN_CATEGORIES = "move_between_categories"
    MOVE_KEEPS_SPENT_MONEY = "move_keeps_spent_money"
    WITHIN_AGREEMENT_PERIOD = "within_agreement_period"
    PAYMENT_METHOD_ACCEPTED = "payment_method_accepted"
    VENDOR_NOT_SELF = "vendor_not_self"
    VENDOR_NOT_PARTNER = "vendor_not_partner"
    EVIDENCE_REQUIRED = "evidence_required"
    WITHIN_CATEGORY_LINE = "within_category_line"
    ENTRY_ID_UNIQUE = "entry_id_unique"
    KNOWN_ENTRY = "known_entry"
    CANCEL_ONCE = "cancel_once"
    REVIEW_ACTIVE_ENTRY = "review_active_entry"
    ACCEPT_WITHOUT_REASON = "accept_without_reason"
    DISALLOW_REASON_REQUIRED = "disallow_reason_required"
    OTHER_REASON_EXPLAINED = "other_reason_explained"
    DISALLOW_AT_MOST_EXPENSE = "disallow_at_most_expense"
    BUDGET_LEDGER = "budget_ledger"
    PLAN_BEFORE_ACCEPTANCE = "plan_before_acceptance"
    EVIDENCE_PINNED = "evidence_pinned"
    BUDGET_PLAN_AGREED = "budget_plan_agreed"
    ONE_CHANGE_AT_A_TIME = "one_change_at_a_time"
    CHANGE_PENDING = "change_pending"
    REASON_FOR_REJECTION = "reason_for_rejection"
    REVIEW_EVERY_EXPENSE = "review_every_expense"
    SETTLEMENT_FROM_LEDGER = "settlement_from_ledger"
    PROGRAM_RETURNS_INTEREST = "program_returns_interest"
    BUDGET_PLAN_REQUIRED = "budget_plan_required"
    DISTINCT_ENTRIES = "distinct_entries"
    ENTRY_UNDECIDED = "entry_undecided"
    SETTLEMENT_LINES_REQUIRED = "settlement_lines_required"
    INTEREST_FROM_LEDGER = "interest_from_ledger"
    # Who may apply (domain/eligibility.py: the application route and the portal's form).
    NOT_IN_FUTURE = "not_in_future"
    FOUNDED_WITHIN_YEARS = "founded_within_years"
    BRN_FORMAT = "brn_format"
    BRN_CHECK_DIGIT = "brn_check_digit"
    PARTICIPATION_BAN = "participation_ban"
    # A person's choice of notifications (store/notifications.py's check_preferences, check_language).
    KNOWN_KIND = "known_kind"
    KNOWN_CHANNEL = "known_channel"
    STAFF_ONLY = "staff_only"
    KNOWN_LANGUAGE = "known_language"
    # Refusals of the web layer itself, with words for the pages (api/).
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    UNKNOWN_DOCUMENT = "unknown_document"
    DOCUMENT_KIND = "document_kind"
    DOCUMENT_MILESTONE = "document_milestone"
    CSRF = "csrf"
    # An upload's refusals (api/uploads.py, api/services/documents.py, store/zip_limits.py): what the
    # portal's and the console's upload pages say; `%(type)s` is the type the bytes turned out to be,
    # `%(mb)s` the kind's size limit.
    EMPTY = "empty"
    FILE_TYPE = "file_type"
    EXTENSION_MISMATCH = "extension_mismatch"
    ZIP_BOMB = "zip_bomb"
    ZIP_MEMBERS = "zip_members"
    ZIP_NESTING = "zip_nesting"
    MAX_SIZE = "max_size"
    VIRUS = "virus"
    FILENAME = "filename"
    FILENAME_ENCODING = "filename_encoding"
    ONE_FILE = "one_file"
    MILESTONE_KEY = "milestone_key"
    DELIVERABLES_ONLY = "deliverables_only"
    MULTIPART_REQUIRED = "multipart_required"
    MULTIPART = "multipart"
    MAX_LENGTH = "max_length"
    ENCODING = "encoding"
    # Text with a control or format character (domain/text.py), in any field or a file's name.
    CONTROL_CHARACTER = "control_character"
    # The password typed again to accept the agreement (api/reauth.py; the portal's agreement page).
    PASSWORD_MISMATCH = "password_mismatch"
    REAUTHENTICATION = "reauthentication"
    REAUTHENTICATION_THROTTLED = "reauthentication_throttled"
    # Which company is a person's (the portal's 내 회사 확인, store/company_binding.py; the console's
    # company requests): a refused check, and why a program officer decides on a request.
    REGISTER_MISMATCH = "register_mismatch"
    IDENTITY_NAME_MISMATCH = "identity_name_mismatch"
    IDENTITY_FAILED = "identity_failed"
    CHECK_EXPIRED = "check_expired"
    ALREADY_BOUND = "already_bound"
    STAFF_LIFECYCLES = "staff_lifecycles"
    REPRESENTATIVE_CHANGE = "representative_change"
    COMPANY_BINDING = "company_binding"
    # Pydantic's error types, the `rule` of a 422 field that is wrong in itself (api/errors.py and
    # api/services/actions.py pass them on as pydantic names them).
    MISSING = "missing"
    INT_TYPE = "int_type"
    INT_PARSING = "int_parsing"
    INT_FROM_FLOAT = "int_from_float"
    GREATER_THAN_EQUAL = "greater_than_equal"
    GREATER_THAN = "greater_than"
    LESS_THAN_EQUAL = "less_than_equal"
    LESS_THAN = "less_than"
    STRING_TOO_SHORT = "string_too_short"
    STRING_TOO_LONG = "string_too_long"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    LITERAL_ERROR = "literal_error"
    ENUM = "enum"
    DATE_PARSING = "date_parsing"
    DATE_FROM_DATETIME_PARSING = "date_from_datetime_parsing"
    DATE_TYPE = "date_type"
    STRING_PATTERN_MISMATCH = "string_pattern_mismatch"
    BOOL_TYPE = "bool_type"
    EXTRA_FORBIDDEN = "extra_forbidden"
    FLOAT_PARSING = "float_parsing"
    STRING_TYPE = "string_type"
    BOOL_PARSING = "bool_parsing"
    DATETIME_PARSING = "datetime_parsing"
    DATETIME_FROM_DATE_PARSING = "datetime_from_date_parsing"
    TIMEZONE_AWARE = "timezone_aware"
    LIST_TYPE = "list_type"
    DICT_TYPE = "dict_type"
    MODEL_TYPE = "model_type"
    # A validator's own ValueError: its message says what (pages show it; a program definition's
    # page heads it with these words).
    VALUE_ERROR = "value_error"
    # The evaluator pool (domain/conflicts.py's evaluator_cleared; api/services/evaluator_pool.py).
    EVALUATOR_POOL = "evaluator_pool"
    PLEDGE_SIGNED = "pledge_signed"
    RECUSAL = "recusal"
    EXCLUSION = "exclusion"
    PLEDGE_NAME = "pledge_name"
    PLEDGE_TEXT = "pledge_text"
    EVALUATOR_ROLE = "evaluator_role"
    ASSIGNABLE_EVALUATOR = "assignable_evaluator"
    EVALUATOR_ASSIGNED = "evaluator_assigned"
    KNOWN_RELATION = "known_relation"
    # Agreement amendments (협약 변경: domain/amendments.py, domain/amendment_rules.py).
    AMENDMENTS_UNAVAILABLE = "amendments_unavailable"
    AMENDMENT_FIELD_REQUIRED = "amendment_field_required"
    AMENDMENT_FIELD_OF_KIND = "amendment_field_of_kind"
    POC_END_AFTER_MILESTONES = "poc_end_after_milestones"
    MILESTONES_IN_ORDER = "milestones_in_order"
    AMENDED_MILESTONE_OPEN = "amended_milestone_open"
    PARTNER_CHANGES = "partner_changes"
    ONE_AMENDMENT_AT_A_TIME = "one_amendment_at_a_time"
    AMENDMENT_PENDING = "amendment_pending"
    AMENDMENT_TO_ACCEPT = "amendment_to_accept"
    # The follow-up's answers over the API and the portal (api/services/followup.py).
    FOLLOWUP_RUNNING = "followup_running"
    # Appeals (이의신청: domain/appeals.py, domain/appeal_rules.py).
    APPEALS_UNAVAILABLE = "appeals_unavailable"
    APPEALABLE_RESULT = "appealable_result"
    APPEAL_WINDOW = "appeal_window"
    ONE_APPEAL_PER_RESULT = "one_appeal_per_result"
    APPEAL_PENDING = "appeal_pending"
    PANEL_TOOK_NO_PART = "panel_took_no_part"
    APPEAL_DECISION_REASON = "appeal_decision_reason"
    RESCORE_BY_OTHERS = "rescore_by_others"


RULE_WORDS: dict[RuleId, str] = {
    RuleId.ROLE: N_("이 역할로는 할 수 없는 작업입니다."),
    RuleId.OWN_RECORDS: N_("스타트업은 자기 기업의 과제만 처리할 수 있습니다."),
    RuleId.CONFLICT_OF_INTEREST: N_("이해충돌을 신고한 기업에 관해서는 평가하거나 승인·결정할 수 없습니다."),
    RuleId.ONE_SCORE_PER_ROUND: N_("이 평가 단계에는 이미 점수를 입력했습니다."),
    RuleId.PARTNER_IS_ANOTHER_COMPANY: N_("스타트업 자신은 수요기업이 될 수 없습니다."),
    RuleId.ONE_STEP_AGREEMENT: N_("이 협약은 담당자 서명만으로 체결됩니다."),
    RuleId.AGREEMENT_READY: N_("협약서를 만드는 중입니다. 잠시 후 다시 시도하십시오."),
    RuleId.ACCEPT_ONCE: N_("이미 동의한 협약서입니다."),
    RuleId.AGREEMENT_CHANGED: N_("협약서가 바뀌었습니다. 새 협약서를 다시 읽고 동의하십시오."),
    RuleId.STARTUP_ACCEPTS_FIRST: N_("스타트업의 협약 동의가 먼저입니다."),
    RuleId.SAME_AGREEMENT: N_("스타트업이 동의한 협약서와 다릅니다. 스타트업이 지금의 협약서에 다시 동의해야 합니다."),
    RuleId.KNOWN_TRANCHE: N_("사업의 지급 일정에 없는 회차입니다."),
    RuleId.KNOWN_MILESTONE: N_("사업의 마일스톤 계획에 없는 마일스톤입니다."),
    RuleId.TRANCHE_TRIGGER: N_("이 회차의 지급 조건이 아직 충족되지 않았습니다."),
    RuleId.ONE_REQUEST_PER_TRANCHE: N_("이 회차는 이미 요청되었습니다."),
    RuleId.APPROVE_AFTER_REQUEST: N_("요청된 회차만 승인할 수 있습니다."),
    RuleId.FOUR_EYES: N_("4안 원칙: 요청하거나 제출한 사람은 같은 건을 승인할 수 없습니다. 다른 담당자가 승인해야 합니다."),
    RuleId.SUBMIT_OPEN_MILESTONE: N_("제출할 수 있는 상태의 마일스톤이 아닙니다."),
    RuleId.REVIEW_SUBMITTED_MILESTONE: N_("제출된 산출물만 검토할 수 있습니다."),
    RuleId.FUTURE_DATE: N_("오늘 이후의 날짜여야 합니다."),
    RuleId.REVISION_KEEPS_TIME: N_("보완 기한은 마일스톤 본래 기한보다 앞설 수 없습니다."),
    RuleId.RUNNING_DEADLINE: N_("진행 중인 기한만 연장할 수 있습니다."),
    RuleId.EXTENSION_MOVES_LATER: N_("새 기한은 지금 기한보다 늦어야 합니다."),
    RuleId.EXTEND_BEFORE_RESUME: N_("유예 기간이 지난 마일스톤은 재개 전에 기한을 연장해야 합니다."),
    RuleId.SETTLEMENT_APPROVED: N_("승인된 정산은 다시 제출할 수 없습니다."),
    RuleId.SPENT_AT_MOST_PAID: N_("사용액 합계가 지급받은 금액을 넘을 수 없습니다."),
    RuleId.REPORT_FIRST: N_("정산 보고가 먼저 제출되어야 합니다."),
    RuleId.APPROVE_ONCE: N_("이미 승인되었습니다."),
    RuleId.KNOWN_PROGRAM: N_("알 수 없는 사업입니다."),
    RuleId.NEXT_STAGE: N_("다음 단계의 사업으로만 연계할 수 있습니다."),
    RuleId.PROMOTE_ONCE: N_("이미 다음 단계로 연계되었습니다."),
    RuleId.PROMOTION_GRADE: N_("최종평가 등급이 연계 기준에 미치지 못합니다."),
    RuleId.CLAWBACK_AT_MOST_PAID: N_("환수액은 지급한 금액을 넘을 수 없습니다."),
    RuleId.HONEST_FAILURE_NO_CLAWBACK: N_("성실실패는 환수를 면제받을 수 있습니다."),
    RuleId.WAIVER_REQUESTED_FIRST: N_("결정을 기다리는 환수 면제 신청이 없습니다."),
    RuleId.KNOWN_COLLECTION: N_("요청된 반납·환수가 없습니다."),
    RuleId.RETRY_REFUSED_COLLECTION: N_("거절된 요청만 다시 요청할 수 있습니다."),
    RuleId.KNOWN_REGION: N_("시·도 이름 가운데 하나를 고르세요."),
    RuleId.REGIONAL_PARTNER: N_("수요기업은 비수도권 기업이어야 합니다."),
    RuleId.ONE_LEAD_PARTNER: N_("주관기업은 정확히 하나여야 합니다."),
    RuleId.DISTINCT_PARTNERS: N_("같은 수요기업이 두 번 들어 있습니다."),
    RuleId.SHARES_ADD_UP: N_("분담 비율은 모든 수요기업에 적고 합이 100이어야 합니다."),
    RuleId.SOMETHING_DELIVERED: N_("산출물 서류를 고르거나 내용을 적으세요."),
    RuleId.APPLICATION_WINDOW: N_("접수 기간이 아닙니다."),
    RuleId.ONE_APPLICATION_PER_PROGRAM: N_("한 사업에는 한 번만 신청할 수 있습니다."),
    RuleId.WINDOW_CLOSED_FIRST: N_("접수가 마감된 뒤에 선정을 확정할 수 있습니다."),
    RuleId.ELIGIBILITY_DONE: N_("자격 검토가 끝나지 않은 신청이 있습니다. 잠시 후 다시 시도하십시오."),
    RuleId.ALL_SCORED: N_("평가 점수가 모자란 신청 기업이 있습니다. 모든 기업의 평가가 끝나야 확정할 수 있습니다."),
    RuleId.FINALIZE_ONCE: N_("선정은 이미 확정되었습니다."),
    RuleId.WAITLIST_VALID: N_("자리 제안은 선정 확정 뒤 예비 후보 유효 기한 안에만 할 수 있습니다."),
    RuleId.FREE_SLOT: N_("빈 선정 자리가 없습니다."),
    RuleId.NEXT_ON_WAITLIST: N_("자리는 예비 후보 순위대로 제안합니다."),
    RuleId.OWN_SURVEY: N_("해당 기업이나 담당자만 조사에 응답할 수 있습니다."),
    RuleId.SURVEY_OPEN: N_("조사가 열려 있지 않습니다."),
    RuleId.OFFICER_CLOSES: N_("담당자만 폐업을 기록할 수 있습니다."),
    RuleId.CLOSED_ONCE: N_("이미 폐업으로 기록되어 있습니다."),
    RuleId.OFFICER_MOVES_STAGE: N_("담당자만 사후관리를 다음 단계로 옮길 수 있습니다."),
    RuleId.FOLLOWUP_CLOSED: N_("폐업으로 사후관리가 끝났습니다."),
    RuleId.LATER_STAGE: N_("이후 단계 사업의 완료만 사후관리에 반영합니다."),
    RuleId.SURVEY_FISCAL_YEAR: N_("이번 조사가 묻는 연도의 실적을 입력하세요."),
    RuleId.REQUIRED_INDICATOR: N_("필수 항목입니다."),
    RuleId.NON_NEGATIVE: N_("0 이상이어야 합니다."),
    RuleId.AT_MOST: N_("값이 너무 큽니다."),
    RuleId.NEW_HIRES_WITHIN_EMPLOYEES: N_("신규 고용이 연말 상시 근로자 수보다 많을 수 없습니다."),
    RuleId.POSITIVE_WON: N_("투자 금액은 0원보다 큰 원 단위 금액이어야 합니다."),
    RuleId.KNOWN_CATEGORY: N_("알 수 없는 비목입니다."),
    RuleId.ONE_LINE_PER_CATEGORY: N_("같은 비목이 두 번 있습니다."),
    RuleId.CATEGORY_CAP: N_("비목의 한도를 넘습니다."),
    RuleId.PLAN_ADDS_UP_TO_GRANT: N_("사업비 계획의 합계가 지원금과 같아야 합니다."),
    RuleId.MOVE_BETWEEN_CATEGORIES: N_("서로 다른 비목 사이에서만 변경합니다."),
    RuleId.MOVE_KEEPS_SPENT_MONEY: N_("이미 집행한 금액보다 적게 남길 수 없습니다."),
    RuleId.WITHIN_AGREEMENT_PERIOD: N_("협약 기간 밖의 집행입니다."),
    RuleId.PAYMENT_METHOD_ACCEPTED: N_("인정되지 않는 결제 수단입니다."),
    RuleId.VENDOR_NOT_SELF: N_("자기 회사와의 거래는 집행할 수 없습니다."),
    RuleId.VENDOR_NOT_PARTNER: N_("수요기업과의 거래는 집행할 수 없습니다."),
    RuleId.EVIDENCE_REQUIRED: N_("증빙이 부족합니다."),
    RuleId.WITHIN_CATEGORY_LINE: N_("비목 잔액을 넘습니다."),
    RuleId.ENTRY_ID_UNIQUE: N_("이미 있는 집행 번호입니다."),
    RuleId.KNOWN_ENTRY: N_("집행 내역이 없습니다."),
    RuleId.CANCEL_ONCE: N_("이미 취소된 집행 내역입니다."),
    RuleId.REVIEW_ACTIVE_ENTRY: N_("취소되었거나 없는 집행 내역입니다."),
    RuleId.ACCEPT_WITHOUT_REASON: N_("인정 결정에는 불인정 사유와 금액이 없습니다."),
    RuleId.DISALLOW_REASON_REQUIRED: N_("불인정 사유를 고르십시오."),
    RuleId.OTHER_REASON_EXPLAINED: N_("기타 사유를 적으십시오."),
    RuleId.DISALLOW_AT_MOST_EXPENSE: N_("불인정액이 집행액보다 큽니다."),
    RuleId.BUDGET_LEDGER: N_("이 협약은 비목별 사업비 관리 대상이 아닙니다."),
    RuleId.PLAN_BEFORE_ACCEPTANCE: N_("이미 동의한 협약의 사업비 계획은 비목 변경으로만 바꿉니다."),
    RuleId.EVIDENCE_PINNED: N_("증빙 문서를 확인할 수 없습니다."),
    RuleId.BUDGET_PLAN_AGREED: N_("협약에 사업비 계획이 없습니다."),
    RuleId.ONE_CHANGE_AT_A_TIME: N_("결정을 기다리는 비목 변경이 있습니다."),
    RuleId.CHANGE_PENDING: N_("결정할 비목 변경이 없습니다."),
    RuleId.REASON_FOR_REJECTION: N_("반려 사유를 적어 주십시오."),
    RuleId.REVIEW_EVERY_EXPENSE: N_("검토하지 않은 집행 내역이 있습니다."),
    RuleId.SETTLEMENT_FROM_LEDGER: N_("집행 내역으로 정산하므로 정산 내역을 적지 않습니다."),
    RuleId.PROGRAM_RETURNS_INTEREST: N_("이 사업은 이자를 반납받지 않습니다."),
    RuleId.BUDGET_PLAN_REQUIRED: N_("사업비 계획을 먼저 제출하십시오."),
    RuleId.DISTINCT_ENTRIES: N_("같은 집행 내역이 두 번 있습니다."),
    RuleId.ENTRY_UNDECIDED: N_("이미 검토한 집행 내역입니다."),
    RuleId.KNOWN_KIND: N_("알 수 없는 알림 종류입니다."),
    RuleId.KNOWN_CHANNEL: N_("알 수 없는 채널입니다."),
    RuleId.STAFF_ONLY: N_("일일 요약 메일은 직원만 선택할 수 있습니다."),
    RuleId.KNOWN_LANGUAGE: N_("알림 언어는 한국어와 영어 중에서 고릅니다."),
    RuleId.IDEMPOTENCY_KEY_REUSED: N_("같은 요청 키가 다른 요청에 이미 쓰였습니다."),
    RuleId.UNKNOWN_DOCUMENT: N_("알 수 없는 서류입니다. 먼저 올린 서류를 고르세요."),
    RuleId.DOCUMENT_KIND: N_("이 작업에 쓸 수 없는 종류의 서류입니다."),
    RuleId.DOCUMENT_MILESTONE: N_("다른 마일스톤의 서류입니다."),
    RuleId.CSRF: N_("보안 토큰이 없거나 맞지 않습니다. 화면을 새로 고친 뒤 다시 시도하십시오."),
    RuleId.EMPTY: N_("빈 파일입니다."),
    RuleId.FILE_TYPE: N_("허용되지 않는 파일 형식입니다: %(type)s. PDF, HWP/HWPX, DOCX, XLSX, PPTX, PNG, JPEG, ZIP 파일을 "
                         "올리세요."),
    RuleId.EXTENSION_MISMATCH: N_("파일 내용(%(type)s)이 확장자와 다릅니다."),
    RuleId.ZIP_BOMB: N_("압축을 풀면 너무 커지는 파일입니다. 압축하지 않은 파일이나 더 작은 파일로 올리세요."),
    RuleId.ZIP_MEMBERS: N_("압축 파일 안에 파일이 너무 많습니다. 나누어 올리세요."),
    RuleId.ZIP_NESTING: N_("압축 파일 안에 압축 파일이 너무 깊게 들어 있습니다. 풀어서 다시 올리세요."),
    RuleId.MAX_SIZE: N_("파일이 너무 큽니다. 최대 %(mb)s MB까지 올릴 수 있습니다."),
    RuleId.VIRUS: N_("악성 코드가 발견되어 파일을 받지 않았습니다."),
    **dict.fromkeys((RuleId.FILENAME, RuleId.FILENAME_ENCODING), N_("이 파일 이름은 쓸 수 없습니다. 이름을 바꿔 다시 올리세요.")),
    RuleId.ONE_FILE: N_("파일은 한 번에 하나만 올릴 수 있습니다."),
    RuleId.MILESTONE_KEY: N_("산출물은 마일스톤 화면에서 올리세요."),
    RuleId.DELIVERABLES_ONLY: N_("마일스톤은 산출물에만 붙일 수 있습니다."),
    RuleId.MULTIPART_REQUIRED: N_("올릴 파일을 고르세요."),
    RuleId.MULTIPART: N_("보낸 양식을 읽을 수 없습니다. 다시 올리세요."),
    RuleId.MAX_LENGTH: N_("입력한 값이 너무 깁니다."),
    RuleId.ENCODING: N_("입력한 값을 UTF-8로 읽을 수 없습니다."),
    RuleId.CONTROL_CHARACTER: N_("제어 문자나 서식 문자는 쓸 수 없습니다."),
    RuleId.PASSWORD_MISMATCH: N_("비밀번호가 맞지 않습니다."),
    RuleId.REAUTHENTICATION: N_("비밀번호를 다시 입력하십시오. 협약 동의에는 본인 확인이 필요합니다."),
    RuleId.REAUTHENTICATION_THROTTLED: N_("비밀번호를 여러 번 잘못 입력했습니다. 잠시 후 다시 시도하십시오."),
    RuleId.REGISTER_MISMATCH: N_("국세청 진위확인에서 사업자등록번호, 개업일자, 대표자 성명이 일치하지 않습니다."),
    RuleId.IDENTITY_NAME_MISMATCH: N_("본인확인으로 확인된 이름이 사업자등록증의 대표자와 다릅니다."),
    RuleId.IDENTITY_FAILED: N_("본인확인을 마치지 못했습니다. 다시 시도하세요."),
    RuleId.CHECK_EXPIRED: N_("회사 확인이 만료되었거나 이 브라우저에서 시작한 것이 아닙니다. 처음부터 다시 하세요."),
    RuleId.ALREADY_BOUND: N_("이미 다른 사용자가 연결된 회사입니다."),
    RuleId.STAFF_LIFECYCLES: N_("직원이 만든 과제가 있는 회사입니다."),
    RuleId.REPRESENTATIVE_CHANGE: N_("대표자 변경 요청입니다. 승인하면 지금 대표자의 연결이 해제됩니다."),
    RuleId.COMPANY_BINDING: N_("내 회사 확인을 마친 뒤에 할 수 있습니다."),
    RuleId.MISSING: N_("필수 항목입니다."),
    **dict.fromkeys((RuleId.INT_TYPE, RuleId.INT_PARSING, RuleId.INT_FROM_FLOAT), N_("정수를 입력하세요.")),
    **dict.fromkeys((RuleId.GREATER_THAN_EQUAL, RuleId.GREATER_THAN), N_("값이 너무 작습니다.")),
    **dict.fromkeys((RuleId.LESS_THAN_EQUAL, RuleId.LESS_THAN), N_("값이 너무 큽니다.")),
    RuleId.STRING_TOO_SHORT: N_("비어 있거나 너무 짧습니다."),
    RuleId.STRING_TOO_LONG: N_("너무 깁니다."),
    RuleId.TOO_SHORT: N_("하나 이상 있어야 합니다."),
    RuleId.TOO_LONG: N_("항목이 너무 많습니다."),
    **dict.fromkeys((RuleId.LITERAL_ERROR, RuleId.ENUM), N_("허용된 값 중에서 고르세요.")),
    **dict.fromkeys((RuleId.DATE_PARSING, RuleId.DATE_FROM_DATETIME_PARSING, RuleId.DATE_TYPE),
                    N_("날짜를 YYYY-MM-DD 형식으로 입력하세요.")),
    RuleId.STRING_PATTERN_MISMATCH: N_("형식이 맞지 않습니다."),
    RuleId.BOOL_TYPE: N_("예/아니오로 고르세요."),
    RuleId.EXTRA_FORBIDDEN: N_("알 수 없는 항목입니다."),
    RuleId.FLOAT_PARSING: N_("숫자여야 합니다."),
    RuleId.STRING_TYPE: N_("문자열이어야 합니다."),
    RuleId.BOOL_PARSING: N_("true 또는 false여야 합니다."),
    **dict.fromkeys((RuleId.DATETIME_PARSING, RuleId.DATETIME_FROM_DATE_PARSING), N_("날짜·시각 형식이 아닙니다.")),
    RuleId.TIMEZONE_AWARE: N_("시간대(+09:00 등)가 필요합니다."),
    RuleId.LIST_TYPE: N_("목록이어야 합니다."),
    **dict.fromkeys((RuleId.DICT_TYPE, RuleId.MODEL_TYPE), N_("객체여야 합니다.")),
    RuleId.VALUE_ERROR: N_("규칙에 맞지 않습니다."),
    RuleId.SETTLEMENT_LINES_REQUIRED: N_("정산 내역을 한 줄 이상 적어 주십시오."),
    RuleId.INTEREST_FROM_LEDGER: N_("이자는 비목별 사업비 정산에서만 보고합니다."),
    RuleId.NOT_IN_FUTURE: N_("설립일은 오늘보다 늦을 수 없습니다."),
    RuleId.FOUNDED_WITHIN_YEARS: N_("공고가 정한 업력 안에 설립된 기업만 신청할 수 있습니다."),
    RuleId.BRN_FORMAT: N_("사업자등록번호는 숫자 10자리입니다."),
    RuleId.BRN_CHECK_DIGIT: N_("사업자등록번호의 검증 숫자가 맞지 않습니다."),
    RuleId.PARTICIPATION_BAN: N_("참여제한 기간 중인 기업은 신청할 수 없습니다."),
    RuleId.EVALUATOR_POOL: N_("이 사업의 평가위원 풀에 초대된 평가위원만 신청서를 보고 평가할 수 있습니다."),
    RuleId.PLEDGE_SIGNED: N_("이 사업의 평가위원 서약서에 서명한 뒤에 신청서를 보고 평가할 수 있습니다."),
    RuleId.RECUSAL: N_("평가를 회피한 스타트업입니다."),
    RuleId.EXCLUSION: N_("평가에서 제척된 스타트업입니다."),
    RuleId.PLEDGE_NAME: N_("서약하려면 확인란에 표시하고 본인의 이름을 그대로 적어 주십시오."),
    RuleId.PLEDGE_TEXT: N_("서약서 내용이 바뀌었습니다. 새 서약서를 읽고 다시 서명해 주십시오."),
    RuleId.EVALUATOR_ROLE: N_("평가위원 역할이 있는 사용자만 평가위원 풀에 초대할 수 있습니다."),
    RuleId.ASSIGNABLE_EVALUATOR: N_("서약한 풀의 평가위원 중 이해충돌·회피·제척이 없는 사람만 배정할 수 있습니다."),
    RuleId.EVALUATOR_ASSIGNED: N_("이 스타트업의 평가위원으로 배정된 사람만 점수를 줄 수 있습니다."),
    RuleId.KNOWN_RELATION: N_("소속 기업이 이 스타트업이나 그 수요기업(이전 수요기업 포함)이어서 평가할 수 없습니다."),
    RuleId.AMENDMENTS_UNAVAILABLE: N_("이 협약은 시스템에서 협약 변경을 신청할 수 없습니다. 담당자에게 문의하십시오."),
    RuleId.AMENDMENT_FIELD_REQUIRED: N_("변경 종류에 필요한 내용을 적어 주십시오."),
    RuleId.AMENDMENT_FIELD_OF_KIND: N_("이 변경 종류에 없는 항목입니다."),
    RuleId.POC_END_AFTER_MILESTONES: N_("사업 종료일은 다른 마일스톤 기한보다 앞설 수 없습니다."),
    RuleId.MILESTONES_IN_ORDER: N_("마일스톤 기한은 계획 순서대로, 한 번씩만 적어 주십시오."),
    RuleId.AMENDED_MILESTONE_OPEN: N_("이미 승인된 마일스톤의 기한은 바꿀 수 없습니다."),
    RuleId.PARTNER_CHANGES: N_("변경할 수요기업이 지금의 수요기업과 같습니다."),
    RuleId.ONE_AMENDMENT_AT_A_TIME: N_("결정이나 동의를 기다리는 협약 변경이 있습니다. 그 뒤에 신청하십시오."),
    RuleId.AMENDMENT_PENDING: N_("결정할 협약 변경 신청이 없습니다."),
    RuleId.AMENDMENT_TO_ACCEPT: N_("동의할 변경 협약서가 없습니다."),
    RuleId.FOLLOWUP_RUNNING: N_("진행 중인 사후관리가 없습니다. 사업을 마친 뒤 시작되고 마지막 조사 연도 뒤에 끝납니다."),
    RuleId.APPEALS_UNAVAILABLE: N_("이 과제는 시스템에서 이의신청을 할 수 없습니다. 담당자에게 문의하십시오."),
    RuleId.APPEALABLE_RESULT: N_("이의신청할 수 있는 결과가 없습니다."),
    RuleId.APPEAL_WINDOW: N_("이의신청 기간이 지났습니다."),
    RuleId.ONE_APPEAL_PER_RESULT: N_("이 결과에는 이미 이의신청을 했습니다."),
    RuleId.APPEAL_PENDING: N_("심의할 이의신청이 없습니다."),
    RuleId.PANEL_TOOK_NO_PART: N_("이의신청 대상 결정에 참여한 사람은 심의할 수 없습니다."),
    RuleId.APPEAL_DECISION_REASON: N_("심의 결과의 사유를 적어 주십시오."),
    RuleId.RESCORE_BY_OTHERS: N_("재평가는 처음 평가하지 않은 평가위원이 합니다."),
}

# Rules whose refusal message says more than their words (an amount, a category, a year, a
# company's name): the pages show that message, in the page's language, as they did before these
# rules had words, so `rule_words` gives none for them.
MESSAGE_SAYS_MORE: frozenset[RuleId] = frozenset({
    RuleId.OWN_SURVEY, RuleId.SURVEY_OPEN, RuleId.OFFICER_CLOSES, RuleId.CLOSED_ONCE, RuleId.OFFICER_MOVES_STAGE,
    RuleId.FOLLOWUP_CLOSED, RuleId.LATER_STAGE, RuleId.SURVEY_FISCAL_YEAR, RuleId.REQUIRED_INDICATOR,
    RuleId.NON_NEGATIVE, RuleId.AT_MOST, RuleId.NEW_HIRES_WITHIN_EMPLOYEES, RuleId.POSITIVE_WON,
    RuleId.KNOWN_CATEGORY, RuleId.ONE_LINE_PER_CATEGORY, RuleId.CATEGORY_CAP, RuleId.PLAN_ADDS_UP_TO_GRANT,
    RuleId.MOVE_BETWEEN_CATEGORIES, RuleId.MOVE_KEEPS_SPENT_MONEY, RuleId.WITHIN_AGREEMENT_PERIOD,
    RuleId.PAYMENT_METHOD_ACCEPTED, RuleId.VENDOR_NOT_SELF, RuleId.VENDOR_NOT_PARTNER, RuleId.EVIDENCE_REQUIRED,
    RuleId.WITHIN_CATEGORY_LINE, RuleId.ENTRY_ID_UNIQUE, RuleId.KNOWN_ENTRY, RuleId.CANCEL_ONCE,
    RuleId.REVIEW_ACTIVE_ENTRY, RuleId.ACCEPT_WITHOUT_REASON, RuleId.DISALLOW_REASON_REQUIRED,
    RuleId.OTHER_REASON_EXPLAINED, RuleId.DISALLOW_AT_MOST_EXPENSE, RuleId.BUDGET_LEDGER,
    RuleId.PLAN_BEFORE_ACCEPTANCE, RuleId.EVIDENCE_PINNED, RuleId.BUDGET_PLAN_AGREED, RuleId.ONE_CHANGE_AT_A_TIME,
    RuleId.CHANGE_PENDING, RuleId.REASON_FOR_REJECTION, RuleId.REVIEW_EVERY_EXPENSE, RuleId.SETTLEMENT_FROM_LEDGER,
    RuleId.PROGRAM_RETURNS_INTEREST, RuleId.BUDGET_PLAN_REQUIRED, RuleId.DISTINCT_ENTRIES, RuleId.ENTRY_UNDECIDED,
    RuleId.NOT_IN_FUTURE, RuleId.FOUNDED_WITHIN_YEARS, RuleId.BRN_FORMAT, RuleId.BRN_CHECK_DIGIT,
    RuleId.PARTICIPATION_BAN, RuleId.SETTLEMENT_LINES_REQUIRED, RuleId.INTEREST_FROM_LEDGER,
    RuleId.CONTROL_CHARACTER, RuleId.VALUE_ERROR,
})

# Pydantic's error types: a field typed wrong, not a rule refusing what was asked (a page heads
# them "check what you entered", never "this cannot be done").
FIELD_TYPES: frozenset[RuleId] = frozenset({
    RuleId.MISSING, RuleId.INT_TYPE, RuleId.INT_PARSING, RuleId.INT_FROM_FLOAT, RuleId.GREATER_THAN_EQUAL,
    RuleId.GREATER_THAN, RuleId.LESS_THAN_EQUAL, RuleId.LESS_THAN, RuleId.STRING_TOO_SHORT, RuleId.STRING_TOO_LONG,
    RuleId.TOO_SHORT, RuleId.TOO_LONG, RuleId.LITERAL_ERROR, RuleId.ENUM, RuleId.DATE_PARSING,
    RuleId.DATE_FROM_DATETIME_PARSING, RuleId.DATE_TYPE, RuleId.STRING_PATTERN_MISMATCH, RuleId.BOOL_TYPE,
    RuleId.EXTRA_FORBIDDEN, RuleId.FLOAT_PARSING, RuleId.STRING_TYPE, RuleId.BOOL_PARSING, RuleId.DATETIME_PARSING,
    RuleId.DATETIME_FROM_DATE_PARSING, RuleId.TIMEZONE_AWARE, RuleId.LIST_TYPE, RuleId.DICT_TYPE, RuleId.MODEL_TYPE,
})


# The same rules' words where the refusal carries the figure they name (pydantic's `ctx`: a length, a
# bound): a page that has the figure says it (api.pages.shared.rule_text), one that has not (an API
# answer's details carry none) says RULE_WORDS'.
FIGURE_WORDS: dict[RuleId, str] = {
    RuleId.STRING_TOO_SHORT: N_("%(min_length)s자 이상이어야 합니다."),
    RuleId.STRING_TOO_LONG: N_("%(max_length)s자 이하여야 합니다."),
    RuleId.TOO_LONG: N_("%(max_length)s개 이하로 고르세요."),
    RuleId.GREATER_THAN_EQUAL: N_("%(ge)s 이상이어야 합니다."),
    RuleId.LESS_THAN_EQUAL: N_("%(le)s 이하여야 합니다."),
}


def rule_words(rule: object) -> str | None:
    """The Korean words a page shows instead of the refusal's message, for a rule id as a refusal
    carries it (a plain string once it has crossed the API or a workflow's history); None for an
    id with no words here, or one whose message says more (MESSAGE_SAYS_MORE)."""
    try:
        known = RuleId(str(rule))
    except ValueError:
        return None
    return None if known in MESSAGE_SAYS_MORE else RULE_WORDS[known]
