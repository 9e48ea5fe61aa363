"""The tax authority's business-status service: its simulator, the retrying client, and the
eligibility check that waits out an outage without losing an application."""

from datetime import UTC, date, datetime

import httpx
import pytest
from sqlmodel import select

from axflow.tax_authority import TaxAuthorityDown, business_status
from domain.eligibility import founding_problems, status_from_code, status_refusal
from store.db import session_scope
from store.portal_tables import BusinessStatusCheck
from store.users import create_user
from tests.conftest import Stack, new_brn, wait_until

# ---- the rules, without a server


def test_status_codes_and_refusals_name_the_status() -> None:
    assert [status_from_code(c) for c in ("01", "02", "03", "", "09")] == \
        ["active", "suspended", "closed", "unregistered", "unregistered"]
    assert status_refusal("1248100998", "active") is None
    assert "휴업" in (status_refusal("1248100998", "suspended") or "")
    closed = status_refusal("1248100998", "closed", date(2024, 5, 31)) or ""
    assert "폐업" in closed and "2024-05-31" in closed and "124-81-00998" in closed


def test_founding_date_counts_back_from_the_closing_date_in_kst() -> None:
    # 10 July 2025 15:00 KST: founded on 10 July 2015 is within 10 years, the day before is not.
    closes = datetime(2025, 7, 10, 6, 0, tzinfo=UTC)
    today = date(2025, 7, 1)
    assert founding_problems(date(2015, 7, 10), closes, 10, today) == []
    [late] = founding_problems(date(2015, 7, 9), closes, 10, today)
    assert late.field == "founded_on" and late.rule == "founded_within_years" and "2015-07-10" in late.message
    [future] = founding_problems(date(2025, 7, 2), closes, 10, today)
    assert future.rule == "not_in_future"


# ---- the client against the simulator (the test stack's own, over HTTP)


async def _faults(stack: Stack, **faults: object) -> None:
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.settings.tax_authority_url}/_faults", json=faults)).raise_for_status()


async def _set_business(stack: Stack, brn: str, status: str, since: str | None = None) -> None:
    async with httpx.AsyncClient() as http:
        (await http.put(f"{stack.settings.tax_authority_url}/_businesses/{brn}",
                        json={"status": status, "since": since})).raise_for_status()


async def test_the_client_retries_failures_and_timeouts_then_gives_up(stack: Stack) -> None:
    brn = new_brn()
    await _set_business(stack, brn, "suspended")
    try:
        await _faults(stack, fail_next=2)  # two 503s, then the answer on the third try
        answer = await business_status(stack.settings, brn)
        assert answer.status == "suspended"
        await _faults(stack, latency_ms=1500)  # beyond the 1 s timeout, every time
        with pytest.raises(TaxAuthorityDown, match="Timeout"):
            await business_status(stack.settings, brn, attempts=2)
        await _faults(stack, error_rate=1.0)
        with pytest.raises(TaxAuthorityDown, match="HTTP 503"):
            await business_status(stack.settings, brn, attempts=2)
    finally:
        await _faults(stack)
    with pytest.raises(TaxAuthorityDown, match="HTTP 400"):  # a request refused is not asked again
        await business_status(stack.settings, "12345")
    closed = new_brn()
    await _set_business(stack, closed, "closed", "2024-12-31")
    answer = await business_status(stack.settings, closed)
    assert (answer.status, answer.closed_on) == ("closed", date(2024, 12, 31))


# ---- through the whole stack: the lifecycle's eligibility check


def _check(stack: Stack, startup_id: str) -> BusinessStatusCheck | None:
    with session_scope(stack.engine) as session:
        return session.exec(select(BusinessStatusCheck).where(BusinessStatusCheck.startup_id == startup_id)).first()


async def _fetch_check(stack: Stack, startup_id: str) -> BusinessStatusCheck | None:
    return _check(stack, startup_id)


async def test_an_application_during_an_outage_waits_and_completes_when_the_service_returns(stack: Stack) -> None:
    program = await stack.program()
    brns = [new_brn() for _ in range(3)]
    email = f"ceo-{brns[0]}@outage.example"
    with session_scope(stack.engine) as session:
        create_user(session, login_id=email, display_name="대표 김", kind="startup", roles=["startup"],
                    email=email, brn=brns[0])
    await _faults(stack, error_rate=1.0)
    try:
        # Every application is accepted while the service is down: nothing is refused or lost.
        ids = [await stack.apply(program, brn) for brn in brns]
        for startup_id in ids:
            check = await wait_until(lambda startup_id=startup_id: _fetch_check(stack, startup_id),
                                     lambda c: c is not None and c.waiting_since is not None,
                                     what=f"{startup_id} waiting on the tax authority")
            assert check.answered_at is None
            assert (await stack.state(startup_id))["phase"] == "applied"
        waiting = await stack.wait_for_mail(email, lambda m: "대기" in str(m["Subject"]))
        body = waiting.get_body(("plain",)).get_content()
        assert "다시 신청하실 필요는 없습니다" in body and "resubmit" not in body  # one language, the reader's
        assert waiting["Content-Language"] == "ko"
    finally:
        await _faults(stack)
    for startup_id in ids:  # Temporal's retries finish every check once the service answers
        await stack.wait_phase(startup_id, "under_review", timeout=60)
        check = _check(stack, startup_id)
        assert check is not None and check.status == "active" and check.failures >= 1
    await stack.wait_for_mail(email, lambda m: "완료" in str(m["Subject"]))


async def test_a_closed_or_suspended_business_is_ineligible_with_the_reason(stack: Stack) -> None:
    program = await stack.program()
    closed, suspended = new_brn(), new_brn()
    await _set_business(stack, closed, "closed", "2025-01-15")
    await _set_business(stack, suspended, "suspended")
    state = await stack.wait_phase(await stack.apply(program, closed), "ineligible")
    assert "폐업" in state["ineligible_reason"] and "2025-01-15" in state["ineligible_reason"]
    state = await stack.wait_phase(await stack.apply(program, suspended), "ineligible")
    assert "휴업" in state["ineligible_reason"]
