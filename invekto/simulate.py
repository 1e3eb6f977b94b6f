"""``invekto simulate``: customer texts through the signed webhook, one result per turn."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import select

from invekto.config import Settings
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.seed import seed
from invekto.security import CredentialBox
from invekto.services import Services
from invekto.stack import running_stack
from invekto.storage.models import AutoReplyLog, Channel, Message, Tenant

SETTLED = {"sent", "delivered", "read", "failed", "suggested"}


async def turn_result(
    services: Services, wa_message_id: str, *, timeout_s: float = 60.0
) -> dict[str, Any]:
    """Wait until the inbound message is decided and its reply settled; describe the turn."""
    deadline = time.monotonic() + timeout_s
    while True:
        async with services.db.session() as session:
            row = (
                await session.execute(
                    select(AutoReplyLog, Message)
                    .join(Message, Message.id == AutoReplyLog.inbound_message_id)
                    .where(Message.wa_message_id == wa_message_id)
                )
            ).first()
            reply = None
            if row is not None and row[0].reply_message_id:
                reply = await session.get(Message, row[0].reply_message_id)
        if row is not None and (reply is None or reply.status in SETTLED):
            log = row[0]
            return {
                "outcome": log.outcome,
                "agent": log.agent,
                "intent": log.intent,
                "reply": reply.text if reply else None,
                "tools": [t["name"] for t in log.tools],
                "language": log.language,
                "confidence": log.confidence,
                "understood_by": log.understood_by,
                "reason": log.reason,
                "reply_status": reply.status if reply else None,
                "processing_ms": round(log.processing_ms, 1),
                "prompts": _rendered(reply),
            }
        if time.monotonic() > deadline:
            return {
                "outcome": "timeout",
                "agent": None,
                "intent": None,
                "reply": None,
                "tools": [],
                "wa_message_id": wa_message_id,
            }
        await asyncio.sleep(0.05)


def _rendered(reply: Message | None) -> list[list[str | None]]:
    """The texts the reply was written with: ``[key, language, agent]`` each (the prompt gate
    re-plays only the cases whose turns rendered a text a draft changes)."""
    record = ((reply.payload or {}).get("prompts") or {}) if reply else {}
    return [
        [r.get("key"), r.get("language"), r.get("agent")]
        for r in record.get("renders") or []
        if isinstance(r, dict)
    ]


async def simulate_turns(
    settings: Settings,
    *,
    tenant: str,
    phone: str,
    texts: list[str],
    name: str | None = None,
    timeout_s: float = 60.0,
) -> list[dict[str, Any]]:
    async with running_stack(settings) as stack:
        services = stack.services
        channel = await _channel(services, tenant)
        results = []
        async with httpx.AsyncClient(timeout=30) as client:
            for text in texts:
                wa_id, response = await post_customer_text(
                    client,
                    base_url=stack.base_url,
                    app_secret=settings.whatsapp_app_secret,
                    phone_number_id=channel.phone_number_id,
                    display_phone_number=channel.display_phone_number,
                    phone=phone,
                    text=text,
                    name=name,
                )
                response.raise_for_status()
                results.append(await turn_result(services, wa_id, timeout_s=timeout_s))
        return results


async def _channel(services: Services, slug: str) -> Channel:
    for attempt in range(2):
        async with services.db.session() as session:
            channel = await session.scalar(
                select(Channel)
                .join(Tenant, Tenant.id == Channel.tenant_id)
                .where(Tenant.slug == slug)
            )
        if channel is not None:
            return channel
        if attempt == 0:
            await seed(services.db, CredentialBox(services.settings.resolved_secret_key()))
    raise SystemExit(f"no tenant {slug!r}: the demo seed has demo-shop and demo-clinic")
