"""Campaigns: one template (or an A/B pair) to an audience of the tenant's customers.

State machine::

    draft ──schedule_campaign──▶ scheduled ──(its time comes)──▶ running ──▶ completed
      │                              │                            │  ▲
      └──────────launch──────────────┴───────────launch───────────┘  │
    scheduled | running ──pause──▶ paused ──resume──▶ running | scheduled
    anything not finished ──cancel_campaign──▶ cancelled

``launch`` (and ``schedule_campaign``) materialise one ``OutboundSend`` per recipient through
:func:`invekto.outbound.schedule.schedule` with the dedupe key ``campaign:{id}:{customer_id}``:
launching twice, or again after a crash, never sends anyone a second message. The audience is
frozen then; whether a message may really go (consent, an approved template, the tier, quiet
hours) is decided again at the send by the dispatcher.

A paused campaign's sends wait in status ``paused`` (the dispatcher takes only ``scheduled``
ones); ``resume`` puts them back. ``complete_finished`` (periodic) moves campaigns whose time
came to ``running`` and those with nothing left to send to ``completed``.

Stats are per variant: recipients, scheduled, sent, delivered, read, failed, skipped (with the
reasons), replied, converted (a reply, an order by the customer within ``conversion_days``, or
whatever a :data:`CONVERSION_HOOKS` function says, e.g. an appointment), the revenue of the
converted orders, the cost (billable sends × the tenant's price) and the ROI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.tenant_settings import TenantSettings
from invekto.outbound.schedule import Planned, out_of_quiet_hours, schedule, wake
from invekto.storage.models import (
    Campaign,
    Channel,
    Conversation,
    Customer,
    OrderCache,
    OutboundSend,
    Tenant,
    WaTemplate,
    utcnow,
)

FLOW = "campaign"
LANGUAGES = ("tr", "en", "ar")
BATCH = 1000
"""Recipients planned per ``schedule()`` call."""
SAMPLE_SIZE = 10
CLOSED_ORDER_STATUSES = ("Cancelled", "UnSupplied", "Returned")
"""Orders that bring no revenue (not counted in spent, conversions or revenue)."""

STATUSES = ("draft", "scheduled", "running", "paused", "completed", "cancelled")
PENDING_SEND_STATUSES = ("scheduled", "sending", "paused")


class CampaignStateError(Exception):
    """An illegal move of the campaign state machine (or a campaign that cannot start)."""

    def __init__(self, message: str, *, status: str | None = None, action: str | None = None):
        super().__init__(message)
        self.status = status
        self.action = action


# --- the audience ------------------------------------------------------------------------------


class Audience(BaseModel):
    """Who gets a campaign. Stored as ``Campaign.audience``; every filter is optional.

    ``tags`` with ``tags_mode`` "any" (at least one) or "all"; ``tags_all`` adds tags every
    recipient must carry. Order filters use the marketplace orders cached for the customer's
    phone: ``last_order_before/after`` the date of the latest order, ``min_spent`` the sum of
    price × quantity of the order lines (cancelled orders not counted). ``language``: the
    customer's language (customers with none count as the tenant's default language).
    ``opted_in_only``: leave out customers who stopped marketing; for a MARKETING template
    they are always left out.
    """

    model_config = ConfigDict(extra="ignore")

    tags: list[str] = Field(default_factory=list, max_length=50)
    tags_mode: Literal["any", "all"] = "any"
    tags_all: list[str] = Field(default_factory=list, max_length=50)
    last_order_before: dt.datetime | None = None
    last_order_after: dt.datetime | None = None
    min_spent: Decimal | None = Field(None, ge=0)
    language: str | None = None
    opted_in_only: bool = True

    @field_validator("tags", "tags_all")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        return [tag.strip()[:100] for tag in value if isinstance(tag, str) and tag.strip()]

    @field_validator("last_order_before", "last_order_after")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().lower()
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @classmethod
    def of(cls, raw: Audience | dict[str, Any] | None) -> Audience:
        if isinstance(raw, Audience):
            return raw
        return cls.model_validate(raw or {})


def _line_total_sql() -> ColumnElement[Any]:
    """Σ price × quantity of an ``orders_cache`` row's lines (non-numeric prices ignored)."""
    return literal_column(
        "(SELECT COALESCE(SUM(CASE WHEN jsonb_typeof(l->'price') = 'number'"
        " THEN (l->>'price')::numeric * CASE WHEN jsonb_typeof(l->'quantity') = 'number'"
        " THEN (l->>'quantity')::numeric ELSE 1 END END), 0)"
        " FROM jsonb_array_elements(CASE WHEN jsonb_typeof(orders_cache.lines) = 'array'"
        " THEN orders_cache.lines ELSE '[]'::jsonb END) AS l)"
    )


