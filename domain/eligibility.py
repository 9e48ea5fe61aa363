"""Who may apply (신청 자격): the rules a person can be told about before submitting, as pure
functions. The API's application route refuses with them, the portal shows them beside the field
while a draft is written, and the lifecycle's eligibility check answers the business status with
`status_refusal`. Each problem names its field and rule, Korean first."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from domain.brn import format_brn, normalize_brn
from domain.formatting import kst_day
from domain.rule_ids import RuleId
from domain.timeutil import kst_date

BusinessStatus = Literal["active", "suspended", "closed", "unregistered"]
# The tax authority's status codes (b_stt_cd): 01 계속사업자, 02 휴업자, 03 폐업자; none when unknown.
STATUS_CODES: dict[str, BusinessStatus] = {"01": "active", "02": "suspended", "03": "closed", "": "unregistered"}


@dataclass(frozen=True)
class Problem:
    field: str
    rule: RuleId
    message: str

    def detail(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


def earliest_founding(closes_at: datetime, within_years: int) -> date:
    """The earliest founding date that is still 'within N years of the closing date' (업력)."""
    closes = kst_date(closes_at)
    if closes.month == 2 and closes.day == 29:
        return closes.replace(year=closes.year - within_years, day=28)
    return closes.replace(year=closes.year - within_years)


def founding_problems(founded_on: date, closes_at: datetime, within_years: int, today: date) -> list[Problem]:
    if founded_on > today:
        return [Problem("founded_on", RuleId.NOT_IN_FUTURE, "설립일이 미래입니다 (founded_on is in the future)")]
    earliest = earliest_founding(closes_at, within_years)
    if founded_on < earliest:
        return [Problem("founded_on", RuleId.FOUNDED_WITHIN_YEARS,
                        f"창업 {within_years}년 이내여야 합니다: 마감일 기준 {earliest.isoformat()} 이후 설립 "
                        f"(the company must be founded within {within_years} years of the closing date: "
                        f"on or after {earliest.isoformat()})")]
    return []


def brn_problems(raw: str) -> list[Problem]:
    try:
        normalize_brn(raw)
    except ValueError as err:
        return [Problem("brn", RuleId.BRN_CHECK_DIGIT if "check digit" in str(err) else RuleId.BRN_FORMAT,
                        f"사업자등록번호가 올바르지 않습니다: {err} (invalid business registration number)")]
    return []


def ban_problem(brn: str, banned_until: datetime | None) -> list[Problem]:
    if banned_until is None:
        return []
    return [Problem("brn", RuleId.PARTICIPATION_BAN,
                    f"참여제한 중입니다: {kst_day(banned_until)} KST까지 "
                    f"({format_brn(brn)} is banned from participation until then)")]


def status_from_code(code: str) -> BusinessStatus:
    """The status for a tax authority code; a code it may add later counts as not active."""
    return STATUS_CODES.get(code.strip(), "unregistered")


def status_refusal(brn: str, status: BusinessStatus, closed_on: date | None = None) -> str | None:
    """Why a company in this business status may not take part, or None when it may."""
    number = format_brn(brn)
    if status == "active":
        return None
    if status == "suspended":
        return f"휴업 중인 사업자입니다 (국세청 사업자등록 상태: 휴업자) — {number} is suspended (휴업) at the tax authority"
    if status == "closed":
        when = f", {closed_on.isoformat()} 폐업" if closed_on else ""
        return (f"폐업한 사업자입니다 (국세청 사업자등록 상태: 폐업자{when}) — {number} is closed (폐업) "
                "at the tax authority")
    return (f"국세청에 등록되지 않은 사업자등록번호입니다 — {number} is not registered with the tax authority")


STATUS_LABELS: dict[BusinessStatus, str] = {
    "active": "계속사업자 (active)", "suspended": "휴업자 (suspended)", "closed": "폐업자 (closed)",
    "unregistered": "미등록 (not registered)",
}
