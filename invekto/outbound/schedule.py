"""Scheduling what Invekto writes first: once per dedupe key, never in the quiet hours.

``schedule`` only plans: the row says who, what and when. Whether it may go is decided again at
the send (``invekto.outbound.dispatch``): a customer may opt out, a template may be paused, the
window may close in between.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.tenant_settings import TenantSettings
from invekto.storage.models import Customer, OutboundSend, Tenant, WaTemplate, utcnow

INSERT_BATCH = 5000


@dataclass(frozen=True, kw_only=True)
class Planned:
    """One message to write first, as planned (see ``OutboundSend`` for the fields)."""

    customer_id: uuid.UUID
    channel_id: uuid.UUID
    dedupe_key: str
    due_at: dt.datetime
    template_name: str | None = None
    language: str = "tr"
    parameters: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    flow: str | None = None
    rule_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    variant: str | None = None
    conversation_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not self.template_name and not self.text:
            raise ValueError("a planned message needs a template or a text")
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must carry a time zone")


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.timezone or "Europe/Istanbul")


def time_of_day(value: object, tenant: Tenant) -> tuple[dt.time, ZoneInfo] | None:
    """A rule's ``"HH:MM"`` and the tenant's zone; None when either does not read."""
    try:
        return _clock(str(value or "")), tenant_zone(tenant)
    except (ValueError, ZoneInfoNotFoundError):
        return None


def in_quiet_hours(when: dt.datetime, tenant: Tenant) -> bool:
    return out_of_quiet_hours(when, tenant) != when


def out_of_quiet_hours(when: dt.datetime, tenant: Tenant) -> dt.datetime:
    """``when``, or the end of the tenant's quiet hours when ``when`` falls inside them."""
    return quiet_hours_of(tenant)(when)


def quiet_hours_of(tenant: Tenant) -> Callable[[dt.datetime], dt.datetime]:
    """The tenant's "out of the quiet hours" as a function (settings read once)."""
    quiet = TenantSettings.parse(tenant.settings).outbound.quiet_hours
    start, end = _clock(quiet.start), _clock(quiet.end)
    zone = tenant_zone(tenant)

    def moved(when: dt.datetime) -> dt.datetime:
        if start == end:
            return when
        local = when.astimezone(zone)
        now = local.time()
        if start < end:  # e.g. 13:00-14:00
            inside = start <= now < end
            end_day = local.date()
        else:  # wraps midnight, e.g. 21:00-09:00
            inside = now >= start or now < end
            end_day = local.date() + dt.timedelta(days=1) if now >= start else local.date()
        if not inside:
            return when
        return dt.datetime.combine(end_day, end, tzinfo=zone).astimezone(dt.UTC)

    return moved


_COLUMNS = {
    "id": "uuid",
    "tenant_id": "uuid",
    "customer_id": "uuid",
    "channel_id": "uuid",
    "conversation_id": "uuid",
    "rule_id": "uuid",
    "campaign_id": "uuid",
    "variant": "text",
    "flow": "text",
    "dedupe_key": "text",
    "template_name": "text",
    "language": "text",
    "parameters": "jsonb",
    "text": "text",
    "context": "jsonb",
    "due_at": "timestamptz",
}
_INSERT = text(
    f"INSERT INTO outbound_sends ({', '.join(_COLUMNS)}, status, attempts, created_at) "
    "SELECT "
    + ", ".join(f"{c}::jsonb" if kind == "jsonb" else c for c, kind in _COLUMNS.items())
    + ", 'scheduled', 0, now() FROM unnest("
    + ", ".join(
        f"CAST(:{column} AS {'text' if kind == 'jsonb' else kind}[])"
        for column, kind in _COLUMNS.items()
    )
    + f") AS planned({', '.join(_COLUMNS)}) "
    "ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING id, channel_id, due_at"
)
"""One statement per batch: the columns as arrays, unnested (a 10,000-recipient campaign is
two statements, not ten thousand rows of VALUES to compile)."""


