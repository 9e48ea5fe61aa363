"""The outcome workbook's sheet of checks (수치 확인): every company-year of the program with its
employees check, its revenue check, the business status the check found and the officer's
evidence on it (its note, each document's name and SHA-256), in the request's
language (Korean unless English is chosen), the figures typed beside the registers' where they
differ. Built from api/services/outcome_checks.py's `year_checks`."""

from collections.abc import Sequence

from api.i18n import N_, _, pgettext
from api.pages.console.report_export import Sheet
from api.pages.shared.followup_words import STATUS_WORDS
from api.services.outcome_checks import YearCheck

# How a check came out (domain/outcome_checks.py's CheckWord); None: not checked at all.
CHECK_WORDS = {"checked": N_("일치"), "mismatch": N_("불일치"), "no_record": N_("기록 없음"),
               "unchecked": N_("조회 실패"), "no_consent": N_("동의 없음")}
BUSINESS_WORDS = {"closed": N_("폐업"), "suspended": N_("휴업")}


def check_word(word: str | None) -> str:
    return _(CHECK_WORDS[word]) if word in CHECK_WORDS else pgettext("outcome check", "확인 안 함")


def checks_sheet(checks: Sequence[YearCheck]) -> Sheet:
    header = (pgettext("outcome column", "코호트 (완료 연도)"), pgettext("outcome column", "연차"),
              pgettext("outcome column", "실적 연도"), pgettext("outcome column", "기업명"),
              pgettext("outcome column", "사업자등록번호"), pgettext("outcome column", "응답 상태"),
              pgettext("outcome column", "종업원 수 (입력, 명)"), pgettext("outcome column", "고용보험 피보험자 (명)"),
              pgettext("outcome column", "고용 확인"), pgettext("outcome column", "매출액 (입력, 원)"),
              pgettext("outcome column", "국세청 신고 매출 (원)"), pgettext("outcome column", "매출 확인"),
              pgettext("outcome column", "사업 상태"), pgettext("outcome column", "담당자 확인 증빙"))
    rows = [(c.cohort, c.year, c.fiscal_year, c.company_name, c.brn,
             _(STATUS_WORDS[c.status]) if c.status in STATUS_WORDS else c.status,
             c.employees_typed, c.employees_insured, check_word(c.employees_check), c.revenue_typed,
             c.revenue_filed, check_word(c.revenue_check),
             _(BUSINESS_WORDS[c.business_status]) if c.business_status else "—", "; ".join(c.evidence))
            for c in checks]
    return Sheet(pgettext("outcome sheet", "수치 확인"), header, rows, money_columns=(9, 10))
