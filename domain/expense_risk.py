"""Risk flags for the finance officer's queue: expenses worth a closer look. A flag never refuses
an expense; each names its rule and its reason in Korean and English.

The amount looked at is what left the grant account (supply amount plus VAT). Weekends and Korean
public holidays come from `domain.calendar` (the `holidays` package), so this runs in the API and
the read model, never inside workflow code.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from domain.budget_rules import BudgetRules
from domain.calendar import is_business_day
from domain.formatting import won
from domain.ledger import LedgerEntry


@dataclass(frozen=True)
class RiskFlag:
    entry_id: str
    rule: str  # split_purchase, non_business_day, round_amount, shared_vendor, new_vendor
    message: str
    # Other entries the reason involves (the other parts of a split purchase).
    related: tuple[str, ...] = ()
    # new_vendor: the vendor's opening date (개업일자), for the pages' own words.
    opened_on: date | None = None


def paid(entry: LedgerEntry) -> int:
    return entry.supply_amount + entry.vat


def risk_flags(entries: Sequence[LedgerEntry], rules: BudgetRules, *,
               other_startups_by_vendor: Mapping[str, frozenset[str]] | None = None,
               vendor_founded_on: Mapping[str, date] | None = None,
               extra_holidays: frozenset[date] = frozenset()) -> list[RiskFlag]:
    """Every flag on these (active) entries of one startup, in entry order then rule order.

    `other_startups_by_vendor`: for a vendor's registration number, the other startups of the same
    program that paid it; `vendor_founded_on`: a vendor's opening date (개업일자) where known."""
    others = other_startups_by_vendor or {}
    founded = vendor_founded_on or {}
    split = split_purchases(entries, rules)
    flags: list[RiskFlag] = []
    for entry in entries:
        if entry.id in split:
            parts = split[entry.id]
            flags.append(RiskFlag(entry.id, "split_purchase",
                                  f"{len(parts) + 1} payments to one vendor in {rules.split_window_days} days, each under "
                                  f"{won(rules.split_limit)} (한도 미만 분할 구매 의심)", parts))
        if not is_business_day(entry.spent_on, extra_holidays):
            flags.append(RiskFlag(entry.id, "non_business_day",
                                  f"paid on {entry.spent_on}, a weekend or holiday (주말·공휴일 집행)"))
        if paid(entry) % rules.round_unit == 0:
            flags.append(RiskFlag(entry.id, "round_amount",
                                  f"a round amount, {won(paid(entry))} (딱 떨어지는 금액)"))
        sharing = others.get(entry.vendor_brn, frozenset())
        if len(sharing) + 1 >= rules.shared_vendor_startups:
            flags.append(RiskFlag(entry.id, "shared_vendor",
                                  f"this vendor was paid by {len(sharing) + 1} startups of the program "
                                  f"(같은 사업의 여러 기업이 거래한 업체)"))
        opened = founded.get(entry.vendor_brn)
        if opened is not None and timedelta(0) <= entry.spent_on - opened <= timedelta(days=rules.new_vendor_days):
            flags.append(RiskFlag(entry.id, "new_vendor",
                                  f"the vendor opened on {opened}, {(entry.spent_on - opened).days} days before the "
                                  f"payment (결제 직전에 개업한 업체)", opened_on=opened))
    return flags


def split_purchases(entries: Sequence[LedgerEntry], rules: BudgetRules) -> dict[str, tuple[str, ...]]:
    """Entries that look like one purchase split to stay under the limit: payments to one vendor in
    one category within the window, each under the limit, together reaching it. For each such
    entry, the ids of the other parts."""
    window = timedelta(days=rules.split_window_days - 1)
    small = sorted((e for e in entries if paid(e) < rules.split_limit), key=lambda e: (e.spent_on, e.id))
    parts: dict[str, set[str]] = {}
    for first in small:
        group = [e for e in small if e.vendor_brn == first.vendor_brn and e.category == first.category
                 and first.spent_on <= e.spent_on <= first.spent_on + window]
        if len(group) >= 2 and sum(paid(e) for e in group) >= rules.split_limit:
            ids = {e.id for e in group}
            for e in group:
                parts.setdefault(e.id, set()).update(ids - {e.id})
    return {entry_id: tuple(sorted(others)) for entry_id, others in parts.items()}
