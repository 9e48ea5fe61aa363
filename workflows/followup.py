"""FollowUp, id `followup:{brn}`: the years after a company completed its program (사후관리).

One run per follow-up year: it sleeps until the year's survey opens, asks the company, reminds it,
tells the program officer when the answer is late, and records the year (answered, answered late,
unanswered when the survey closes) before continuing as new for the next year, so that a history
holds one year. It ends after the program's last year, or at once when the company is closed
(폐업), with the years recorded. The company answers through an Update whose validator applies
domain/followup.py's rules, so a refused answer leaves no trace.
"""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.followup import YearRecord, check_answer, survey_events, survey_schedule
    from domain.followup_io import (
        CloseCompany,
        FollowUpInput,
        FollowUpResult,
        FollowUpState,
        StageCompleted,
        SurveySubmission,
    )
    from domain.notifications import NoticeKind
    from domain.phases import Role
    from domain.rule_ids import RuleId
    from domain.violation import RuleViolation

from workflows.followup_steps import check_figures, project, tell, until


def refuse(violation: RuleViolation) -> None:
    raise ApplicationError(violation.message, violation.details, type=violation.code, non_retryable=True)


@workflow.defn(name="FollowUp")
class FollowUp:
    @workflow.init
    def __init__(self, inp: FollowUpInput) -> None:
        self.inp = inp
        self.state = FollowUpState(
            brn=inp.brn, program_id=inp.program_id, year=inp.year, years=inp.policy.years, status="waiting",
            schedule=survey_schedule(inp.completed_at, inp.year, inp.policy), records=list(inp.records),
        )
        self.notices = 0
        # A later stage completed: the follow-up goes on under that program.
        self.next_stage: StageCompleted | None = None

    @workflow.run
    async def run(self, inp: FollowUpInput) -> FollowUpResult:
        s = self.state
        if not await until(s.schedule.opens_at, lambda: self._closed() or self.next_stage is not None):
            await self._ask()
        if s.status in ("answered", "answered_late", "unanswered") and s.closure is None:
            for kind in await check_figures(inp, s):
                await self._tell(kind, ["program_officer"])
        if s.status != "waiting" or s.closure is not None:  # a survey not yet opened is not a year
            s.records.append(self._year_record())
            await project(inp, s.records[-1])
        await workflow.wait_condition(workflow.all_handlers_finished)
        if s.closure is None and self.next_stage is not None:
            later = self.next_stage
            workflow.continue_as_new(inp.model_copy(update={
                "program_id": later.program_id, "program_name": later.program_name, "stage": later.stage,
                "completed_at": later.completed_at, "policy": later.policy, "year": 1, "records": s.records}))
        if s.closure is None and s.year < s.years:
            workflow.continue_as_new(inp.model_copy(update={"year": s.year + 1, "records": s.records}))
        return FollowUpResult(brn=s.brn, program_id=s.program_id, ended="closed" if s.closure else "completed",
                              ended_at=workflow.now(), records=s.records, closure=s.closure)

    async def _ask(self) -> None:
        """Open the survey and run its clock until it is answered, closes, or the company is."""
        s = self.state
        s.status, s.asked_at = "asking", workflow.now()
        await self._tell(NoticeKind.FOLLOWUP_SURVEY_OPEN, ["startup"])
        for event in survey_events(s.schedule, workflow.now()):
            if await until(event.at, lambda: s.status != "asking" or self._closed()):
                return
            if event.kind == "reminder":
                s.reminders_sent += 1
                await self._tell(NoticeKind.FOLLOWUP_SURVEY_REMINDER, ["startup"])
            elif event.kind == "escalation":
                s.escalated = True
                await self._tell(NoticeKind.FOLLOWUP_SURVEY_OVERDUE, ["program_officer"])
            else:
                s.status = "unanswered"
                await self._tell(NoticeKind.FOLLOWUP_SURVEY_CLOSED, ["startup", "program_officer"])

    async def _tell(self, kind: NoticeKind, recipients: list[str]) -> None:
        self.notices += 1
        await tell(self.inp, self.state, kind, recipients, self.notices)

    def _closed(self) -> bool:
        return self.state.closure is not None

    def _year_record(self) -> YearRecord:
        s = self.state
        status = "closed" if s.closure else s.status if s.status != "waiting" else "unanswered"
        return YearRecord(year=s.year, fiscal_year=s.schedule.fiscal_year, status=status, program_id=s.program_id,
                          answer=s.answer,
                          answered_at=s.answered_at, answered_by=s.answered_by, reminders_sent=s.reminders_sent,
                          escalated=s.escalated, evidence=s.evidence, flags=s.flags, figures_check=s.figures_check,
                          revenue_check=s.revenue_check)

    # --------------------------------------------------------------- query and updates

    @workflow.query(name="state")
    def current_state(self) -> FollowUpState:
        return self.state

    @workflow.update(name="answer_survey")
    def answer_survey(self, submission: SurveySubmission) -> FollowUpState:
        s = self.state
        s.answer, s.answered_at, s.answered_by = submission.answer, workflow.now(), submission.actor.id
        s.evidence = list(submission.documents)
        s.status = "answered" if workflow.now() <= s.schedule.due_at else "answered_late"
        return s

    @answer_survey.validator
    def _check_answer(self, submission: SurveySubmission) -> None:
        s, actor = self.state, submission.actor
        try:
            if actor.role not in (Role.STARTUP, Role.PROGRAM_OFFICER) or \
                    (actor.role is Role.STARTUP and actor.brn != s.brn):
                raise RuleViolation("forbidden", "only the company itself or its program officer answers its survey "
                                    "(해당 기업이나 담당자만 응답할 수 있습니다)", {"rule": RuleId.OWN_SURVEY})
            if s.status != "asking" or s.closure is not None:
                raise RuleViolation("invalid_transition", f"the survey is not open: it is {s.status} "
                                    f"(조사가 열려 있지 않습니다)", {"rule": RuleId.SURVEY_OPEN, "status": s.status,
                                                               "opens_at": s.schedule.opens_at.isoformat()})
            check_answer(submission.answer, self.inp.policy, s.schedule)
            if [ref.id for ref in submission.documents] != submission.answer.evidence:
                raise RuleViolation("validation_error", "each evidence document comes with the hash of its bytes "
                                    "(증빙 문서를 확인할 수 없습니다)", {"field": "evidence",
                                                                  "rule": RuleId.EVIDENCE_PINNED})
        except RuleViolation as violation:
            refuse(violation)

    @workflow.update(name="close_company")
    def close_company(self, command: CloseCompany) -> FollowUpState:
        self.state.closure = command.closure
        self.state.status = "closed"
        return self.state

    @close_company.validator
    def _check_closure(self, command: CloseCompany) -> None:
        try:
            if command.actor.role not in (Role.PROGRAM_OFFICER, Role.SYSTEM):
                raise RuleViolation("forbidden", "only the program officer or the register check closes a follow-up "
                                    "(담당자만 폐업을 기록할 수 있습니다)", {"rule": RuleId.OFFICER_CLOSES})
            if self.state.closure is not None:
                raise RuleViolation("conflict", "the company is already recorded as closed (이미 폐업으로 기록되어 "
                                    "있습니다)", {"rule": RuleId.CLOSED_ONCE})
        except RuleViolation as violation:
            refuse(violation)

    @workflow.update(name="stage_completed")
    def stage_completed(self, command: StageCompleted) -> FollowUpState:
        self.next_stage = command
        return self.state

    @stage_completed.validator
    def _check_stage(self, command: StageCompleted) -> None:
        try:
            if command.actor.role not in (Role.PROGRAM_OFFICER, Role.SYSTEM):
                raise RuleViolation("forbidden", "only the program officer or the lifecycle moves a follow-up to a later "
                                    "stage (담당자만 다음 단계로 옮길 수 있습니다)", {"rule": RuleId.OFFICER_MOVES_STAGE})
            if self.state.closure is not None:
                raise RuleViolation("invalid_transition", "the company is closed: its follow-up has ended "
                                    "(폐업으로 사후관리가 끝났습니다)", {"rule": RuleId.FOLLOWUP_CLOSED})
            if command.program_id == self.inp.program_id or command.completed_at <= self.inp.completed_at or \
                    self.next_stage is not None:
                raise RuleViolation("conflict", "a follow-up moves once to a later stage's program, completed after "
                                    "the one it follows (이후 단계의 완료만 반영합니다)", {"rule": RuleId.LATER_STAGE})
        except RuleViolation as violation:
            refuse(violation)
