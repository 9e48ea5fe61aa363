"""The yearly follow-up of one company (사후관리): when its survey opens, is due, is reminded,
escalated and closed; what an answer must hold; and where a typed figure disagrees with a public
register. Pure functions: the FollowUp workflow and its tests use them as they stand.

Survey year N opens on the N-th survey day (program data, 09:00 KST) after the completion instant
and asks for the figures of the calendar year before it (the fiscal year).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.documents import DocumentRef
from domain.formatting import won
from domain.outcome_rules import FollowUpPolicy
from domain.rule_ids import RuleId
from domain.text import SINGLE_LINE, Name, Text
from domain.timeutil import KST, add_calendar_days
from domain.violation import RuleViolation

SURVEY_OPENS_AT = time(9, 0)
# The largest figure a survey takes: a hundred trillion won, people or patents alike.
MOST = 100_000_000_000_000


class SurveySchedule(BaseModel):
    year: int          # the follow-up year, 1..policy.years
    fiscal_year: int   # the calendar year its figures are for
    opens_at: AwareDatetime
    due_at: AwareDatetime
    reminders: list[AwareDatetime]
    escalates_at: AwareDatetime
    closes_at: AwareDatetime


def survey_schedule(completed_at: datetime, year: int, policy: FollowUpPolicy) -> SurveySchedule:
    """Follow-up year `year`'s survey, every instant in UTC."""
    completed = completed_at.astimezone(KST)
    first = completed.year
    opens_this_year = datetime.combine(date(first, policy.survey_month, policy.survey_day), SURVEY_OPENS_AT,
                                       tzinfo=KST)
    if opens_this_year <= completed:
        first += 1
    survey_year = first + year - 1
    opens = datetime.combine(date(survey_year, policy.survey_month, policy.survey_day), SURVEY_OPENS_AT,
                             tzinfo=KST).astimezone(UTC)
    due = add_calendar_days(opens, policy.answer_days)
    return SurveySchedule(
        year=year, fiscal_year=survey_year - 1, opens_at=opens, due_at=due,
        reminders=[due - timedelta(days=days) for days in sorted(policy.reminder_days_before, reverse=True)],
        escalates_at=due + timedelta(days=policy.escalate_after_days),
        closes_at=add_calendar_days(opens, policy.closes_after_days),
    )


SurveyEventKind = Literal["reminder", "escalation", "close"]


class SurveyEvent(BaseModel):
    at: AwareDatetime
    kind: SurveyEventKind


def survey_events(schedule: SurveySchedule, after: datetime) -> list[SurveyEvent]:
    """What the clock does while a survey waits for its answer, in order, from `after` on: an event
    whose instant has passed (a worker down, a survey opened late) is left out, except the close."""
    events = [SurveyEvent(at=at, kind="reminder") for at in schedule.reminders]
    events += [SurveyEvent(at=schedule.escalates_at, kind="escalation"),
               SurveyEvent(at=schedule.closes_at, kind="close")]
    return [e for e in events if e.at > after or e.kind == "close"]


# ---------------------------------------------------------------- the answer

Figure = Annotated[int | None, Field(strict=True)]
Round = Literal["seed", "pre_a", "series_a", "series_b", "series_c_plus", "strategic", "other"]


