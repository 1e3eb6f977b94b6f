"""The inbox's event feed: one row per change, written in the transaction that made the change.

:func:`publish` adds a :class:`ConversationEvent` row and calls ``pg_notify('invekto_events',
…)`` in the caller's transaction. PostgreSQL delivers a notification only when its transaction
commits (and drops it on rollback), so an event is announced exactly when the change it describes
is visible, and a rolled-back change publishes nothing. Every API process listens on the channel
(``invekto.api.events``) and pushes the new rows to its subscribers; the table's ``id`` (a bigint
identity) is the cursor clients catch up from (:func:`events_after`).

Payloads carry ids, statuses, kinds and reasons only: **never a message text or personal data**
(no names, phones, e-mails, addresses). The inbox fetches the masked message through the
conversation API when an event tells it something changed. :func:`publish` refuses the obvious
offenders (``text``, ``body``, ``phone``, …) and anything that is not small flat JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, get_args

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.storage.models import ConversationEvent

CHANNEL = "invekto_events"
"""The PostgreSQL ``LISTEN``/``NOTIFY`` channel."""

EventKind = Literal[
    "message_stored",
    "suggestion_created",
    "suggestion_decided",
    "handoff",
    "conversation_updated",
    "message_status",
]
EVENT_KINDS: frozenset[str] = frozenset(get_args(EventKind))

MESSAGE_STORED: EventKind = "message_stored"
"""A message was stored (inbound from the customer, or outbound from a person or the AI)."""
SUGGESTION_CREATED: EventKind = "suggestion_created"
"""A reply waits in the inbox as a suggestion."""
SUGGESTION_DECIDED: EventKind = "suggestion_decided"
"""A person accepted, edited or rejected a suggestion."""
HANDOFF: EventKind = "handoff"
"""The conversation was handed to a human (with the reason)."""
CONVERSATION_UPDATED: EventKind = "conversation_updated"
"""Status, assignment or hand-off reason of a conversation changed."""
MESSAGE_STATUS: EventKind = "message_status"
"""An outbound message moved on (sent, delivered, read, failed)."""

FORBIDDEN_KEYS = frozenset(
    {"text", "body", "content", "phone", "name", "email", "address", "caption", "raw"}
)
"""Payload keys that would carry a message text or personal data: refused by :func:`publish`."""
MAX_PAYLOAD_BYTES = 2000

_Scalar = str | int | float | bool | None


async def publish(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    conversation_id: uuid.UUID | None,
    kind: EventKind,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Record an event in the caller's transaction and announce it when that transaction commits.

    ``payload``: small flat JSON of ids, statuses and reasons (values are scalars or lists of
    scalars; ``uuid.UUID`` values are written as strings). Never a message text or PII.
    Raises ``ValueError`` for an unknown ``kind`` or a payload that breaks these rules.
    """
    await publish_all(session, tenant_id=tenant_id, events=[(conversation_id, kind, payload)])


async def publish_all(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    events: Sequence[tuple[uuid.UUID | None, EventKind, Mapping[str, Any] | None]],
) -> None:
    """:func:`publish` for several events of one tenant: one statement (the rows and their
    notifications), whatever their number. Each event is ``(conversation_id, kind, payload)``."""
    rows = []
    for conversation_id, kind, payload in events:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        rows.append(
            {
                "conversation_id": str(conversation_id) if conversation_id else None,
                "kind": kind,
                "payload": _clean_payload(payload or {}),
            }
        )
    if not rows:
        return
    await session.execute(
        _PUBLISH,
        {"channel": CHANNEL, "tenant_id": str(tenant_id), "rows": json.dumps(rows)},
    )


