"""DailyDigest: the daily digest of notifications for staff who chose one, started each morning by
a Temporal Schedule (axflow/digest.py). A workflow of one activity: the schedule gives it durable
timing (a worker down at 08:00 runs it when it is back), the activity's outbox key (one digest
per person per KST day) makes a retried or doubled run send nothing twice."""

from datetime import timedelta

from temporalio import workflow

from workflows.lifecycle.retries import NOTIFICATION_RETRY

with workflow.unsafe.imports_passed_through():
    from domain.notifications import SEND_DAILY_DIGESTS, DigestRequest
    from domain.timeutil import kst_date


@workflow.defn
class DailyDigest:
    @workflow.run
    async def run(self, request: DigestRequest | None = None) -> int:
        """The number of digests sent; the day is the run's own KST day unless given."""
        day = request.day if request else kst_date(workflow.now()).isoformat()
        sent: int = await workflow.execute_activity(
            SEND_DAILY_DIGESTS, DigestRequest(day=day), start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(minutes=2), retry_policy=NOTIFICATION_RETRY, result_type=int,
        )
        return sent