async def campaign_category(session: AsyncSession, tenant: Tenant, campaign: Campaign) -> str:
    """The campaign's template category: MARKETING unless every template of it is known and
    none is MARKETING (an unknown template counts as MARKETING: the safe side)."""
    names = [n for n in (campaign.template_a, campaign.template_b) if n]
    found = (
        await session.execute(
            select(WaTemplate.name, WaTemplate.category).where(
                WaTemplate.tenant_id == tenant.id, WaTemplate.name.in_(names)
            )
        )
    ).all()
    categories: dict[str, set[str]] = {name: set() for name in names}
    for name, category in found:
        categories[name].add((category or "").upper())
    if any(not cats or "MARKETING" in cats for cats in categories.values()):
        return "MARKETING"
    if all(cats == {"AUTHENTICATION"} for cats in categories.values()):
        return "AUTHENTICATION"
    return "UTILITY"


async def _default_channel(session: AsyncSession, tenant_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(Channel.id)
        .where(Channel.tenant_id == tenant_id, Channel.active.is_(True))
        .order_by(Channel.created_at, Channel.id)
        .limit(1)
    )


def audience_query(
    tenant: Tenant, audience: Audience, *, marketing: bool = True
) -> Select[tuple[Customer]]:
    """The tenant's customers matching ``audience`` (a query; no channel check here)."""
    conditions: list[ColumnElement[bool]] = [Customer.tenant_id == tenant.id]
    if audience.tags:
        tag_checks = [Customer.tags.contains([tag]) for tag in audience.tags]
        conditions.append(and_(*tag_checks) if audience.tags_mode == "all" else or_(*tag_checks))
    if audience.tags_all:
        conditions.append(Customer.tags.contains(list(audience.tags_all)))
    if marketing or audience.opted_in_only:
        conditions.append(Customer.marketing_opt_out_at.is_(None))
    if audience.language:
        if audience.language == (tenant.default_language or "tr"):
            conditions.append(
                or_(Customer.language == audience.language, Customer.language.is_(None))
            )
        else:
            conditions.append(Customer.language == audience.language)
    ordered = (
        audience.last_order_before is not None
        or audience.last_order_after is not None
        or audience.min_spent is not None
    )
    query = select(Customer)
    if ordered:
        orders = (
            select(
                OrderCache.customer_phone.label("phone"),
                func.max(OrderCache.order_date).label("last_order"),
                func.sum(
                    case(
                        (OrderCache.status.in_(CLOSED_ORDER_STATUSES), 0),
                        else_=_line_total_sql(),
                    )
                ).label("spent"),
            )
            .where(OrderCache.tenant_id == tenant.id, OrderCache.customer_phone.is_not(None))
            .group_by(OrderCache.customer_phone)
            .subquery("orders")
        )
        query = query.join(orders, orders.c.phone == Customer.phone)
        if audience.last_order_before is not None:
            conditions.append(orders.c.last_order < audience.last_order_before)
        if audience.last_order_after is not None:
            conditions.append(orders.c.last_order > audience.last_order_after)
        if audience.min_spent is not None:
            conditions.append(orders.c.spent >= audience.min_spent)
    return query.where(*conditions)


def _mask(phone: str) -> str:
    return phone[:5] + "*" * max(len(phone) - 7, 0) + phone[-2:] if len(phone) > 7 else "***"


