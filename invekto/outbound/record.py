"""A send that Meta took becomes a ``messages`` row: one way, whether the dispatcher records it
or a status callback resolves a send whose dispatcher died mid-call."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invekto.graphs.conversation.proactive import CLINIC_FLOWS, PROACTIVE_FLOWS
from invekto.storage.models import Message, OutboundSend, WaTemplate


async def record_sent(
    session: AsyncSession,
    send: OutboundSend,
    *,
    wa_message_id: str,
    conversation_id: uuid.UUID,
    template: WaTemplate | None,
    text: str,
    at: dt.datetime,
    resolved_by: str | None = None,
) -> Message:
    """Store the message, mark the send sent, and (for a flow that waits for an answer) tell
    the conversation's graph state. The caller commits."""
    outbound: dict[str, Any] = {
        "send_id": str(send.id),
        "flow": send.flow,
        "rule_id": str(send.rule_id) if send.rule_id else None,
        "campaign_id": str(send.campaign_id) if send.campaign_id else None,
        "variant": send.variant,
        "context": send.context or {},
    }
    if resolved_by:
        outbound["resolved_by"] = resolved_by
    payload: dict[str, Any] = {"outbound": outbound}
    if template is not None:
        outbound["template"] = template.name
        payload["template"] = {
            "name": template.name,
            "language": template.language,
            "category": template.category,
            "parameters": send.parameters or {},
        }
    message = Message(
        id=uuid.uuid4(),
        tenant_id=send.tenant_id,
        conversation_id=conversation_id,
        direction="out",
        wa_message_id=wa_message_id,
        kind="template" if template is not None else "text",
        text=text,
        payload=payload,
        status="sent",
        author="system",
        sent_at=at,
        status_at=at,
        attempts=send.attempts,
    )
    session.add(message)
    await session.flush()
    send.status, send.sent_at, send.message_id, send.reason = "sent", at, message.id, None
    send.conversation_id, send.error = conversation_id, None
    if send.flow in PROACTIVE_FLOWS or send.flow in CLINIC_FLOWS:
        from invekto.jobs import NOTE_OUTBOUND, conversation_lock, defer_in

        await defer_in(
            session,
            NOTE_OUTBOUND,
            {"message_id": str(message.id)},
            lock=conversation_lock(conversation_id),
        )
    return message
