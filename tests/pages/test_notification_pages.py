"""My notifications as pages, over real HTTP: a staff member reads what was sent to them (unread
first), marks one and then all read, and chooses SMS for payments and the daily digest; the choice
is what `GET /me/notification-preferences` then answers. A startup user has no digest to choose,
and a tampered form (a digest, an unknown kind) is refused by name with nothing saved. Both pages
read in English with the switch."""

import re
from datetime import UTC, datetime

import httpx

from domain.notifications import KINDS, NotificationEvent
from store.db import session_scope
from store.notifications import add_notice, preferences_of
from store.users import create_user
from tests.conftest import Stack, new_brn
from tests.i18n_support import korean_left
from tests.totp_support import enrol, needs_factor, pass_second_factor

PASSWORD = "Alim!2025pw"
_serial = iter(range(1, 1_000_000))



def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def signed_in(http: httpx.AsyncClient, stack: Stack, kind: str, roles: list[str]) -> str:
    login = f"alim{next(_serial)}.{kind}"
    with session_scope(stack.engine) as session:
        user = create_user(session, login_id=login, display_name="정알림", kind=kind, roles=roles,
                           brn=new_brn() if kind == "startup" else None, password=PASSWORD,
                           email=f"{login}@example.kr")
        user_id = user.id
        for serial, (kind_sent, subject) in enumerate([("payment_received", "[axflow] 사업비가 지급되었습니다"),
                                                       ("milestone_reminder", "[axflow] 산출물 제출 기한 D-3")]):
            event = NotificationEvent(key=f"{login}:n{serial}", kind=kind_sent, recipients=["startup"],
                                      startup_id="st-page-1", program_id="p-1", brn="1248100998",
                                      at=datetime(2026, 3, 2, tzinfo=UTC))
            add_notice(session, user_id=user_id, event=event, subject=subject, body=f"{subject}\n본문 {serial}")
        session.commit()
    if needs_factor(roles):
        enrol(stack.engine, user_id)
    form = await http.get("/signin")
    signed = await http.post("/signin", data={"login_id": login, "password": PASSWORD, "csrf_token": csrf(form.text)})
    signed = await pass_second_factor(http, stack.engine, user_id, signed)
    assert signed.status_code == 303
    return user_id


async def test_staff_read_their_notifications_and_choose_channels(stack: Stack, site: httpx.AsyncClient) -> None:
    user_id = await signed_in(site, stack, "staff", ["finance_officer"])
    inbox = await site.get("/notifications")
    assert inbox.status_code == 200 and "<title>알림 · axflow</title>" in inbox.text
    assert "읽지 않은 알림 <strong>2</strong>건, 전체 2건" in inbox.text
    assert inbox.text.count("새 알림") == 2 and "지급 완료" in inbox.text and "산출물 기한 알림" in inbox.text
    assert 'href="/notifications"' in (await site.get("/")).text  # the header links here from every page

    first = re.search(r'action="/notifications/(\d+)/read"', inbox.text).group(1)
    no_token = await site.post(f"/notifications/{first}/read", data={})
    assert no_token.status_code == 403
    read = await site.post(f"/notifications/{first}/read", data={"csrf_token": csrf(inbox.text)})
    assert read.status_code == 303
    inbox = await site.get("/notifications")
    assert "읽지 않은 알림 <strong>1</strong>건" in inbox.text and inbox.text.count("새 알림") == 1
    everything = await site.post("/notifications/read-all", data={"csrf_token": csrf(inbox.text)}, follow_redirects=True)
    assert "1건을 읽음으로 표시했습니다." in everything.text and "새 알림" not in everything.text
    assert (await site.post("/notifications/999999999/read", data={"csrf_token": csrf(inbox.text)})).status_code == 404

    settings = await site.get("/notifications/settings")
    assert settings.status_code == 200 and 'name="daily_digest"' in settings.text
    assert settings.text.count('type="checkbox"') == 2 * len(KINDS) + 1
    # Every kind starts on email; choose email and SMS for payments, nothing but the inbox for reminders.
    form: dict[str, str | list[str]] = {"csrf_token": csrf(settings.text), "daily_digest": "true"}
    form |= {f"channels.{kind}": ["email"] for kind in KINDS if kind != "milestone_reminder"}
    form["channels.payment_received"] = ["email", "sms"]
    assert re.search(r'name="language" value="ko"\s+checked', settings.text)  # Korean until chosen
    form["language"] = "en"  # ... and notices in English
    saved = await site.post("/notifications/settings", data=form, follow_redirects=True)
    assert saved.status_code == 200 and "알림 설정을 저장했습니다." in saved.text
    with session_scope(stack.engine) as session:
        prefs = preferences_of(session, user_id)
    assert prefs.daily_digest and prefs.channels_for("payment_received") == ["email", "sms"]
    assert prefs.channels_for("milestone_reminder") == [] and prefs.language == "en"
    api = (await site.get("/me/notification-preferences")).json()
    assert api["channels"]["payment_received"] == ["email", "sms"] and api["daily_digest"] is True
    assert api["language"] == "en" and re.search(r'name="language" value="en"\s+checked', saved.text)
    assert re.search(r'name="channels.payment_received" value="sms"\s+checked', saved.text)

    english = await site.get("/notifications/settings", cookies={"axflow_lang": "en"})
    assert '<html lang="en">' in english.text and "Notification settings" in english.text
    assert korean_left(english.text, data=["정알림"]) == [], korean_left(english.text, data=["정알림"])
    english = await site.get("/notifications", cookies={"axflow_lang": "en"})
    subjects = ["[axflow] 사업비가 지급되었습니다", "[axflow] 산출물 제출 기한 D-3", "본문 0", "본문 1", "정알림"]
    assert "Payment received" in english.text and korean_left(english.text, data=subjects) == []


async def test_a_startup_has_no_digest_and_a_tampered_form_saves_nothing(stack: Stack, site: httpx.AsyncClient) -> None:
    user_id = await signed_in(site, stack, "startup", ["startup"])
    settings = await site.get("/notifications/settings")
    assert settings.status_code == 200 and 'name="daily_digest"' not in settings.text
    assert 'href="/portal/my"' in settings.text  # the portal's frame, not the console's

    digest = await site.post("/notifications/settings", data={"csrf_token": csrf(settings.text), "daily_digest": "true",
                                                               "channels.payment_received": "sms"})
    assert digest.status_code == 422 and "일일 요약 메일은 직원만 선택할 수 있습니다." in digest.text
    unknown = await site.post("/notifications/settings", data={"csrf_token": csrf(settings.text),
                                                                "channels.lottery_won": "email"})
    assert unknown.status_code == 422 and "알 수 없는 알림 종류입니다." in unknown.text and "lottery_won" in unknown.text
    channel = await site.post("/notifications/settings", data={"csrf_token": csrf(settings.text),
                                                                "channels.payment_received": "fax"})
    assert channel.status_code == 422 and "알 수 없는 채널입니다." in channel.text
    french = await site.post("/notifications/settings", data={"csrf_token": csrf(settings.text), "language": "fr"})
    assert french.status_code == 422 and "알림 언어는 한국어와 영어 중에서 고릅니다." in french.text
    assert 'id="f-language-error"' in french.text
    with session_scope(stack.engine) as session:
        assert preferences_of(session, user_id).channels == {}  # nothing half-saved
        assert preferences_of(session, user_id).language == "ko"
