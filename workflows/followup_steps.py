"""The FollowUp workflow's mechanics: waiting for an instant unless something happens first, and
asking the notice activity. Deterministic: time is workflow time, every wait a durable timer."""

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.followup_io import FOLLOWUP_NOTICE, FollowUpNotice, FollowUpState

from workflows.lifecycle.retries import NOTIFICATION_RETRY


async def until(instant: datetime, done: Callable[[], bool]) -> bool:
    """Wait for `done` until `instant`: True if it came first, False if the instant did (at once
    when it has passed: a worker that was down catches up)."""
    if done():
        return True
    left = instant - workflow.now()
    if left <= timedelta(0):
        return False
    try:
        await workflow.wait_condition(done, timeout=left)
    except TimeoutError:
        return done()
    return True


async def tell(state: FollowUpState, kind: str, recipients: list[str], serial: int) -> None:
    """One notice about this year's survey; a failed delivery is logged, never the follow-up's end."""
    notice = FollowUpNotice(
        key=f"followup:{state.brn}:{state.year}:{kind}:{serial}", kind=kind,
        recipients=recipients, brn=state.brn, program_id=state.program_id, year=state.year,
        fiscal_year=state.schedule.fiscal_year, due_at=state.schedule.due_at, at=workflow.now(),
    )
    try:
        await workflow.execute_activity(FOLLOWUP_NOTICE, notice, start_to_close_timeout=timedelta(seconds=60),
                                        retry_policy=NOTIFICATION_RETRY)
    except ActivityError as err:
        workflow.logger.warning("follow-up notice %s not delivered: %s", notice.key, err.cause or err)
