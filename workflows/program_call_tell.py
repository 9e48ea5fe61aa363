"""How the program call tells lifecycles its decisions: each selected one with its agreement
deadline (patch agreement-due-with-selection), each by a signal to its own workflow.

Under patch selection-answered-first the selection Update keeps its decisions in the call's state
(`to_tell`) and answers; the run loop sends them. Before, the Update waited until every lifecycle
had been sent its decision, one signal each through the call's history: with a thousand applicants
that took longer than the API waits for an Update (issue 28), and an officer saw a timeout for a
selection that had in fact been made.
"""

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow

from workflows.lifecycle.retries import OWN_WORK_RETRY

with workflow.unsafe.imports_passed_through():
    from domain.clocks import due_instant
    from domain.io import BUSINESS_DEADLINE, BusinessDeadlineInput, SelectionDecision, startup_workflow_id
    from domain.program import ProgramDefinition

# The agreement deadline goes out with the selection (before, each lifecycle computed it after
# being selected, and showed "selected" without a deadline meanwhile). Deprecate once no program
# call begun before its release is open (a call lasts its window plus the waitlist's validity).
AGREEMENT_DUE_WITH_SELECTION = "agreement-due-with-selection"
# The selection Update answers once its decisions are made and kept; the run loop sends them.
# Deprecate once no program call begun before its release is open.
SELECTION_ANSWERED_FIRST = "selection-answered-first"


async def _agreement_due(program: ProgramDefinition, notice: datetime) -> datetime:
    clock = program.policy.clock("agreement")
    if clock.unit != "business":
        return due_instant(program.policy, "agreement", notice, None)
    due: datetime = await workflow.execute_activity(
        BUSINESS_DEADLINE, BusinessDeadlineInput(start=notice, business_days=clock.days), result_type=datetime,
        start_to_close_timeout=timedelta(seconds=10), retry_policy=OWN_WORK_RETRY)
    return due


async def with_agreement_due(program: ProgramDefinition,
                             decisions: dict[str, SelectionDecision]) -> dict[str, SelectionDecision]:
    """The decisions, each selection carrying its notice instant (now) and the agreement deadline
    counted from it."""
    if any(d.decision == "selected" for d in decisions.values()) \
            and workflow.patched(AGREEMENT_DUE_WITH_SELECTION):
        notice = workflow.now()
        due = await _agreement_due(program, notice)
        counted = {"agreement_due_at": due, "notified_at": notice}
        decisions = {brn: d.model_copy(update=counted) if d.decision == "selected" else d
                     for brn, d in decisions.items()}
    return decisions


async def tell(program_id: str, decisions: dict[str, SelectionDecision]) -> None:
    """Each decision to its lifecycle, all at once."""
    async def send(brn: str, decision: SelectionDecision) -> None:
        handle = workflow.get_external_workflow_handle(startup_workflow_id(program_id, brn))
        try:
            await handle.signal("selection_decided", decision)
        except Exception as err:  # a lifecycle that already ended (withdrawn) hears nothing
            workflow.logger.warning("selection for %s not delivered: %s", brn, err)

    await asyncio.gather(*(send(brn, d) for brn, d in decisions.items()))