@dataclass(frozen=True, slots=True)
class Preview:
    """How many customers a campaign would reach now, and a few of them (phones masked)."""

    count: int
    sample: list[dict[str, Any]]
    category: str
    opted_out_excluded: int
    channel: bool
    """False when the tenant has no active WhatsApp channel (nobody can be reached)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "sample": self.sample,
            "category": self.category,
            "opted_out_excluded": self.opted_out_excluded,
            "channel": self.channel,
        }


def _audience_or_error(campaign: Campaign | None, audience: Any) -> Audience:
    try:
        return Audience.of(audience if audience is not None else campaign and campaign.audience)
    except ValueError as exc:
        raise CampaignStateError(f"invalid audience: {exc}") from exc


async def preview(
    session: AsyncSession,
    tenant: Tenant,
    audience: Audience | dict[str, Any] | None,
    *,
    campaign: Campaign | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> Preview:
    """Count and sample the audience. ``campaign`` (optional) gives the template category:
    without it the audience is treated as a MARKETING one (opted-out customers left out)."""
    chosen = _audience_or_error(campaign, audience)
    category = await campaign_category(session, tenant, campaign) if campaign else "MARKETING"
    marketing = category == "MARKETING"
    channel = await _default_channel(session, tenant.id)
    query = audience_query(tenant, chosen, marketing=marketing)
    count = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    everyone = audience_query(
        tenant, chosen.model_copy(update={"opted_in_only": False}), marketing=False
    )
    total = int(await session.scalar(select(func.count()).select_from(everyone.subquery())) or 0)
    customers = (
        await session.scalars(query.order_by(Customer.created_at, Customer.id).limit(sample_size))
    ).all()
    sample = [
        {
            "id": str(c.id),
            "name": c.name,
            "phone": _mask(c.phone),
            "language": c.language,
            "tags": list(c.tags or []),
        }
        for c in customers
    ]
    return Preview(
        count=count if channel else 0,
        sample=sample if channel else [],
        category=category,
        opted_out_excluded=total - count,
        channel=channel is not None,
    )


# --- state machine -----------------------------------------------------------------------------

MOVES: dict[str, tuple[str, ...]] = {
    "schedule": ("draft", "scheduled"),
    "launch": ("draft", "scheduled", "running"),
    "pause": ("scheduled", "running"),
    "resume": ("paused",),
    "cancel": ("draft", "scheduled", "running", "paused"),
}


def _check(campaign: Campaign, tenant: Tenant, action: str) -> None:
    if campaign.tenant_id != tenant.id:
        raise CampaignStateError("campaign not found", status=None, action=action)
    allowed = MOVES[action]
    if campaign.status not in allowed:
        raise CampaignStateError(
            f"cannot {action} a {campaign.status} campaign (only {' or '.join(allowed)} campaigns)",
            status=campaign.status,
            action=action,
        )


def variant_of(campaign: Campaign, customer_id: uuid.UUID) -> str:
    """ "A" or "B", the same every time for one campaign and customer: a hash of both below
    ``split_percent`` (of 100) gets template A."""
    if not campaign.template_b:
        return "A"
    digest = hashlib.sha256(f"{campaign.id}:{customer_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 10_000
    return "A" if bucket < max(0, min(100, campaign.split_percent)) * 100 else "B"


def _parameters(variables: dict[str, Any], customer: Any) -> dict[str, str]:
    """Campaign variables for one recipient: ``{"value": ".."}`` / a plain string literal, or
    ``{"field": "name" | "first_name" | "phone", "default": ".."}``."""
    out: dict[str, str] = {}
    for name, spec in (variables or {}).items():
        if isinstance(spec, str | int | float):
            out[name] = str(spec)
            continue
        if not isinstance(spec, dict):
            continue
        if "value" in spec:
            out[name] = str(spec["value"])
            continue
        field_name = spec.get("field")
        value = ""
        full = (customer.name or "").strip()
        if field_name == "name":
            value = full
        elif field_name == "first_name":
            value = full.split()[0] if full else ""
        elif field_name == "phone":
            value = customer.phone
        out[name] = value or str(spec.get("default") or "")
    return out


@dataclass(frozen=True, slots=True)
class LaunchResult:
    recipients: int
    """Sends the campaign has now (one per recipient)."""
    inserted: int
    """Sends this call created (0 when launched again)."""
    due_at: dt.datetime
    status: str


async def _channels(
    session: AsyncSession, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Each customer's channel of their latest conversation, when that channel is active."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(Conversation.customer_id, Conversation.channel_id)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(
            Conversation.tenant_id == tenant_id,
            Conversation.customer_id.in_(customer_ids),
            Channel.active.is_(True),
        )
        .order_by(
            Conversation.last_message_at.asc().nulls_first(),
            Conversation.created_at.asc(),
        )
    )
    # Ascending: the latest conversation of each customer is written last and wins.
    return {customer_id: channel_id for customer_id, channel_id in rows.all()}


async def launch(
    session: AsyncSession, tenant: Tenant, campaign: Campaign, now: dt.datetime | None = None
) -> LaunchResult:
    """Plan one send per recipient (idempotent: a second launch adds nobody twice).

    Due at ``campaign.scheduled_at`` when that is still ahead (the campaign stays
    ``scheduled``), else now (``running``). The caller commits.
    """
    now = now or utcnow()
    _check(campaign, tenant, "launch")
    if not campaign.template_a:
        raise CampaignStateError("the campaign has no template", status=campaign.status)
    default_channel = await _default_channel(session, tenant.id)
    if default_channel is None:
        raise CampaignStateError(
            "the tenant has no active WhatsApp channel", status=campaign.status, action="launch"
        )
    chosen = _audience_or_error(campaign, None)
    category = await campaign_category(session, tenant, campaign)
    ahead = campaign.scheduled_at is not None and campaign.scheduled_at > now
    due = campaign.scheduled_at if ahead and campaign.scheduled_at else now
    fallback_language = tenant.default_language if tenant.default_language in LANGUAGES else "tr"
    query = (
        audience_query(tenant, chosen, marketing=category == "MARKETING")
        .with_only_columns(Customer.id, Customer.name, Customer.phone, Customer.language)
        .order_by(Customer.id)
    )
    recipients = (await session.execute(query)).all()
    inserted = 0
    channels_used: set[uuid.UUID] = set()
    for start in range(0, len(recipients), BATCH):
        batch = recipients[start : start + BATCH]
        channels = await _channels(session, tenant.id, [r.id for r in batch])
        planned = []
        for row in batch:
            variant = variant_of(campaign, row.id)
            template = campaign.template_b if variant == "B" else campaign.template_a
            channel_id = channels.get(row.id, default_channel)
            channels_used.add(channel_id)
            planned.append(
                Planned(
                    customer_id=row.id,
                    channel_id=channel_id,
                    dedupe_key=f"campaign:{campaign.id}:{row.id}",
                    due_at=due,
                    template_name=template,
                    language=row.language if row.language in LANGUAGES else fallback_language,
                    parameters=_parameters(campaign.variables, row),
                    context={"campaign_id": str(campaign.id), "category": category},
                    flow=FLOW,
                    campaign_id=campaign.id,
                    variant=variant,
                )
            )
        inserted += len(await schedule(session, tenant, planned))
    if ahead:
        when = out_of_quiet_hours(due, tenant)
        for channel_id in channels_used:
            await wake(session, channel_id, at=when)
    total = int(
        await session.scalar(
            select(func.count())
            .select_from(OutboundSend)
            .where(OutboundSend.tenant_id == tenant.id, OutboundSend.campaign_id == campaign.id)
        )
        or 0
    )
    campaign.recipients = total
    if ahead:
        campaign.status = "scheduled"
    else:
        campaign.status = "running"
        campaign.started_at = campaign.started_at or now
    return LaunchResult(recipients=total, inserted=inserted, due_at=due, status=campaign.status)


async def schedule_campaign(
    session: AsyncSession,
    tenant: Tenant,
    campaign: Campaign,
    at: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> LaunchResult:
    """draft → scheduled for ``at`` (a scheduled one is moved to ``at``). The recipients are
    planned now, due at ``at``. The caller commits."""
    now = now or utcnow()
    _check(campaign, tenant, "schedule")
    if at.tzinfo is None:
        raise CampaignStateError("the time must carry a time zone", status=campaign.status)
    if at <= now:
        raise CampaignStateError(
            "the time is in the past: launch the campaign instead", status=campaign.status
        )
    campaign.scheduled_at = at
    if campaign.status == "scheduled":
        when = out_of_quiet_hours(at, tenant)
        await session.execute(
            update(OutboundSend)
            .where(
                OutboundSend.tenant_id == tenant.id,
                OutboundSend.campaign_id == campaign.id,
                OutboundSend.status == "scheduled",
            )
            .values(due_at=when)
            .execution_options(synchronize_session=False)
        )
        channel = await _default_channel(session, tenant.id)
        if channel is not None:
            await wake(session, channel, at=when)
    return await launch(session, tenant, campaign, now)


async def pause(
    session: AsyncSession, tenant: Tenant, campaign: Campaign, now: dt.datetime | None = None
) -> int:
    """scheduled | running → paused: its sends still waiting are held (status ``paused``).
    Returns how many were held. A send already going out is not called back."""
    _check(campaign, tenant, "pause")
    result = await session.execute(
        update(OutboundSend)
        .where(
            OutboundSend.tenant_id == tenant.id,
            OutboundSend.campaign_id == campaign.id,
            OutboundSend.status == "scheduled",
        )
        .values(status="paused")
        .execution_options(synchronize_session=False)
    )
    campaign.status = "paused"
    return int(result.rowcount or 0)


async def resume(
    session: AsyncSession, tenant: Tenant, campaign: Campaign, now: dt.datetime | None = None
) -> int:
    """paused → running (or scheduled when its time is still ahead): the held sends go back
    in the queue, none earlier than now (out of the quiet hours). Returns how many."""
    now = now or utcnow()
    _check(campaign, tenant, "resume")
    earliest = out_of_quiet_hours(now, tenant)
    result = await session.execute(
        update(OutboundSend)
        .where(
            OutboundSend.tenant_id == tenant.id,
            OutboundSend.campaign_id == campaign.id,
            OutboundSend.status == "paused",
        )
        .values(status="scheduled", due_at=func.greatest(OutboundSend.due_at, earliest))
        .returning(OutboundSend.channel_id)
        .execution_options(synchronize_session=False)
    )
    held = result.all()
    channels = {row[0] for row in held}
    for channel_id in channels:
        await wake(session, channel_id, at=None if earliest <= now else earliest)
    if campaign.scheduled_at is not None and campaign.scheduled_at > now:
        campaign.status = "scheduled"
    else:
        campaign.status = "running"
        campaign.started_at = campaign.started_at or now
    return len(held)


async def cancel_campaign(
    session: AsyncSession, tenant: Tenant, campaign: Campaign, now: dt.datetime | None = None
) -> int:
    """Anything not finished → cancelled: its sends still waiting are cancelled (returns how
    many). What was sent stays sent."""
    now = now or utcnow()
    _check(campaign, tenant, "cancel")
    result = await session.execute(
        update(OutboundSend)
        .where(
            OutboundSend.tenant_id == tenant.id,
            OutboundSend.campaign_id == campaign.id,
            OutboundSend.status.in_(("scheduled", "paused")),
        )
        .values(status="cancelled", reason="campaign_cancelled")
        .execution_options(synchronize_session=False)
    )
    campaign.status = "cancelled"
    campaign.completed_at = now
    return int(result.rowcount or 0)


async def complete_finished(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Periodic (all tenants the session sees): scheduled campaigns whose time came → running;
    running campaigns with nothing left to send → completed. Returns how many completed. The
    caller commits."""
    now = now or utcnow()
    await session.execute(
        update(Campaign)
        .where(Campaign.status == "scheduled", Campaign.scheduled_at <= now)
        .values(
            status="running", started_at=func.coalesce(Campaign.started_at, Campaign.scheduled_at)
        )
        .execution_options(synchronize_session=False)
    )
    pending = exists().where(
        OutboundSend.campaign_id == Campaign.id,
        OutboundSend.status.in_(PENDING_SEND_STATUSES),
    )
    result = await session.execute(
        update(Campaign)
        .where(Campaign.status == "running", ~pending)
        .values(status="completed", completed_at=now)
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    )
    return len(result.all())


