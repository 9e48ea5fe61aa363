"""The finance system's payment outcome callback, signed with HMAC-SHA256."""

import json
import time
from typing import Any

from fastapi import APIRouter, Request
from temporalio.service import RPCError

from api.deps import SettingsDep, TemporalDep
from api.errors import ERROR_RESPONSES, ApiError
from axflow.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from domain.io import PaymentOutcome, startup_workflow_id

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)

# A signed message older than this is a replay: refused even with a good signature.
MAX_AGE_SECONDS = 300


@router.post("/finance", status_code=202)
async def finance(request: Request, settings: SettingsDep, temporal: TemporalDep) -> dict[str, Any]:
    body = await request.body()
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature or not verify(settings.finance_webhook_secret, timestamp, body, signature):
        raise ApiError("unauthorized", "missing or bad webhook signature")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        raise ApiError("unauthorized", "webhook timestamp too old or in the future (replay refused)")
    try:
        outcome = PaymentOutcome.model_validate(json.loads(body))
        program_id, brn, _tranche = outcome.idempotency_key.rsplit(":", 2)
    except ValueError:
        raise ApiError("validation_error", "webhook body is not a payment outcome") from None
    try:
        await temporal.get_workflow_handle(startup_workflow_id(program_id, brn)).signal("payment_outcome", outcome)
    except RPCError:
        raise ApiError("not_found", f"unknown payment {outcome.idempotency_key!r}") from None
    return {"accepted": True}
