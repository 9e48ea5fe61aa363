"""The console's words for money by 비목: evidence kinds, payment methods, the reasons a finance
officer disallows (불인정) with, what each risk flag means, and what made a plan version. The
domain keeps its Korean for the documents it writes; these are marked for the catalogue, so the
pages read in English too (the program's own category names are its data, shown as written)."""

from datetime import date

from api.i18n import N_, _, pgettext
from domain.expense_risk import RiskFlag
from domain.formatting import won

EVIDENCE_WORDS = {
    "tax_invoice": N_("전자세금계산서"), "card_slip": N_("카드 매출전표"), "transfer_receipt": N_("이체확인증"),
    "contract": N_("계약서"), "quote": N_("견적서"), "inspection_report": N_("검수조서"),
    "payroll": N_("급여명세서"), "travel_report": N_("출장보고서"),
}
PAYMENT_WORDS = {"account_transfer": N_("사업비 계좌 이체"), "card": N_("사업비 카드"), "cash": N_("현금")}
DISALLOW_WORDS = {
    "insufficient_evidence": N_("증빙 미비"), "outside_purpose": N_("목적 외 사용"), "outside_period": N_("기간 외 집행"),
    "related_party": N_("관계사 거래"), "over_line": N_("비목 한도 초과"), "reclaimable_vat": N_("환급 대상 부가가치세"),
    "duplicate": N_("중복 집행"), "other": N_("기타"),
}


def word(words: dict[str, str], key: str | None) -> str:
    """A key's word in the page's language; an unknown key as it is."""
    return _(words[key]) if key in words else (key or "—")


def basis_word(basis: str) -> str:
    """What made a plan version: the agreement, a move within the tolerance (통보), an approval."""
    return {"agreement": pgettext("plan basis", "협약"), "notice": pgettext("plan basis", "통보 (승인 불필요)"),
            "approval": pgettext("plan basis", "변경 승인")}.get(basis, basis)


def review_word(decision: str | None) -> str:
    return {"accept": pgettext("expense review", "인정"), "disallow": pgettext("expense review", "불인정")}.get(
        decision or "", pgettext("expense review", "검토 대기"))


def flag_text(flag: RiskFlag, paid: int, spent_on: str) -> str:
    """Why the risk rules flag an entry, in the page's words with its own figures (the flag's
    message is the API's, in English with the Korean beside)."""
    if flag.rule == "split_purchase":
        return _("한도 미만 분할 구매 의심: 같은 업체에 %(related)s와 함께 나누어 결제") % {
            "related": ", ".join(flag.related)}
    if flag.rule == "non_business_day":
        return _("주말·공휴일 집행 (%(day)s)") % {"day": spent_on}
    if flag.rule == "round_amount":
        return _("딱 떨어지는 금액 (%(amount)s)") % {"amount": won(paid)}
    if flag.rule == "shared_vendor":
        return _("같은 사업의 여러 기업이 거래한 업체")
    if flag.rule == "new_vendor" and flag.opened_on is not None:
        days = (date.fromisoformat(spent_on) - flag.opened_on).days
        return _("결제 직전에 개업한 업체 (개업일 %(opened)s, 결제 %(days)s일 전)") % {
            "opened": flag.opened_on.isoformat(), "days": days}
    return flag.rule