# --- stats -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentRow:
    """A campaign send that went out, as conversion hooks see it."""

    send_id: uuid.UUID
    customer_id: uuid.UUID
    sent_at: dt.datetime


ConversionHook = Callable[
    [AsyncSession, Campaign, list[SentRow], dt.datetime], Awaitable[dict[uuid.UUID, Decimal]]
]
"""``(session, campaign, sent rows, now) → {send_id: revenue}`` of sends that converted by
something else than a reply or an order (e.g. an appointment booked within the window)."""
CONVERSION_HOOKS: list[ConversionHook] = []


@dataclass
class VariantStats:
    variant: str
    template: str | None
    recipients: int = 0
    scheduled: int = 0
    paused: int = 0
    sending: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    skipped: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    cancelled: int = 0
    replied: int = 0
    converted: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)

    @property
    def roi(self) -> float | None:
        if not self.cost:
            return None
        return round(float((self.revenue - self.cost) / self.cost), 4)

    def add(self, other: VariantStats) -> None:
        for name in (
            "recipients scheduled paused sending sent delivered read failed skipped cancelled"
            " replied converted orders revenue cost"
        ).split():
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped_reasons.update(other.skipped_reasons)

    def as_dict(self) -> dict[str, Any]:
        def rate(part: int) -> float | None:
            return round(part / self.sent, 4) if self.sent else None

        return {
            "variant": self.variant,
            "template": self.template,
            "recipients": self.recipients,
            "scheduled": self.scheduled,
            "paused": self.paused,
            "sending": self.sending,
            "sent": self.sent,
            "delivered": self.delivered,
            "read": self.read,
            "failed": self.failed,
            "skipped": self.skipped,
            "skipped_reasons": dict(self.skipped_reasons),
            "cancelled": self.cancelled,
            "replied": self.replied,
            "converted": self.converted,
            "orders": self.orders,
            "revenue": float(round(self.revenue, 2)),
            "cost": float(round(self.cost, 2)),
            "roi": self.roi,
            "delivery_rate": rate(self.delivered),
            "read_rate": rate(self.read),
            "reply_rate": rate(self.replied),
            "conversion_rate": rate(self.converted),
        }


