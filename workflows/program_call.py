"""ProgramCall: one program's call for applications (공고), from the window to the last re-offer.

It takes applications while the window is open and starts each startup's lifecycle (inside the
same Update, so an accepted application and its workflow are one durable step), closes the window by a timer at
its instant, ranks and decides selection when an officer finalizes it, and re-offers a released
slot to the best waitlisted startup until the waitlist expires.
"""

from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.lifecycle.retries import OWN_WORK_RETRY
from workflows.program_call_appeals import held_open, late_result_window, late_window_open, note_selection_appeal
from workflows.program_call_tell import SELECTION_ANSWERED_FIRST, tell, with_agreement_due

with workflow.unsafe.imports_passed_through():
    from domain.io import (
        START_LIFECYCLE,
        ApplicantUpdate,
        ApplyCommand,
        ApplyResult,
        FinalizeCommand,
        LifecycleInput,
        OfferSlotCommand,
        SelectionDecision,
        SlotReleased,
        startup_workflow_id,
    )
    from domain.phases import Phase, Role
    from domain.program import ProgramDefinition
    from domain.ranking import Candidate, place_rescored
    from domain.rule_ids import RuleId


class Applicant(BaseModel):
    brn: str
    startup_id: str
    company_name: str
    task_id: str
    applied_at: AwareDatetime
    phase: Phase = Phase.APPLIED
    average_score: float | None = None
    score_count: int = 0
    rank: int | None = None
    version: int = 0


def candidate(a: Applicant) -> Candidate:
    return Candidate(brn=a.brn, average_score=a.average_score, applied_at=a.applied_at)


class CallState(BaseModel):
    program_id: str
    window: Literal["scheduled", "open", "closed"] = "scheduled"
    closed_at: AwareDatetime | None = None
    applicants: dict[str, Applicant] = {}
    finalized_at: AwareDatetime | None = None
    finalized_by: str | None = None
    holding_slots: list[str] = []
    waitlist: list[str] = []
    waitlist_expires_at: AwareDatetime | None = None
    reoffers: list[dict[str, str]] = []
    # Slots left by startups after money moved, which only an officer re-offers.
    vacated: list[dict[str, str]] = []
    # Back in review after the selection (an upheld appeal set their scores aside): ranked again once
    # scored again (patch rank-after-appeal), each ranking kept in `reranked`.
    returned_to_review: list[str] = []
    reranked: list[dict[str, str]] = []
    # The waitlist's validity has run out; the call ends once no application is being scored again
    # and no selection appeal it heard of waits (workflows/program_call_appeals.py).
    waitlist_expired: bool = False
    appeals_pending: list[str] = []
    # Until when a result the call made after the selection may still be appealed (patch late-results-appealable).
    late_appeals_until: AwareDatetime | None = None
    over: bool = False
    # The selection's decisions answered to the officer and not yet sent to their lifecycles (patch
    # selection-answered-first): the run loop sends them, and a continue-as-new carries them.
    to_tell: dict[str, SelectionDecision] = {}


class ProgramCallInput(BaseModel):
    program: ProgramDefinition
    resume: CallState | None = None


class SelectionResult(BaseModel):
    selected: list[str]
    waitlisted: list[str]
    rejected: list[str]


# An application whose selection appeal was upheld comes back to review with no scores; scored
# again, the call ranks it again (domain.ranking.place_rescored): a free slot, its place on the
# waitlist, or rejected below the minimum. Calls begun before it leave such an application in
# review. Deprecate once no program call begun before its release is open.
RANK_AFTER_APPEAL = "rank-after-appeal"


CONFLICTED = ("이해충돌을 신고한 기업에 관한 결정입니다 (conflict of interest: you declared a conflict with a "
              "startup this decides about)")


def _refuse(code: str, message: str, **details: object) -> None:
    raise ApplicationError(message, details, type=code, non_retryable=True)