_PUBLISH = text(
    """
    WITH added AS (
        INSERT INTO conversation_events (tenant_id, conversation_id, kind, payload)
        SELECT CAST(:tenant_id AS uuid), item.conversation_id, item.kind, item.payload
        FROM ROWS FROM (
                 jsonb_to_recordset(CAST(:rows AS jsonb))
                 AS (conversation_id uuid, kind text, payload jsonb)
             ) WITH ORDINALITY AS item(conversation_id, kind, payload, n)
        ORDER BY item.n
        RETURNING id, tenant_id, kind, conversation_id
    )
    SELECT pg_notify(
        :channel,
        json_build_object(
            'tenant_id', tenant_id, 'id', id, 'kind', kind, 'conversation_id', conversation_id
        )::text
    )
    FROM added
    """
)
"""One round trip: the rows (ids in the given order) and a ``NOTIFY`` per row, which PostgreSQL
delivers only when the caller's transaction commits."""


def _clean_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in payload.items():
        if not isinstance(key, str) or key.lower() in FORBIDDEN_KEYS:
            raise ValueError(f"event payload key {key!r} is not allowed (no texts, no PII)")
        clean[key] = _clean_value(key, value)
    if len(json.dumps(clean)) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"event payload over {MAX_PAYLOAD_BYTES} bytes")
    return clean


def _clean_value(key: str, value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, _Scalar):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_clean_value(key, item) for item in value]
        if all(isinstance(item, _Scalar) for item in items):
            return items
    raise ValueError(f"event payload value of {key!r} must be a scalar or a list of scalars")


def _scoped(tenant_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return select(ConversationEvent).where(ConversationEvent.tenant_id == tenant_id)


async def events_after(
    session: AsyncSession, tenant_id: uuid.UUID, after_id: int, limit: int = 200
) -> list[ConversationEvent]:
    """The tenant's events with ``id > after_id``, oldest first, at most ``limit``.

    Filtered on the tenant explicitly; a tenant session's row-level security filters again.
    """
    query = _scoped(tenant_id).where(ConversationEvent.id > after_id)
    return list((await session.scalars(query.order_by(ConversationEvent.id).limit(limit))).all())


async def events_by_ids(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Collection[int]
) -> list[ConversationEvent]:
    """The tenant's events among ``ids`` (others' ids are silently absent), oldest first."""
    if not ids:
        return []
    query = _scoped(tenant_id).where(ConversationEvent.id.in_(list(ids)))
    return list((await session.scalars(query.order_by(ConversationEvent.id))).all())


async def events_since(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    since: dt.datetime,
    *,
    after_id: int = 0,
    upto_id: int | None = None,
    exclude: Collection[int] = (),
    limit: int = 1000,
) -> list[ConversationEvent]:
    """The tenant's events created at or after ``since`` with ``after_id < id <= upto_id``,
    leaving out ``exclude``, oldest first.

    Ids are handed out at insert but become visible at commit, so a longer transaction can
    commit an id lower than one already seen; listeners use this to look back after an outage.
    """
    query = _scoped(tenant_id).where(
        ConversationEvent.created_at >= since, ConversationEvent.id > after_id
    )
    if upto_id is not None:
        query = query.where(ConversationEvent.id <= upto_id)
    if exclude:
        query = query.where(ConversationEvent.id.not_in(list(exclude)))
    return list((await session.scalars(query.order_by(ConversationEvent.id).limit(limit))).all())


async def last_event_id(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """The tenant's newest event id (0 when it has none): "from now on" for a new stream."""
    newest = await session.scalar(
        select(func.max(ConversationEvent.id)).where(ConversationEvent.tenant_id == tenant_id)
    )
    return int(newest or 0)


__all__ = [
    "CHANNEL",
    "CONVERSATION_UPDATED",
    "EVENT_KINDS",
    "HANDOFF",
    "MESSAGE_STATUS",
    "MESSAGE_STORED",
    "SUGGESTION_CREATED",
    "SUGGESTION_DECIDED",
    "EventKind",
    "events_after",
    "events_by_ids",
    "events_since",
    "last_event_id",
    "publish",
    "publish_all",
]
