"""The notification system: e-mail/SMS/알림톡 to startups and staff."""

import httpx
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.io import SEND_NOTIFICATION, Notification

log = structlog.get_logger()


class NotificationActivities:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, note: Notification) -> None:
        info = activity.info()
        response = await self.client.post(f"{self.base_url}/notifications", json=note.model_dump(),
                                          headers={"Idempotency-Key": note.key})
        if response.status_code >= 500:
            raise ApplicationError(f"notification system answered {response.status_code}")
        if response.status_code >= 400:
            raise ApplicationError(f"notification refused: {response.text}", non_retryable=True)
        log.info("notified", workflow_id=info.workflow_id, run_id=info.workflow_run_id,
                 activity=info.activity_type, attempt=info.attempt, kind=note.kind, to=note.to)
