"""A client of the tax authority's business-status service (국세청 사업자등록 상태조회) and its
authenticity service (진위확인: does the register hold this number with this opening date and
representative?).

One call asks for one registration number. Timeouts, connection failures and 5xx answers are
retried a few times with a doubling pause; when they persist the caller gets `TaxAuthorityDown`
and decides how to wait (the eligibility activity leaves it to Temporal's retries, the portal
says the check will follow). A 4xx (a wrong service key, say) is not tried again here: it is ours
to mend, and the application waits for it the same way."""

import asyncio
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import httpx
import structlog

from axflow.config import Settings
from domain.eligibility import BusinessStatus, status_from_code

log = structlog.get_logger()
STATUS_PATH = "/api/nts-businessman/v1/status"
VALIDATE_PATH = "/api/nts-businessman/v1/validate"
FILING_PATH = "/api/nts-filing/v1/revenue"


class TaxAuthorityDown(Exception):
    """The service did not answer usefully after every try."""


@dataclass(frozen=True)
class BusinessStatusAnswer:
    brn: str
    status: BusinessStatus
    closed_on: date | None = None
    # 개업일자 where the answer says it (the simulator's `start_dt`); None when it does not.
    opened_on: date | None = None


def _day(yyyymmdd: str) -> date | None:
    try:
        return datetime.strptime(yyyymmdd, "%Y%m%d").date() if yyyymmdd else None
    except ValueError:
        return None


def parse_answer(brn: str, body: dict[str, object]) -> BusinessStatusAnswer:
    entries = body.get("data")
    entry = next((e for e in entries if isinstance(e, dict) and e.get("b_no") == brn), None) \
        if isinstance(entries, list) else None
    if entry is None:
        raise TaxAuthorityDown(f"the answer does not mention {brn}")
    return BusinessStatusAnswer(brn=brn, status=status_from_code(str(entry.get("b_stt_cd", ""))),
                                closed_on=_day(str(entry.get("end_dt", ""))),
                                opened_on=_day(str(entry.get("start_dt", ""))))


async def business_status(settings: Settings, brn: str, *, attempts: int | None = None,
                          http: httpx.AsyncClient | None = None) -> BusinessStatusAnswer:
    """The status of `brn` (10 digits), or TaxAuthorityDown after `attempts` tries."""
    body = await _ask(settings, STATUS_PATH, {"b_no": [brn]}, brn, attempts, http)
    return parse_answer(brn, body)


async def register_matches(settings: Settings, brn: str, opened_on: date, representative: str, *,
                           attempts: int | None = None, http: httpx.AsyncClient | None = None) -> bool:
    """진위확인: True when the register holds `brn` opened on `opened_on` with `representative` as
    its representative ("01"), False when it does not ("02"); TaxAuthorityDown when it cannot say."""
    business = {"b_no": brn, "start_dt": f"{opened_on:%Y%m%d}", "p_nm": representative}
    body = await _ask(settings, VALIDATE_PATH, {"businesses": [business]}, brn, attempts, http)
    entries = body.get("data")
    entry = next((e for e in entries if isinstance(e, dict) and e.get("b_no") == brn), None) \
        if isinstance(entries, list) else None
    if entry is None or entry.get("valid") not in ("01", "02"):
        raise TaxAuthorityDown(f"the answer does not say whether {brn} is valid")
    return entry["valid"] == "01"


async def filed_revenue(settings: Settings, brn: str, year: int, consent_id: str, *,
                        attempts: int | None = None, http: httpx.AsyncClient | None = None) -> int | None:
    """The revenue `brn` filed for `year` (국세청 신고 매출), read under the company's consent
    `consent_id`: the corporate-tax revenue (법인세 수입금액), else the VAT base (부가세 과세표준);
    None when no filing of that year is held; TaxAuthorityDown when the service cannot say."""
    body = await _ask(settings, FILING_PATH, {"b_no": brn, "attr_year": str(year), "consent_id": consent_id},
                      brn, attempts, http)
    if body.get("status_code") == "NO_DATA":
        return None
    data = body.get("data")
    if body.get("status_code") != "OK" or not isinstance(data, dict) or data.get("b_no") != brn:
        raise TaxAuthorityDown(f"the answer does not give the filing of {brn} for {year}")
    for field in ("corp_sales_amt", "vat_sales_amt"):
        if isinstance(data.get(field), int):
            return int(data[field])
    return None


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS context, made once: a client made without one loads the CA bundle anew,
    about 28 ms of CPU, for every question asked without a client of the caller's."""
    return httpx.create_ssl_context()


async def _ask(settings: Settings, path: str, payload: dict[str, object], brn: str, attempts: int | None,
               http: httpx.AsyncClient | None) -> dict[str, object]:
    """POST `payload` to the service, retrying what may pass on a second try; the JSON answer."""
    tries = attempts or settings.tax_authority_attempts
    params = {"serviceKey": settings.tax_authority_service_key} if settings.tax_authority_service_key else None
    timeout = httpx.Timeout(settings.tax_authority_timeout_seconds)
    url = settings.tax_authority_url.rstrip("/") + path
    client = http or httpx.AsyncClient(timeout=timeout, verify=_tls())
    problem = ""
    try:
        for attempt in range(1, tries + 1):
            try:
                response = await client.post(url, json=payload, params=params, timeout=timeout)
                if response.status_code < 400:
                    answer = response.json()
                    if not isinstance(answer, dict):
                        raise ValueError("not a JSON object")
                    return answer
                if response.status_code < 500:  # our request refused (e.g. a wrong service key): no retry here
                    raise TaxAuthorityDown(f"HTTP {response.status_code}: the service refused the request "
                                           f"({response.text[:200]})")
                problem = f"HTTP {response.status_code}"
            except (httpx.TimeoutException, httpx.TransportError) as err:
                problem = f"{type(err).__name__}: {err}".rstrip(": ")
            except ValueError as err:  # a body that is not JSON
                problem = f"unreadable answer: {err}"
            log.warning("tax authority did not answer", brn=brn, attempt=attempt, problem=problem)
            if attempt < tries:
                await asyncio.sleep(settings.tax_authority_retry_seconds * 2 ** (attempt - 1))
    finally:
        if http is None:
            await client.aclose()
    raise TaxAuthorityDown(problem)
