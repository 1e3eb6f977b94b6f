"""Sending a stored outbound message over its channel, respecting the 24-hour window."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import select

from invekto.channels.whatsapp.client import OutsideCustomerServiceWindow, WhatsAppSendError
from invekto.services import Services
from invekto.storage.models import Channel, Conversation, Customer, Message, utcnow

log = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=24)


class RetryableSendError(Exception):
    """The send failed in a way worth another attempt later (the job retries)."""


async def send_stored_message(services: Services, message_id: uuid.UUID) -> str:
    """Send one queued message. Returns its final state; raises RetryableSendError to retry."""
    async with services.db.session() as session:
        message = await session.scalar(
            select(Message).where(Message.id == message_id).with_for_update(skip_locked=True)
        )
        if message is None or message.status != "queued":
            return "skipped"
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        customer = await session.get(Customer, conversation.customer_id)
        channel = await session.get(Channel, conversation.channel_id)
        assert customer is not None and channel is not None
        message.attempts += 1
        template = (message.payload or {}).get("template")
        window_open = bool(customer.last_inbound_at) and (
            utcnow() - customer.last_inbound_at < CUSTOMER_SERVICE_WINDOW
        )
        if not window_open and not template:
            _fail(
                message,
                conversation,
                {
                    "code": 131047,
                    "title": "outside_24h_window",
                    "detail": "no template for this message",
                },
            )
            await session.commit()
            return "failed"
        try:
            async with services.whatsapp_client(channel) as client:
                if window_open:
                    result = await client.send_text(to=customer.phone, body=message.text)
                else:
                    result = await client.send_template(
                        to=customer.phone,
                        name=template["name"],
                        language=template.get("language", "tr"),
                        parameters=list(template.get("parameters", [])),
                    )
        except OutsideCustomerServiceWindow as exc:
            _fail(message, conversation, _error(exc))
            await session.commit()
            return "failed"
        except WhatsAppSendError as exc:
            if exc.retryable:
                message.error = _error(exc)
                await session.commit()
                raise RetryableSendError(str(exc)) from exc
            _fail(message, conversation, _error(exc))
            await session.commit()
            return "failed"
        message.wa_message_id = result.message_id
        message.status = "sent"
        message.sent_at = message.status_at = utcnow()
        message.error = None
        await session.commit()
        return "sent"


async def mark_failed(services: Services, message_id: uuid.UUID, error: dict) -> None:
    """Give up on a message: failed, and its conversation waits for a human."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None or message.status != "queued":
            return
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        _fail(message, conversation, error)
        await session.commit()


def _error(exc: WhatsAppSendError) -> dict:
    return {"code": exc.code, "title": type(exc).__name__, "detail": str(exc)[:500]}


def _fail(message: Message, conversation: Conversation, error: dict) -> None:
    """A reply that cannot go out is a conversation a human must look at."""
    message.status, message.error, message.status_at = "failed", error, utcnow()
    conversation.status = "waiting_human"
    conversation.handoff_reason = f"send_failed:{error.get('code')}"
    log.warning("message %s not sent: %s", message.id, error)
