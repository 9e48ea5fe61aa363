"""Agreement amendments (협약 변경): what may change in a signed agreement, which changes wait for
the program officer's approval (승인 사항) and which take effect at once (통보 사항), and the records
the lifecycle keeps of each request and each numbered version (변경 1, 변경 2 …).

Pure: the rules here take plain facts (dates, keys, registration numbers), so they are unit-tested
without a state; `domain.amendment_rules` applies them to a lifecycle's state for the validators.
This module imports neither the state nor the program (both import it).
"""

from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.documents import DocumentRef
from domain.rule_ids import RuleId
from domain.violation import RuleViolation

# What a request may change: the PoC period (its new end date: the last milestone's due date), the
# milestone plan (open milestones' due dates), the SME partner (another 비수도권 company, checked by
# the match's own rules), the task content (free text) and the representative (대표자 변경: the new
# representative as the tax register names them, checked by the API before the request is taken).
RequestableKind = Literal["poc_period", "milestone_plan", "sme_partner", "task_content", "representative"]
# The kinds of an amendment record: the requestable ones, and the budget beyond its tolerance, which
# is asked and decided through request-budget-change / decide-budget-change (the one path that moves
# money); its approval is recorded here as an approved amendment with its 변경 N.
AmendmentKind = Literal["poc_period", "milestone_plan", "sme_partner", "task_content", "representative", "budget"]
AMENDMENT_KINDS: tuple[RequestableKind, ...] = get_args(RequestableKind)
# 승인 사항 (approval: nothing changes before the officer approves) or 통보 사항 (notice: at once).
AmendmentType = Literal["approval", "notice"]
# The body field each kind needs; a request gives that field and no other kind's.
KIND_FIELDS: dict[AmendmentKind, str] = {
    "poc_period": "new_end_on", "milestone_plan": "milestones", "sme_partner": "partners",
    "task_content": "task_content", "representative": "representative_name", "budget": "budget_move",
}
# What the agreement and the notices call each kind.
KIND_NAMES: dict[str, str] = {"poc_period": "사업 기간", "milestone_plan": "마일스톤 계획", "sme_partner": "수요기업",
                              "task_content": "과제 내용", "representative": "대표자", "budget": "사업비 (비목 변경)"}
# The sample program's choice: what moves money or time, or whom it reaches, waits for approval;
# the wording of the task is a notice.
DEFAULT_TYPES: dict[RequestableKind, AmendmentType] = {
    "poc_period": "approval", "milestone_plan": "approval", "sme_partner": "approval", "task_content": "notice",
    "representative": "approval",
}


class AmendmentPolicy(BaseModel):
    """A program's amendment rules (`ProgramDefinition.amendments`); definitions from before
    amendments get these defaults, so they and the saved histories parse unchanged."""

    model_config = ConfigDict(extra="forbid")

    # A kind the program leaves out needs approval: the safe side.
    types: dict[RequestableKind, AmendmentType] = Field(default_factory=lambda: dict(DEFAULT_TYPES))
    # How long a request waits in the officer's inbox before it is escalated (calendar days).
    decision_days: Annotated[int, Field(ge=1, le=90)] = 10

    def type_of(self, kind: AmendmentKind) -> AmendmentType:
        return self.types.get(kind, "approval") if kind != "budget" else "approval"


class MilestoneDue(BaseModel):
    """One milestone's new due date (a KST calendar day)."""

    model_config = ConfigDict(extra="forbid")

    milestone: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$", description="the milestone's key")]
    due_on: Annotated[date, Field(description="its new due date, a KST calendar day (YYYY-MM-DD)")]


class AmendedPartner(BaseModel):
    """An SME partner as an amendment names it (the state's `Partner`, which this module cannot import)."""

    name: str
    brn: str
    region: str
    role: Literal["lead", "member"] = "lead"
    share_percent: int | None = None


class RegisterAnswer(BaseModel):
    """The tax register's 진위확인 of a new representative, asked by the API before the request is
    taken (the validator cannot ask): the company's number, its opening day and the name matched."""

    brn: str
    opened_on: date
    representative: str
    checked_at: AwareDatetime


class BudgetMoveRecord(BaseModel):
    """A budget move beyond its tolerance (비목 변경), as its approval is recorded among the amendments."""

    from_category: str
    to_category: str
    amount: int
    plan_version: int | None = None  # the plan version an approval made