@dataclass(frozen=True, slots=True)
class CampaignStats:
    campaign_id: uuid.UUID
    status: str
    conversion_days: int
    variants: dict[str, VariantStats]
    total: VariantStats

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": str(self.campaign_id),
            "status": self.status,
            "conversion_days": self.conversion_days,
            "variants": {key: value.as_dict() for key, value in self.variants.items()},
            "total": self.total.as_dict(),
        }


_STATS_SQL = text(
    """
SELECT s.id, s.customer_id, COALESCE(s.variant, 'A') AS variant, s.status, s.reason,
       s.sent_at, s.category, m.status AS message_status,
       (m.pricing ->> 'billable') AS billable,
       CASE WHEN s.sent_at IS NULL THEN FALSE ELSE EXISTS (
           SELECT 1 FROM messages r JOIN conversations rc ON rc.id = r.conversation_id
           WHERE r.tenant_id = s.tenant_id AND rc.customer_id = s.customer_id
             AND r.direction = 'in' AND r.created_at > s.sent_at
             AND r.created_at <= s.sent_at + make_interval(days => :days)
       ) END AS replied,
       o.orders, o.revenue
FROM outbound_sends s
JOIN customers c ON c.id = s.customer_id
LEFT JOIN messages m ON m.id = s.message_id
LEFT JOIN LATERAL (
    SELECT COUNT(DISTINCT oc.order_number) AS orders, COALESCE(SUM(
        (SELECT COALESCE(SUM(CASE WHEN jsonb_typeof(l->'price') = 'number'
             THEN (l->>'price')::numeric * CASE WHEN jsonb_typeof(l->'quantity') = 'number'
             THEN (l->>'quantity')::numeric ELSE 1 END END), 0)
         FROM jsonb_array_elements(CASE WHEN jsonb_typeof(oc.lines) = 'array'
             THEN oc.lines ELSE '[]'::jsonb END) AS l)), 0) AS revenue
    FROM orders_cache oc
    WHERE s.sent_at IS NOT NULL AND oc.tenant_id = s.tenant_id
      AND oc.customer_phone = c.phone
      AND oc.order_date > s.sent_at
      AND oc.order_date <= s.sent_at + make_interval(days => :days)
      AND oc.order_date <= :now
      AND oc.status <> ALL(:closed)
) o ON TRUE
WHERE s.tenant_id = :tenant AND s.campaign_id = :campaign
"""
)


