"""Fault injection shared by the simulators: set with PUT /_faults, read on every request."""

import asyncio
import random
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field


class Faults(BaseModel):
    # Share of requests answered 503 (0..1), and a count of requests to fail outright first.
    error_rate: float = Field(0.0, ge=0, le=1)
    fail_next: int = Field(0, ge=0)
    latency_ms: int = Field(0, ge=0, le=60_000)
    # Finance only: business registration numbers whose bank account is rejected (a 4xx), unless
    # the payment names one of the accounts listed as corrected.
    rejected_brns: list[str] = []
    accepted_accounts: list[str] = []
    # Finance only: send no webhook (the workflow must poll), send each twice, or wait before sending.
    webhooks: bool = True
    duplicate_webhooks: bool = False
    webhook_delay_ms: int = Field(0, ge=0, le=600_000)
    # Finance only: answer a new payment only this long after recording it (a caller that dies
    # meanwhile has been paid without knowing it).
    respond_delay_ms: int = Field(0, ge=0, le=60_000)
    # Finance only: money owed back (refunds, clawbacks) arrives by itself, or waits for POST
    # /collections/{key}/receive (a startup that has not paid yet).
    collections_arrive: bool = True
    # Finance only: business registration numbers whose collection requests are refused (a 4xx,
    # e.g. no virtual account can be issued to the debtor) until taken off this list.
    refused_collection_brns: list[str] = []


async def apply_faults(faults: Faults, rng: random.Random) -> None:
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if faults.fail_next > 0:
        faults.fail_next -= 1
        raise HTTPException(503, "injected failure")
    if faults.error_rate and rng.random() < faults.error_rate:
        raise HTTPException(503, "injected failure")


def add_control_routes(app: FastAPI, state: dict[str, Any]) -> None:
    """The routes every simulator has: PUT /_faults (kept in `state["faults"]`) and GET /healthz."""

    @app.put("/_faults")
    async def set_faults(faults: Faults) -> Faults:
        state["faults"] = faults
        return faults

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}
