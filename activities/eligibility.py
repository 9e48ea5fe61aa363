"""The eligibility check of an application: a participation ban in the read model, then the
company's business status at the tax authority (국세청 사업자등록 상태조회).

While the tax authority is down, the activity fails and Temporal retries it (the lifecycle's
OWN_WORK_RETRY: every 1 s doubling to 30 s, without end): the application is already accepted and
durable, it only waits in `applied`. The first failure is recorded (the portal shows the wait) and
the company's people are told once by email; when the answer finally comes, they are told again.
"""

import asyncio
from datetime import UTC, datetime

import httpx
import structlog
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.read_model import ReadModelActivities
from axflow.config import Settings
from axflow.mail import send_mail
from axflow.tax_authority import TaxAuthorityDown, business_status
from domain.brn import format_brn
from domain.eligibility import status_refusal
from domain.io import CHECK_ELIGIBILITY, EligibilityInput, EligibilityResult, startup_workflow_id
from domain.notifications import ENGLISH, KOREAN
from store.business_checks import mark_told, record_answer, record_failure
from store.db import session_scope
from store.notifications import preferences_of
from store.users import users_of_brn

log = structlog.get_logger()


def _halves(reason: str | None) -> tuple[str, str]:
    """The Korean and English halves of a refusal reason, which domain.eligibility writes as
    "한국어 — English" (it is kept in the workflow's history as one string)."""
    korean, _, english = (reason or "").rpartition(" — ")
    return (korean, english) if korean else (reason or "", reason or "")


class EligibilityActivities:
    def __init__(self, read_model: ReadModelActivities, settings: Settings, http: httpx.AsyncClient) -> None:
        self.read_model, self.settings, self.http = read_model, settings, http
        self.engine: Engine = read_model.engine

    @activity.defn(name=CHECK_ELIGIBILITY)
    async def check_eligibility(self, inp: EligibilityInput) -> EligibilityResult:
        info = activity.info()
        structlog.contextvars.bind_contextvars(workflow_id=info.workflow_id, run_id=info.workflow_run_id,
                                               activity=info.activity_type, attempt=info.attempt)
        banned = await asyncio.to_thread(self.read_model.ban_check, inp)
        if not banned.eligible:
            return banned
        startup_id = startup_workflow_id(inp.program_id, inp.brn)
        try:
            answer = await business_status(self.settings, inp.brn, http=self.http)
        except TaxAuthorityDown as err:
            await self._waiting(startup_id, inp, str(err))
            # Retryable on purpose: the workflow's retry policy keeps asking until the service answers.
            raise ApplicationError(f"the tax authority's business-status service is unavailable: {err}",
                                   type="TaxAuthorityDown") from None
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            row = record_answer(session, startup_id, inp.brn, inp.program_id, answer.status, now)
        reason = status_refusal(inp.brn, answer.status, answer.closed_on)
        log.info("business status", brn=inp.brn, status=answer.status, after_waiting=row.told_waiting_at is not None)
        if row.told_waiting_at is not None:
            korean, english = _halves(reason)
            number = format_brn(inp.brn)
            await self._tell(inp.brn, {
                KOREAN: ("사업자 상태 확인 완료",
                         f"{number}의 사업자 상태 확인이 끝났습니다: "
                         f"{'신청 자격 미달 — ' + korean if reason else '계속사업자, 심사가 진행됩니다'}.\n\n"
                         f"마이페이지: {self._portal_url()}"),
                ENGLISH: ("Business status checked",
                          f"The business-status check of {number} is complete: "
                          f"{'not eligible — ' + english if reason else 'in business, the review goes on'}.\n\n"
                          f"My page: {self._portal_url()}"),
            })
        return EligibilityResult(eligible=reason is None, reason=reason)

    async def _waiting(self, startup_id: str, inp: EligibilityInput, problem: str) -> None:
        now = datetime.now(UTC)
        with session_scope(self.engine) as session:
            row = record_failure(session, startup_id, inp.brn, inp.program_id, problem, now)
        log.warning("business status check waits", startup_id=startup_id, failures=row.failures, problem=problem)
        if row.told_waiting_at is None and await self._tell(inp.brn, {
                KOREAN: ("신청서 접수 — 사업자 상태 확인 대기 중",
                         "신청서는 안전하게 접수되었습니다. 국세청 사업자등록 상태조회 서비스가 응답하지 않아, 서비스가 "
                         "복구되는 대로 자동으로 확인을 마칩니다. 다시 신청하실 필요는 없습니다.\n\n"
                         f"마이페이지: {self._portal_url()}"),
                ENGLISH: ("Application received, business status check pending",
                          "Your application is safely received. The tax authority's business-status service is not "
                          "answering; the check completes by itself once it is back. There is nothing to resubmit.\n\n"
                          f"My page: {self._portal_url()}"),
        }):
            with session_scope(self.engine) as session:
                mark_told(session, startup_id, now)

    def _portal_url(self) -> str:
        return f"{self.settings.public_base()}/portal/my"

    async def _tell(self, brn: str, words: dict[str, tuple[str, str]]) -> bool:
        """Email the company's people, each in the language of their notices (`words`: language →
        subject and text); False if none could be reached (asked again next time)."""
        with session_scope(self.engine) as session:
            people = [(p, preferences_of(session, p.user_id).language) for p in users_of_brn(session, brn) if p.email]
        sent = False
        for person, language in people:
            subject, text = words.get(language, words[KOREAN])
            try:
                await send_mail(self.settings, to=person.email or "", subject=f"[axflow] {subject}", text=text,
                                language=language)
                sent = True
            except Exception as err:  # a mail server that is down must not fail the check
                log.warning("mail not sent", to=person.email, error=str(err))
        return sent
