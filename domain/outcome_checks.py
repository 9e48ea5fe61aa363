"""Each follow-up year's checks in one word each, as the outcome XLSX's sheet of checks lists them
for every company and year (the JSON's `checks` and the console's table list only those to look at).

A check's word is how the year's record says it was checked (`figures_check`, `revenue_check`:
checked, no_record, unchecked; revenue also no_consent), except that a figure the register did not
bear out is `mismatch`: the flag, not the record, says so. None: not checked at all (no answer, or a
year recorded before the check existed). The business status is the register's word when the check
found the company closed (폐업) or suspended (휴업); an active company has none.
"""

from collections.abc import Sequence
from typing import Literal

from domain.followup import FiguresCheck, MismatchFlag, RevenueCheck

CheckWord = Literal["checked", "no_record", "unchecked", "no_consent", "mismatch"]
FlaggedStatus = Literal["closed", "suspended"]


def employees_check(figures_check: FiguresCheck | None, flags: Sequence[MismatchFlag]) -> CheckWord | None:
    """The typed employees against the employment-insurance register (고용보험 피보험자 수)."""
    if any(flag.kind == "employees_mismatch" for flag in flags):
        return "mismatch"
    return figures_check


def revenue_check(checked: RevenueCheck | None, flags: Sequence[MismatchFlag]) -> CheckWord | None:
    """The typed revenue against the tax filing (국세청 신고 매출), read only with consent."""
    if any(flag.kind == "revenue_mismatch" for flag in flags):
        return "mismatch"
    return checked


def business_status(flags: Sequence[MismatchFlag]) -> FlaggedStatus | None:
    """Closed wins over suspended (a closed company's year is recorded closed)."""
    kinds = {flag.kind for flag in flags}
    if "business_closed" in kinds:
        return "closed"
    if "business_suspended" in kinds:
        return "suspended"
    return None


def flagged_figure(flags: Sequence[MismatchFlag], kind: str) -> int | None:
    """The register's figure a flag of this kind carries (None without such a flag)."""
    return next((flag.checked for flag in flags if flag.kind == kind), None)
