"""Finance system simulator: accepts payment requests, refuses a repeated idempotency key with the
original answer, settles each payment by an HMAC-signed webhook to the callback URL, and keeps
every payment for people and tests to look at."""

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, Field

from axflow.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from simulators.faults import Faults, add_control_routes, apply_faults
from simulators.store import Journal

log = structlog.get_logger()


class PaymentIn(BaseModel):
    idempotency_key: str = Field(min_length=3, max_length=200)
    program_id: str
    startup_id: str
    brn: str
    tranche: str
    amount: int = Field(strict=True, gt=0)
    account: str | None = None
    callback_url: str | None = None


class CollectionIn(BaseModel):
    idempotency_key: str = Field(min_length=3, max_length=200)
    program_id: str
    startup_id: str
    brn: str
    kind: str
    amount: int = Field(strict=True, gt=0)
    due_at: datetime
    callback_url: str | None = None


def _known(store: Journal, key: str, what: str) -> dict[str, Any]:
    record = store.get(key)
    if record is None:
        raise HTTPException(404, f"unknown {what}")
    return record


def create_finance_app(journal_path: str, webhook_secret: str) -> FastAPI:
    journal = Journal(journal_path)
    owed = Journal(journal_path.replace(".db", "-collections.db") if journal_path != ":memory:" else ":memory:")
    state: dict[str, Any] = {"faults": Faults(), "rng": random.Random(7), "tasks": set(), "http": None}

    def webhook_client() -> httpx.AsyncClient:
        """One client for every webhook: making one loads the CA bundle anew, about 28 ms of CPU."""
        if state["http"] is None:
            state["http"] = httpx.AsyncClient(timeout=10)
        client: httpx.AsyncClient = state["http"]
        return client

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if state["http"] is not None:
            await state["http"].aclose()

    app = FastAPI(title="Finance system simulator", lifespan=lifespan)

    def spawn(coro: Any) -> None:
        task = asyncio.create_task(coro)
        state["tasks"].add(task)
        task.add_done_callback(state["tasks"].discard)

    async def deliver(record: dict[str, Any], callback_url: str, delay_ms: int, times: int,
                      store: Journal, status: str = "paid") -> None:
        await asyncio.sleep(delay_ms / 1000)
        record = record | {"status": status, f"{status}_at": datetime.now(UTC).isoformat()}
        store.put(record["idempotency_key"], record)
        body = json.dumps({"idempotency_key": record["idempotency_key"], "status": status,
                           "payment_id": record.get("payment_id") or record["collection_id"]}).encode()
        client = webhook_client()
        for _ in range(times):
            for attempt in range(5):
                ts = str(int(time.time()))
                headers = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(webhook_secret, ts, body),
                           "Content-Type": "application/json"}
                try:
                    response = await client.post(callback_url, content=body, headers=headers)
                    if response.status_code < 500:
                        break
                except httpx.HTTPError as err:
                    log.warning("webhook not delivered", error=str(err), attempt=attempt)
                await asyncio.sleep(0.5 * 2**attempt)

    @app.post("/payments", status_code=201)
    async def request_payment(payment: PaymentIn, response: Response) -> dict[str, Any]:
        faults: Faults = state["faults"]
        await apply_faults(faults, state["rng"])
        original = journal.get(payment.idempotency_key)
        if original is not None:
            response.status_code = 200
            return original | {"duplicate": True}
        if payment.brn in faults.rejected_brns and payment.account not in faults.accepted_accounts:
            raise HTTPException(422, "bank account rejected by the receiving bank")
        record = payment.model_dump(exclude={"callback_url"}) | {
            "payment_id": f"PAY-{journal.count() + 1:06d}",
            "status": "accepted" if payment.callback_url else "paid",
            "received_at": datetime.now(UTC).isoformat(),
        }
        journal.put(payment.idempotency_key, record)
        if payment.callback_url and faults.webhooks:
            spawn(deliver(record, payment.callback_url, faults.webhook_delay_ms,
                          2 if faults.duplicate_webhooks else 1, journal))
        elif payment.callback_url:
            # No webhook: the payment still settles; the workflow learns of it by polling.
            journal.put(payment.idempotency_key, record | {"status": "paid"})
        if faults.respond_delay_ms:
            await asyncio.sleep(faults.respond_delay_ms / 1000)
        return record

    @app.get("/payments/{key}")
    async def get_payment(key: str) -> dict[str, Any]:
        return _known(journal, key, "payment")

    @app.get("/payments")
    async def list_payments() -> list[dict[str, Any]]:
        return journal.all()

    @app.post("/collections", status_code=201)
    async def request_collection(collection: CollectionIn, response: Response) -> dict[str, Any]:
        faults: Faults = state["faults"]
        await apply_faults(faults, state["rng"])
        original = owed.get(collection.idempotency_key)
        if original is not None:
            response.status_code = 200
            return original | {"duplicate": True}
        if collection.brn in faults.refused_collection_brns:
            # Refused requests are not recorded: the same key may be asked again once mended.
            raise HTTPException(422, "no virtual account could be issued for this debtor")
        record = collection.model_dump(mode="json", exclude={"callback_url"}) | {
            "collection_id": f"COL-{owed.count() + 1:06d}", "status": "open",
            "callback_url": collection.callback_url, "opened_at": datetime.now(UTC).isoformat(),
        }
        owed.put(collection.idempotency_key, record)
        if faults.collections_arrive and collection.callback_url:
            spawn(deliver(record, collection.callback_url, faults.webhook_delay_ms, 1, owed, "received"))
        return record

    @app.post("/collections/{key}/receive")
    async def receive(key: str) -> dict[str, Any]:
        """The startup pays what it owes (for people and tests driving the simulator)."""
        record = _known(owed, key, "collection")
        if record["status"] == "open" and record.get("callback_url"):
            await deliver(record, record["callback_url"], 0, 1, owed, "received")
        return owed.get(key) or record

    @app.get("/collections/{key}")
    async def get_collection(key: str) -> dict[str, Any]:
        return _known(owed, key, "collection")

    @app.get("/collections")
    async def list_collections() -> list[dict[str, Any]]:
        return owed.all()

    add_control_routes(app, state)
    return app
