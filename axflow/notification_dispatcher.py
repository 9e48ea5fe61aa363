"""The worker's notification dispatcher: one loop that delivers the events lifecycles' projections
recorded (store/dispatch.py), off the lifecycles' path. The projection activity wakes it when it
has recorded events; otherwise it looks again when the earliest retry falls due, and at least every
POLL (events another worker recorded, a lease that ran out with its dispatcher).

At least once: an event is marked delivered only after every message went out or was refused for
good; a failure puts it back with a back-off, a crash leaves it leased until LEASE runs out. The
outbox makes a second delivery send nothing twice."""

import asyncio
from datetime import timedelta

import structlog
from sqlalchemy import Engine

from activities.notifications import NotificationActivities
from domain.notifications import NotificationEvent
from store import dispatch

log = structlog.get_logger()

POLL = timedelta(seconds=5)
# Events leased at a time (each delivered as a slot frees).
BATCH = 20
# Events delivered at once: one person's slow mailbox does not hold up the others' notices.
CONCURRENCY = 4


class NotificationDispatcher:
    def __init__(self, notifications: NotificationActivities, engine: Engine) -> None:
        self.notifications, self.engine = notifications, engine
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Events were recorded: look now (safe to call from any thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _wake_in(self, wait: timedelta) -> None:
        """Look again when a retry falls due."""
        if self._loop is not None:
            self._loop.call_later(wait.total_seconds(), self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        running: set[asyncio.Task[None]] = set()
        while True:
            self._wake.clear()
            try:
                lease = await asyncio.to_thread(dispatch.take_due, self.engine, BATCH)
                for event in lease.events:
                    await self._slots.acquire()
                    task = asyncio.create_task(self._deliver(event))
                    running.add(task)
                    task.add_done_callback(running.discard)
                if len(lease.events) == BATCH:  # perhaps more due already
                    continue
                # Everything due then was taken; an event recorded since has woken the loop.
                wait = lease.next_due_in
            except asyncio.CancelledError:
                raise
            except Exception:  # the database busy or gone for a moment: the loop carries on
                log.exception("notification dispatch failed; trying again")
                wait = POLL
            timeout = POLL if wait is None else min(max(wait, timedelta(milliseconds=50)), POLL)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout.total_seconds())
            except TimeoutError:
                pass

    async def _deliver(self, event: NotificationEvent) -> None:
        try:
            # Marked delivered by `deliver` itself when every message went out or was refused.
            _, failures = await self.notifications.deliver(event, attempt=0, dispatched=True)
            if failures:
                wait = await asyncio.to_thread(dispatch.failed, self.engine, event.key, "; ".join(failures))
                log.info("notification to be retried", event_key=event.key, waiting=len(failures),
                         retry_in_s=wait.total_seconds())
                self._wake_in(wait)
        except Exception as err:
            log.exception("notification not delivered", event_key=event.key)
            try:
                wait = await asyncio.to_thread(dispatch.failed, self.engine, event.key, repr(err))
                self._wake_in(wait)
            except Exception:  # its lease runs out and another round takes it
                log.exception("notification left leased", event_key=event.key)
        finally:
            self._slots.release()
