"""Appeals (이의신청) in the lifecycle (patch appeals).

A lifecycle under the patch notes each result it may have appealed as the result is made known,
with who made it: the selection (rejected or waitlisted; its scorers), the final evaluation (its
evaluator), a disallowed expense (its reviewer). The startup files one appeal per result within
the program's window; a panel member who took no part in the result decides it, always with a
written reason. Upheld: a selection returns to review, its first scores set aside and their
evaluators barred from scoring again; a final evaluation is made again; the expense is accepted.

A rejection is a final phase, whose lifecycle would end at once: under the patch it stays open
until the appeal window has closed and no appeal waits, so that an upheld appeal can reopen it.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.appeals import KIND_NAMES, Appeal, AppealableResult, AppealKind, AppealState, window_closes_at
    from domain.budget_actions import mark_reviewed
    from domain.change_commands import DecideAppealBody, FileAppealBody
    from domain.commands import Command, FinalEvaluationBody, ReviewExpenseBody
    from domain.expense_review import ReviewDecision
    from domain.notifications import NoticeKind
    from domain.phases import Action, Phase
    from domain.state import SYSTEM_PROGRAM

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.publishing import notify, record, tell_program, transition


def decide_appeals(ctx: LifecycleContext) -> None:
    """Asked once, as a new lifecycle starts: whether its results may be appealed. Kept in the
    state for the validators, which cannot ask `patched`."""
    if patches.in_force(patches.APPEALS):
        ctx.state.appeals = AppealState()


def _note(ctx: LifecycleContext, kind: AppealKind, actors: list[str], subject: str = "", outcome: str = "") -> None:
    appeals = ctx.state.appeals
    if appeals is None:
        return
    appeals.results = [r for r in appeals.results if (r.kind, r.subject) != (kind, subject)]
    appeals.results.append(AppealableResult(kind=kind, subject=subject, at=workflow.now(), actors=actors,
                                            outcome=outcome))


def note_selection(ctx: LifecycleContext, before: Phase, decided_by: str | None = None) -> None:
    """After the selection is decided: a rejection or a place on the waitlist may be appealed, not
    before its scorers and (patch selection-decider-took-part) the officer who finalized it. A
    waitlist that expires later is no new result (the place on it was the one to appeal). Selected
    from the waitlist, an appeal of the place on it is closed as moot (patch moot-appeals)."""
    if before is Phase.UNDER_REVIEW and ctx.state.phase in (Phase.REJECTED, Phase.WAITLISTED):
        actors = {e.evaluator_id for e in ctx.state.scores}
        if decided_by and ctx.state.appeals is not None and patches.in_force(patches.SELECTION_DECIDER_TOOK_PART):
            actors.add(decided_by)
        _note(ctx, "selection", sorted(actors), outcome=ctx.state.phase.value)
    appeals = ctx.state.appeals
    if (before is Phase.WAITLISTED and ctx.state.phase is Phase.SELECTED and appeals is not None
            and any(a.kind == "selection" for a in appeals.pending) and patches.in_force(patches.MOOT_APPEALS)):
        for entry in appeals.close_moot("selection", workflow.now(), SYSTEM_PROGRAM.id, SYSTEM_PROGRAM.name):
            transition(ctx, SYSTEM_PROGRAM, "appeal_moot", reason="selected from the waitlist while the appeal waited",
                       appeal=entry.number, kind=entry.kind, decision=entry.status)
            _tell_call(ctx, entry)


def note_final_evaluation(ctx: LifecycleContext, cmd: Command[FinalEvaluationBody]) -> None:
    _note(ctx, "final_evaluation", [cmd.actor.id])


def note_expense_review(ctx: LifecycleContext, cmd: Command[ReviewExpenseBody]) -> None:
    if cmd.body.decision == "disallow":
        _note(ctx, "expense", [cmd.actor.id], cmd.body.entry_id)


def file(ctx: LifecycleContext, cmd: Command[FileAppealBody]) -> None:
    appeals = ctx.state.appeals
    assert appeals is not None  # the handler has just checked the rule again (file_appeal_rule)
    entry = Appeal(number=len(appeals.appeals) + 1, kind=cmd.body.kind, subject=cmd.body.entry_id or "",
                   reasons=cmd.body.reasons, documents=list(cmd.documents), filed_by=cmd.actor.id,
                   filed_at=workflow.now())
    appeals.appeals.append(entry)
    # The documents' ids and hashes go into the history: it alone proves which bytes were relied on.
    record(ctx, cmd, Action.FILE_APPEAL, appeal=entry.number, kind=entry.kind, kind_name=KIND_NAMES[entry.kind],
           subject=entry.subject, reasons=entry.reasons,
           documents=[ref.model_dump(mode="json") for ref in entry.documents])
    notify(ctx, "program_officer", NoticeKind.APPEAL_FILED, f"{ctx.state.company_name}: appeal {entry.kind}",
           entry.reasons, kind_name=KIND_NAMES[entry.kind])
    _tell_call(ctx, entry)


def _tell_call(ctx: LifecycleContext, entry: Appeal) -> None:
    """The program call hears of a selection appeal filed, dismissed or closed as moot (patch
    tell-call-of-appeals): it stays open while one waits, to rank the application if it is upheld."""
    if entry.kind == "selection" and patches.in_force(patches.TELL_CALL_OF_APPEALS):
        tell_program(ctx)


def decide(ctx: LifecycleContext, cmd: Command[DecideAppealBody]) -> None:
    s = ctx.state
    appeals = s.appeals
    assert appeals is not None
    entry = appeals.appeal(cmd.body.appeal)
    assert entry is not None and entry.status == "pending"  # checked again by the handler
    entry.status = "upheld" if cmd.body.decision == "uphold" else "dismissed"
    entry.decided_by, entry.decided_by_name, entry.decided_at = cmd.actor.id, cmd.actor.name, workflow.now()
    entry.decision_reason = cmd.body.reason
    details = {"appeal": entry.number, "kind": entry.kind, "subject": entry.subject, "decision": entry.status,
               "days_to_decide": entry.days_to_decide}
    notify(ctx, "startup", NoticeKind.APPEAL_DECIDED, f"이의신청 {entry.status} (appeal {entry.status})",
           entry.decision_reason, decision=entry.status, kind_name=KIND_NAMES[entry.kind])
    if entry.status == "dismissed":
        record(ctx, cmd, Action.DECIDE_APPEAL, **details)
        _tell_call(ctx, entry)
        return
    if entry.kind == "selection":
        # Back to review: the first scores set aside (kept in the history), their evaluators barred.
        entry.earlier_scorers = sorted({e.evaluator_id for e in s.scores})
        appeals.excluded_scorers = sorted({*appeals.excluded_scorers, *entry.earlier_scorers})
        s.scores, s.average_score = [], None
        record(ctx, cmd, Action.DECIDE_APPEAL, Phase.UNDER_REVIEW, **details, earlier_scorers=entry.earlier_scorers)
        tell_program(ctx)
    elif entry.kind == "final_evaluation":
        # Made again, by someone who did not make it: the settlement it opened waits for the new one.
        result = appeals.result("final_evaluation")
        entry.earlier_scorers = list(result.actors) if result else []
        s.final_score, s.final_grade, s.settlement = None, None, None
        record(ctx, cmd, Action.DECIDE_APPEAL, Phase.FINAL_REVIEW, **details)
    else:
        budget = s.budget
        assert budget is not None  # an expense appeal names an entry of the ledger (file_appeal_rule)
        mark_reviewed(budget, ReviewDecision(entry_id=entry.subject, decision="accept"))
        record(ctx, cmd, Action.DECIDE_APPEAL, **details, accepted_entry=entry.subject)


def holds_open(ctx: LifecycleContext) -> bool:
    """A rejected lifecycle under the patch stays open while its appeal window runs or an appeal waits."""
    appeals, s = ctx.state.appeals, ctx.state
    if appeals is None or s.phase is not Phase.REJECTED:
        return False
    if appeals.pending:
        return True
    closes = window_end(ctx)
    return closes is not None and workflow.now() <= closes


def window_end(ctx: LifecycleContext) -> datetime | None:
    """When the appeal window of the rejection the selection made closes (None: no such rejection)."""
    appeals = ctx.state.appeals
    result = appeals.result("selection") if appeals else None
    rejected = result is not None and result.outcome == Phase.REJECTED.value
    return window_closes_at(result.at, ctx.program.appeals) if result and rejected else None