async def stats(
    session: AsyncSession, campaign: Campaign, now: dt.datetime | None = None
) -> CampaignStats:
    """Per-variant figures of a campaign (see the module docstring); replies and orders count
    within ``conversion_days`` of each send."""
    now = now or utcnow()
    tenant = await session.get(Tenant, campaign.tenant_id)
    outbound = TenantSettings.parse(tenant.settings if tenant else None).outbound
    prices = {
        "MARKETING": Decimal(str(outbound.price_marketing)),
        "UTILITY": Decimal(str(outbound.price_utility)),
        "AUTHENTICATION": Decimal(str(outbound.price_utility)),
    }
    default_category = await campaign_category(session, tenant, campaign) if tenant else "MARKETING"
    variants: dict[str, VariantStats] = {"A": VariantStats("A", campaign.template_a)}
    if campaign.template_b:
        variants["B"] = VariantStats("B", campaign.template_b)
    rows = (
        await session.execute(
            _STATS_SQL,
            {
                "tenant": campaign.tenant_id,
                "campaign": campaign.id,
                "days": int(campaign.conversion_days or 0),
                "now": now,
                "closed": list(CLOSED_ORDER_STATUSES),
            },
        )
    ).all()
    sent_rows: list[SentRow] = []
    converted: dict[uuid.UUID, Decimal | None] = {}
    for row in rows:
        figures = variants.setdefault(row.variant, VariantStats(row.variant, None))
        figures.recipients += 1
        status = row.status
        if status in ("scheduled", "paused", "sending", "skipped", "cancelled"):
            setattr(figures, status, getattr(figures, status) + 1)
            if status == "skipped":
                figures.skipped_reasons[row.reason or "unknown"] += 1
        if row.sent_at is None:
            if status == "failed":
                figures.failed += 1
            continue
        sent_rows.append(SentRow(row.id, row.customer_id, row.sent_at))
        figures.sent += 1
        if row.message_status in ("delivered", "read"):
            figures.delivered += 1
        if row.message_status == "read":
            figures.read += 1
        if row.message_status == "failed" or status == "failed":
            figures.failed += 1
        if row.billable != "false":
            figures.cost += prices.get((row.category or default_category).upper(), Decimal(0))
        if row.replied:
            figures.replied += 1
            converted[row.id] = None
        if row.orders:
            figures.orders += int(row.orders)
            figures.revenue += Decimal(row.revenue or 0)
            converted[row.id] = Decimal(row.revenue or 0)
    by_id = {row.id: row.variant for row in rows}
    for hook in CONVERSION_HOOKS:
        for send_id, revenue in (await hook(session, campaign, sent_rows, now)).items():
            variant = by_id.get(send_id)
            if variant is None:
                continue
            if send_id not in converted or converted[send_id] is None:
                variants[variant].revenue += Decimal(revenue or 0)
            converted[send_id] = Decimal(revenue or 0)
    for send_id in converted:
        variants[by_id[send_id]].converted += 1
    total = VariantStats("total", None)
    for figures in variants.values():
        total.add(figures)
    return CampaignStats(
        campaign_id=campaign.id,
        status=campaign.status,
        conversion_days=int(campaign.conversion_days or 0),
        variants=variants,
        total=total,
    )


__all__ = [
    "CONVERSION_HOOKS",
    "Audience",
    "CampaignStateError",
    "CampaignStats",
    "LaunchResult",
    "Preview",
    "VariantStats",
    "audience_query",
    "campaign_category",
    "cancel_campaign",
    "complete_finished",
    "launch",
    "pause",
    "preview",
    "resume",
    "schedule_campaign",
    "stats",
    "variant_of",
]
