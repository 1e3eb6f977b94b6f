"""Arranging customer-service sends: a stored reply (queued, or left ``sending`` by a worker that
died after its claim), its send job, and the status callbacks Meta would post for it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select, text

from invekto.channels.whatsapp.parse import build_status_webhook
from invekto.channels.whatsapp.signature import sign
from invekto.jobs import SEND_MESSAGE, enqueue_send
from invekto.sandbox.demo import DEMO_SHOP, DemoTenant
from invekto.stack import Stack
from invekto.storage.models import Channel, Conversation, Customer, Message, utcnow


async def stored_reply(
    stack: Stack,
    *,
    phone: str,
    status: str = "queued",
    text_: str = "Siparişiniz yolda.",
    payload: dict[str, Any] | None = None,
    demo: DemoTenant = DEMO_SHOP,
    enqueue: bool = False,
    wrote_ago: dt.timedelta = dt.timedelta(0),
) -> Message:
    """A reply to a new customer ``phone`` of ``demo``'s number. ``status="sending"``: claimed
    just now by an attempt that never recorded its outcome (``attempts`` 1, ``status_at`` = the
    database's now). ``enqueue``: its send job is queued in the same transaction. ``wrote_ago``:
    how long ago the customer last wrote (over 24 h: only a template may go)."""
    async with stack.services.db.session() as session:
        channel = await session.scalar(
            select(Channel).where(Channel.phone_number_id == demo.phone_number_id)
        )
        assert channel is not None
        customer = Customer(
            tenant_id=channel.tenant_id,
            phone=phone,
            name="Müşteri",
            last_inbound_at=utcnow() - wrote_ago,
        )
        session.add(customer)
        await session.flush()
        conversation = Conversation(
            tenant_id=channel.tenant_id,
            channel_id=channel.id,
            customer_id=customer.id,
            status="open",
        )
        session.add(conversation)
        await session.flush()
        message = Message(
            tenant_id=channel.tenant_id,
            conversation_id=conversation.id,
            direction="out",
            kind="text",
            text=text_,
            author="agent",
            status=status,
            payload=payload or {},
            attempts=1 if status == "sending" else 0,
        )
        if status == "sending":
            message.status_at = await session.scalar(select(func.now()))
        session.add(message)
        await session.flush()
        if enqueue:
            await enqueue_send(session, message_id=message.id, conversation_id=conversation.id)
        await session.commit()
        return message


async def reload(stack: Stack, message_id: uuid.UUID) -> Message:
    async with stack.services.db.session() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message


async def send_job(stack: Stack, message_id: uuid.UUID) -> dict[str, Any] | None:
    """The message's send job (status, attempts), None once it finished (deleted)."""
    async with stack.services.db.session() as session:
        row = (
            await session.execute(
                text(
                    "SELECT status::text AS status, attempts FROM procrastinate_jobs"
                    " WHERE task_name = :task AND args->>'message_id' = :id"
                ),
                {"task": SEND_MESSAGE, "id": str(message_id)},
            )
        ).one_or_none()
    return dict(row._mapping) if row is not None else None


async def post_status(
    stack: Stack,
    *,
    message_id: uuid.UUID,
    wa_message_id: str,
    recipient: str,
    status: str = "sent",
    demo: DemoTenant = DEMO_SHOP,
) -> None:
    """Meta's signed status callback for ``wa_message_id``, naming the stored reply
    ``message_id`` in ``biz_opaque_callback_data``, through ``demo``'s number."""
    body = json.dumps(
        build_status_webhook(
            phone_number_id=demo.phone_number_id,
            display_phone_number=demo.display_phone_number,
            message_id=wa_message_id,
            recipient=recipient,
            status=status,
            biz_opaque_callback_data=f"reply:{message_id}",  # as ``REPLY_OPAQUE``
        )
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(stack.settings.whatsapp_app_secret, body),
    }
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as client:
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert response.status_code == 200, response.text
