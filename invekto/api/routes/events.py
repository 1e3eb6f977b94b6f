"""The inbox's live feed: what changed, as Server-Sent Events or as JSON pages.

``GET /api/events/stream`` is an ``EventSource`` stream of the caller's tenant's events::

    id: 42
    event: message_stored
    data: {"id":42,"kind":"message_stored","conversation_id":"…","payload":{…},"created_at":"…"}

It starts after ``Last-Event-ID`` (sent by browsers when they reconnect), else after ``?after=``,
else from now; a ``: ping`` comment every 15 seconds keeps proxies from closing it. Browsers
cannot set headers on an ``EventSource``, so ``?token=`` may carry the access token.
``GET /api/events?after=<id>`` returns the same events as JSON pages, for polling and catch-up.

Events are a hint to refetch: payloads hold ids, statuses and reasons, never a message text or
personal data (``invekto.storage.events``). Delivery is at least once: a client keys on ``id``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import SQLAlchemyError

from invekto.api.deps import ServicesDep, StreamTenantDep, TenantDep, TenantSessionDep
from invekto.api.events import EventHub
from invekto.storage.db import Database
from invekto.storage.events import EventKind, events_after, last_event_id
from invekto.storage.models import ConversationEvent

log = logging.getLogger(__name__)

MAX_EVENT_ID = 2**63 - 1
"""Event ids are PostgreSQL bigints: a larger cursor is a 422, not a database error."""

HEARTBEAT_S = 15.0
"""Seconds without events before the stream sends a ``: ping`` comment."""
RETRY_MS = 3000
"""How long a browser waits before reconnecting a dropped stream."""


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop this process's hub (its listening connection) when the app shuts down."""
    try:
        yield
    finally:
        hub: EventHub | None = getattr(app.state, "event_hub", None)
        if hub is not None:
            await hub.stop()


router = APIRouter(prefix="/api/events", tags=["events"], lifespan=_lifespan)


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    """The cursor: pass it as ``after`` (or ``Last-Event-ID``) to get what came next."""
    kind: EventKind
    conversation_id: uuid.UUID | None
    payload: dict[str, Any]
    """Ids, statuses, reasons; never a text or a personal value."""
    created_at: dt.datetime


class EventPage(BaseModel):
    events: list[EventPublic]
    """Oldest first."""
    last_id: int
    """The id of the last event here (``after`` when there is none): the next ``after``."""


def get_event_hub(request: Request, services: ServicesDep) -> EventHub:
    """This process's hub, created on first use (it connects when the first stream opens)."""
    hub: EventHub | None = getattr(request.app.state, "event_hub", None)
    if hub is None:
        hub = request.app.state.event_hub = EventHub(services.db.url)
    return hub


EventHubDep = Annotated[EventHub, Depends(get_event_hub)]


@router.get("")
async def list_events(
    tenant: TenantDep,
    session: TenantSessionDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_EVENT_ID, description="an event id: the events after it")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> EventPage:
    """The tenant's events after ``after``, oldest first (poll with the returned ``last_id``)."""
    rows = await events_after(session, tenant.tenant_id, after, limit)
    return EventPage(
        events=[EventPublic.model_validate(row) for row in rows],
        last_id=rows[-1].id if rows else after,
    )


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def stream_events(
    tenant: StreamTenantDep,
    services: ServicesDep,
    hub: EventHubDep,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_EVENT_ID, description="an event id: start after it (default: from now)"),
    ] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """The tenant's events as they are committed (see the module docstring for the format)."""
    cursor = _cursor(last_event_id_header, after)
    if cursor is None:
        async with services.db.tenant_session(tenant.tenant_id) as session:
            cursor = await last_event_id(session, tenant.tenant_id)
    return StreamingResponse(
        _sse(hub, services.db, tenant.tenant_id, cursor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _cursor(header: str | None, after: int | None) -> int | None:
    """``Last-Event-ID`` wins over ``?after=``: a reconnecting browser keeps the first URL."""
    if header is None or not header.strip():
        return after
    try:
        value = int(header.strip())
    except ValueError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Last-Event-ID must be an event id"
        ) from exc
    if not 0 <= value <= MAX_EVENT_ID:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "Last-Event-ID must be an event id (>= 0)"
        )
    return value


async def _sse(
    hub: EventHub, db: Database, tenant_id: uuid.UUID, cursor: int
) -> AsyncIterator[str]:
    async with hub.subscribe(tenant_id, cursor) as subscription:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        while not subscription.closed:
            if not await subscription.wait(HEARTBEAT_S):
                yield ": ping\n\n"
                continue
            if subscription.closed:
                break
            try:
                events = await subscription.fetch(db)
            except (SQLAlchemyError, OSError) as exc:
                # End the stream cleanly; the browser reconnects with its Last-Event-ID.
                log.warning("event stream of tenant %s stopped: %s", tenant_id, exc)
                return
            for event in events:
                yield _frame(event)


def _frame(event: ConversationEvent) -> str:
    data = EventPublic.model_validate(event).model_dump_json()
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


__all__ = ["EventPage", "EventPublic", "get_event_hub", "router"]
