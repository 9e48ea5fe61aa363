"""The tax authority's business-status and authenticity services (국세청 사업자등록 상태조회 and
진위확인) as a real HTTP server.

It speaks the shape of the public service (data.go.kr `nts-businessman/v1/status`): a POST with up
to 100 registration numbers in `b_no`, answered one entry per number with its status code
(`b_stt_cd`: 01 계속사업자 active, 02 휴업자 suspended, 03 폐업자 closed) and, for a closed
business, the closing date (`end_dt`, YYYYMMDD). Each entry also says the opening date (개업일자,
`start_dt`, YYYYMMDD; empty when the register holds none): the public service's status answer has
no such field, so this is the simulator's one addition to its shape, in the spelling 진위확인 uses,
for the finance officer's `new_vendor` flag (docs/budget.md). A number it was never told about is active, so
that every test and demo company exists; tests and people set others with PUT /_businesses/{b_no}.
Faults (PUT /_faults) make it slow (latency beyond the caller's timeout), fail the next N
requests, or answer 503 to a share of them (1.0: the service is down).

진위확인 (`nts-businessman/v1/validate`) compares what a caller says of a business — its number,
opening date `start_dt` (YYYYMMDD) and representative `p_nm` — with the register, answering
`valid` "01" (all match) or "02" (something does not, without saying what, as the real one). Only
businesses the register holds a record of (PUT with `opened_on` and `representative`, or the demo
companies of simulators/tax_register.py) can be valid.

The filed revenue (신고 매출, read with the company's consent) is served beside them:
simulators/tax_filing.py.
"""

import random
from datetime import date
from typing import Any, Literal

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from simulators.faults import Faults, add_control_routes, apply_faults
from simulators.store import Journal
from simulators.tax_filing import add_filing_routes
from simulators.tax_register import demo_register

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
    status: Status = "active"
    # The day it closed or was suspended (closed: reported as end_dt).
    since: date | None = None
    # What 진위확인 compares: the opening date (개업일자) and the representative (대표자성명).
    opened_on: date | None = None
    representative: str | None = Field(None, max_length=100)
    company_name: str | None = Field(None, max_length=100)


class ValidateBusiness(BaseModel):
    b_no: str = Field(max_length=12)
    start_dt: str = Field(max_length=8)
    p_nm: str = Field(max_length=100)
    # The real service takes more (a second representative, the name, sector ...): accepted, unused.
    p_nm2: str = ""
    b_nm: str = ""


class ValidateQuery(BaseModel):
    businesses: list[ValidateBusiness] = Field(min_length=1, max_length=100)


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _validity(query: ValidateBusiness, record: dict[str, Any] | None) -> str:
    if not record or not record.get("opened_on") or not record.get("representative"):
        return "02"
    opened = record["opened_on"].replace("-", "")
    return "01" if opened == query.start_dt and _same_name(record["representative"], query.p_nm) else "02"


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
        "start_dt": (record.get("opened_on") or "").replace("-", "") if record else "",
        "utcc_yn": "N",
        "tax_type_change_dt": "",
        "invoice_apply_dt": "",
    }


def create_tax_authority_app(journal_path: str) -> FastAPI:
    app = FastAPI(title="Tax authority business-status simulator (국세청 사업자등록 상태조회)")
    businesses = Journal(journal_path)
    for b_no, record in demo_register().items():
        if businesses.get(b_no) is None:
            businesses.put(b_no, record)
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

    @app.post("/api/nts-businessman/v1/validate")
    async def validate(query: ValidateQuery) -> dict[str, Any]:
        state["asked"] += 1
        await apply_faults(state["faults"], state["rng"])
        data = []
        for business in query.businesses:
            number = business.b_no.replace("-", "").strip()
            if not (number.isdigit() and len(number) == 10) or not (business.start_dt.isdigit()
                                                                    and len(business.start_dt) == 8):
                raise HTTPException(400, "b_no: 10 digits, start_dt: YYYYMMDD (BAD_JSON_REQUEST)")
            record = businesses.get(number)
            valid = _validity(business, record)
            entry: dict[str, Any] = {"b_no": number, "valid": valid,
                                     "valid_msg": "" if valid == "01" else "확인할 수 없습니다.",
                                     "request_param": business.model_dump()}
            if valid == "01":
                entry["status"] = _entry(number, record)
            data.append(entry)
        return {"request_cnt": len(data), "valid_cnt": sum(1 for d in data if d["valid"] == "01"),
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

    # The filed revenue (신고 매출), read only with the company's consent: simulators/tax_filing.py.
    add_filing_routes(app, Journal(journal_path if journal_path == ":memory:" else f"{journal_path}.filings"), state)
    add_control_routes(app, state)
    return app
