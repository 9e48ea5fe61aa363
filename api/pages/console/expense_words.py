"""The console's words for money by 비목: what each risk flag means, what made a plan version, a
review's decision (the evidence kinds, payment methods and disallowance reasons it shares with the
portal are in api/pages/shared/budget_words.py; the program's own category names are its data,
shown as written)."""

from datetime import date

from api.i18n import _, pgettext
from domain.expense_risk import RiskFlag
from domain.formatting import won


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