class AmendmentChange(BaseModel):
    """What one request changes: the field of its kind, and nothing else."""

    kind: AmendmentKind
    new_end_on: date | None = None
    milestones: list[MilestoneDue] = []
    partners: list[AmendedPartner] = []
    task_content: str | None = None
    representative_name: str | None = None
    representative_opened_on: date | None = None
    register_answer: RegisterAnswer | None = None
    budget_move: BudgetMoveRecord | None = None


AmendmentStatus = Literal["pending", "approved", "rejected", "effective"]


class AmendmentRequest(BaseModel):
    """One request, as the state keeps it: who asked, when its decision is due, and how it ended."""

    number: int
    change: AmendmentChange
    type: AmendmentType
    requested_by: str
    requested_by_role: str
    requested_at: AwareDatetime
    reason: str = ""
    # The officer's inbox deadline (approval-type only) and whether it was escalated.
    decision_due_at: AwareDatetime | None = None
    escalated: bool = False
    status: AmendmentStatus = "pending"
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    decision_reason: str = ""
    # The agreement version an approval made (변경 N).
    version: int | None = None


class AgreementVersion(BaseModel):
    """A numbered version of the agreement an approved amendment made (변경 1, 변경 2 …): its own
    document and hash, who approved it, and the startup's acceptance with its password typed again."""

    version: int
    request: int
    kind: AmendmentKind
    approved_by: str
    approved_at: AwareDatetime
    approved_by_name: str = ""
    document: DocumentRef | None = None
    accepted_by_id: str | None = None
    accepted_by_name: str | None = None
    accepted_at: AwareDatetime | None = None

    @property
    def label(self) -> str:
        return version_label(self.version)


class AmendmentState(BaseModel):
    """Every request and every version (none is ever removed), and the task content as amended.
    Present only in lifecycles started under the agreement-amendments patch."""

    requests: list[AmendmentRequest] = []
    versions: list[AgreementVersion] = []
    task_content: str | None = None
    # The representative as amended (대표자 변경); None while the application's stands.
    representative: str | None = None

    @property
    def pending(self) -> AmendmentRequest | None:
        return next((r for r in self.requests if r.status == "pending"), None)

    @property
    def to_accept(self) -> AgreementVersion | None:
        """The newest version, while the startup has not accepted it yet."""
        latest = self.versions[-1] if self.versions else None
        return latest if latest is not None and latest.accepted_at is None else None


def version_label(version: int) -> str:
    return f"변경 {version}"


def _refuse(field: str, rule: RuleId, message: str, code: str = "validation_error") -> RuleViolation:
    return RuleViolation(code, message, {"field": field, "rule": rule})


def check_fields_of_kind(change: AmendmentChange) -> None:
    """The field of the request's kind is given, and no other kind's."""
    if change.kind == "budget":
        raise _refuse("kind", RuleId.BUDGET_THROUGH_BUDGET_CHANGE,
                      "a move between budget categories is asked with request-budget-change; its approval becomes "
                      "the agreement's next version (비목 변경은 사업비 변경 신청으로 하십시오)")
    given = {"new_end_on": change.new_end_on is not None, "milestones": bool(change.milestones),
             "partners": bool(change.partners), "task_content": bool(change.task_content),
             "representative_name": bool(change.representative_name),
             "representative_opened_on": change.representative_opened_on is not None}
    needed = [KIND_FIELDS[change.kind]] + (["representative_opened_on"] if change.kind == "representative" else [])
    for field in needed:
        if not given[field]:
            raise _refuse(field, RuleId.AMENDMENT_FIELD_REQUIRED,
                          f"a {change.kind} amendment needs {field} ({field} 항목을 적어 주십시오)")
    for other, present in given.items():
        if present and other not in needed:
            raise _refuse(other, RuleId.AMENDMENT_FIELD_OF_KIND,
                          f"{other} is not part of a {change.kind} amendment (이 변경 종류에 없는 항목입니다)")


