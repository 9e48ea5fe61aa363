"""대표자 변경 and the company's binding: the new representative proves who they are (진위확인 + 본인확인,
the portal's 내 회사 확인) and, once an officer has approved the agreement's 대표자 변경 naming them,
the company moves to them at once: the former representative loses it (recorded), a colleague the
company invited keeps theirs, the company account names the new representative, and their earlier
request is closed as approved by the officer who approved the change. Before that approval the
same proof is only a request for an officer, and the former representative keeps the company.

Real HTTP against the shared stack: the lifecycle's Updates, the tax simulator's register, the
identity provider simulator's page, the read model the portal reads."""

from datetime import UTC, datetime

from sqlmodel import select

from api.services.company import amended_representative
from domain.phases import Role
from store.binding_tables import BindingEvent, BindingRequest
from store.company_binding import bind
from store.db import session_scope
from store.portal_accounts import company_of, sign_up
from tests.conftest import Stack, wait_until
from tests.flows import drive
from tests.security.test_company_ownership import PASSWORD, bindings, outcome, person, prove, register

OPENED_ON = "2021-03-02"


async def test_the_new_representative_proven_takes_the_company_once_the_change_is_approved(stack: Stack) -> None:
    startup = await drive(stack, "contracted")
    sid, brn = startup.id, startup.brn
    former = startup.me(stack)  # the company's user today (staff made it, bound by staff approval)
    former_id = stack.user_id(f"startup-{brn}")
    officer = stack.as_role(Role.PROGRAM_OFFICER, "po-representative")
    await register(stack, brn, "김다른", OPENED_ON)  # the register names 김다른 since the change
    with session_scope(stack.engine) as session:
        colleague = sign_up(session, email=f"cto-{brn}@own.example", password=PASSWORD, brn=brn,
                            representative="최동료", company_name="회사", now=datetime.now(UTC))
        bind(session, colleague, brn, proof="invitation", by=former_id, at=datetime.now(UTC))
        session.commit()
        colleague_id = colleague.id

    async with person(stack, "김다른", brn) as newcomer:
        # Proven before any approved change: a request for an officer; the company stays where it is.
        assert outcome(await prove(newcomer, brn, OPENED_ON, "김다른", verified_as="김다른")) == "requested"
        assert (await newcomer.get(f"/startups/{sid}")).status_code == 404

        await stack.act(sid, "request-amendment", former, {
            "kind": "representative", "representative_name": "김다른", "representative_opened_on": OPENED_ON,
            "reason": "대표이사 변경 등기"})
        await stack.act(sid, "decide-amendment", officer, {"decision": "approve", "reason": "법인등기부 확인"})

        async def read_model_amended() -> object:
            with session_scope(stack.engine) as session:
                return amended_representative(session, brn)

        amended = await wait_until(read_model_amended, lambda a: a is not None, what="the approved change read")
        assert (amended.name, amended.label) == ("김다른", "변경 1")

        # Proven again: the company moves to them at once.
        assert outcome(await prove(newcomer, brn, OPENED_ON, "김다른", verified_as="김다른")) == "moved"
        assert (await newcomer.get(f"/startups/{sid}")).status_code == 200
        agreement = await newcomer.get(f"/portal/agreement/{sid}")
        assert agreement.status_code == 200 and "변경 1" in agreement.text
    assert (await stack.http.get(f"/startups/{sid}", headers=former)).status_code == 404

    live, approver_id = bindings(stack, brn), stack.user_id("po-representative")
    with session_scope(stack.engine) as session:
        newcomer_id = company_of(session, brn).representative_user_id
        assert sorted(live) == sorted([(newcomer_id, "verified"), (colleague_id, "invitation")])
        revoked = session.exec(select(BindingEvent).where(BindingEvent.brn == brn, BindingEvent.kind == "revoked",
                                                          BindingEvent.user_id == former_id)).one()
        assert revoked.actor_id == newcomer_id and "변경 1" in revoked.reason and sid in revoked.reason
        request = session.exec(select(BindingRequest).where(BindingRequest.brn == brn)).one()
        assert (request.user_id, request.decision, request.decided_by) == (
            newcomer_id, "approved", approver_id)
