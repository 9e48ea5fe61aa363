"""The words for money by 비목 that the console and the portal both show: evidence kinds, payment
methods and the reasons a finance officer disallows (불인정) with. The domain keeps its Korean for
the documents it writes (domain/budget_rules.py's names); these are marked for the catalogue, so
the pages read in English too."""

from api.i18n import N_

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
