"""The follow-up's check of an answer against public registers: the employment-insurance register
(고용보험 피보험자 수) for the employees a company typed, the tax authority's business status
(폐업: a closed company's follow-up ends with a record), and — only when the company consented —
its tax filing (신고 매출) for the revenue it typed (`FiguresQuery.revenue`; without consent the
filing is never asked for). A tax authority that cannot say leaves the revenue `unchecked`.

The activity asks the register for the insured head count of the fiscal year's December. A
timeout, a refused connection or a 5xx is tried again here a few times with a doubling pause
(settings.employment_insurance_*); when it persists the activity fails, Temporal tries it once
more, and the workflow records the year's figures as `unchecked` (never a follow-up stuck on a
register). A register with no record of the company answers None: nothing to compare.
"""

import asyncio

import httpx
import structlog
from temporalio import activity

from axflow.config import Settings
from axflow.tax_authority import TaxAuthorityDown, business_status, filed_revenue
from domain.followup import PublicFigures, insured_month
from domain.followup_io import CHECK_FOLLOWUP_FIGURES, FiguresQuery

log = structlog.get_logger()
INSURED_PATH = "/api/ei/v1/workplaces/insured"


class RegisterDown(Exception):
    """The register did not answer usefully after every try."""


async def insured_employees(settings: Settings, http: httpx.AsyncClient, brn: str, month: str) -> int | None:
    """The insured head count of `brn` in `month` (YYYYMM); None when the register holds no record."""
    url = settings.employment_insurance_url.rstrip("/") + INSURED_PATH
    timeout = httpx.Timeout(settings.employment_insurance_timeout_seconds)
    problem = ""
    for attempt in range(1, settings.employment_insurance_attempts + 1):
        try:
            response = await http.get(url, params={"b_no": brn, "base_ym": month}, timeout=timeout)
            if response.status_code < 500:
                response.raise_for_status()  # a 4xx is our request's fault: no use asking again here
                body = response.json()
                if body["header"]["resultCode"] == "03":
                    return None
                return int(body["body"]["item"]["insured_cnt"])
            problem = f"HTTP {response.status_code}"
        except (httpx.TimeoutException, httpx.TransportError) as err:
            problem = f"{type(err).__name__}: {err}".rstrip(": ")
        except (ValueError, KeyError, TypeError) as err:
            problem = f"unreadable answer: {err!r}"
        log.warning("employment insurance register did not answer", brn=brn, attempt=attempt, problem=problem)
        if attempt < settings.employment_insurance_attempts:
            await asyncio.sleep(settings.employment_insurance_retry_seconds * 2 ** (attempt - 1))
    raise RegisterDown(problem)


class FollowUpCheckActivities:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http

    @activity.defn(name=CHECK_FOLLOWUP_FIGURES)
    async def check_followup_figures(self, query: FiguresQuery) -> PublicFigures:
        public = PublicFigures()
        try:
            status = await business_status(self.settings, query.brn, http=self.http)
            if status.status in ("active", "suspended", "closed"):
                public.business_status, public.closed_on = status.status, status.closed_on
        except TaxAuthorityDown as err:
            log.warning("business status unknown for the follow-up check", brn=query.brn, problem=str(err))
        if query.revenue:
            try:
                public.filed_revenue = await filed_revenue(self.settings, query.brn, query.fiscal_year,
                                                           consent_id=f"followup:{query.brn}:{query.fiscal_year}",
                                                           http=self.http)
                public.revenue_check = "checked" if public.filed_revenue is not None else "no_record"
            except TaxAuthorityDown as err:
                log.warning("filed revenue unknown for the follow-up check", brn=query.brn, problem=str(err))
                public.revenue_check = "unchecked"
        month = insured_month(query.fiscal_year)
        if query.insured:
            public.insured_employees = await insured_employees(self.settings, self.http, query.brn, month)
        log.info("follow-up figures checked", brn=query.brn, month=month, insured=public.insured_employees,
                 business_status=public.business_status, revenue_check=public.revenue_check)
        return public