@workflow.defn(name="ProgramCall")
class ProgramCall:
    @workflow.init
    def __init__(self, inp: ProgramCallInput) -> None:
        self.program = inp.program
        self.call_state = inp.resume or CallState(program_id=inp.program.id)
        self._wake = False

    @workflow.run
    async def run(self, inp: ProgramCallInput) -> CallState:
        while not self.call_state.over:
            self._update_window()
            self._wake = False
            wake_at = self._next_clock()
            timeout = None if wake_at is None else max(wake_at - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(
                    lambda: self._wake or bool(self.call_state.to_tell) or bool(self._scored_again()), timeout=timeout)
            except TimeoutError:
                pass
            await self._tell_decided()
            await self._on_clock()
            await self._rank_returned()
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(ProgramCallInput(program=self.program, resume=self.call_state))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.call_state

    def _update_window(self) -> None:
        if self.call_state.window == "closed":
            return
        now = workflow.now()
        if self.program.window_open_at(now):
            self.call_state.window = "open"
        elif self.program.application_closes_at and now >= self.program.application_closes_at:
            self.call_state.window, self.call_state.closed_at = "closed", now
            workflow.logger.info("application window of %s closed", self.program.id)

    def _next_clock(self) -> datetime | None:
        if self.call_state.window == "scheduled":
            return self.program.application_opens_at
        if self.call_state.window == "open":
            return self.program.application_closes_at
        if not self.call_state.waitlist_expired:
            return self.call_state.waitlist_expires_at
        return self.call_state.late_appeals_until if late_window_open(self.call_state.late_appeals_until) else None

    async def _on_clock(self) -> None:
        self._update_window()
        expires = self.call_state.waitlist_expires_at
        if expires and workflow.now() >= expires and not self.call_state.waitlist_expired:
            expired, self.call_state.waitlist = self.call_state.waitlist, []
            decision = SelectionDecision(decision="rejected", reason="waitlist expired")
            await self._decide({brn: decision for brn in expired})
            # An application being scored again after its upheld appeal is ranked before the call ends.
            self.call_state.waitlist_expired = True
            self.call_state.over = not self.call_state.returned_to_review \
                and not held_open(self.call_state.appeals_pending, self.call_state.late_appeals_until)

    # ---------------------------------------------------------------- apply

    @workflow.update(name="apply")
    async def apply(self, cmd: ApplyCommand) -> ApplyResult:
        app, now = cmd.application, workflow.now()
        startup_id = startup_workflow_id(self.program.id, app.brn)
        self.call_state.applicants[app.brn] = Applicant(
            brn=app.brn, startup_id=startup_id, company_name=app.company_name, task_id=app.task_id, applied_at=now
        )
        await workflow.execute_activity(
            START_LIFECYCLE,
            LifecycleInput(program=self.program, application=app, applicant=cmd.actor, applied_at=now,
                           request_id=cmd.request_id),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=OWN_WORK_RETRY,
        )
        return ApplyResult(startup_id=startup_id, phase=Phase.APPLIED)

    @apply.validator
    def _v_apply(self, cmd: ApplyCommand) -> None:
        now = workflow.now()
        if not self.program.window_open_at(now) or self.call_state.window == "closed":
            _refuse("conflict", "the application window is not open", rule=RuleId.APPLICATION_WINDOW,
                    opens_at=str(self.program.application_opens_at), closes_at=str(self.program.application_closes_at))
        if cmd.application.brn in self.call_state.applicants:
            _refuse("conflict", "this company has already applied to this program", rule=RuleId.ONE_APPLICATION_PER_PROGRAM,
                    startup_id=self.call_state.applicants[cmd.application.brn].startup_id)
        if self.program.task(cmd.application.task_id) is None:
            _refuse("validation_error", f"unknown task {cmd.application.task_id!r}", field="task_id")

    # ------------------------------------------------------------- selection

    @workflow.update(name="finalize_selection")
    async def finalize_selection(self, cmd: FinalizeCommand) -> SelectionResult:
        eligible = [a for a in self.call_state.applicants.values() if a.phase is Phase.UNDER_REVIEW]
        ranked = sorted(eligible, key=lambda a: (-(a.average_score or 0), a.applied_at, a.brn))
        passing = [a for a in ranked if (a.average_score or 0) >= self.program.min_score]
        failing = [a for a in ranked if (a.average_score or 0) < self.program.min_score]
        for rank, a in enumerate(ranked, start=1):
            a.rank = rank
        selected, waitlisted = passing[: self.program.slots], passing[self.program.slots:]
        self.call_state.finalized_at, self.call_state.finalized_by = workflow.now(), cmd.actor.id
        self.call_state.holding_slots = [a.brn for a in selected]
        self.call_state.waitlist = [a.brn for a in waitlisted]
        self.call_state.waitlist_expires_at = workflow.now() + timedelta(days=self.program.policy.waitlist_valid_days)
        by = cmd.actor.id
        decisions = {a.brn: SelectionDecision(decision="selected", rank=a.rank, reason=cmd.reason, decided_by=by)
                     for a in selected}
        decisions |= {a.brn: SelectionDecision(decision="waitlisted", rank=a.rank, reason=cmd.reason, decided_by=by)
                      for a in waitlisted}
        decisions |= {a.brn: SelectionDecision(
            decision="rejected", rank=a.rank, decided_by=by,
            reason=f"score {a.average_score} below the minimum {self.program.min_score}") for a in failing}
        if workflow.patched(SELECTION_ANSWERED_FIRST):
            self.call_state.to_tell = await with_agreement_due(self.program, decisions)
        else:
            await self._decide(decisions)
        self._wake = True
        return SelectionResult(
            selected=[a.startup_id for a in selected],
            waitlisted=[a.startup_id for a in waitlisted],
            rejected=[a.startup_id for a in failing],
        )

    @finalize_selection.validator
    def _v_finalize(self, cmd: FinalizeCommand) -> None:
        if cmd.actor.role is not Role.PROGRAM_OFFICER:
            _refuse("forbidden", "only a program officer finalizes selection", rule=RuleId.ROLE)
        # The ranking decides about every applicant in it: not by someone conflicted with one of them.
        conflicted = sorted(a.startup_id for a in self.call_state.applicants.values()
                            if a.phase is Phase.UNDER_REVIEW and a.brn in cmd.conflicts)
        if conflicted:
            _refuse("forbidden", CONFLICTED, rule=RuleId.CONFLICT_OF_INTEREST, startups=conflicted)
        if self.call_state.finalized_at is not None:
            _refuse("conflict", "selection is already finalized", rule=RuleId.FINALIZE_ONCE)
        if self.call_state.window != "closed" and not (
            self.program.application_closes_at and workflow.now() >= self.program.application_closes_at
        ):
            _refuse("conflict", "the application window is still open", rule=RuleId.WINDOW_CLOSED_FIRST,
                    closes_at=str(self.program.application_closes_at))
        pending = sorted(a.startup_id for a in self.call_state.applicants.values() if a.phase is Phase.APPLIED)
        if pending:
            _refuse("conflict", "eligibility checks are still running", rule=RuleId.ELIGIBILITY_DONE, pending=pending)
        needed = self.program.evaluators_required
        unscored = sorted(a.startup_id for a in self.call_state.applicants.values()
                          if a.phase is Phase.UNDER_REVIEW and a.score_count < needed)
        if unscored:
            _refuse("conflict", f"{len(unscored)} application(s) have fewer than {needed} score(s)",
                    rule=RuleId.ALL_SCORED, unscored=unscored)

    async def _decide(self, decisions: dict[str, SelectionDecision]) -> None:
        await tell(self.program.id, await with_agreement_due(self.program, decisions))

    async def _tell_decided(self) -> None:
        """Send the selection's decisions the Update answered (patch selection-answered-first)."""
        decided, self.call_state.to_tell = self.call_state.to_tell, {}
        if decided:
            await tell(self.program.id, decided)

    # --------------------------------------------------------------- signals

    @workflow.signal(name="applicant_changed")
    def applicant_changed(self, update: ApplicantUpdate) -> None:
        applicant = self.call_state.applicants.get(update.brn)
        if applicant is None or update.version <= applicant.version:
            return
        applicant.phase, applicant.average_score, applicant.score_count, applicant.version = (
            update.phase, update.average_score, update.score_count, update.version)
        if update.phase in (Phase.WITHDRAWN, Phase.TERMINATED) and update.brn in self.call_state.waitlist:
            self.call_state.waitlist.remove(update.brn)
        if note_selection_appeal(self.call_state.appeals_pending, update):
            self._wake = True  # the call may end now (_rank_returned)
        self._note_return_to_review(update)

    def _note_return_to_review(self, update: ApplicantUpdate) -> None:
        """After the selection, an application back in review with no scores is one whose selection
        appeal was upheld (nothing else returns there): off the waitlist while it is scored again."""
        s, brn = self.call_state, update.brn
        if brn in s.returned_to_review:
            if update.phase is not Phase.UNDER_REVIEW:  # withdrawn meanwhile
                s.returned_to_review.remove(brn)
                self._wake = True  # the call may end now (_rank_returned)
            elif update.score_count >= self.program.evaluators_required:
                self._wake = True  # the run loop ranks it (_rank_returned)
            return
        rounds_ranked = sum(r["brn"] == brn for r in s.reranked)
        if (s.finalized_at is None or s.over or update.phase is not Phase.UNDER_REVIEW
                or (update.score_count and update.rescoring <= rounds_ranked) or not workflow.patched(RANK_AFTER_APPEAL)):
            return
        s.returned_to_review.append(brn)
        if brn in s.waitlist:
            s.waitlist.remove(brn)

    def _scored_again(self) -> list[str]:
        call = self.call_state
        return [b for b in call.returned_to_review
                if call.applicants[b].score_count >= self.program.evaluators_required]

    async def _rank_returned(self) -> None:
        """Rank again each application scored again after its upheld appeal, and tell it the result."""
        s = self.call_state
        for brn in self._scored_again():
            s.returned_to_review.remove(brn)
            applicant = s.applicants[brn]
            placement = place_rescored(
                candidate(applicant), [candidate(a) for a in s.applicants.values() if a.rank is not None],
                [candidate(s.applicants[b]) for b in s.waitlist], self.program.slots - len(s.holding_slots),
                self.program.min_score)
            decision, reason = placement.decision, (
                f"ranked again after the upheld appeal: score {applicant.average_score}, rank {placement.rank}")
            if decision == "rejected":
                reason = f"score {applicant.average_score} below the minimum {self.program.min_score}"
            elif decision == "waitlisted" and s.waitlist_expired:  # no waitlist left to take a place on
                decision, reason = "rejected", "waitlist expired"
            else:
                s.waitlist = placement.waitlist
            applicant.rank = placement.rank
            if decision == "selected":
                s.holding_slots.append(brn)
            else:  # a new result, appealable in its own window
                s.late_appeals_until = late_result_window(s.late_appeals_until, self.program.appeals)
            s.reranked.append({"brn": brn, "decision": decision, "rank": str(placement.rank),
                               "average_score": str(applicant.average_score), "at": workflow.now().isoformat()})
            await self._decide({brn: SelectionDecision(decision=decision, rank=placement.rank, reason=reason)})
        if s.waitlist_expired and not s.returned_to_review and not held_open(s.appeals_pending, s.late_appeals_until):
            s.over = True

    @workflow.signal(name="slot_released")
    async def slot_released(self, released: SlotReleased) -> None:
        if released.brn not in self.call_state.holding_slots:
            return
        self.call_state.holding_slots.remove(released.brn)
        if not self.call_state.waitlist or self.call_state.over:
            return
        nxt = self.call_state.waitlist.pop(0)
        self.call_state.holding_slots.append(nxt)
        self.call_state.reoffers.append({"released_by": released.brn, "offered_to": nxt, "reason": released.reason,
                                "at": workflow.now().isoformat()})
        rank = self.call_state.applicants[nxt].rank
        await self._decide({nxt: SelectionDecision(
            decision="selected", rank=rank, reoffer=True,
            reason=f"slot re-offered: {self.call_state.applicants[released.brn].company_name} {released.reason}")})

    @workflow.signal(name="slot_vacated")
    def slot_vacated(self, vacated: SlotReleased) -> None:
        """A startup left after grant money moved: its slot is free for an officer to offer."""
        if vacated.brn in self.call_state.holding_slots:
            self.call_state.holding_slots.remove(vacated.brn)
            self.call_state.vacated.append({"brn": vacated.brn, "reason": vacated.reason, "at": workflow.now().isoformat()})

    @workflow.update(name="offer_slot")
    async def offer_slot(self, cmd: OfferSlotCommand) -> CallState:
        """A free slot (one released when nobody was waiting, or before slots were re-offered by
        themselves) offered by an officer, recorded with who did it and why."""
        self.call_state.waitlist.remove(cmd.brn)
        self.call_state.holding_slots.append(cmd.brn)
        self.call_state.reoffers.append({"released_by": "", "offered_to": cmd.brn, "reason": cmd.reason,
                                "offered_by": cmd.actor.id, "at": workflow.now().isoformat()})
        await self._decide({cmd.brn: SelectionDecision(
            decision="selected", rank=self.call_state.applicants[cmd.brn].rank, reoffer=True,
            reason=cmd.reason or "slot offered by the program officer")})
        return self.call_state

    @offer_slot.validator
    def _v_offer_slot(self, cmd: OfferSlotCommand) -> None:
        if cmd.actor.role is not Role.PROGRAM_OFFICER:
            _refuse("forbidden", "only a program officer offers a slot", rule=RuleId.ROLE)
        if cmd.brn in cmd.conflicts:
            _refuse("forbidden", CONFLICTED, rule=RuleId.CONFLICT_OF_INTEREST)
        if self.call_state.finalized_at is None or self.call_state.over:
            _refuse("conflict", "slots are offered between the selection and the waitlist's expiry",
                    rule=RuleId.WAITLIST_VALID)
        if len(self.call_state.holding_slots) >= self.program.slots:
            _refuse("conflict", f"all {self.program.slots} slots are taken (남은 선정 자리가 없습니다)",
                    rule=RuleId.FREE_SLOT, holding=len(self.call_state.holding_slots))
        if not self.call_state.waitlist or cmd.brn != self.call_state.waitlist[0]:
            _refuse("validation_error", "a slot goes to the next waitlisted startup in rank order "
                    "(예비 후보 순위대로 제안합니다)", field="brn", rule=RuleId.NEXT_ON_WAITLIST,
                    next=self.call_state.waitlist[0] if self.call_state.waitlist else None)

    @workflow.query(name="status")
    def status(self) -> CallState:
        # Queries must not change state (they are not replayed): report the window on a copy.
        now, view = workflow.now(), self.call_state.model_copy()
        if view.window != "closed":
            closes = self.program.application_closes_at
            view.window = "open" if self.program.window_open_at(now) else (
                "closed" if closes and now >= closes else "scheduled")
            if view.window == "closed":
                # The clock is past the close but the timer's task has not run yet: the window
                # closed at its instant all the same, so say when.
                view.closed_at = closes
        return view
