"""The per-process event hub: one ``LISTEN invekto_events`` connection, many subscribers.

Writers call :func:`invekto.storage.events.publish` in their transaction; PostgreSQL delivers the
``NOTIFY`` on commit to every API process. Here one dedicated psycopg connection listens, and
each notification wakes the subscribers of its tenant (and only them). A woken subscriber reads
the rows from ``conversation_events`` itself, in a tenant session, so:

- what a client gets is always the committed row (payloads never travel over ``NOTIFY``);
- a notification is only a hint: a subscriber asks for "everything after my last id" plus the
  ids it was told about (a transaction that started earlier can commit a lower id later);
- when the connection drops, the hub reconnects with exponential backoff and wakes every
  subscriber to catch up from the table by its last id, looking back ``LATE_COMMIT_S`` for
  lower ids committed during the outage; nothing is lost across processes or outages, and a
  subscriber never gets the same id twice.

The hub starts on the first subscriber (and waits, briefly, until it listens), stops when the
last one leaves, and is stopped on app shutdown (the events router's lifespan).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator

import psycopg

from invekto.storage.db import Database
from invekto.storage.events import (
    CHANNEL,
    events_after,
    events_by_ids,
    events_since,
)
from invekto.storage.models import ConversationEvent

log = logging.getLogger(__name__)

PAGE = 200
"""Rows read per wake-up; a bigger backlog is read over the next wake-ups."""
LATE_COMMIT_S = 60.0
"""After an outage, look back this far for events with a lower id that committed late."""
SENT_MEMORY = 4096
"""Ids a subscriber remembers having delivered (so a look-back never repeats one)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Subscription:
    """One client's view of its tenant's feed: a cursor, a wake-up flag, what it has sent."""

    def __init__(self, tenant_id: uuid.UUID, after_id: int) -> None:
        self.tenant_id = tenant_id
        self.start_id = after_id
        """The client's cursor when it connected: it says it has everything up to here."""
        self.last_id = after_id
        self.closed = False
        self._wake = asyncio.Event()
        self._wake.set()  # the first read is the catch-up from ``after_id``
        self._ids: set[int] = set()
        self._since: dt.datetime | None = None
        self._sent: collections.deque[int] = collections.deque(maxlen=SENT_MEMORY)
        self._sent_set: set[int] = set()

    # ------------------------------------------------------------------ called by the hub

    def notify(self, event_id: int) -> None:
        if event_id not in self._sent_set:
            self._ids.add(event_id)
            self._wake.set()

    def resync(self, lost_at: dt.datetime | None) -> None:
        """The listener (re)connected: read the table again; ``lost_at``: when it went down."""
        if lost_at is not None:
            since = lost_at - dt.timedelta(seconds=LATE_COMMIT_S)
            self._since = since if self._since is None else min(self._since, since)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    # --------------------------------------------------------------- called by the stream

    async def wait(self, timeout_s: float) -> bool:
        """Until there may be something to read (True) or ``timeout_s`` passed (False)."""
        if self._wake.is_set():
            return True
        try:
            await asyncio.wait_for(self._wake.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def fetch(self, db: Database) -> list[ConversationEvent]:
        """What this subscriber has not delivered yet, oldest first (marks it delivered).

        Everything after the cursor (a page of it), plus the ids it was told about that lie
        below the cursor and, after an outage, what was created since shortly before it: both
        are transactions that committed after a higher id had already been read.
        """
        self._wake.clear()
        ids, self._ids = self._ids, set()
        since, self._since = self._since, None
        async with db.tenant_session(self.tenant_id) as session:
            page = await events_after(session, self.tenant_id, self.last_id, limit=PAGE)
            late = await events_by_ids(
                session, self.tenant_id, [i for i in ids if i <= self.last_id]
            )
            if since is not None:
                late += await events_since(
                    session,
                    self.tenant_id,
                    since,
                    after_id=self.start_id,
                    upto_id=self.last_id,
                    exclude=self._sent_set,
                )
        if len(page) == PAGE:
            self._wake.set()  # more to read: come back at once
        cursor = page[-1].id if page else self.last_id
        found = {e.id: e for e in late if e.id <= cursor and e.id not in self._sent_set}
        found.update((e.id, e) for e in page if e.id not in self._sent_set)
        events = [found[i] for i in sorted(found)]
        for event in events:
            if len(self._sent) == self._sent.maxlen:
                self._sent_set.discard(self._sent[0])
            self._sent.append(event.id)
            self._sent_set.add(event.id)
        self.last_id = cursor
        return events


class EventHub:
    """One listening connection per process, fanning notifications out by tenant."""

    def __init__(
        self,
        url: str,
        *,
        backoff_min_s: float = 0.5,
        backoff_max_s: float = 30.0,
        health_check_s: float = 30.0,
        ready_timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self.backoff_min_s = backoff_min_s
        self.backoff_max_s = backoff_max_s
        self.health_check_s = health_check_s
        self.ready_timeout_s = ready_timeout_s
        self.connects = 0
        """How many times the listener has connected (a reconnect makes it 2, 3, …)."""
        self.listening = asyncio.Event()
        self.backend_pid: int | None = None
        self._subscribers: dict[uuid.UUID, set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def subscriber_count(self) -> int:
        return sum(len(subs) for subs in self._subscribers.values())

    @contextlib.asynccontextmanager
    async def subscribe(self, tenant_id: uuid.UUID, after_id: int) -> AsyncIterator[Subscription]:
        """A subscription to ``tenant_id``'s events after ``after_id``, live until the block ends.

        Returns once the hub listens (or ``ready_timeout_s`` passed: then the reconnect's
        catch-up covers what happens meanwhile), so nothing committed later is missed.
        """
        subscription = Subscription(tenant_id, after_id)
        async with self._lock:
            self._subscribers.setdefault(tenant_id, set()).add(subscription)
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._run(), name="invekto-event-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), self.ready_timeout_s)
        try:
            yield subscription
        finally:
            subscription.close()
            await asyncio.shield(self._leave(subscription))

    async def _leave(self, subscription: Subscription) -> None:
        async with self._lock:
            subs = self._subscribers.get(subscription.tenant_id)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subscribers[subscription.tenant_id]
            if not self._subscribers:
                await self._stop_listener()

    async def stop(self) -> None:
        """End every subscription and the listener (app shutdown)."""
        async with self._lock:
            for subs in self._subscribers.values():
                for subscription in subs:
                    subscription.close()
            self._subscribers.clear()
            await self._stop_listener()

    async def _stop_listener(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ---------------------------------------------------------------------------- listener

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=10)

    async def _run(self) -> None:
        delay = self.backoff_min_s
        lost_at: dt.datetime | None = None
        while True:
            try:
                conn = await self._connect()
            except (psycopg.Error, OSError) as exc:
                log.warning("event listener cannot connect (retry in %.1fs): %s", delay, exc)
                lost_at = lost_at or _utcnow()
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, self.backoff_max_s)
                continue
            try:
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connects += 1
                    self.backend_pid = conn.info.backend_pid
                    self.listening.set()
                    delay = self.backoff_min_s
                    for subs in list(self._subscribers.values()):
                        for subscription in subs:
                            subscription.resync(lost_at)
                    lost_at = None
                    while True:
                        async for notify in conn.notifies(timeout=self.health_check_s):
                            self._dispatch(notify.payload)
                        await conn.execute("SELECT 1")  # quiet for a while: still there?
            except (psycopg.Error, OSError) as exc:
                log.warning("event listener lost its connection (retry in %.1fs): %s", delay, exc)
            except Exception:  # never leave the subscribers without a listener
                log.exception("event listener failed (retry in %.1fs)", delay)
            finally:
                self.listening.clear()
                self.backend_pid = None
            lost_at = lost_at or _utcnow()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.backoff_max_s)

    def _dispatch(self, raw: str) -> None:
        try:
            message = json.loads(raw)
            tenant_id = uuid.UUID(message["tenant_id"])
            event_id = int(message["id"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed %s notification", CHANNEL)
            return
        for subscription in list(self._subscribers.get(tenant_id, ())):
            subscription.notify(event_id)


__all__ = ["EventHub", "Subscription"]
