"""The customer simulator: chat as a WhatsApp customer of a demo tenant via the real webhook."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import httpx
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from invekto.api.deps import ServicesDep, SystemSessionDep
from invekto.sandbox.customer import post_customer_text
from invekto.storage.models import (
    AutoReplyLog,
    Channel,
    Conversation,
    Customer,
    Message,
    Tenant,
)

router = APIRouter(prefix="/sandbox/simulator", tags=["sandbox"])


class SimulatedText(BaseModel):
    tenant: str = Field(description="tenant slug, e.g. demo-shop")
    phone: str = Field(pattern=r"^\d{8,15}$", description="the customer's WhatsApp number")
    text: str = Field(min_length=1, max_length=4096)
    name: str | None = None
    timestamp: dt.datetime | None = None


class TurnInfo(BaseModel):
    """What Invekto made of an inbound message (shown under it in the simulator)."""

    agent: str
    intent: str
    confidence: float
    understood_by: str | None
    outcome: str
    reason: str | None
    tools: list[str]
    processing_ms: float


class ChatLine(BaseModel):
    direction: str
    text: str
    status: str
    at: dt.datetime
    turn: TurnInfo | None = None


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    html = resources.files("invekto.sandbox").joinpath("static/simulator.html").read_text("utf-8")
    return HTMLResponse(html)


@router.get("/api/tenants")
async def tenants(session: SystemSessionDep) -> list[dict[str, str]]:
    rows = await session.execute(
        select(Tenant.slug, Tenant.name, Channel.display_phone_number)
        .join(Channel, Channel.tenant_id == Tenant.id)
        .order_by(Tenant.slug)
    )
    return [{"slug": r.slug, "name": r.name, "number": r.display_phone_number} for r in rows]


@router.post("/api/send")
async def send(
    body: SimulatedText, services: ServicesDep, session: SystemSessionDep
) -> dict[str, object]:
    """Sign and post a real webhook for this text to our own /webhooks/whatsapp."""
    channel = await _channel(session, body.tenant)
    settings = services.settings
    async with httpx.AsyncClient(timeout=30) as client:
        message_id, response = await post_customer_text(
            client,
            base_url=settings.base_url,
            app_secret=settings.whatsapp_app_secret,
            phone_number_id=channel.phone_number_id,
            display_phone_number=channel.display_phone_number,
            phone=body.phone,
            text=body.text,
            name=body.name,
            timestamp=body.timestamp,
        )
    if response.status_code != 200:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"webhook said {response.status_code}")
    return {"wa_message_id": message_id, "webhook": response.json()}


@router.get("/api/messages")
async def messages(tenant: str, phone: str, session: SystemSessionDep) -> list[ChatLine]:
    """The chat as stored: the customer's texts and our replies (suggestions are marked)."""
    rows = await session.scalars(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Customer, Customer.id == Conversation.customer_id)
        .join(Tenant, Tenant.id == Message.tenant_id)
        .where(Tenant.slug == tenant, Customer.phone == phone)
        .order_by(Message.created_at)
    )
    rows = list(rows)
    logs = {
        log.inbound_message_id: log
        for log in await session.scalars(
            select(AutoReplyLog).where(AutoReplyLog.inbound_message_id.in_([m.id for m in rows]))
        )
    }
    return [
        ChatLine(
            direction=m.direction,
            text=m.text,
            status=m.status,
            at=m.created_at,
            turn=_turn(logs[m.id]) if m.id in logs else None,
        )
        for m in rows
    ]


def _turn(log: AutoReplyLog) -> TurnInfo:
    return TurnInfo(
        agent=log.agent,
        intent=log.intent,
        confidence=log.confidence,
        understood_by=log.understood_by,
        outcome=log.outcome,
        reason=log.reason,
        tools=[t["name"] for t in log.tools],
        processing_ms=round(log.processing_ms, 1),
    )


async def _channel(session: SystemSessionDep, slug: str) -> Channel:
    channel = await session.scalar(
        select(Channel).join(Tenant, Tenant.id == Channel.tenant_id).where(Tenant.slug == slug)
    )
    if channel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no tenant {slug!r} with a channel")
    return channel
