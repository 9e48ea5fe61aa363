"""Notifications reach people: a lifecycle's event becomes an email in each person's one language
(Korean unless they chose English) received by the SMTP server (not twice when the activity is
retried), SMS only for the kinds a person chose, the in-app inbox with mark-read, preferences
refused with the field and rule named, and the daily digest for staff."""

from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from axflow.mailbox import ENVELOPE_TO, body_text
from domain.notifications import DigestRequest, NotificationEvent
from domain.phases import Role
from store import outbox
from store.db import as_utc, session_scope
from store.notifications import events_of
from store.users import create_user
from tests.conftest import Stack, new_brn, wait_until
from tests.flows import select


def person(stack: Stack, login: str, **fields: Any) -> str:
    with session_scope(stack.engine) as session:
        return create_user(session, login_id=login, **fields).id


def deliveries(stack: Stack, event_key: str) -> dict[tuple[str, str], outbox.NoticeDelivery]:
    with session_scope(stack.engine) as session:
        return {(row.user_id, row.channel): row for row in outbox.deliveries_of(session, event_key)}


async def sms_to(stack: Stack, phone: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{stack.settings.notify_url}/notifications", params={"to": phone})).json()


async def test_a_selection_reaches_each_person_once_by_the_channels_they_chose(stack: Stack) -> None:
    program = await stack.program()
    brn = new_brn()
    tag = brn[-6:]
    rep_mail, colleague_mail = f"ceo.{tag}@test-ai.kr", f"cto.{tag}@test-ai.kr"
    rep_phone, colleague_phone = f"010-1{tag[:3]}-{tag[3:]}1", f"010-2{tag[:3]}-{tag[3:]}2"
    rep = person(stack, f"ceo.{tag}", display_name="홍길동", kind="startup", roles=["startup"], brn=brn,
                 email=rep_mail, phone=rep_phone)
    colleague = person(stack, f"cto.{tag}", display_name="김철수", kind="startup", roles=["startup"], brn=brn,
                       email=colleague_mail, phone=colleague_phone)
    as_rep = {"Authorization": f"Bearer {stack.token(Role.STARTUP, f'ceo.{tag}', brn)}"}
    as_colleague = {"Authorization": f"Bearer {stack.token(Role.STARTUP, f'cto.{tag}', brn)}"}
    # The representative wants the selection by SMS as well; the colleague only payments by SMS.
    chosen = await stack.call("PUT", "/me/notification-preferences", as_rep,
                              {"channels": {"selection_selected": ["sms", "email", "sms"]}})
    assert chosen["chosen"] == {"selection_selected": ["email", "sms"]}
    assert chosen["channels"]["payment_received"] == ["email"]  # the default for kinds not chosen
    # ... and reads notices in English.
    english = await stack.call("PUT", "/me/notification-preferences", as_colleague,
                               {"channels": {"payment_received": ["sms"]}, "language": "en"})
    assert english["language"] == "en" and chosen["language"] == "ko"
    # The colleague's mailbox is busy at first: the activity fails after the representative's
    # email went out, and Temporal retries it.
    assert stack.mail_server is not None
    stack.mail_server.refuse_next(colleague_mail, code=451, times=1)

    startup_id = await stack.apply(program, brn)
    await select(stack, program, {startup_id: 90})

    def selected(message: Any) -> bool:
        return "선정 안내" in message["Subject"] or "Selected" in message["Subject"]

    mail = await stack.wait_for_mail(rep_mail, selected)
    assert mail["Subject"] == f"[axflow] 선정 안내: {program.name}" and mail["Content-Language"] == "ko"
    assert mail["To"].addresses[0].display_name == "홍길동" and mail[ENVELOPE_TO] == rep_mail
    text = body_text(mail)
    assert text.startswith("홍길동 님, 안녕하세요.")
    assert f"축하합니다. 테스트AI {brn[-4:]}이(가) {program.name}에 선정되었습니다." in text
    assert "협약 체결 기한: " in text and " KST" in text and "Congratulations" not in text
    colleague_words = await stack.wait_for_mail(colleague_mail, selected)
    assert colleague_words["Subject"] == f"[axflow] Selected: {program.name}"
    assert colleague_words["Content-Language"] == "en"
    assert body_text(colleague_words).startswith("Dear 김철수,") and "안녕하세요" not in body_text(colleague_words)

    [event] = [e for e in await stack.notifications(startup_id, "selection_selected")]
    # The mail server holds a message a moment before the outbox row is marked sent.

    async def marked() -> dict[tuple[str, str], outbox.NoticeDelivery]:
        return deliveries(stack, event["key"])

    sent = await wait_until(marked, lambda rows: all(rows[who, "email"].status == "sent" for who in (rep, colleague)),
                            what="both emails marked sent")
    assert (sent[rep, "email"].status, sent[rep, "email"].attempts) == ("sent", 1)
    assert (sent[colleague, "email"].status, sent[colleague, "email"].attempts) == ("sent", 2)  # the retry
    assert [m["Subject"] for m in stack.mail_to(rep_mail) if selected(m)] == [mail["Subject"]]
    assert len([m for m in stack.mail_to(colleague_mail) if selected(m)]) == 1

    # The event, recorded with the selection's projection, was delivered by the worker's dispatcher
    # in two attempts (the colleague's mailbox was busy at the first).
    def recorded() -> Any:
        with session_scope(stack.engine) as session:
            return events_of(session, startup_id, "selection_selected")[0]

    async def recorded_now() -> Any:
        return recorded()

    row = await wait_until(recorded_now, lambda r: r.delivered_at is not None, what="the event marked delivered")
    assert (row.attempts, row.last_error) == (2, "")

    # The same event delivered again (a retry after everything went out) sends nothing.
    with session_scope(stack.engine) as session:
        [row] = events_of(session, startup_id, "selection_selected")
        again = NotificationEvent(key=row.key, kind=row.kind, recipients=row.recipients, startup_id=row.startup_id,
                                  program_id=row.program_id, brn=brn, at=as_utc(row.emitted_at), data=row.data)
    async with httpx.AsyncClient() as http:
        activities = NotificationActivities(http, stack.settings, stack.engine)
        assert await ActivityEnvironment().run(activities.deliver_notification, again) == 0
    assert len([m for m in stack.mail_to(rep_mail) if selected(m)]) == 1

    # SMS only for the kinds chosen: the representative's selection, nothing for the colleague.
    [sms] = await wait_until(lambda: sms_to(stack, rep_phone), bool, what="the representative's SMS")
    assert (sms["kind"], sms["channel"], sms["user_id"]) == ("selection_selected", "sms", rep)
    assert sms["subject"].startswith(f"[axflow] {program.name} 선정. 협약 기한 20")
    assert await sms_to(stack, colleague_phone) == []

    # The in-app inbox: unread first, marked read one by one or all at once.
    inbox = await stack.call("GET", "/me/notifications", as_rep)
    assert (inbox["total"], inbox["unread"]) == (1, 1)
    [notice] = inbox["items"]
    assert notice["subject"] == mail["Subject"] and notice["unread"] and notice["created_at_kst"].endswith("KST")
    read = await stack.call("POST", f"/me/notifications/{notice['id']}/read", as_rep)
    assert read["unread"] is False and read["read_at"]
    assert (await stack.call("GET", "/me/notifications", as_rep))["unread"] == 0
    await stack.call("POST", f"/me/notifications/{notice['id']}/read", as_colleague, expect=404)  # not theirs
    assert await stack.call("POST", "/me/notifications/read-all", as_colleague) == {"marked": 1, "unread": 0}
    unread_only = await stack.call("GET", "/me/notifications?unread_only=true&order=newest", as_colleague)
    assert (unread_only["total"], unread_only["items"]) == (0, [])


async def test_preferences_refuse_unknown_kinds_and_channels_and_a_startup_digest(stack: Stack) -> None:
    brn = new_brn()
    person(stack, f"pref.{brn}", display_name="이영희", kind="startup", roles=["startup"], brn=brn)
    as_startup = {"Authorization": f"Bearer {stack.token(Role.STARTUP, f'pref.{brn}', brn)}"}
    before = await stack.call("GET", "/me/notification-preferences", as_startup)

    async def refused(body: dict[str, Any]) -> dict[str, Any]:
        error = await stack.call("PUT", "/me/notification-preferences", as_startup, body, expect=422)
        [detail] = error["error"]["details"]
        return detail

    assert (await refused({"channels": {"lottery_won": ["email"]}}))["field"] == "channels.lottery_won"
    fax = await refused({"channels": {"payment_received": ["fax"]}})
    assert (fax["field"], fax["rule"]) == ("channels.payment_received", "known_channel")
    assert "알 수 없는 채널" in fax["message"] and "unknown channel 'fax'" in fax["message"]
    digest = await refused({"daily_digest": True})
    assert (digest["field"], digest["rule"]) == ("daily_digest", "staff_only")
    assert (await refused({"channels": {"payment_received": "email"}}))["field"] == "channels.payment_received"
    assert (await refused({"channel": {}}))["field"] == "channel"
    french = await refused({"language": "fr"})
    assert (french["field"], french["rule"]) == ("language", "known_language") and "ko or en" in french["message"]
    # Nothing half-saved.
    assert await stack.call("GET", "/me/notification-preferences", as_startup) == before


def _event(key: str, kind: str, data: dict[str, Any]) -> NotificationEvent:
    return NotificationEvent(key=key, kind=kind, recipients=["finance_lead"], startup_id=f"startup:digest:{key}",
                             program_id="digest", brn="1248100998", at=datetime.now(UTC),
                             data={"company_name": "요약기업", "program_name": "요약사업", **data})


async def test_staff_who_chose_a_digest_get_one_email_a_day_listing_what_waited(stack: Stack) -> None:
    tag = new_brn()[-6:]
    address = f"lead.{tag}@agency.go.kr"
    person(stack, f"lead.{tag}", display_name="박재무", kind="staff", roles=["finance_officer"],
                  desks=["finance_lead"], email=address)
    as_lead = {"Authorization": f"Bearer {stack.token(Role.FINANCE_OFFICER, f'lead.{tag}')}"}
    await stack.call("PUT", "/me/notification-preferences", as_lead, {"daily_digest": True, "language": "en"})

    async with httpx.AsyncClient() as http:
        activities = NotificationActivities(http, stack.settings, stack.engine)
        run = ActivityEnvironment().run
        await run(activities.deliver_notification, _event(f"d{tag}:n1", "approval_overdue",
                                                          {"tranche": "선급금", "amount": 56_000_000}))
        await run(activities.deliver_notification, _event(f"d{tag}:n2", "settlement_submitted", {}))
    assert stack.mail_to(address) == []  # kept for the digest
    assert (await stack.call("GET", "/me/notifications", as_lead))["unread"] == 2

    async def digest(day: str) -> int:
        return await stack.client.execute_workflow("DailyDigest", DigestRequest(day=day), id=f"digest-{tag}-{day}",
                                                   task_queue=stack.settings.task_queue, result_type=int)

    assert await digest("2026-01-05") >= 1
    mail = await stack.wait_for_mail(address)
    # In the language the lead chose, English: the digest and each notice it lists.
    assert mail["Subject"] == "[axflow] Daily digest 2026-01-05: 2 notification(s)"
    text = body_text(mail)
    assert "1. " in text and "Approval overdue: 요약기업" in text and mail["Content-Language"] == "en"
    assert "2. " in text and "Settlement submitted: 요약기업" in text and "지급 승인" not in text

    # The same day's digest run again sends nothing; the next day's lists only what came since.
    await digest("2026-01-05")
    assert len(stack.mail_to(address)) == 1
    async with httpx.AsyncClient() as http:
        activities = NotificationActivities(http, stack.settings, stack.engine)
        await ActivityEnvironment().run(activities.deliver_notification,
                                        _event(f"d{tag}:n3", "payment_failed", {"reason": "계좌 오류"}))
    await digest("2026-01-06")
    second = await stack.wait_for_mail(address, lambda m: "2026-01-06" in m["Subject"])
    assert "1 notification(s)" in second["Subject"] and "Payment failed" in body_text(second)
    assert "Approval overdue" not in body_text(second)
    prefs = await stack.call("GET", "/me/notification-preferences", as_lead)
    assert prefs["daily_digest"] is True and prefs["last_digest_at"]
