"""The employment-insurance register (고용보험 피보험자 수: how many people a business insures in a
month) as a real HTTP server, for the follow-up's check of the employees a company types.

It speaks the shape of the workplace lookup of the insurance's public data service (근로복지공단
고용보험 사업장 조회): a GET with the business registration number `b_no` and the month asked
`base_ym` (YYYYMM), answered with a `header` (`resultCode` "00" when a record exists, "03" no
record of that business — the real service's NODATA) and a `body` whose `item` holds the insured
head count `insured_cnt` for that month, the workplace's management number `ei_adm_no` and
whether its insurance is in force (`status_cd` 1 성립, 2 소멸).

A business the register was never told of has no record ("03"): tests and people set one with
PUT /_workplaces/{b_no} (a head count for every month, and per month where it changed). Faults
(PUT /_faults) make it slow (latency beyond the caller's timeout), fail the next N requests, or
answer 503 to a share of them (1.0: the service is down), as every simulator's.
"""

import random
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from simulators.faults import Faults, add_control_routes, apply_faults
from simulators.store import Journal

NO_RECORD = "03"


class WorkplaceIn(BaseModel):
    # The insured head count of every month not listed in `months`.
    insured: int = Field(0, ge=0)
    # YYYYMM → the head count of that month (a hire or a leaver moves it).
    months: dict[str, int] = {}
    # 소멸: the insurance ended (the business closed or has nobody insured any more).
    ended: bool = False


def _item(b_no: str, base_ym: str, record: dict[str, Any]) -> dict[str, Any]:
    insured = record.get("months", {}).get(base_ym, record.get("insured", 0))
    return {"b_no": b_no, "base_ym": base_ym, "insured_cnt": insured,
            "ei_adm_no": f"{b_no}0", "status_cd": "2" if record.get("ended") else "1"}


def create_employment_insurance_app(journal_path: str) -> FastAPI:
    app = FastAPI(title="Employment-insurance register simulator (고용보험 피보험자 수)")
    workplaces = Journal(journal_path)
    state: dict[str, Any] = {"faults": Faults(), "rng": random.Random(31), "asked": 0}

    @app.get("/api/ei/v1/workplaces/insured")
    async def insured(b_no: str = Query(max_length=12), base_ym: str = Query(max_length=6)) -> dict[str, Any]:
        state["asked"] += 1
        await apply_faults(state["faults"], state["rng"])
        number = b_no.replace("-", "").strip()
        if not (number.isdigit() and len(number) == 10) or not (base_ym.isdigit() and len(base_ym) == 6):
            raise HTTPException(400, "b_no: 10 digits, base_ym: YYYYMM (INVALID_REQUEST_PARAMETER)")
        record = workplaces.get(number)
        if record is None:
            return {"header": {"resultCode": NO_RECORD, "resultMsg": "NODATA_ERROR"}, "body": {"item": None}}
        return {"header": {"resultCode": "00", "resultMsg": "NORMAL SERVICE."},
                "body": {"item": _item(number, base_ym, record)}}

    @app.put("/_workplaces/{b_no}")
    async def set_workplace(b_no: str, workplace: WorkplaceIn) -> dict[str, Any]:
        record = workplace.model_dump(mode="json") | {"b_no": b_no}
        workplaces.put(b_no, record)
        return record

    @app.get("/_workplaces")
    async def list_workplaces() -> list[dict[str, Any]]:
        return workplaces.all()

    @app.get("/_asked")
    async def asked() -> dict[str, int]:
        """How many lookups arrived (faulted ones included): tests see retries happen."""
        return {"requests": state["asked"]}

    add_control_routes(app, state)
    return app