class InvestmentRound(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    investor: Name
    round: Round
    amount: Annotated[int, Field(strict=True)]  # won


class SurveyAnswer(BaseModel):
    """A company's figures for one fiscal year. Integers are really integers (a typed 1.5 is
    refused by the schema); the rest of the rules are `check_answer`'s, so that each refusal names
    its field and rule in Korean and English."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    fiscal_year: int
    revenue: Figure = None
    employees: Figure = None
    new_hires: Figure = None
    investments: list[InvestmentRound] = []
    patents_filed: Figure = None
    patents_granted: Figure = None
    exports: Figure = None
    awards: list[Name] = []
    narrative: Text = ""
    # 동의: the company lets the follow-up read its tax filing (부가세/법인세 신고 매출) to check
    # `revenue`; without it the filing is never read and the year's revenue is left unchecked.
    revenue_consent: Annotated[bool, Field(strict=True)] = False
    # Asked in the first survey only: the figures of the last year before the program (its growth
    # baseline: year 1's revenue growth and jobs created are counted against them).
    baseline_revenue: Figure = None
    baseline_employees: Figure = None
    # Evidence documents (uploaded first), pinned by id.
    evidence: Annotated[list[Annotated[str, Field(min_length=1, max_length=64), SINGLE_LINE]],
                        Field(max_length=50)] = []

    def investment_total(self) -> int:
        return sum(r.amount for r in self.investments)


_FIGURES = ("revenue", "employees", "new_hires", "patents_filed", "patents_granted", "exports", "baseline_revenue",
            "baseline_employees")
_NAMES = {"revenue": "매출액", "employees": "상시 근로자 수", "new_hires": "신규 고용", "patents_filed": "특허 출원",
          "patents_granted": "특허 등록", "exports": "수출액", "investment": "투자 유치", "awards": "수상",
          "baseline_revenue": "참여 전 연도 매출액", "baseline_employees": "참여 전 연도 상시 근로자 수"}


def _refuse(field: str, rule: RuleId, message: str, **details: object) -> RuleViolation:
    return RuleViolation("validation_error", message, {"field": field, "rule": rule, **details})


def check_answer(answer: SurveyAnswer, policy: FollowUpPolicy, schedule: SurveySchedule) -> None:
    """Refuse an answer for another year, with a required indicator left out, a negative or absurd
    figure, more new hires than employees, the year before the program after the first survey, or
    an investment round of no money."""
    if answer.fiscal_year != schedule.fiscal_year:
        raise _refuse("fiscal_year", RuleId.SURVEY_FISCAL_YEAR,
                      f"this survey asks for {schedule.fiscal_year}, not {answer.fiscal_year} "
                      f"(이번 조사는 {schedule.fiscal_year}년 실적을 묻습니다)", expected=schedule.fiscal_year)
    for indicator in policy.indicators:
        if not indicator.required or indicator.key in ("investment", "awards"):
            continue  # a list left empty is an answer: no round, no award
        if getattr(answer, indicator.key) is None:
            raise _refuse(indicator.key, RuleId.REQUIRED_INDICATOR,
                          f"{indicator.name_en} is required ({indicator.name}을(를) 입력해 주세요)")
    for name in _FIGURES:
        value = getattr(answer, name)
        if value is not None and value < 0:
            raise _refuse(name, RuleId.NON_NEGATIVE, f"{name} cannot be negative ({_NAMES[name]}은(는) 0 이상이어야 합니다)")
        if value is not None and value > MOST:
            raise _refuse(name, RuleId.AT_MOST, f"{name} is over {MOST:,} ({_NAMES[name]}이(가) 너무 큽니다)")
    if answer.new_hires is not None and answer.employees is not None and answer.new_hires > answer.employees:
        raise _refuse("new_hires", RuleId.NEW_HIRES_WITHIN_EMPLOYEES,
                      f"{answer.new_hires} new hires but {answer.employees} employees at the year's end "
                      f"(신규 고용({answer.new_hires}명)이 연말 상시 근로자 수({answer.employees}명)보다 많습니다)")
    for name in ("baseline_revenue", "baseline_employees"):
        if schedule.year > 1 and getattr(answer, name) is not None:
            raise _refuse(name, RuleId.BASELINE_FIRST_SURVEY,
                          f"the last year before the program is asked in the first survey only, not in year "
                          f"{schedule.year} (참여 전 연도 실적은 첫 조사에서만 입력합니다)")
    for i, investment in enumerate(answer.investments):
        if not 0 < investment.amount <= MOST:
            raise _refuse(f"investments[{i}].amount", RuleId.POSITIVE_WON,
                          f"an investment round is a positive amount in won, up to {won(MOST)} "
                          "(투자 금액은 0원보다 큰 원 단위 금액입니다)")


# ---------------------------------------------------------------- checked against public registers

BusinessStatus = Literal["active", "suspended", "closed"]  # 계속사업자, 휴업, 폐업

# How the year's figures were checked against the public registers: `checked` (the register
# answered), `no_record` (it holds nothing for the company: nothing to compare), `unchecked` (it
# could not answer after its retries: the figures stand as typed, for the officer to weigh).
FiguresCheck = Literal["checked", "no_record", "unchecked"]
# How the year's revenue was checked against the tax filing: as FiguresCheck, or `no_consent` (the
# company did not consent: the filing was not read, the revenue stands unchecked).
RevenueCheck = Literal["checked", "no_record", "unchecked", "no_consent"]


class PublicFigures(BaseModel):
    """What public registers said about the company for the fiscal year; None: not asked or no
    consent (a tax filing is read only with the company's consent)."""

    business_status: BusinessStatus | None = None
    closed_on: date | None = None
    insured_employees: int | None = None   # 고용보험 피보험자 수 at the year's end
    filed_revenue: int | None = None       # 국세청 신고 매출
    # How the filed revenue was read: None when it was not asked (no consent, or no answer).
    revenue_check: FiguresCheck | None = None


FlagKind = Literal["business_closed", "business_suspended", "employees_mismatch", "revenue_mismatch"]


class MismatchFlag(BaseModel):
    """A disagreement for the program officer to look at: never corrected silently."""

    kind: FlagKind
    field: str
    typed: int | None = None
    checked: int | None = None
    message: str


def mismatch_flags(answer: SurveyAnswer | None, public: PublicFigures, policy: FollowUpPolicy) -> list[MismatchFlag]:
    flags: list[MismatchFlag] = []
    if public.business_status == "closed":
        on = f" on {public.closed_on.isoformat()}" if public.closed_on else ""
        flags.append(MismatchFlag(kind="business_closed", field="business_status",
                                  message=f"the tax authority lists the company as closed{on} "
                                          "(국세청에 폐업으로 등록되어 있습니다)"))
    elif public.business_status == "suspended":
        flags.append(MismatchFlag(kind="business_suspended", field="business_status",
                                  message="the tax authority lists the company as suspended (휴업 중입니다)"))
    if answer is None:
        return flags
    if answer.employees is not None and public.insured_employees is not None and \
            abs(answer.employees - public.insured_employees) > policy.employees_tolerance:
        flags.append(MismatchFlag(
            kind="employees_mismatch", field="employees", typed=answer.employees, checked=public.insured_employees,
            message=f"{answer.employees} employees typed, {public.insured_employees} insured in the employment "
                    f"insurance register (입력 {answer.employees}명, 고용보험 피보험자 {public.insured_employees}명)"))
    if answer.revenue_consent and answer.revenue is not None and public.filed_revenue is not None and \
            _off_by_more(answer.revenue, public.filed_revenue, policy.revenue_tolerance_percent):
        flags.append(MismatchFlag(
            kind="revenue_mismatch", field="revenue", typed=answer.revenue, checked=public.filed_revenue,
            message=f"revenue {won(answer.revenue)} typed, {won(public.filed_revenue)} in the tax "
                    f"filing (입력 매출 {won(answer.revenue)}, 신고 매출 {won(public.filed_revenue)})"))
    return flags


def revenue_check(answer: SurveyAnswer | None, public: PublicFigures) -> RevenueCheck | None:
    """How the year's revenue was checked: not at all without an answer, `no_consent` when the
    company did not consent to its tax filing being read, else as the tax filing was read."""
    if answer is None:
        return None
    return public.revenue_check if answer.revenue_consent else "no_consent"


def _off_by_more(typed: int, checked: int, percent: int) -> bool:
    """Whether `typed` differs from `checked` by more than `percent` of `checked` (exact, in integers)."""
    return abs(typed - checked) * 100 > checked * percent


def insured_month(fiscal_year: int) -> str:
    """The month whose insured head count stands for a fiscal year's employees: its December
    (YYYYMM), the year's end the survey asks about."""
    return f"{fiscal_year}12"


# ---------------------------------------------------------------- what a year leaves

YearStatus = Literal["answered", "answered_late", "unanswered", "closed"]


class YearRecord(BaseModel):
    """One follow-up year as the follow-up keeps it (and carries it over continue-as-new)."""

    year: int
    fiscal_year: int
    status: YearStatus
    # The program whose survey it was: a company promoted to a later stage is followed on by that
    # stage's program, and each year counts for one program only.
    program_id: str = ""
    answer: SurveyAnswer | None = None
    answered_at: AwareDatetime | None = None
    answered_by: str | None = None
    reminders_sent: int = 0
    escalated: bool = False
    flags: list[MismatchFlag] = []
    # None: not checked (no answer, or a run from before patch followup-checked-figures).
    figures_check: FiguresCheck | None = None
    # None: not checked (no answer, or a run from before patch followup-revenue-check).
    revenue_check: RevenueCheck | None = None
    # The answer's evidence documents, pinned by the SHA-256 of their bytes (as actions carry them).
    evidence: list[DocumentRef] = []
