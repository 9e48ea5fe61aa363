"""Appeals (이의신청): who may object to which result, until when, and who may decide the objection.

A result may be appealed once, by the startup it concerns, within the program's window after it
was made known: a rejection or a place on the waitlist (the selection result), the final
evaluation, or an expense the finance officer disallowed (불인정). The review panel (심의위원회) is
staff who took no part in the result: the people who made it are kept with it (by user id, so
whatever role they act in now, as conflicts of interest follow the person), and each is refused.

Pure: plain facts in, a RuleViolation out; `domain.appeal_rules` applies these to a lifecycle's
state for the validators. This module imports neither the state nor the program (both import it).
"""

from datetime import datetime, timedelta
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from domain.documents import DocumentRef
from domain.rule_ids import RuleId
from domain.text import SINGLE_LINE
from domain.timeutil import end_of_kst_day, kst_date
from domain.violation import RuleViolation

# What may be appealed: the selection result (rejected or waitlisted), the final evaluation, or
# one disallowed expense (its ledger entry).
AppealKind = Literal["selection", "final_evaluation", "expense"]
APPEAL_KINDS: tuple[AppealKind, ...] = get_args(AppealKind)
KIND_NAMES: dict[AppealKind, str] = {"selection": "선정 결과", "final_evaluation": "최종평가",
                                     "expense": "집행 불인정"}
# moot: closed without a decision, the result it objected to having changed meanwhile (a waitlisted
# startup selected while its appeal waited).
AppealStatus = Literal["pending", "upheld", "dismissed", "moot"]
DECIDED: tuple[AppealStatus, ...] = ("upheld", "dismissed")


class AppealPolicy(BaseModel):
    """A program's appeal rules (`ProgramDefinition.appeals`); definitions from before appeals get
    these defaults, so they and the saved histories parse unchanged."""

    model_config = ConfigDict(extra="forbid")

    # Calendar days after the result is made known; the window closes at the end of that KST day.
    window_days: Annotated[int, Field(ge=1, le=60)] = 7
    # The review panel (심의위원회) the program names: the user ids of the staff who may decide its
    # appeals (each still refused for a result they took part in). Empty: any program officer or
    # admin who took no part in the result.
    panel: Annotated[list[Annotated[str, Field(min_length=1, max_length=64), SINGLE_LINE]], Field(max_length=50)] = []

    @field_validator("panel")
    @classmethod
    def _each_member_once(cls, panel: list[str]) -> list[str]:
        if len(set(panel)) != len(panel):
            raise ValueError("a panel member is named once")
        return panel


class AppealableResult(BaseModel):
    """A result the startup may appeal, as the lifecycle made it known: when, and who made it."""

    kind: AppealKind
    # The expense's ledger entry id; empty for the selection and the final evaluation.
    subject: str = ""
    at: AwareDatetime
    # For the selection, the phase it put the startup in (rejected or waitlisted).
    outcome: str = ""
    # The user ids of the people who made it (the scorers, the final evaluator, the expense's
    # reviewer): none of them sits on the panel that decides its appeal.
    actors: list[str] = []


class Appeal(BaseModel):
    """One appeal: what it objects to, its reasons and documents, and the panel's decision."""

    number: int
    kind: AppealKind
    subject: str = ""
    reasons: str
    documents: list[DocumentRef] = []
    filed_by: str
    filed_at: AwareDatetime
    status: AppealStatus = "pending"
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_at: AwareDatetime | None = None
    decision_reason: str = ""
    # Upheld: who made the result (a selection's scorers, the final evaluator), who do not make it again.
    earlier_scorers: list[str] = []

    @property
    def days_to_decide(self) -> int | None:
        return (self.decided_at - self.filed_at).days if self.decided_at and self.status in DECIDED else None


class AppealState(BaseModel):
    """What a lifecycle under the appeals patch keeps: the results it may appeal and every appeal."""

    results: list[AppealableResult] = []
    appeals: list[Appeal] = []
    # Evaluators who may not score this startup again (they scored the result an appeal overturned).
    excluded_scorers: list[str] = []

    def close_moot(self, kind: AppealKind, at: datetime, by: str, by_name: str) -> list[Appeal]:
        """Close as moot every waiting appeal of `kind` (the result it objected to has changed); the
        ones closed, each with when and by what."""
        closed = [a for a in self.pending if a.kind == kind]
        for entry in closed:
            entry.status, entry.decided_at, entry.decided_by, entry.decided_by_name = "moot", at, by, by_name
        return closed

    def result(self, kind: AppealKind, subject: str = "") -> AppealableResult | None:
        return next((r for r in reversed(self.results) if r.kind == kind and r.subject == subject), None)

    def appeal(self, number: int | None) -> Appeal | None:
        """The appeal of that number, or (None) the oldest one waiting for a decision."""
        if number is None:
            return next((a for a in self.appeals if a.status == "pending"), None)
        return next((a for a in self.appeals if a.number == number), None)

    @property
    def pending(self) -> list[Appeal]:
        return [a for a in self.appeals if a.status == "pending"]


def window_closes_at(result_at: datetime, policy: AppealPolicy) -> datetime:
    """The end of the KST day `window_days` after the result was made known."""
    return end_of_kst_day(kst_date(result_at + timedelta(days=policy.window_days)))


def check_within_window(result: AppealableResult, now: datetime, policy: AppealPolicy) -> None:
    closes = window_closes_at(result.at, policy)
    if now > closes:
        raise RuleViolation("conflict", f"the appeal window closed at {closes.isoformat()} (이의신청 기간이 지났습니다)",
                            {"field": "kind", "rule": RuleId.APPEAL_WINDOW, "closed_at": closes.isoformat(),
                             "days": policy.window_days})


def check_not_appealed(state: AppealState, result: AppealableResult) -> None:
    if any(a.kind == result.kind and a.subject == result.subject and a.filed_at >= result.at for a in state.appeals):
        raise RuleViolation("conflict", "this result is already appealed (이미 이의신청한 결과입니다)",
                            {"field": "kind", "rule": RuleId.ONE_APPEAL_PER_RESULT})


def check_named_panel(panel: list[str], actor_id: str) -> None:
    """A program that names its review panel has its appeals decided by those members only."""
    if panel and actor_id not in panel:
        raise RuleViolation("forbidden", "only the review panel the program names decides its appeals "
                            "(이 사업의 심의위원회 위원만 이의신청을 심의합니다)",
                            {"rule": RuleId.NAMED_PANEL, "panel_size": len(panel)})


def check_panel_member(result: AppealableResult, actor_id: str) -> None:
    """The panel is staff who took no part in the result, whatever role they act in now."""
    if actor_id in result.actors:
        raise RuleViolation("forbidden", "you took part in the result appealed; another panel member decides "
                            "(이의신청 대상 결정에 참여한 사람은 심의할 수 없습니다)",
                            {"rule": RuleId.PANEL_TOOK_NO_PART, "kind": result.kind})


def check_rescorer(excluded: list[str], actor_id: str) -> None:
    """After an upheld selection appeal, the application is scored by evaluators who did not score it."""
    if actor_id in excluded:
        raise RuleViolation("forbidden", "you scored this application before its appeal was upheld; other "
                            "evaluators score it again (재평가는 처음 평가하지 않은 평가위원이 합니다)",
                            {"rule": RuleId.RESCORE_BY_OTHERS})
