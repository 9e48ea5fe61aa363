"""The daily digest's Temporal Schedule: created (or updated) when a worker starts, so that every
deployment has exactly one, firing at digest_hour_kst every day in Asia/Seoul time."""

from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from axflow.config import Settings
from workflows.digest import DailyDigest

log = structlog.get_logger()

SCHEDULE_ID = "axflow-daily-digest"


def digest_schedule(settings: Settings, hour: int) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(DailyDigest.run, id="daily-digest", task_queue=settings.task_queue),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(0)],
                                                          second=[ScheduleRange(0)])],
                          time_zone_name="Asia/Seoul"),
        # A run missed while the cluster was down is made up once within a day; never two at once.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
    )


async def ensure_digest_schedule(client: Client, settings: Settings) -> None:
    """Create the schedule, or bring an existing one to the configured hour; off when the hour is unset."""
    if settings.digest_hour_kst is None:
        return
    schedule = digest_schedule(settings, settings.digest_hour_kst)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        log.info("digest schedule created", hour_kst=settings.digest_hour_kst)
    except ScheduleAlreadyRunningError:
        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(update)
