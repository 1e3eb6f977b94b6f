"""Sending a stored outbound message over its channel, respecting the 24-hour window."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import update

from invekto.channels.access import SendAccess
from invekto.channels.whatsapp.client import OutsideCustomerServiceWindow, WhatsAppSendError
from invekto.channels.whatsapp.ingest import apply_early_statuses
from invekto.storage.models import Channel, Conversation, Customer, Message, utcnow

log = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=24)


class RetryableSendError(Exception):
    """The send failed in a way worth another attempt later (the job retries)."""


MAX_INTERACTIVE_BODY = 1024
"""WhatsApp's limit for an interactive message's body; a longer reply goes as plain text."""


async def send_stored_message(services: SendAccess, message_id: uuid.UUID) -> str:
    """Send one queued message. Returns its final state; raises RetryableSendError to retry.

    No lock is held while the Graph API is called: the message is first claimed
    (``queued`` → ``sending``, committed), then sent, then recorded. A job that died after the
    claim finds ``sending`` on its retry and sends again: for a customer-service reply a rare
    duplicate is better than silence (the Cloud API has no idempotency key).
    """
    claimed = await _claim(services, message_id)
    if claimed is None:
        return "skipped"
    message, customer, channel = claimed
    template = (message.payload or {}).get("template")
    window_open = bool(customer.last_inbound_at) and (
        utcnow() - customer.last_inbound_at < CUSTOMER_SERVICE_WINDOW
    )
    if not window_open and not template:
        await mark_failed(
            services,
            message_id,
            {
                "code": 131047,
                "title": "outside_24h_window",
                "detail": "no template for this message",
            },
        )
        return "failed"
    try:
        async with services.whatsapp_client(channel) as client:
            buttons = ((message.payload or {}).get("interactive") or {}).get("buttons")
            if window_open and buttons and len(message.text) <= MAX_INTERACTIVE_BODY:
                # Reply buttons (offered slots): the text says the same, so a client that shows
                # no buttons still works.
                result = await client.send_interactive_buttons(
                    to=customer.phone,
                    body=message.text,
                    buttons=[(str(b[0]), str(b[1])) for b in buttons[:3]],
                )
            elif window_open:
                result = await client.send_text(to=customer.phone, body=message.text)
            else:
                result = await client.send_template(
                    to=customer.phone,
                    name=template["name"],
                    language=template.get("language", "tr"),
                    parameters=list(template.get("parameters", [])),
                )
    except WhatsAppSendError as exc:
        if exc.retryable and not isinstance(exc, OutsideCustomerServiceWindow):
            await _record(services, message_id, status="queued", error=_error(exc))
            raise RetryableSendError(str(exc)) from exc
        await mark_failed(services, message_id, _error(exc))
        return "failed"
    await _record(services, message_id, status="sent", wa_message_id=result.message_id)
    return "sent"


async def _claim(
    services: SendAccess, message_id: uuid.UUID
) -> tuple[Message, Customer, Channel] | None:
    async with services.db.session() as session:
        message = await session.scalar(
            update(Message)
            .where(Message.id == message_id, Message.status.in_(("queued", "sending")))
            .values(status="sending", attempts=Message.attempts + 1)
            .returning(Message)
        )
        if message is None:
            return None
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        customer = await session.get(Customer, conversation.customer_id)
        channel = await session.get(Channel, conversation.channel_id)
        assert customer is not None and channel is not None
        await session.commit()
        return message, customer, channel


async def _record(
    services: SendAccess,
    message_id: uuid.UUID,
    *,
    status: str,
    wa_message_id: str | None = None,
    error: dict | None = None,
) -> None:
    """Store the outcome of a send, then any status callbacks that raced ahead of it."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id, with_for_update=True)
        assert message is not None
        message.status, message.error = status, error
        if wa_message_id:
            message.wa_message_id = wa_message_id
            message.sent_at = message.status_at = utcnow()
            await session.flush()
            await apply_early_statuses(session, wa_message_id)
        await session.commit()


async def mark_failed(services: SendAccess, message_id: uuid.UUID, error: dict) -> None:
    """Give up on a message: failed, and its conversation waits for a human."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id, with_for_update=True)
        if message is None or message.status not in ("queued", "sending"):
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
