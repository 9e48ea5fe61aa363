"""Who is this company? A sign-up that types a company's registration number gets nothing of it;
a person is bound only by 진위확인 (the tax register) + 본인확인 (the identity provider naming the
representative), by the representative's invitation, or by a program officer's recorded approval.

Replayed over real HTTP against the shared stack: the API and pages as the squatter meets them,
the tax simulator's register, the identity provider simulator's page and token endpoint."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session, select

from axflow.tax_authority import TaxAuthorityDown, register_matches
from store.binding_tables import BindingEvent, BindingRequest, CompanyBinding, CompanyCheck
from store.company_binding import DecisionRefused, bind, bound_brn, decide, open_request, why_approval_is_needed
from store.db import make_engine, migrate, session_scope
from store.portal_accounts import accept_invitation, company_of, issue_link, sign_up, verify
from store.users import create_user, find_by_login, users_of_brn
from tests.conftest import Stack, new_brn

PASSWORD = "Owner!ship-2025q"
_serial = iter(range(1, 1_000_000))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


@asynccontextmanager
async def person(stack: Stack, name: str, typed_brn: str) -> AsyncIterator[httpx.AsyncClient]:
    """Someone who signed up on the portal typing `typed_brn`, verified their email and signed in."""
    email = f"p{next(_serial)}-{typed_brn}@own.example"
    now = datetime.now(UTC)
    with session_scope(stack.engine) as session:
        user = sign_up(session, email=email, password=PASSWORD, brn=typed_brn, representative=name,
                       company_name="아무회사", now=now)
        assert verify(session, issue_link(session, user, "verify", user.id, now), now) is not None
    async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=30) as http:
        form = await http.get("/signin")
        signed = await http.post("/signin", data={"login_id": email, "password": PASSWORD, "csrf_token": csrf(form.text)})
        assert signed.status_code == 303, signed.text
        yield http


async def register(stack: Stack, brn: str, representative: str, opened_on: str) -> None:
    """The tax simulator's register holds the company (what 진위확인 compares)."""
    async with httpx.AsyncClient() as http:
        put = await http.put(f"{stack.settings.tax_authority_url}/_businesses/{brn}",
                             json={"status": "active", "opened_on": opened_on, "representative": representative})
        assert put.status_code == 200, put.text


