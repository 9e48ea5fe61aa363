"""Notifications to people. `deliver_notification` turns a workflow's event into messages: it finds
the people behind its recipients (roles, desks, the startup), puts the words of the kind's
template in each one's in-app inbox, and sends email (SMTP) and SMS/알림톡 (the notification
gateway) as each person chose, once per (event, person, channel) through the outbox. Lifecycles
under patch notify-outbox have their events recorded by the projection and delivered by the
worker's dispatcher (axflow/notification_dispatcher.py) with the same `deliver`. The daily
digest sends staff who chose it one email listing what waited for it.

`send_notification` is the gateway call of lifecycles started before events (patch NOTIFY_PEOPLE).
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from urllib.parse import quote

import httpx
import structlog
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from axflow.config import Settings
from axflow.mail import MailRefused, MailUnavailable, new_message_id, send_mail
from axflow.notices import Rendered, render, render_digest
from domain.io import SEND_NOTIFICATION, Notification
from domain.notifications import (
    DELIVER_NOTIFICATION,
    EMAIL,
    SEND_DAILY_DIGESTS,
    SMS,
    DigestRequest,
    NotificationEvent,
)
from store import dispatch, outbox
from store.db import as_utc, session_scope
from store.notifications import RecipientReader, digest_sent, preferences_of, put_notice, record_event, stored_preferences
from store.users import Recipient, get_user

log = structlog.get_logger()


@dataclass(frozen=True)
class Outgoing:
    """One message to send: to whom, on which channel, at which address, in which words."""

    person: Recipient
    channel: str
    address: str
    rendered: Rendered


class Failures(list[str]):
    """Deliveries that may succeed later: the activity fails with them, and Temporal retries it."""

    def check(self, what: str) -> None:
        if self:
            raise ApplicationError(f"{len(self)} {what} not delivered yet: {'; '.join(self)[:800]}")


def link_for(settings: Settings, event: NotificationEvent, staff: bool) -> str:
    base = settings.public_base()
    return f"{base}/console/startups/{quote(event.startup_id, safe=':')}" if staff else f"{base}/portal/my"


def people_of(session: Session, event: NotificationEvent) -> list[tuple[Recipient, bool]]:
    """Each person the event's recipients name, once (a person at two desks hears it once), with
    whether they are staff."""
    found: dict[str, tuple[Recipient, bool]] = {}
    reader = RecipientReader(session)
    for recipient in event.recipients:
        try:
            people = reader.resolve(recipient, event.brn)
        except ValueError:
            log.warning("notification recipient unknown", event_key=event.key, recipient=recipient)
            continue
        for person in people:
            found.setdefault(person.user_id, (person, recipient != "startup"))
    return list(found.values())


def plan_deliveries(engine: Engine, settings: Settings, event: NotificationEvent,
                    dispatched: bool = False) -> list[Outgoing]:
    """In one transaction: keep the event, put a notice in each person's inbox and queue the digest
    rows; return the emails and SMS to send. Run again for a retry, it adds nothing twice. An
    event of the dispatcher's (read from its row, kept already) with nothing to send is marked
    delivered in the same transaction. Every statement here is built once (store/notifications.py):
    the dispatcher plans every event a lifecycle emits."""
    outgoing: list[Outgoing] = []
    with session_scope(engine) as session:
        if not dispatched:
            record_event(session, event)
        for person, staff in people_of(session, event):
            preferences = stored_preferences(session, person.user_id)
            # One language per person: the inbox, the email and the SMS all in the one they chose.
            rendered = render(event.kind, event.data, recipient_name=person.display_name,
                              link=link_for(settings, event, staff), language=preferences.language)
            put_notice(session, user_id=person.user_id, event=event, subject=rendered.subject, body=rendered.text)
            channels = preferences.channels_for(event.kind)
            if EMAIL in channels and person.email:
                if staff and preferences.daily_digest:
                    outbox.queue_for_digest(session, event.key, person.user_id)
                else:
                    outgoing.append(Outgoing(person, EMAIL, person.email, rendered))
            if SMS in channels and person.phone:
                outgoing.append(Outgoing(person, SMS, person.phone, rendered))
        if dispatched and not outgoing:
            dispatch.mark_delivered(session, event.key)
        session.commit()
    return outgoing


class NotificationActivities:
    def __init__(self, client: httpx.AsyncClient, settings: Settings, engine: Engine) -> None:
        self.client = client
        self.settings = settings
        self.engine = engine
        self.base_url = settings.notify_url.rstrip("/")

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, note: Notification) -> None:
        info = activity.info()
        response = await self.client.post(f"{self.base_url}/notifications", json=note.model_dump(),
                                          headers={"Idempotency-Key": note.key})
        if response.status_code >= 500:
            raise ApplicationError(f"notification system answered {response.status_code}")
        if response.status_code >= 400:
            raise ApplicationError(f"notification refused: {response.text}", non_retryable=True)
        log.info("notified", workflow_id=info.workflow_id, run_id=info.workflow_run_id,
                 activity=info.activity_type, attempt=info.attempt, kind=note.kind, to=note.to)

    @activity.defn(name=DELIVER_NOTIFICATION)
    async def deliver_notification(self, event: NotificationEvent) -> int:
        """Deliver one event (lifecycles started before the dispatcher); the number of messages
        sent by this attempt."""
        sent, failures = await self.deliver(event, attempt=activity.info().attempt)
        failures.check("messages")
        return sent

    async def deliver(self, event: NotificationEvent, attempt: int,
                      dispatched: bool = False) -> tuple[int, Failures]:
        """Deliver one event: the messages sent now, and those that may succeed on a later attempt.
        Run again, it sends nothing twice (the outbox). `dispatched`: the dispatcher's event, marked
        delivered at once when there is no email or SMS to send."""
        outgoing = await asyncio.to_thread(plan_deliveries, self.engine, self.settings, event, dispatched)
        failures, sent = Failures(), 0
        for message in outgoing:
            send = self._email if message.channel == EMAIL else self._sms
            sent += await send(event, message, failures)
        if dispatched and outgoing and not failures:
            await asyncio.to_thread(dispatch.delivered, self.engine, event.key)
        log.info("notification delivered", event_key=event.key, kind=event.kind, sent=sent,
                 attempt=attempt, waiting=len(failures))
        return sent, failures

    async def _email(self, event: NotificationEvent, message: Outgoing, failures: Failures) -> int:
        """Send one email under a claim of the outbox (1 if it went out now)."""
        person = message.person
        claim = await asyncio.to_thread(outbox.claim, self.engine, event_key=event.key, user_id=person.user_id,
                                        channel=EMAIL, address=message.address,
                                        message_id=new_message_id(self.settings))
        if claim is None:
            return 0
        to = str(Address(display_name=person.display_name, addr_spec=message.address))
        return await self._send_mail(claim, to, message.rendered, failures)

    async def _send_mail(self, claim: outbox.Claim, to: str, rendered: Rendered, failures: Failures) -> int:
        try:
            message_id = await send_mail(self.settings, to=to, subject=rendered.subject, text=rendered.text,
                                         message_id=claim.message_id, language=rendered.language)
        except MailRefused as err:
            await asyncio.to_thread(outbox.finish, self.engine, claim.row_id, outbox.REFUSED, str(err))
            log.warning("email refused", to=to, error=str(err))
            return 0
        except MailUnavailable as err:
            await asyncio.to_thread(outbox.finish, self.engine, claim.row_id, outbox.RETRY, str(err))
            failures.append(f"email {to}: {err}")
            return 0
        # A crash exactly here leaves the row "claimed": the next attempt records it as
        # unconfirmed and does not send it again (store/outbox.py says why).
        await asyncio.to_thread(outbox.finish, self.engine, claim.row_id, outbox.SENT, message_id)
        return 1

    async def _sms(self, event: NotificationEvent, message: Outgoing, failures: Failures) -> int:
        """Send one SMS/알림톡 through the gateway; its idempotency key makes a resend harmless."""
        person = message.person
        claim = await asyncio.to_thread(outbox.claim, self.engine, event_key=event.key, user_id=person.user_id,
                                        channel=SMS, address=message.address, resend_stale=True)
        if claim is None:
            return 0
        gateway_key = f"{event.key}:{person.user_id}:sms"
        body = {"key": gateway_key, "startup_id": event.startup_id, "to": message.address, "kind": event.kind,
                "subject": message.rendered.sms, "channel": SMS, "user_id": person.user_id}
        try:
            response = await self.client.post(f"{self.base_url}/notifications", json=body,
                                              headers={"Idempotency-Key": gateway_key})
            outcome, error = response.status_code, f"gateway answered {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as err:
            outcome, error = 0, f"gateway unreachable: {err!r}"
        if 200 <= outcome < 300:
            await asyncio.to_thread(outbox.finish, self.engine, claim.row_id, outbox.SENT, gateway_key)
            return 1
        final = 400 <= outcome < 500
        await asyncio.to_thread(outbox.finish, self.engine, claim.row_id, outbox.REFUSED if final else outbox.RETRY,
                                error)
        if not final:
            failures.append(f"sms {message.address}: {error}")
        return 0

    @activity.defn(name=SEND_DAILY_DIGESTS)
    async def send_daily_digests(self, request: DigestRequest) -> int:
        """One email per person with notifications waiting for their digest; the number sent."""
        waiting = await asyncio.to_thread(self._waiting)
        failures, sent = Failures(), 0
        for person, language in waiting:
            activity.heartbeat(person.user_id)
            sent += await self._digest(person, language, request.day, failures)
        log.info("daily digests", day=request.day, people=len(waiting), sent=sent, waiting=len(failures))
        failures.check("digests")
        return sent

    def _waiting(self) -> list[tuple[Recipient, str]]:
        """Who has notices waiting for a digest, each with the language of their notices."""
        with session_scope(self.engine) as session:
            people = [get_user(session, user_id) for user_id in outbox.waiting_for_digest(session)]
            return [(Recipient(user.id, user.display_name, user.email, user.phone),
                     preferences_of(session, user.id).language)
                    for user in people if user is not None and user.active and user.email]

    async def _digest(self, person: Recipient, language: str, day: str, failures: Failures) -> int:
        # The digest is itself a message with a key of its own: the day's digest goes out once.
        assert person.email is not None
        key = f"digest:{person.user_id}:{day}"
        claim = await asyncio.to_thread(outbox.claim, self.engine, event_key=key, user_id=person.user_id,
                                        channel=EMAIL, address=person.email, message_id=new_message_id(self.settings))
        if claim is None:
            return 0
        notices = await asyncio.to_thread(outbox.batch_for_digest, self.engine, person.user_id, key)
        if not notices:
            await asyncio.to_thread(outbox.finish, self.engine, claim.row_id, outbox.RETRY, "nothing waiting")
            return 0
        items = [{"at": as_utc(n.created_at), "subject": n.subject} for n in notices]
        rendered = render_digest(items, recipient_name=person.display_name, day=day,
                                 link=f"{self.settings.public_base()}/", language=language)
        to = str(Address(display_name=person.display_name, addr_spec=person.email))
        sent = await self._send_mail(claim, to, rendered, failures)
        await asyncio.to_thread(self._settle_digest, person.user_id, key, bool(sent))
        return sent

    def _settle_digest(self, user_id: str, key: str, sent: bool) -> None:
        outbox.settle_digest(self.engine, user_id, key, sent)
        if sent:
            with session_scope(self.engine) as session:
                digest_sent(session, user_id, datetime.now(UTC))
                session.commit()
