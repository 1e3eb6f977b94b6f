"""``invekto bench-outbound``: a campaign to many recipients on one number, paced.

A fresh embedded PostgreSQL, the whole stack on a loopback port, one shop with one WhatsApp
number, ``recipients`` customers and a MARKETING template approved over the real path (submitted
to the Graph stand-in, approved by its signed webhook). The campaign is launched through the
same code as the API; a worker process's dispatcher sends it to the stand-in, which refuses
(130429) anything beyond the number's throughput in any one second. Prints the launch time, the
send rate, the busiest second, the drain time and what the daily tier kept queued; its last line
is one JSON object.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from invekto.bench import _start_workers, _stop, _wait_for_workers
from invekto.config import Settings
from invekto.outbound.campaigns import launch
from invekto.outbound.templates import TemplateSpec, row_values, submit
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.seed import DEMO_SETTINGS
from invekto.security import CredentialBox
from invekto.stack import Stack, running_stack
from invekto.storage.models import Campaign, Channel, Customer, OutboundSend, Tenant, WaTemplate

PHONE_NUMBER_ID = "7900000001"
TEMPLATE = "bench_kampanya"


async def run_outbound_bench(
    *, recipients: int, tier: int | None, rate: int, workers: int = 1, callbacks: bool = True
) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="invekto-bench-outbound-"))
    settings = Settings(
        data_dir=data_dir,
        nlu_cache_dir=Settings().nlu_dir,
        port=0,
        secret_key=secrets.token_urlsafe(32),
        sandbox_status_callback_delay_s=0.05,
        env="test",
    )
    async with running_stack(settings, worker=workers == 0) as stack:
        SANDBOX_GRAPH.throughput_per_s = rate  # the stand-in refuses more, like Meta (130429)
        tenant_id, channel_id = await _shop(stack, recipients=recipients, tier=tier, rate=rate)
        processes = _start_workers(workers, stack)
        try:
            await _wait_for_workers(stack, workers)
            return await _run(
                stack,
                tenant_id,
                channel_id,
                recipients=recipients,
                tier=tier,
                rate=rate,
                workers=workers,
                callbacks=callbacks,
            )
        finally:
            _stop(processes)


async def _shop(stack: Stack, *, recipients: int, tier: int | None, rate: int) -> tuple[Any, Any]:
    box = CredentialBox(stack.settings.resolved_secret_key())
    token = "bench-outbound-token"
    async with stack.services.db.session() as session:
        tenant = Tenant(
            slug="bench-outbound",
            name="Bench Kampanya Mağazası",
            vertical="ecommerce",
            timezone="Europe/Istanbul",
            default_language="tr",
            business_hours={},
            settings={
                **DEMO_SETTINGS,
                # The bench runs at any hour: no quiet hours here (tested elsewhere).
                "outbound": {
                    "quiet_hours": {"start": "00:00", "end": "00:00"},
                    "messages_per_second": rate,
                    "daily_unique_limit": tier,
                },
            },
        )
        session.add(tenant)
        await session.flush()
        channel = Channel(
            tenant_id=tenant.id,
            phone_number_id=PHONE_NUMBER_ID,
            display_phone_number="908500000001",
            waba_id="109000000001",
            credentials=box.seal({"access_token": token}),
        )
        session.add(channel)
        for start in range(0, recipients, 5000):
            await session.execute(
                insert(Customer),
                [
                    {"tenant_id": tenant.id, "phone": f"90555{n:07d}", "name": f"Müşteri {n}"}
                    for n in range(start, min(recipients, start + 5000))
                ],
            )
        spec = TemplateSpec.model_validate(
            {
                "name": TEMPLATE,
                "language": "tr",
                "category": "MARKETING",
                "variables": [{"name": "customer_name", "type": "text", "example": "Ayşe"}],
                "body": "Merhaba {{1}}, kış indirimi başladı: seçili ürünlerde %15 indirim!",
                "buttons": [{"type": "quick_reply", "text": "İlgileniyorum"}],
            }
        )
        template = WaTemplate(tenant_id=tenant.id, **row_values(spec))
        session.add(template)
        await session.commit()
        SANDBOX_GRAPH.register(PHONE_NUMBER_ID, token)
        await submit(stack.services, session, template, channel)
        await session.commit()
        tenant_id, channel_id, template_id = tenant.id, channel.id, template.id
    deadline = time.monotonic() + 30
    while True:
        async with stack.services.db.session() as session:
            status = await session.scalar(
                select(WaTemplate.status).where(WaTemplate.id == template_id)
            )
        if status == "APPROVED":
            return tenant_id, channel_id
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bench template stayed {status}")
        await asyncio.sleep(0.1)


async def _run(
    stack: Stack,
    tenant_id: Any,
    channel_id: Any,
    *,
    recipients: int,
    tier: int | None,
    rate: int,
    workers: int,
    callbacks: bool,
) -> dict[str, Any]:
    expected = recipients if tier is None else min(recipients, tier)
    # Meta's status callbacks (sent, delivered, read: three per message) come back through this
    # same process's webhook; without them the dispatcher's own pace is measured.
    SANDBOX_GRAPH.status_callbacks = callbacks
    async with stack.services.db.session() as session:
        tenant = await session.get(Tenant, tenant_id)
        campaign = Campaign(
            tenant_id=tenant_id,
            name="Kış indirimi",
            audience={},
            template_a=TEMPLATE,
            variables={"customer_name": {"field": "first_name", "default": "Merhaba"}},
        )
        session.add(campaign)
        await session.flush()
        began = time.perf_counter()
        result = await launch(session, tenant, campaign)
        await session.commit()
        launched_s = time.perf_counter() - began
    drain_began = time.perf_counter()
    deadline = drain_began + expected / max(rate * 0.5, 1) + 120
    while len(SANDBOX_GRAPH.outbox(PHONE_NUMBER_ID)) < expected:
        if time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.25)
    # Let the dispatcher settle what it has in hand (the tier's waiting rows are recorded).
    await asyncio.sleep(2)
    outbox = SANDBOX_GRAPH.outbox(PHONE_NUMBER_ID)
    times = sorted(entry["at"] for entry in outbox if entry["status"] != "failed")
    drain_s = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    busiest = max(Counter(t.replace(microsecond=0) for t in times).values(), default=0)
    per_recipient = Counter(entry["to"] for entry in outbox if entry["status"] != "failed")
    async with stack.services.db.session() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboundSend.status, func.count())
                    .where(OutboundSend.campaign_id == campaign.id)
                    .group_by(OutboundSend.status)
                )
            ).all()
        )
        waiting = await session.scalar(
            select(func.count()).where(
                OutboundSend.campaign_id == campaign.id,
                OutboundSend.status == "scheduled",
                OutboundSend.reason == "daily_tier",
            )
        )
        next_due = await session.scalar(
            select(func.min(OutboundSend.due_at)).where(
                OutboundSend.campaign_id == campaign.id, OutboundSend.status == "scheduled"
            )
        )
    throttled = SANDBOX_GRAPH.throttled(PHONE_NUMBER_ID)
    summary = {
        "recipients": recipients,
        "tier": tier,
        "rate_limit": rate,
        "sent": len(times),
        "duplicates": sum(count - 1 for count in per_recipient.values()),
        "send_rate_per_s": round(len(times) / drain_s, 1) if drain_s else None,
        "busiest_second": busiest,
        "drain_s": round(drain_s, 1),
        "launch_s": round(launched_s, 2),
        "queued_by_tier": int(waiting or 0),
        "throttled_by_meta": throttled,
        "status_callbacks": callbacks,
    }
    print(
        f"invekto bench-outbound: a campaign to {recipients} recipients on one number "
        f"({rate} msg/s, daily tier {tier or 'unlimited'}), embedded PostgreSQL, "
        f"{workers or 'in-process'} worker, "
        + ("Meta's status callbacks on (3 per message)" if callbacks else "no status callbacks")
    )
    print(
        f"  launched (one send planned per recipient) in {launched_s:.2f} s "
        f"({result.inserted} sends)"
    )
    print(
        f"  sent                       {len(times)} in {drain_s:.1f} s "
        f"→ {summary['send_rate_per_s']} msg/s; busiest second {busiest} (limit {rate})"
    )
    print(
        f"  refused by the number's limit (130429) {throttled}; duplicates {summary['duplicates']}"
    )
    print(f"  sends by status            {dict(sorted(statuses.items()))}")
    if waiting:
        hours = (next_due - dt.datetime.now(dt.UTC)).total_seconds() / 3600 if next_due else 0
        print(f"  queued by the daily tier   {waiting}, next due in {hours:.1f} h")
    return summary
