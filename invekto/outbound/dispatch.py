"""The channel's dispatcher: sends what is due, once, paced, and only what may go now.

One dispatcher runs per channel at a time (its jobs share a lock), so the number's throughput
is paced in one place. Each round:

1. takes up to one second's worth of due rows (``FOR UPDATE SKIP LOCKED``) and decides, at the
   send, what may go: outbound switched on, not in the quiet hours, an approved template (a
   free-form text only inside the customer's 24-hour window), the customer's consent for a
   MARKETING template, and the portfolio's daily tier of unique customers. What may not go yet
   waits (a new ``due_at``); what will never go is skipped with the reason;
2. claims the rest (``sending``, committed) and sends them paced at ``messages_per_second``;
3. records every outcome in one transaction: the ``messages`` row of a sent one, a retry time
   for 429/5xx, 24 hours more for Meta's marketing cap (131049), a stop for 131050 (the
   customer opted out at Meta: recorded as consent) and 131026 (undeliverable).

A worker stopped gracefully finishes its round first. A row left ``sending`` by a hard crash is
resolved by the status callback that carries its id (``biz_opaque_callback_data``); one with no
callback after ``STALE_AFTER`` is put back to be sent: the Cloud API has no idempotency key, and
a message that was never confirmed is better sent than lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.channels.whatsapp.client import WhatsAppClient, WhatsAppSendError
from invekto.channels.whatsapp.ingest import (
    EARLY_STATUS,
    apply_early_statuses,
    open_conversations,
)
from invekto.core.tenant_settings import TenantSettings
from invekto.outbound.consent import may_receive, record_consent
from invekto.outbound.record import record_sent
from invekto.outbound.schedule import out_of_quiet_hours
from invekto.outbound.templates import approved, missing_parameters, render, send_components
from invekto.storage.db import Database
from invekto.storage.models import (
    Campaign,
    Channel,
    Customer,
    Message,
    OutboundSend,
    Tenant,
    WaTemplate,
    WebhookEvent,
    utcnow,
)

log = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=24)
TIER_WINDOW = dt.timedelta(hours=24)
STALE_AFTER = dt.timedelta(minutes=10)
OPAQUE_PREFIX = "outbound:"
"""``biz_opaque_callback_data`` of a send: Meta echoes it in the message's status callbacks."""
MAX_ATTEMPTS = 6
MAX_IN_FLIGHT = 64
OUTBOUND_SHARE = 0.9
"""The share of the number's throughput proactive sends use: Meta counts inbound messages and
replies in the same 80 a second."""
ROUND_BUDGET_S = 20.0
"""A dispatcher job stops starting rounds after this long and hands over to a fresh job."""
PENDING_TEMPLATE_WAIT = dt.timedelta(minutes=30)
PAUSED_TEMPLATE_WAIT = dt.timedelta(hours=3)
STOPPING_CODES = {131026: "undeliverable", 131050: "opted_out_at_meta", 131047: "outside_window"}
TEMPLATE_CODES = {132000: "template_parameters", 132001: "template_missing", 132005: "template"}


class DispatchAccess(Protocol):
    db: Database

    def whatsapp_client(self, channel: Channel) -> WhatsAppClient: ...


