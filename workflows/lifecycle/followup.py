"""The lifecycle's last step (patch start-followup): its company's follow-up (사후관리) starts.

A lifecycle that ends completed (its promotion window over) or promoted asks the activity
`start_followup` to start `followup:{brn}` under its program's follow-up, pinned as the program
was when the company completed; a company already followed (an earlier stage) is moved on to this
one instead, so it is followed once, from the last stage it completes. Programs without a
follow-up start nothing.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.followup_io import START_FOLLOWUP, FollowUpInput
    from domain.phases import Phase

from workflows.lifecycle import patches
from workflows.lifecycle.context import LifecycleContext
from workflows.lifecycle.retries import OWN_WORK_RETRY

FOLLOWED_PHASES = (Phase.COMPLETED, Phase.PROMOTED)


async def start_followup(ctx: LifecycleContext) -> None:
    s, policy = ctx.state, ctx.program.followup
    if s.phase not in FOLLOWED_PHASES or policy is None or s.closed_at is None:
        return
    if not patches.in_force(patches.START_FOLLOWUP):
        return
    inp = FollowUpInput(brn=s.brn, company_name=s.company_name, program_id=s.program_id,
                        program_name=s.program_name, stage=s.stage, completed_at=s.closed_at, policy=policy)
    await workflow.execute_activity(START_FOLLOWUP, inp, result_type=str, start_to_close_timeout=timedelta(seconds=30),
                                    retry_policy=OWN_WORK_RETRY)
