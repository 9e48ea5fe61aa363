"""The tax authority's business-status service (국세청 사업자등록 상태조회) as a real HTTP server.

It speaks the shape of the public service (data.go.kr `nts-businessman/v1/status`): a POST with up
to 100 registration numbers in `b_no`, answered one entry per number with its status code
(`b_stt_cd`: 01 계속사업자 active, 02 휴업자 suspended, 03 폐업자 closed) and, for a closed
business, the closing date (`end_dt`, YYYYMMDD). A number it was never told about is active, so
that every test and demo company exists; tests and people set others with PUT /_businesses/{b_no}.
Faults (PUT /_faults) make it slow (latency beyond the caller's timeout), fail the next N
requests, or answer 503 to a share of them (1.0: the service is down).
"""

import random
from datetime import date
from typing import Any, Literal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from simulators.faults import Faults, add_control_routes, apply_faults
from simulators.store import Journal

Status = Literal["active", "suspended", "closed", "unregistered"]
CODES: dict[Status, tuple[str, str]] = {
    "active": ("01", "계속사업자"),
    "suspended": ("02", "휴업자"),
    "closed": ("03", "폐업자"),
    "unregistered": ("", ""),
}
UNREGISTERED = "국세청에 등록되지 않은 사업자등록번호입니다."


class StatusQuery(BaseModel):
    b_no: list[str] = Field(min_length=1, max_length=100)


class BusinessIn(BaseModel):
    status: Status
    # The day it closed or was suspended (closed: reported as end_dt).
    since: date | None = None


def _entry(b_no: str, record: dict[str, Any] | None) -> dict[str, Any]:
    status: Status = record["status"] if record else "active"
    code, label = CODES[status]
    since = record.get("since") if record else None
    return {
        "b_no": b_no,
        "b_stt": label,
        "b_stt_cd": code,
        "tax_type": UNREGISTERED if status == "unregistered" else "부가가치세 일반과세자",
        "tax_type_cd": "" if status == "unregistered" else "01",
        "end_dt": since.replace("-", "") if status == "closed" and since else "",
        "utcc_yn": "N",
        "tax_type_change_dt": "",
        "invoice_apply_dt": "",
    }


def create_tax_authority_app(journal_path: str) -> FastAPI:
    app = FastAPI(title="Tax authority business-status simulator (국세청 사업자등록 상태조회)")
    businesses = Journal(journal_path)
    state: dict[str, Any] = {"faults": Faults(), "rng": random.Random(13), "asked": 0}

    @app.post("/api/nts-businessman/v1/status")
    async def status(query: StatusQuery) -> dict[str, Any]:
        state["asked"] += 1
        await apply_faults(state["faults"], state["rng"])
        numbers = [b.replace("-", "").strip() for b in query.b_no]
        if any(not (n.isdigit() and len(n) == 10) for n in numbers):
            raise HTTPException(400, "b_no: 10 digits each (BAD_JSON_REQUEST)")
        data = [_entry(n, businesses.get(n)) for n in numbers]
        return {"request_cnt": len(numbers), "match_cnt": sum(1 for d in data if d["b_stt_cd"]),
                "status_code": "OK", "data": data}

    @app.put("/_businesses/{b_no}")
    async def set_business(b_no: str, business: BusinessIn) -> dict[str, Any]:
        record = business.model_dump(mode="json") | {"b_no": b_no}
        businesses.put(b_no, record)
        return _entry(b_no, record)

    @app.get("/_businesses")
    async def list_businesses() -> list[dict[str, Any]]:
        return businesses.all()

    @app.get("/_asked")
    async def asked() -> dict[str, int]:
        """How many status requests arrived (faulted ones included): tests see retries happen."""
        return {"requests": state["asked"]}

    add_control_routes(app, state)
    return app
