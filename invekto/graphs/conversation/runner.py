"""Run one inbound message through the graph: load who is who, build the context, invoke."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from typing import Protocol

from langgraph.graph.state import CompiledStateGraph
from sqlalchemy import select

from invekto.agents.state import TurnInput
from invekto.clinic.port import ClinicDesk
from invekto.core.tenant_settings import TenantSettings
from invekto.graphs.conversation.escalation import build_escalation
from invekto.graphs.conversation.kinds import handling
from invekto.integrations.access import MarketplaceAccess
from invekto.integrations.catalog import Catalog
from invekto.integrations.orders import OrderDirectory
from invekto.prompts.content import PromptSet
from invekto.prompts.tenant import TenantPrompts
from invekto.revenue.shelf import Shelf
from invekto.storage import events
from invekto.storage.casework import CaseFiles
from invekto.storage.models import Channel, Conversation, Customer, Message, Tenant
from invekto.tools.context import Ports, TenantInfo, TurnContext

log = logging.getLogger(__name__)


class TurnServices(MarketplaceAccess, Protocol):
    """What running a turn needs from the process (``invekto.services.Services`` has it)."""

    graph: CompiledStateGraph


def ports_for(services: MarketplaceAccess, tenant: TenantInfo) -> Ports:
    """The agents' narrow ports, bound to one tenant."""
    catalogue = Catalog(services, tenant.id)
    return Ports(
        orders=OrderDirectory(services, tenant.id),
        catalogue=catalogue,
        shelf=Shelf(services.db, tenant.id, catalogue),
        casework=CaseFiles(services.db, tenant.id),
        prompts=TenantPrompts(tenant.prompts),
        clinic=ClinicDesk(
            services.db,
            tenant.id,
            timezone=tenant.timezone,
            settings=tenant.settings,
            base_url=services.settings.base_url,
        )
        if tenant.vertical == "clinic"
        else None,
    )


def tenant_info(tenant: Tenant) -> TenantInfo:
    return TenantInfo(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        vertical=tenant.vertical,
        timezone=tenant.timezone,
        default_language=tenant.default_language,
        business_hours=dict(tenant.business_hours or {}),
        settings=TenantSettings.parse(tenant.settings),
        prompts=PromptSet.parse(tenant.prompts),
    )


def customer_time(message: Message) -> dt.datetime:
    """When the customer sent it (WhatsApp's timestamp), else when we stored it."""
    stamp = (message.payload or {}).get("timestamp")
    return dt.datetime.fromisoformat(stamp) if stamp else message.created_at


async def process_inbound(services: TurnServices, message_id: uuid.UUID) -> str:
    """Process one stored inbound message; returns what happened (for logs and tests)."""
    started = time.perf_counter()
    async with services.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None:
            log.error("inbound message %s does not exist", message_id)
            return "missing"
        if message.status == "processed":
            return "already_processed"
        payload = message.payload or {}
        kind = handling(message.kind, payload.get("details"), message.text)
        message.payload = {**payload, "handling": kind.handling}
        if kind.handling == "no_reply":
            # A reaction, an edit, a delete, a system event...: stored and shown, not a turn.
            message.status = "processed"
            status = await session.scalar(
                select(Conversation.status).where(Conversation.id == message.conversation_id)
            )
            await events.publish(
                session,
                tenant_id=message.tenant_id,
                conversation_id=message.conversation_id,
                kind=events.CONVERSATION_UPDATED,
                payload={
                    "status": status,
                    "inbound_message_id": message.id,
                    "handling": kind.handling,
                },
            )
            await session.commit()
            return "no_reply"
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        tenant = await session.get(Tenant, message.tenant_id)
        customer = await session.get(Customer, conversation.customer_id)
        channel = await session.get(Channel, conversation.channel_id)
        assert tenant is not None and customer is not None and channel is not None
        message.status = "processing"
        await session.commit()
    info = tenant_info(tenant)
    context = TurnContext(
        tenant=info,
        conversation_id=conversation.id,
        conversation_status=conversation.status,
        customer_id=customer.id,
        customer_phone=customer.phone,
        customer_name=customer.name,
        channel_id=channel.id,
        inbound_message_id=message.id,
        received_at=customer_time(message),
        started_at=started,
        ports=ports_for(services, info),
    )
    turn = TurnInput(
        message_id=str(message.id),
        text=message.text,
        kind=message.kind,
        reply_id=(message.payload or {}).get("reply_id"),
    )
    if kind.handling == "handoff":
        # ``ingest`` sends the turn straight to the usual hand-over (see ``kinds``).
        turn["kind_reason"] = kind.reason
        turn["kind_note"] = kind.note
    await services.graph.ainvoke(
        {"turn": turn},
        config={"configurable": {"thread_id": str(conversation.id)}},
        context=context,
        # One checkpoint per turn: a turn that dies half-way is re-run whole (deliver is
        # idempotent), so per-step checkpoints would only cost round trips.
        durability="exit",
    )
    return "processed"


async def hand_over_unprocessable(services: TurnServices, message_id: uuid.UUID) -> None:
    """Processing failed for good: a human takes it, the customer is told, nothing is lost."""
    from invekto.jobs import enqueue_send
    from invekto.prompts import render
    from invekto.storage.models import AutoReplyLog

    async with services.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None or message.status == "processed":
            return
        conversation = await session.get(Conversation, message.conversation_id)
        tenant = await session.get(Tenant, message.tenant_id)
        assert conversation is not None and tenant is not None
        language = conversation.language or tenant.default_language
        notice = Message(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            direction="out",
            kind="text",
            author="ai",
            status="queued",
            reply_to_id=message.id,
            text=render("handoff", language, PromptSet.parse(tenant.prompts)),
            payload={"decision": {"outcome": "handoff", "reason": "processing_failed"}},
        )
        session.add(notice)
        await session.flush()
        await enqueue_send(session, message_id=notice.id, conversation_id=conversation.id)
        conversation.status, conversation.handoff_reason = "waiting_human", "processing_failed"
        conversation.escalation = await asyncio.to_thread(
            build_escalation,
            understanding=None,
            agent="none",
            tools=[],
            reason="processing_failed",
            language=language,
            inbound_message_id=message.id,
        )
        await events.publish(
            session,
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            kind=events.HANDOFF,
            payload={"reason": "processing_failed", "message_id": notice.id},
        )
        session.add(
            AutoReplyLog(
                tenant_id=tenant.id,
                conversation_id=conversation.id,
                inbound_message_id=message.id,
                reply_message_id=notice.id,
                language=language,
                intent="other",
                confidence=0.0,
                agent="none",
                outcome="handoff",
                reason="processing_failed",
                tools=[],
                inbound_at=message.created_at,
                processing_ms=0.0,
            )
        )
        message.status = "processed"
        await session.commit()