async def schedule(
    session: AsyncSession, tenant: Tenant, items: Sequence[Planned]
) -> list[uuid.UUID]:
    """Insert the planned sends that are new (by dedupe key); returns their ids.

    Due times move out of the quiet hours. The dispatcher of each channel with something due
    now is woken in the same transaction. The caller commits.
    """
    if not items:
        return []
    now = utcnow()
    moved = functools.lru_cache(maxsize=256)(quiet_hours_of(tenant))
    inserted: list[uuid.UUID] = []
    due_now: set[uuid.UUID] = set()
    for start in range(0, len(items), INSERT_BATCH):
        batch = items[start : start + INSERT_BATCH]
        columns: dict[str, list[Any]] = {column: [] for column in _COLUMNS}
        for item in batch:
            values = {
                "id": uuid.uuid4(),
                "tenant_id": tenant.id,
                "customer_id": item.customer_id,
                "channel_id": item.channel_id,
                "conversation_id": item.conversation_id,
                "rule_id": item.rule_id,
                "campaign_id": item.campaign_id,
                "variant": item.variant,
                "flow": item.flow,
                "dedupe_key": item.dedupe_key[:200],
                "template_name": item.template_name,
                "language": item.language,
                "parameters": json.dumps(item.parameters, ensure_ascii=False),
                "text": item.text,
                "context": json.dumps(item.context, ensure_ascii=False, default=str),
                "due_at": moved(item.due_at),
            }
            for column, value in values.items():
                columns[column].append(value)
        result = await session.execute(_INSERT, columns)
        for send_id, channel_id, due in result.all():
            inserted.append(send_id)
            if due <= now:
                due_now.add(channel_id)
    for channel_id in due_now:
        await wake(session, channel_id)
    return inserted


async def wake(
    session: AsyncSession, channel_id: uuid.UUID, *, at: dt.datetime | None = None
) -> None:
    """Enqueue the channel's dispatcher (in the caller's transaction). Its jobs share a lock,
    so one dispatcher per channel runs at a time. An immediate wake-up is enqueued once: while
    one is waiting to start, another adds nothing (an order sync that ships 1,000 orders wakes
    the dispatcher once, not 1,000 times)."""
    from invekto.jobs import DISPATCH_OUTBOUND, defer_in, outbound_lock

    if at is not None:
        await defer_in(
            session,
            DISPATCH_OUTBOUND,
            {"channel_id": str(channel_id)},
            lock=outbound_lock(channel_id),
            scheduled_at=at,
        )
        return
    try:
        async with session.begin_nested():
            await defer_in(
                session,
                DISPATCH_OUTBOUND,
                {"channel_id": str(channel_id)},
                lock=outbound_lock(channel_id),
                queueing_lock=f"outbound-now:{channel_id}",
            )
    except IntegrityError:
        pass  # a wake-up is already waiting: it will find these too


async def cancel(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    flow: str | None = None,
    context_key: str | None = None,
    context_value: str | None = None,
    customer_id: uuid.UUID | None = None,
    reason: str = "cancelled",
) -> int:
    """Cancel sends still scheduled (a cart was bought: its reminders go no more)."""
    conditions = [OutboundSend.tenant_id == tenant_id, OutboundSend.status == "scheduled"]
    if flow is not None:
        conditions.append(OutboundSend.flow == flow)
    if customer_id is not None:
        conditions.append(OutboundSend.customer_id == customer_id)
    if context_key is not None:
        conditions.append(OutboundSend.context[context_key].astext == str(context_value))
    result = await session.execute(
        update(OutboundSend)
        .where(and_(*conditions))
        .values(status="cancelled", reason=reason[:500])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def cancel_marketing(session: AsyncSession, customer: Customer) -> int:
    """A customer opted out: their scheduled marketing sends are skipped at once.

    The dispatcher checks again at the send; this only keeps the queue honest.
    """
    marketing = select(WaTemplate.name).where(
        WaTemplate.tenant_id == customer.tenant_id, WaTemplate.category == "MARKETING"
    )
    result = await session.execute(
        update(OutboundSend)
        .where(
            OutboundSend.tenant_id == customer.tenant_id,
            OutboundSend.customer_id == customer.id,
            OutboundSend.status == "scheduled",
            OutboundSend.template_name.in_(marketing),
        )
        .values(status="skipped", reason="opted_out")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
