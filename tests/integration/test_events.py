"""The inbox's event feed: written in the transaction that changed something, announced only when
it commits, streamed (SSE) and listed (JSON) per tenant, caught up by id after a reconnect, and
never carrying a message text or a personal value."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import select, text

from invekto.api.app import create_app
from invekto.api.events import EventHub, Subscription
from invekto.api.routes import events as events_route
from invekto.api.routes.events import get_event_hub
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, DEMO_SHOP, MEHMET_PHONE
from invekto.storage.db import Database
from invekto.storage.events import CHANNEL, last_event_id, publish
from invekto.storage.models import ConversationEvent, Tenant
from tests.support.chat import post_text
from tests.support.waiting import wait_for

TIMEOUT_S = 20.0
SECRET_TEXT = "Kargom nerede? Adresim Bağdat Caddesi 12, e-postam ayse.secret@example.com"
AGENT_TEXT = "Merhaba, ben Zeynep; siparişinize hemen bakıyorum."


# ----------------------------------------------------------------------------------- helpers


async def login(stack, demo=DEMO_SHOP) -> str:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        response = await client.post(
            "/api/auth/login", json={"email": demo.owner_email, "password": demo.owner_password}
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def api(
    stack,
    method: str,
    path: str,
    token: str,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


async def tenant_id(db: Database, demo=DEMO_SHOP) -> uuid.UUID:
    async with db.session() as session:
        return await session.scalar(select(Tenant.id).where(Tenant.slug == demo.slug))


async def publish_now(db: Database, tenant: uuid.UUID, **payload: Any) -> int:
    """Publish one event in its own committed transaction; returns its id."""
    async with db.session() as session:
        event_id = await publish_open(session, tenant, kind="conversation_updated", **payload)
        await session.commit()
    return event_id


async def publish_open(session, tenant: uuid.UUID, *, kind: str = "handoff", **payload: Any) -> int:
    """Publish one event in ``session``'s transaction (left open); returns its id."""
    await publish(session, tenant_id=tenant, conversation_id=None, kind=kind, payload=payload)
    return await last_event_id(session, tenant)  # the session sees its own row


@dataclass
class Frame:
    comments: list[str] = field(default_factory=list)
    id: int | None = None
    event: str | None = None
    data: dict[str, Any] | None = None
    raw: list[str] = field(default_factory=list)


