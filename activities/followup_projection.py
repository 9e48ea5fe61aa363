"""The follow-up's projection: a recorded year written into the read model (store/followup_tables.py)
as the lifecycle's projection writes its own (activities/read_model.py). Asked by the FollowUp
workflow each time it records a year (patch followup-projection); idempotent, so a retried
activity rewrites the same row."""

import structlog
from sqlalchemy import Engine
from temporalio import activity

from domain.followup_io import PROJECT_FOLLOWUP_YEAR, FollowUpYearProjection
from store.db import session_scope
from store.followup_tables import upsert_followup_year

log = structlog.get_logger()


class FollowUpProjectionActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name=PROJECT_FOLLOWUP_YEAR)
    def project_followup_year(self, projection: FollowUpYearProjection) -> None:
        with session_scope(self.engine) as session:
            upsert_followup_year(session, projection)
        log.info("follow-up year projected", brn=projection.brn, program_id=projection.record.program_id,
                 year=projection.record.year, status=projection.record.status,
                 workflow_id=activity.info().workflow_id)
