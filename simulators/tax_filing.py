"""The tax authority's filed revenue (국세청 신고 매출: 법인세 수입금액, 부가세 과세표준) as routes of the
tax authority's simulator (simulators/tax_authority.py), for the follow-up's check of the revenue a
company types — read only with the company's consent.

It speaks the shape of a consented lookup (정보주체 동의 기반 조회): a POST with the business
registration number `b_no`, the attribution year `attr_year` (YYYY) and the consent's reference
`consent_id` (refused with 403 `NO_CONSENT` without one), answered with `status_code` "OK" and the
year's filing in `data` — the corporate-tax revenue `corp_sales_amt` (법인세 신고 수입금액) and the
VAT base `vat_sales_amt` (부가세 과세표준, the year's two filings summed), either null when not filed
— or `NO_DATA` when the register holds no filing of that year. Every read is counted per number
(GET /_filings/read), so a test sees that a filing without consent is never read.

Tests and people set filings with PUT /_filings/{b_no} (per year: {"2026": {"corp_sales_amt": …}});
the tax authority's faults (PUT /_faults) apply to these routes too.
"""

from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from simulators.faults import apply_faults
from simulators.store import Journal

FILING_PATH = "/api/nts-filing/v1/revenue"


class FiledYear(BaseModel):
    corp_sales_amt: int | None = Field(None, ge=0)  # 법인세 신고 수입금액
    vat_sales_amt: int | None = Field(None, ge=0)   # 부가세 과세표준 (1기 + 2기)


class FilingsIn(BaseModel):
    years: dict[str, FiledYear] = {}


class FilingQuery(BaseModel):
    b_no: str = Field(max_length=12)
    attr_year: str = Field(max_length=4)
    consent_id: str = Field("", max_length=100)


def add_filing_routes(app: FastAPI, filings: Journal, state: dict[str, Any]) -> None:
    read: Counter[str] = Counter()

    @app.post(FILING_PATH, response_model=None)
    async def filed_revenue(query: FilingQuery) -> dict[str, Any] | JSONResponse:
        state["asked"] += 1
        await apply_faults(state["faults"], state["rng"])
        number = query.b_no.replace("-", "").strip()
        if not (number.isdigit() and len(number) == 10) or not (query.attr_year.isdigit()
                                                                and len(query.attr_year) == 4):
            return JSONResponse({"status_code": "BAD_JSON_REQUEST", "msg": "b_no: 10 digits, attr_year: YYYY"}, 400)
        if not query.consent_id.strip():
            return JSONResponse({"status_code": "NO_CONSENT", "msg": "정보주체의 동의가 필요합니다."}, 403)
        read[number] += 1
        year = (filings.get(number) or {}).get("years", {}).get(query.attr_year)
        if not year:
            return {"status_code": "NO_DATA", "data": None}
        return {"status_code": "OK", "data": {"b_no": number, "attr_year": query.attr_year, **year}}

    @app.put("/_filings/{b_no}")
    async def set_filings(b_no: str, filed: FilingsIn) -> dict[str, Any]:
        record = filed.model_dump(mode="json") | {"b_no": b_no}
        filings.put(b_no, record)
        return record

    @app.get("/_filings/read")
    async def filings_read() -> dict[str, int]:
        """How many times each number's filing was read (with a consent)."""
        return dict(read)