class SseReader:
    """Reads ``text/event-stream`` frames off an httpx streaming response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.raw: list[str] = []

    async def frame(self) -> Frame:
        frame = Frame()
        async for line in self._lines:
            self.raw.append(line)
            if line == "":
                if frame.raw:
                    return frame
                continue
            frame.raw.append(line)
            if line.startswith(":"):
                frame.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "id":
                frame.id = int(value)
            elif name == "event":
                frame.event = value
            elif name == "data":
                frame.data = json.loads(value)
        raise AssertionError("the stream ended")

    async def events_until(self, done: Callable[[Frame], bool]) -> list[Frame]:
        """Every event frame up to and including the first one ``done`` accepts."""
        seen: list[Frame] = []
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                frame = await self.frame()
                if frame.event is None:
                    continue
                seen.append(frame)
                if done(frame):
                    return seen

    async def comment(self, wanted: str) -> None:
        async with asyncio.timeout(TIMEOUT_S):
            while wanted not in (await self.frame()).comments:
                pass


@contextlib.asynccontextmanager
async def event_stream(
    stack,
    token: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    via_query: bool = False,
) -> AsyncIterator[SseReader]:
    """An open stream, subscribed (its ``: connected`` comment read)."""
    params = dict(params or {})
    headers = dict(headers or {})
    if via_query:
        params["token"] = token
    else:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=TIMEOUT_S) as client:
        async with client.stream(
            "GET", "/api/events/stream", params=params, headers=headers
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = SseReader(response)
            await reader.comment("connected")
            yield reader


async def next_events(subscription: Subscription, db: Database, want: int) -> list[int]:
    """Wait on a hub subscription until it delivered ``want`` events; their ids."""
    got: list[int] = []
    async with asyncio.timeout(TIMEOUT_S):
        while len(got) < want:
            if await subscription.wait(1.0):
                got += [event.id for event in await subscription.fetch(db)]
    return got


async def not_listening(hub: EventHub) -> None:
    async def down() -> bool:
        return not hub.listening.is_set()

    await wait_for(down, timeout_s=TIMEOUT_S)


# ------------------------------------------------------------------------------- publishing


async def test_an_event_is_announced_only_when_its_transaction_commits(stack):
    db = stack.services.db
    shop = await tenant_id(db)
    async with (
        await psycopg.AsyncConnection.connect(db.url, autocommit=True) as listener,
        db.session() as pending,
    ):
        await listener.execute(f"LISTEN {CHANNEL}")
        pending_id = await publish_open(pending, shop, reason="pending")
        async with db.session() as rolled_back:
            rolled_back_id = await publish_open(rolled_back, shop, reason="rolled back")
            await rolled_back.rollback()
        committed_id = await publish_now(db, shop, status="committed")

        notified: list[dict[str, Any]] = []
        async with asyncio.timeout(TIMEOUT_S):
            async for notify in listener.notifies():
                notified.append(json.loads(notify.payload))
                if notified[-1]["id"] == committed_id:
                    break
        # notifications arrive in commit order: the committed one came, the others did not
        assert notified == [
            {
                "tenant_id": str(shop),
                "id": committed_id,
                "kind": "conversation_updated",
                "conversation_id": None,
            }
        ]
        async with db.session() as other:
            visible = set((await other.scalars(select(ConversationEvent.id))).all())
        assert committed_id in visible
        assert pending_id not in visible and rolled_back_id not in visible

        await pending.commit()
        async with asyncio.timeout(TIMEOUT_S):
            async for notify in listener.notifies():
                assert json.loads(notify.payload)["id"] == pending_id
                break
    assert pending_id < rolled_back_id < committed_id


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("message_read", {}),  # not a kind
        ("message_stored", {"text": SECRET_TEXT}),
        ("message_stored", {"phone": AYSE_PHONE}),
        ("message_status", {"message": {"status": "read"}}),  # nested
        ("message_status", {"ids": ["x" * 100] * 50}),  # too big
    ],
)
async def test_publish_refuses_unknown_kinds_texts_and_nested_payloads(kind, payload):
    with pytest.raises(ValueError):
        await publish(
            None,  # type: ignore[arg-type]  # refused before the session is used
            tenant_id=uuid.uuid4(),
            conversation_id=None,
            kind=kind,
            payload=payload,
        )


# ---------------------------------------------------------------------- webhook and inbox


async def test_a_customer_message_is_streamed_and_listed_without_its_text(stack):
    token = await login(stack)

    async with event_stream(stack, token, via_query=True) as stream:  # EventSource style
        await post_text(stack, SECRET_TEXT, name="Ayşe Gizli")
        frames = await stream.events_until(lambda f: f.event == "message_stored")
        raw_stream = "\n".join(stream.raw)

    stored = frames[-1]
    assert stored.id == stored.data["id"]
    assert stored.data["kind"] == "message_stored"
    assert stored.data["conversation_id"]
    assert stored.data["payload"]["direction"] == "in"
    assert stored.data["payload"]["author"] == "customer"
    assert stored.data["payload"]["message_kind"] == "text"
    message_id = stored.data["payload"]["message_id"]

    listing = await api(stack, "GET", "/api/events", token, params={"after": 0})
    assert listing.status_code == 200
    body = listing.json()
    listed = [e for e in body["events"] if e["kind"] == "message_stored"]
    assert [e["payload"]["message_id"] for e in listed] == [message_id]
    assert listed[0]["id"] == stored.id
    assert body["last_id"] == body["events"][-1]["id"]
    ids = [e["id"] for e in body["events"]]
    assert ids == sorted(ids)
    for raw in (raw_stream, listing.text):
        for secret in ("Kargom", "Bağdat", "ayse.secret", AYSE_PHONE, "Gizli"):
            assert secret not in raw


async def test_an_agent_reply_publishes_stored_updated_and_its_delivery_status(stack):
    token = await login(stack)
    await post_text(stack, "merhaba")
    inbound = (await api(stack, "GET", "/api/events", token)).json()["events"]
    conversation_id = next(e for e in inbound if e["kind"] == "message_stored")["conversation_id"]

    async with event_stream(stack, token) as stream:
        response = await api(
            stack,
            "POST",
            f"/api/conversations/{conversation_id}/messages",
            token,
            json={"text": AGENT_TEXT},
        )
        assert response.status_code == 201, response.text
        agent_message_id = response.json()["id"]
        frames = await stream.events_until(
            lambda f: (
                f.event == "message_status" and f.data["payload"]["message_id"] == agent_message_id
            )
        )
        raw_stream = "\n".join(stream.raw)

    mine = [f for f in frames if f.data["conversation_id"] == conversation_id]
    stored = next(
        f
        for f in mine
        if f.event == "message_stored" and f.data["payload"]["message_id"] == agent_message_id
    )
    assert stored.data["payload"]["direction"] == "out"
    assert stored.data["payload"]["author"] == "agent"
    assert stored.data["payload"]["status"] == "queued"
    updated = next(
        f
        for f in mine
        if f.event == "conversation_updated"
        and f.data["payload"].get("handoff_reason") == "agent_took_over"
    )
    assert updated.id > stored.id and updated.data["payload"]["status"] == "waiting_human"
    assert frames[-1].data["payload"]["status"] in ("sent", "delivered", "read")
    assert "Zeynep" not in raw_stream and "siparişinize" not in raw_stream


# ---------------------------------------------------------------------------- catching up


async def test_a_stream_catches_up_from_last_event_id_or_after(stack):
    token = await login(stack)
    db = stack.services.db
    shop = await tenant_id(db)
    first, second, third = [await publish_now(db, shop, status=f"s{i}") for i in range(3)]

    async with event_stream(stack, token, headers={"Last-Event-ID": str(first)}) as stream:
        caught_up = await stream.events_until(lambda f: f.id == third)
        live = await publish_now(db, shop, status="live")
        then = await stream.events_until(lambda f: f.id == live)
    assert [f.id for f in caught_up] == [second, third]
    assert [f.data["payload"]["status"] for f in caught_up] == ["s1", "s2"]
    assert [f.event for f in caught_up] == ["conversation_updated"] * 2
    assert [f.id for f in then] == [live]

    async with event_stream(stack, token, params={"after": second}) as stream:
        assert [f.id for f in await stream.events_until(lambda f: f.id == live)] == [third, live]

    # a reconnecting browser sends Last-Event-ID with its first URL: the header wins
    async with event_stream(
        stack, token, params={"after": 0}, headers={"Last-Event-ID": str(third)}
    ) as stream:
        assert [f.id for f in await stream.events_until(lambda f: f.id == live)] == [live]

    page = await api(stack, "GET", "/api/events", token, params={"after": first, "limit": 1})
    assert [e["id"] for e in page.json()["events"]] == [second]
    assert page.json()["last_id"] == second
    rest = (await api(stack, "GET", "/api/events", token, params={"after": second})).json()
    assert [e["id"] for e in rest["events"]] == [third, live] and rest["last_id"] == live
    empty = (await api(stack, "GET", "/api/events", token, params={"after": live})).json()
    assert empty == {"events": [], "last_id": live}

    bad = await api(stack, "GET", "/api/events/stream", token, headers={"Last-Event-ID": "x"})
    assert bad.status_code == 422
    assert (await api(stack, "GET", "/api/events", token, params={"limit": 0})).status_code == 422


async def test_the_hub_reconnects_and_catches_up_what_it_missed(stack):
    db = stack.services.db
    shop = await tenant_id(db)
    gate = asyncio.Event()
    gate.set()

    class GatedHub(EventHub):
        async def _connect(self) -> psycopg.AsyncConnection:
            await gate.wait()
            return await super()._connect()

    hub = GatedHub(db.url, backoff_min_s=0.01, backoff_max_s=0.05)
    start = await publish_now(db, shop, status="before")
    async with hub.subscribe(shop, start) as subscription:
        assert hub.listening.is_set() and hub.connects == 1

        # a transaction that took its id earlier but commits later is still delivered
        async with db.session() as slow:
            slow_id = await publish_open(slow, shop)
            quick_id = await publish_now(db, shop, status="quick")
            assert await next_events(subscription, db, 1) == [quick_id]
            await slow.commit()
        assert await next_events(subscription, db, 1) == [slow_id]

        # the connection drops; meanwhile one event commits late, another plainly
        async with db.session() as late:
            late_id = await publish_open(late, shop)
            seen_id = await publish_now(db, shop, status="seen")
            assert await next_events(subscription, db, 1) == [seen_id]
            gate.clear()
            async with db.session() as admin:
                await admin.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": hub.backend_pid}
                )
            await not_listening(hub)
            await late.commit()
        missed_id = await publish_now(db, shop, status="missed")
        gate.set()

        assert sorted(await next_events(subscription, db, 2)) == [late_id, missed_id]
        assert hub.connects == 2 and hub.listening.is_set()
        assert late_id < seen_id < missed_id
        after_id = await publish_now(db, shop, status="after")
        assert await next_events(subscription, db, 1) == [after_id]

    assert hub.subscriber_count == 0
    await not_listening(hub)  # the last subscriber stopped it


async def test_app_shutdown_ends_the_streams_and_the_listener(stack):
    app = create_app(stack.settings, services=stack.services)
    shop = await tenant_id(stack.services.db)
    async with contextlib.AsyncExitStack() as subscriptions:
        async with app.router.lifespan_context(app):
            hub = get_event_hub(SimpleNamespace(app=app), stack.services)  # type: ignore[arg-type]
            subscription = await subscriptions.enter_async_context(hub.subscribe(shop, 0))
            assert hub.listening.is_set() and not subscription.closed
        assert subscription.closed and await subscription.wait(0)  # the stream loop ends
        assert hub.subscriber_count == 0
        await not_listening(hub)


# -------------------------------------------------------------------------------- tenancy


async def test_a_tenant_never_sees_another_tenants_events(stack):
    db = stack.services.db
    shop, clinic = await tenant_id(db, DEMO_SHOP), await tenant_id(db, DEMO_CLINIC)
    shop_token, clinic_token = await login(stack, DEMO_SHOP), await login(stack, DEMO_CLINIC)

    async with (
        event_stream(stack, shop_token, params={"after": 0}) as shop_stream,
        event_stream(stack, clinic_token, params={"after": 0}, via_query=True) as clinic_stream,
    ):
        await post_text(stack, "merhaba", tenant=DEMO_SHOP, phone=MEHMET_PHONE)
        await post_text(stack, "randevu almak istiyorum", tenant=DEMO_CLINIC)
        await publish_now(db, shop, status="shop only")
        await publish_now(db, clinic, status="clinic only")
        clinic_marker = await publish_now(db, clinic, status="clinic marker")
        shop_marker = await publish_now(db, shop, status="shop marker")
        shop_seen = await shop_stream.events_until(lambda f: f.id == shop_marker)
        clinic_seen = await clinic_stream.events_until(lambda f: f.id == clinic_marker)

    shop_listed = (await api(stack, "GET", "/api/events", shop_token)).json()["events"]
    clinic_listed = (await api(stack, "GET", "/api/events", clinic_token)).json()["events"]
    async with db.session() as session:
        owner = dict(
            (await session.execute(select(ConversationEvent.id, ConversationEvent.tenant_id))).all()
        )
    async with db.tenant_session(clinic) as scoped:  # row-level security alone, no filter
        rls_only = set((await scoped.scalars(select(ConversationEvent.tenant_id))).all())

    for seen, listed, tenant in (
        (shop_seen, shop_listed, shop),
        (clinic_seen, clinic_listed, clinic),
    ):
        ids = [f.id for f in seen] + [e["id"] for e in listed]
        assert ids and {owner[i] for i in ids} == {tenant}
    assert {"shop only", "shop marker"} <= {f.data["payload"].get("status") for f in shop_seen}
    assert "shop only" not in {e["payload"].get("status") for e in clinic_listed}
    assert any(e["kind"] == "message_stored" for e in shop_listed)
    assert any(e["kind"] == "message_stored" for e in clinic_listed)
    assert rls_only == {clinic}


async def test_the_stream_needs_a_valid_token_and_sends_heartbeats(stack, monkeypatch):
    token = await login(stack)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=TIMEOUT_S) as client:
        assert (await client.get("/api/events/stream")).status_code == 401
        assert (
            await client.get("/api/events/stream", params={"token": "x.y.z"})
        ).status_code == 401
        bad_bearer = await client.get(
            "/api/events/stream", headers={"Authorization": "Bearer x.y.z"}
        )
        assert bad_bearer.status_code == 401
        assert (await client.get("/api/events", params={"token": token})).status_code == 401

    monkeypatch.setattr(events_route, "HEARTBEAT_S", 0.05)
    async with event_stream(stack, token) as stream:
        await stream.comment("ping")