def check_poc_end(new_end_on: date, today: date, open_dues: dict[str, date], last_key: str | None) -> None:
    """A new end of the PoC: a future day, not before another open milestone's due day (the last
    milestone's due day is the PoC's end)."""
    if new_end_on <= today:
        raise _refuse("new_end_on", RuleId.FUTURE_DATE, "new_end_on must be a future date (KST)")
    if last_key is None or last_key not in open_dues:
        raise _refuse("new_end_on", RuleId.AMENDED_MILESTONE_OPEN, "the last milestone is already accepted: the "
                      "PoC's end no longer moves (마지막 마일스톤이 이미 승인되었습니다)", "conflict")
    later = [key for key, due in open_dues.items() if key != last_key and due > new_end_on]
    if later:
        raise _refuse("new_end_on", RuleId.POC_END_AFTER_MILESTONES,
                      f"the PoC cannot end before milestone {later[0]} is due (사업 종료일은 다른 마일스톤 기한보다 "
                      "앞설 수 없습니다)")


def check_milestone_plan(changes: list[MilestoneDue], today: date, plan_order: list[str],
                         dues: dict[str, date], open_keys: set[str]) -> None:
    """New due days for open milestones: each known and open, named once, in the future, and the
    plan's order kept (a milestone never falls due before the one planned ahead of it)."""
    seen: set[str] = set()
    for index, item in enumerate(changes):
        field = f"milestones[{index}]"
        if item.milestone not in dues:
            raise _refuse(f"{field}.milestone", RuleId.KNOWN_MILESTONE,
                          f"unknown milestone {item.milestone!r}; one of {', '.join(plan_order)}")
        if item.milestone not in open_keys:
            raise _refuse(f"{field}.milestone", RuleId.AMENDED_MILESTONE_OPEN,
                          f"milestone {item.milestone} is already accepted (이미 승인된 마일스톤입니다)", "conflict")
        if item.milestone in seen:
            raise _refuse(f"{field}.milestone", RuleId.MILESTONES_IN_ORDER,
                          f"milestone {item.milestone} is named twice")
        seen.add(item.milestone)
        if item.due_on <= today:
            raise _refuse(f"{field}.due_on", RuleId.FUTURE_DATE, "due_on must be a future date (KST)")
    after = dues | {item.milestone: item.due_on for item in changes}
    ordered = [after[key] for key in plan_order if key in after]
    if any(later < earlier for earlier, later in zip(ordered, ordered[1:], strict=False)):
        raise _refuse("milestones", RuleId.MILESTONES_IN_ORDER,
                      "the milestones must keep the plan's order (마일스톤 기한은 계획 순서대로여야 합니다)")


def check_partner_change(partners: list[AmendedPartner], startup_brn: str, current_brns: set[str]) -> None:
    """Another company: never the startup itself, and not the partners it already has. (Each
    partner's region, one lead and no partner twice are the match's rules, checked on the body.)"""
    if any(p.brn == startup_brn for p in partners):
        raise _refuse("partners", RuleId.PARTNER_IS_ANOTHER_COMPANY, "the startup cannot be its own SME partner")
    if {p.brn for p in partners} == current_brns:
        raise _refuse("partners", RuleId.PARTNER_CHANGES,
                      "these are the SME partners the agreement already names (지금의 수요기업과 같습니다)")


def check_representative_change(change: AmendmentChange, brn: str, current: str | None) -> None:
    """대표자 변경: the tax register named the new representative for this company with this opening
    day (the 진위확인 of the identity work, asked by the API), and it is a change."""
    register = change.register_answer
    if register is None or (register.brn, register.representative, register.opened_on) != (
            brn, change.representative_name, change.representative_opened_on):
        raise _refuse("representative_name", RuleId.REPRESENTATIVE_REGISTER_CHECKED,
                      "the new representative must be confirmed by the tax register's 진위확인 first "
                      "(새 대표자는 국세청 진위확인을 거쳐야 합니다)")
    if change.representative_name == current:
        raise _refuse("representative_name", RuleId.REPRESENTATIVE_CHANGES,
                      "this is the representative the agreement already names (지금의 대표자와 같습니다)")


def new_due_days(change: AmendmentChange, plan_order: list[str], open_dues: dict[str, date]) -> dict[str, date]:
    """The milestones a change moves, each with its new due day (none for a partner or task change)."""
    if change.kind == "poc_period" and change.new_end_on is not None:
        return {plan_order[-1]: change.new_end_on} if plan_order and plan_order[-1] in open_dues else {}
    if change.kind == "milestone_plan":
        return {item.milestone: item.due_on for item in change.milestones}
    return {}