@dataclass
class DispatchReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    waiting: int = 0
    retried: int = 0
    rounds: int = 0
    more: bool = False
    """Due rows were left when the job's time was up (a new job continues)."""
    reasons: dict[str, int] = field(default_factory=dict)

    def note(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


@dataclass
class _Ready:
    """A row cleared to go: what to send and to whom."""

    send: OutboundSend
    customer: Customer
    template: WaTemplate | None
    text: str
    conversation_id: uuid.UUID


@dataclass
class _Outcome:
    ready: _Ready
    wa_message_id: str | None = None
    error: WhatsAppSendError | None = None


async def dispatch_channel(
    services: DispatchAccess,
    channel_id: uuid.UUID,
    *,
    now: dt.datetime | None = None,
    budget_s: float = ROUND_BUDGET_S,
    should_stop: Callable[[], bool] | None = None,
) -> DispatchReport:
    """Send what is due on one channel. ``now`` fixes the clock (tests); pacing is real time.

    Rounds overlap, so the number's pace is not paused for the database: while one round is
    being sent, the next one is cleared, and the one before is recorded.
    """
    report = DispatchReport()
    started = time.monotonic()
    async with services.db.session() as session:
        await _reconcile(session, channel_id, now or utcnow())
        await session.commit()
        loaded = await _load(session, channel_id)
    if loaded is None:
        return report
    channel, tenant, settings = loaded
    run = _Run(
        services=services,
        channel=channel,
        tenant=tenant,
        settings=settings,
        pacer=_Pacer(settings.outbound.messages_per_second * OUTBOUND_SHARE),
        tier=_Tier(settings.outbound.daily_unique_limit),
        report=report,
        fixed_now=now,
    )
    recording: asyncio.Task[None] | None = None
    try:
        current, ready = await run.clear()
        while ready is not None:
            report.rounds += 1
            sending = asyncio.create_task(_send_paced(services, channel, ready, run.pacer))
            stop = (should_stop is not None and should_stop()) or (
                time.monotonic() - started > budget_s
            )
            upcoming = None if stop else await run.clear()
            outcomes = await sending
            if any(_throttled(o.error) for o in outcomes):
                run.pacer.slow_down()
            if recording is not None:
                await recording
            recording = asyncio.create_task(
                _record_round(services, tenant, settings, outcomes, current, report)
            )
            if stop:
                report.more = True
                break
            assert upcoming is not None
            current, ready = upcoming
    finally:
        if recording is not None:
            await recording
    return report


@dataclass
class _Run:
    """One dispatcher run: the channel, its tenant's settings, the pace and the tier."""

    services: DispatchAccess
    channel: Channel
    tenant: Tenant
    settings: TenantSettings
    pacer: _Pacer
    tier: _Tier
    report: DispatchReport
    fixed_now: dt.datetime | None

    async def clear(self) -> tuple[dt.datetime, list[_Ready] | None]:
        """The next round, claimed (committed). An empty list: nothing of it may go now."""
        current = self.fixed_now or utcnow()
        async with self.services.db.session() as session:
            ready = await _clear_round(
                session,
                self.channel,
                self.tenant,
                self.settings,
                current,
                self.pacer.round_size,
                self.tier,
                self.report,
            )
            await session.commit()
        return current, ready


async def _record_round(
    services: DispatchAccess,
    tenant: Tenant,
    settings: TenantSettings,
    outcomes: list[_Outcome],
    now: dt.datetime,
    report: DispatchReport,
) -> None:
    async with services.db.session() as session:
        await _record(session, tenant, settings, outcomes, now, report)
        await session.commit()


class _Pacer:
    """Send slots ``1/rate`` seconds apart, across rounds; a late round never bursts to catch
    up (Meta counts any one second)."""

    def __init__(self, rate: float) -> None:
        self.rate = max(rate, 1.0)
        self._next = time.monotonic()

    @property
    def round_size(self) -> int:
        """Rows cleared per round: one second's worth."""
        return max(1, int(self.rate))

    def slot(self) -> float:
        """The monotonic time of the next send."""
        self._next = max(self._next, time.monotonic())
        at = self._next
        self._next += 1.0 / self.rate
        return at

    def slow_down(self) -> None:
        """Meta said 130429: half the pace for the rest of this run."""
        self.rate = max(self.rate / 2, 1.0)


async def _load(
    session: AsyncSession, channel_id: uuid.UUID
) -> tuple[Channel, Tenant, TenantSettings] | None:
    channel = await session.get(Channel, channel_id)
    if channel is None or not channel.active:
        return None
    tenant = await session.get(Tenant, channel.tenant_id)
    if tenant is None:
        return None
    return channel, tenant, TenantSettings.parse(tenant.settings)


async def _reconcile(session: AsyncSession, channel_id: uuid.UUID, now: dt.datetime) -> None:
    """Rows a crashed dispatcher left ``sending``: sent if a callback named them, else again."""
    stale = (
        await session.scalars(
            select(OutboundSend)
            .where(
                OutboundSend.channel_id == channel_id,
                OutboundSend.status == "sending",
                OutboundSend.claimed_at < now - STALE_AFTER,
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    for send in stale:
        message = await session.get(Message, send.message_id) if send.message_id else None
        if message is not None and message.wa_message_id:
            send.status, send.sent_at, send.reason = "sent", send.claimed_at, None
            continue
        send.status, send.reason = "scheduled", "interrupted"
        send.due_at = now
        # Meta took it if a status callback named it (kept while the message was unknown):
        # that callback resolves the send instead of a second message.
        wa_message_id = await session.scalar(
            select(WebhookEvent.detail)
            .where(
                WebhookEvent.problem == EARLY_STATUS,
                WebhookEvent.body.contains(f'"{OPAQUE_PREFIX}{send.id}"'),
            )
            .limit(1)
        )
        if wa_message_id:
            await session.flush()
            await apply_early_statuses(session, wa_message_id)


async def _clear_round(
    session: AsyncSession,
    channel: Channel,
    tenant: Tenant,
    settings: TenantSettings,
    now: dt.datetime,
    rate: int,
    tier: _Tier,
    report: DispatchReport,
) -> list[_Ready] | None:
    """Decide the next due rows: claim what may go, move or skip the rest. None: nothing due."""
    due = (
        await session.scalars(
            select(OutboundSend)
            .where(
                OutboundSend.channel_id == channel.id,
                OutboundSend.status == "scheduled",
                OutboundSend.due_at <= now,
            )
            .order_by(OutboundSend.due_at, OutboundSend.id)
            .limit(rate)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not due:
        return None
    outbound = settings.outbound
    if not outbound.enabled:
        for send in due:
            _skip(send, "outbound_disabled", report)
        return []
    quiet_end = out_of_quiet_hours(now, tenant)
    if quiet_end != now:
        for send in due:
            _wait(send, quiet_end, "quiet_hours", report)
        return []
    customers = {
        c.id: c
        for c in await session.scalars(
            select(Customer).where(Customer.id.in_({s.customer_id for s in due}))
        )
    }
    if tier.limit is not None and not tier.loaded:
        await tier.load(session, tenant.id, now)
    templates = _TemplateCache(session, tenant)
    held = await _held_campaigns(session, {s.campaign_id for s in due if s.campaign_id})
    ready: list[_Ready] = []
    for send in due:
        if send.campaign_id in held:
            # Paused or cancelled since it was planned (or since a retry put it back).
            send.status = "paused" if held[send.campaign_id] == "paused" else "cancelled"
            report.note(f"campaign_{held[send.campaign_id]}")
            continue
        customer = customers.get(send.customer_id)
        if customer is None:
            _skip(send, "no_customer", report)
            continue
        window_open = customer.last_inbound_at is not None and (
            now - customer.last_inbound_at < CUSTOMER_SERVICE_WINDOW
        )
        template: WaTemplate | None = None
        if send.template_name:
            template, state = await templates.get(send.template_name, send.language)
            if template is None:
                if send.text and window_open:
                    pass  # the free-form text may go instead
                elif state == "PENDING":
                    _wait(send, now + PENDING_TEMPLATE_WAIT, "template_pending", report)
                    continue
                elif state == "PAUSED":
                    _wait(send, now + PAUSED_TEMPLATE_WAIT, "template_paused", report)
                    continue
                else:
                    _skip(send, f"template_{(state or 'missing').lower()}", report)
                    continue
        elif not window_open:
            _skip(send, "outside_window", report)
            continue
        if template is not None and not may_receive(customer, template.category):
            _skip(send, "opted_out", report)
            continue
        if template is not None and missing_parameters(template, _parameters(send)):
            _skip(send, "template_parameters", report)
            continue
        if template is not None and not window_open and not tier.admit(customer.id, now):
            _wait(send, tier.next_free(now), "daily_tier", report)
            continue
        send.status, send.claimed_at = "sending", now
        send.attempts += 1
        send.category = template.category if template is not None else None
        ready.append(
            _Ready(
                send=send,
                customer=customer,
                template=template,
                text=_text_of(send, template),
                conversation_id=send.conversation_id or uuid.UUID(int=0),
            )
        )
    missing = [item for item in ready if item.send.conversation_id is None]
    if missing:
        opened = await open_conversations(
            session, tenant.id, channel.id, [item.customer.id for item in missing]
        )
        for item in missing:
            item.conversation_id = item.send.conversation_id = opened[item.customer.id]
    return ready


async def _held_campaigns(
    session: AsyncSession, campaign_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The campaigns among ``campaign_ids`` that must not send now (paused, cancelled)."""
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(Campaign.id, Campaign.status).where(
            Campaign.id.in_(campaign_ids), Campaign.status.in_(("paused", "cancelled"))
        )
    )
    return {campaign_id: status for campaign_id, status in rows.all()}


def _parameters(send: OutboundSend) -> dict[str, str]:
    return {str(k): str(v) for k, v in (send.parameters or {}).items()}


def _payloads(send: OutboundSend) -> dict[int, str]:
    """Per-send quick-reply payloads (``context["payloads"]``, by button index)."""
    values = (send.context or {}).get("payloads") or []
    return {index: str(value) for index, value in enumerate(values) if value}


def _text_of(send: OutboundSend, template: WaTemplate | None) -> str:
    if template is None:
        return send.text or ""
    return render(template, _parameters(send))


def _skip(send: OutboundSend, reason: str, report: DispatchReport) -> None:
    send.status, send.reason = "skipped", reason
    report.skipped += 1
    report.note(reason)


def _wait(send: OutboundSend, until: dt.datetime, reason: str, report: DispatchReport) -> None:
    send.due_at, send.reason = until, reason
    report.waiting += 1
    report.note(reason)


class _Tier:
    """The portfolio's messaging tier: unique customers reached by templates in 24 hours.

    Read once per dispatcher run (at most ``ROUND_BUDGET_S``), then counted in memory."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.reached: set[uuid.UUID] = set()
        self.oldest: dt.datetime | None = None
        self.loaded = False

    async def load(self, session: AsyncSession, tenant_id: uuid.UUID, now: dt.datetime) -> None:
        # A send being recorded (the previous round) counts as much as a sent one.
        reached_at = func.coalesce(OutboundSend.sent_at, OutboundSend.claimed_at)
        rows = (
            await session.execute(
                select(OutboundSend.customer_id, func.min(reached_at))
                .where(
                    OutboundSend.tenant_id == tenant_id,
                    OutboundSend.status.in_(("sent", "sending")),
                    OutboundSend.category.is_not(None),
                    reached_at > now - TIER_WINDOW,
                )
                .group_by(OutboundSend.customer_id)
            )
        ).all()
        self.reached = {customer_id for customer_id, _ in rows}
        self.oldest = min((first for _, first in rows), default=None)
        self.loaded = True

    def admit(self, customer_id: uuid.UUID, now: dt.datetime) -> bool:
        if self.limit is None or customer_id in self.reached:
            return True
        if len(self.reached) >= self.limit:
            return False
        self.reached.add(customer_id)
        self.oldest = min(self.oldest or now, now)
        return True

    def next_free(self, now: dt.datetime) -> dt.datetime:
        """When the oldest reach leaves the rolling window (a place frees up)."""
        if self.oldest is None:
            return now + dt.timedelta(minutes=10)
        return max(self.oldest + TIER_WINDOW, now + dt.timedelta(minutes=1))


class _TemplateCache:
    """The approved template per name and language, looked up once per round."""

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self._session = session
        self._tenant = tenant
        self._found: dict[tuple[str, str], tuple[WaTemplate | None, str | None]] = {}

    async def get(self, name: str, language: str) -> tuple[WaTemplate | None, str | None]:
        key = (name, language)
        if key not in self._found:
            row = await approved(self._session, self._tenant.id, name, language)
            state = None
            if row is None:
                state = await self._session.scalar(
                    select(WaTemplate.status)
                    .where(WaTemplate.tenant_id == self._tenant.id, WaTemplate.name == name)
                    .order_by((WaTemplate.language == language).desc())
                    .limit(1)
                )
            self._found[key] = (row, state)
        return self._found[key]


async def _send_paced(
    services: DispatchAccess, channel: Channel, ready: list[_Ready], pacer: _Pacer
) -> list[_Outcome]:
    """Start each send at its pacer slot (taken when it is due, so a stalled loop never
    bursts to catch up), at most ``MAX_IN_FLIGHT`` at once."""
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    async with services.whatsapp_client(channel) as client:

        async def one(item: _Ready) -> _Outcome:
            try:
                return await _send_one(client, item)
            finally:
                gate.release()

        started: list[asyncio.Task[_Outcome]] = []
        for item in ready:
            await gate.acquire()
            delay = pacer.slot() - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            started.append(asyncio.create_task(one(item)))
        # Shielded: a stopping worker lets the round finish, so every claim gets its record.
        return list(await asyncio.shield(asyncio.gather(*started)))


async def _send_one(client: WhatsAppClient, item: _Ready) -> _Outcome:
    send = item.send
    try:
        if item.template is not None:
            parameters = _parameters(send)
            result = await client.send_template(
                to=item.customer.phone,
                name=item.template.name,
                language=item.template.language,
                components=send_components(item.template, parameters, payloads=_payloads(send)),
                biz_opaque_callback_data=f"{OPAQUE_PREFIX}{send.id}",
            )
        else:
            result = await client.send_text(to=item.customer.phone, body=item.text)
    except WhatsAppSendError as exc:
        return _Outcome(item, error=exc)
    return _Outcome(item, wa_message_id=result.message_id)


def _throttled(error: WhatsAppSendError | None) -> bool:
    return error is not None and error.code in (130429, 80007, 4)


async def _record(
    session: AsyncSession,
    tenant: Tenant,
    settings: TenantSettings,
    outcomes: list[_Outcome],
    now: dt.datetime,
    report: DispatchReport,
) -> None:
    for outcome in outcomes:
        send = await session.get(OutboundSend, outcome.ready.send.id, with_for_update=True)
        if send is None or send.status != "sending":
            continue
        if outcome.wa_message_id is not None:
            await record_sent(
                session,
                send,
                wa_message_id=outcome.wa_message_id,
                conversation_id=outcome.ready.conversation_id,
                template=outcome.ready.template,
                text=outcome.ready.text,
                at=now,
            )
            await apply_early_statuses(session, outcome.wa_message_id)
            report.sent += 1
            continue
        await _failed(session, settings, send, outcome, now, report)


async def _failed(
    session: AsyncSession,
    settings: TenantSettings,
    send: OutboundSend,
    outcome: _Outcome,
    now: dt.datetime,
    report: DispatchReport,
) -> None:
    error = outcome.error
    assert error is not None
    send.error = {"code": error.code, "status": error.status_code, "detail": str(error)[:500]}
    code = error.code
    if code == 131049:
        wait = dt.timedelta(hours=settings.outbound.marketing_cap_wait_hours)
        send.status, send.due_at, send.reason = "scheduled", now + wait, "marketing_cap"
        report.waiting += 1
        report.note("marketing_cap")
        return
    if code == 131050:
        customer = await session.get(Customer, send.customer_id)
        if customer is not None:
            await record_consent(
                session, customer, action="stop", source="meta_131050", detail=str(error)[:200]
            )
    if code in STOPPING_CODES or code in TEMPLATE_CODES or not error.retryable:
        reason = STOPPING_CODES.get(code or 0) or TEMPLATE_CODES.get(code or 0) or "refused"
        send.status, send.reason = "failed", reason
        report.failed += 1
        report.note(reason)
        return
    if send.attempts >= MAX_ATTEMPTS:
        send.status, send.reason = "failed", "gave_up"
        report.failed += 1
        report.note("gave_up")
        return
    backoff = error.retry_after_s or min(30 * 2 ** (send.attempts - 1), 3600)
    send.status, send.reason = "scheduled", f"retry:{code or error.status_code}"
    send.due_at = now + dt.timedelta(seconds=backoff)
    report.retried += 1
    report.note("retry")


async def channels_due(db: Database, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Channels with something due (or stuck ``sending``): the periodic sweep wakes them."""
    now = now or utcnow()
    async with db.session() as session:
        rows = await session.scalars(
            select(OutboundSend.channel_id)
            .where(
                ((OutboundSend.status == "scheduled") & (OutboundSend.due_at <= now))
                | (
                    (OutboundSend.status == "sending")
                    & (OutboundSend.claimed_at < now - STALE_AFTER)
                )
            )
            .distinct()
        )
        return list(rows)