async def prove(http: httpx.AsyncClient, brn: str, opened_on: str, representative: str,
                verified_as: str | None = None) -> httpx.Response:
    """내 회사 확인: the form, then (when 진위확인 passes) the provider's page answered as
    `verified_as`, then back to the portal. The last answer the portal gave."""
    form = await http.get("/portal/company")
    sent = await http.post("/portal/company", data={"csrf_token": csrf(form.text), "brn": brn, "opened_on": opened_on,
                                                    "representative": representative})
    if sent.status_code != 303 or verified_as is None:
        return sent
    authorize = urlsplit(sent.headers["location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    async with httpx.AsyncClient() as provider:
        page = await provider.get(sent.headers["location"])
        assert page.status_code == 200 and "본인확인" in page.text
        back = await provider.post(f"{authorize.scheme}://{authorize.netloc}/authorize",
                                   data=params | {"name": verified_as, "birthdate": "1985-04-05"})
    assert back.status_code == 303, back.text
    return await http.get(back.headers["location"])


def outcome(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text[:500]
    return parse_qs(urlsplit(answer.headers["location"]).query)["outcome"][0]


def events(stack: Stack, brn: str) -> list[tuple[str, str]]:
    with session_scope(stack.engine) as session:
        return [(e.kind, e.rule or e.proof) for e in session.exec(select(BindingEvent).where(BindingEvent.brn == brn)
                                                                  .order_by(BindingEvent.id)).all()]


def bindings(stack: Stack, brn: str) -> list[tuple[str, str]]:
    with session_scope(stack.engine) as session:
        return [(b.user_id, b.proof) for b in session.exec(select(CompanyBinding).where(CompanyBinding.brn == brn,
                                                                                       CompanyBinding.revoked_at == None))]  # noqa: E711


async def test_a_squatter_typing_a_companys_number_sees_nothing_of_it_and_can_act_for_nothing(stack: Stack) -> None:
    program = await stack.program()
    victim = new_brn()
    startup_id = await stack.apply(program, victim)  # the company's own (bound) user applied
    assert (await stack.http.get(f"/startups/{startup_id}", headers=stack.as_startup(victim))).status_code == 200
    async with person(stack, "도용자", victim) as squatter:
        token = csrf((await squatter.get("/portal/company")).text)
        write = {"X-CSRF-Token": token}
        assert (await squatter.get(f"/startups/{startup_id}")).status_code == 404
        assert (await squatter.get("/startups")).json()["items"] == []
        assert (await squatter.get(f"/startups/{startup_id}/documents")).status_code == 404
        assert (await squatter.get("/me")).json()["brn"] is None
        accept = await squatter.post(f"/startups/{startup_id}/actions/accept-agreement", headers=write,
                                     json={"agreement_sha256": "0" * 64, "password": PASSWORD})
        assert accept.status_code == 404, accept.text
        milestone = await squatter.post(f"/startups/{startup_id}/actions/submit-milestone", headers=write,
                                        json={"milestone": "kickoff", "reason": ""})
        assert milestone.status_code == 404, milestone.text
        applied = await squatter.post(f"/programs/{program.id}/applications", headers=write,
                                      json={"brn": victim, "company_name": "도용", "founded_on": "2020-03-02",
                                            "task_id": "SF-01", "representative": "도용자", "email": "x@own.example",
                                            "proposal_title": "x"})
        assert applied.status_code == 403, applied.text
        # The portal's pages send them to prove their company; another company's page is a 404.
        for path in ("/portal/my", "/portal/documents", "/portal/colleagues", f"/portal/my/{startup_id}"):
            answer = await squatter.get(path)
            assert (answer.status_code, answer.headers.get("location")) == (303, "/portal/company"), path
        assert (await squatter.get(f"/portal/agreement/{startup_id}")).status_code == 404
        # Guessing the representative at the register: refused, and after five a day, not asked.
        for guess in ("김", "이", "박", "최", "정"):
            assert (await prove(squatter, victim, "2020-03-02", f"{guess}대표")).status_code == 422
        stopped = await prove(squatter, victim, "2020-03-02", "홍길동")
        assert stopped.status_code == 429 and "24시간" in stopped.text
    assert events(stack, victim).count(("refused", "register_mismatch")) == 5
    # The company's notifications reach its bound people, never the squatter.
    with session_scope(stack.engine) as session:
        assert all("도용자" != r.display_name for r in users_of_brn(session, victim))


async def test_the_register_and_the_identity_provider_refuse_and_only_the_refusal_is_kept(stack: Stack) -> None:
    brn = new_brn()
    await register(stack, brn, "이진짜", "2022-02-22")
    async with person(stack, "이진짜", brn) as owner:
        wrong_name = await prove(owner, brn, "2022-02-22", "이가짜")
        assert wrong_name.status_code == 422 and "진위확인" in wrong_name.text
        wrong_date = await prove(owner, brn, "2022-02-23", "이진짜")
        assert wrong_date.status_code == 422
        impostor = await prove(owner, brn, "2022-02-22", "이진짜", verified_as="김남남")
        assert outcome(impostor) == "identity_name_mismatch"
        refused = await owner.get("/portal/company?outcome=identity_name_mismatch")
        assert "본인확인으로 확인된 이름" in refused.text
        assert events(stack, brn) == [("refused", "register_mismatch"), ("refused", "register_mismatch"),
                                      ("refused", "identity_name_mismatch")]
        with session_scope(stack.engine) as session:  # nothing of the attempts but their record
            assert session.exec(select(CompanyCheck).where(CompanyCheck.brn == brn)).all() == []
            assert session.exec(select(BindingRequest).where(BindingRequest.brn == brn)).all() == []
        assert bindings(stack, brn) == []

        bound = await prove(owner, brn, "2022-02-22", "이진짜", verified_as="이진짜")
        assert outcome(bound) == "bound"
        assert [proof for _, proof in bindings(stack, brn)] == ["verified"]
        assert (await owner.get("/me")).json()["brn"] == brn
        assert (await owner.get("/portal/my")).status_code == 200


async def test_an_officer_approval_and_an_invitation_bind_and_are_recorded(stack: Stack) -> None:
    program = await stack.program()
    brn = new_brn()
    startup_id = await stack.apply(program, brn)  # staff's user holds the company
    await register(stack, brn, "박대표", "2021-01-15")
    officer_login = f"po{next(_serial)}.own"
    with session_scope(stack.engine) as session:
        officer = create_user(session, login_id=officer_login, display_name="사업담당", kind="staff",
                              roles=["program_officer"], password=PASSWORD)
    async with person(stack, "박대표", brn) as claimant:
        assert outcome(await prove(claimant, brn, "2021-01-15", "박대표", verified_as="박대표")) == "requested"
        assert (await claimant.get(f"/startups/{startup_id}")).status_code == 404  # not before the approval
        async with httpx.AsyncClient(base_url=stack.settings.api_url, timeout=30) as desk:
            form = await desk.get("/signin")
            await desk.post("/signin", data={"login_id": officer_login, "password": PASSWORD,
                                             "csrf_token": csrf(form.text)})
            page = await desk.get("/console/companies")
            request_id = re.search(r'action="/console/companies/requests/(\d+)"', page.text).group(1)
            assert "박대표" in page.text
            no_reason = await desk.post(f"/console/companies/requests/{request_id}",
                                        data={"csrf_token": csrf(page.text), "decision": "approve"})
            assert no_reason.status_code == 422 and "사유" in no_reason.text
            approved = await desk.post(f"/console/companies/requests/{request_id}",
                                       data={"csrf_token": csrf(page.text), "decision": "approve",
                                             f"reason-{request_id}": "사업자등록증 원본 확인"})
            assert approved.status_code == 303, approved.text
        assert (await claimant.get(f"/startups/{startup_id}")).status_code == 200
        # Now the representative, they invite a colleague; the invitation, once accepted, binds.
        colleague = f"cto{next(_serial)}@own.example"
        form = await claimant.get("/portal/colleagues")
        invited = await claimant.post("/portal/colleagues", data={"csrf_token": csrf(form.text), "email": colleague,
                                                                  "name": "최동료"})
        assert invited.status_code == 303, invited.text
    mail = await stack.wait_for_mail(colleague)
    secret = re.search(r"token=([\w-]+)", mail.get_content() if not mail.is_multipart()
                       else mail.get_body(("plain",)).get_content()).group(1)
    with session_scope(stack.engine) as session:
        assert accept_invitation(session, secret, "Colleague!2025q", datetime.now(UTC)) is not None
        colleague_id = find_by_login(session, colleague).id
    assert (colleague_id, "invitation") in bindings(stack, brn)
    recorded = events(stack, brn)
    assert ("requested", "already_bound") in recorded and ("approved", "already_bound") in recorded
    assert ("bound", "staff_approval") in recorded and ("invited", "invitation") in recorded
    assert ("bound", "invitation") in recorded
    with session_scope(stack.engine) as session:
        approval = session.exec(select(BindingEvent).where(BindingEvent.brn == brn, BindingEvent.kind == "approved")).one()
        assert approval.actor_id == officer.id and approval.reason == "사업자등록증 원본 확인"


async def test_the_registers_validate_service_answers_through_faults_and_says_when_it_cannot(stack: Stack) -> None:
    brn = new_brn()
    await register(stack, brn, "한대표", "2020-10-10")
    faults = f"{stack.settings.tax_authority_url}/_faults"
    async with httpx.AsyncClient() as http:
        try:
            (await http.put(faults, json={"fail_next": 2})).raise_for_status()  # the third try answers
            assert await register_matches(stack.settings, brn, date(2020, 10, 10), "한 대표") is True
            assert await register_matches(stack.settings, brn, date(2020, 10, 10), "다른이") is False
            assert await register_matches(stack.settings, new_brn(), date(2020, 10, 10), "한대표") is False
            (await http.put(faults, json={"error_rate": 1.0})).raise_for_status()
            with pytest.raises(TaxAuthorityDown):
                await register_matches(stack.settings, brn, date(2020, 10, 10), "한대표")
        finally:
            (await http.put(faults, json={})).raise_for_status()


def test_a_representative_change_waits_for_the_officer_who_may_reject_then_approve(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/binding.db"
    migrate(url)
    at = datetime(2026, 3, 2, tzinfo=UTC)
    brn = new_brn()
    with Session(make_engine(url), expire_on_commit=False) as db:
        former = sign_up(db, email="former@own.example", password=PASSWORD, brn=brn, representative="전대표",
                         company_name="회사", now=at)
        bind(db, former, brn, proof="verified", by=former.id, at=at, representative=True, company_name="회사")
        db.commit()
        new = sign_up(db, email="new@own.example", password=PASSWORD, brn=brn, representative="신대표",
                      company_name="회사", now=at)
        why = why_approval_is_needed(db, new, brn)
        assert why == "representative_change"
        asked = open_request(db, new, brn, why=why, verified_name="신대표", person_key="k" * 64, company_name="회사",
                             at=at)
        db.commit()
        with pytest.raises(DecisionRefused):
            decide(db, asked.id, approve=True, officer_id="u-officer", reason=" ", at=at)
        decide(db, asked.id, approve=False, officer_id="u-officer", reason="등기부 확인 전", at=at)
        assert bound_brn(db, new.id) is None and bound_brn(db, former.id) == brn
        again = open_request(db, new, brn, why=why, verified_name="신대표", person_key="k" * 64, company_name="회사",
                             at=at)
        db.commit()
        decide(db, again.id, approve=True, officer_id="u-officer", reason="법인등기부 대표자 변경 확인", at=at)
        assert bound_brn(db, former.id) is None and bound_brn(db, new.id) == brn
        assert company_of(db, brn).representative_user_id == new.id
        kinds = [(e.kind, e.user_id) for e in db.exec(select(BindingEvent).order_by(BindingEvent.id)).all()]
        assert kinds[-5:] == [("rejected", new.id), ("requested", new.id), ("revoked", former.id),
                              ("bound", new.id), ("approved", new.id)]
