"""The finance system (e나라도움's role): payment requests with business idempotency keys."""

from typing import Any

import httpx
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.io import (
    COLLECTION_STATUS,
    PAYMENT_STATUS,
    REQUEST_COLLECTION,
    REQUEST_PAYMENT,
    CollectionRequest,
    CollectionResult,
    PaymentRequest,
    PaymentResult,
)

log = structlog.get_logger()


class FinanceActivities:
    def __init__(self, client: httpx.AsyncClient, base_url: str, callback_url: str | None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.callback_url = callback_url

    @activity.defn(name=REQUEST_PAYMENT)
    async def request_payment(self, req: PaymentRequest) -> PaymentResult:
        info = activity.info()
        bound = log.bind(workflow_id=info.workflow_id, run_id=info.workflow_run_id, activity=info.activity_type,
                         attempt=info.attempt, idempotency_key=req.idempotency_key)
        payload = req.model_dump() | {"callback_url": self.callback_url}
        response = await self.client.post(
            f"{self.base_url}/payments", json=payload, headers={"Idempotency-Key": req.idempotency_key}
        )
        if response.status_code >= 500:
            bound.warning("finance system error; will retry", status=response.status_code)
            raise ApplicationError(f"finance system answered {response.status_code}", type="FinanceUnavailable")
        if response.status_code >= 400:
            detail = response.json().get("detail", response.text) if response.content else ""
            bound.warning("payment refused", status=response.status_code, detail=detail)
            raise ApplicationError(f"payment refused by the finance system: {detail}", type="PaymentRejected",
                                   non_retryable=True)
        body = response.json()
        bound.info("payment accepted", payment_id=body["payment_id"], status=body["status"])
        return PaymentResult(payment_id=body["payment_id"], status=body["status"], reason=body.get("reason", ""))

    async def _lookup(self, path: str) -> dict[str, Any]:
        response = await self.client.get(f"{self.base_url}{path}")
        if response.status_code >= 400:
            raise ApplicationError(f"finance system answered {response.status_code}", type="FinanceUnavailable")
        return response.json()

    @activity.defn(name=PAYMENT_STATUS)
    async def payment_status(self, req: PaymentRequest) -> PaymentResult:
        body = await self._lookup(f"/payments/{req.idempotency_key}")
        return PaymentResult(payment_id=body["payment_id"], status=body["status"], reason=body.get("reason", ""))

    @activity.defn(name=REQUEST_COLLECTION)
    async def request_collection(self, req: CollectionRequest) -> CollectionResult:
        """Ask the finance system to collect money owed back (a refund or a clawback)."""
        info = activity.info()
        payload = req.model_dump(mode="json") | {"callback_url": self.callback_url}
        response = await self.client.post(f"{self.base_url}/collections", json=payload,
                                          headers={"Idempotency-Key": req.idempotency_key})
        if response.status_code >= 400:
            raise ApplicationError(f"finance system answered {response.status_code}: {response.text}",
                                   type="FinanceUnavailable", non_retryable=response.status_code < 500)
        body = response.json()
        log.info("collection requested", workflow_id=info.workflow_id, run_id=info.workflow_run_id,
                 activity=info.activity_type, attempt=info.attempt, idempotency_key=req.idempotency_key)
        return CollectionResult(collection_id=body["collection_id"], status=body["status"])

    @activity.defn(name=COLLECTION_STATUS)
    async def collection_status(self, req: CollectionRequest) -> CollectionResult:
        body = await self._lookup(f"/collections/{req.idempotency_key}")
        return CollectionResult(collection_id=body["collection_id"], status=body["status"])
