"""deliver: store the decision, the reply and the metrics in one transaction; enqueue the send.

Idempotent: a re-run for an inbound message that is already processed changes nothing, and the
unique ``reply_to_id`` guarantees one reply per inbound message.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from sqlalchemy import select

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState
from invekto.jobs import enqueue_send
from invekto.storage.models import AutoReplyLog, Conversation, Message, utcnow


async def deliver(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = runtime.context
    decision = state["decision"]
    understanding = state.get("understanding", {})
    async with context.services.db.tenant_session(context.tenant.id) as session:
        inbound = await session.scalar(
            select(Message).where(Message.id == context.inbound_message_id).with_for_update()
        )
        if inbound is None or inbound.status == "processed":
            return {}
        conversation = await session.get(Conversation, context.conversation_id)
        assert conversation is not None
        reply_message = None
        if decision["reply"]:
            sending = decision["outcome"] in ("auto_reply", "handoff")
            reply_message = Message(
                tenant_id=context.tenant.id,
                conversation_id=conversation.id,
                direction="out",
                kind="text",
                text=decision["reply"],
                author="ai",
                status="queued" if sending else "suggested",
                reply_to_id=inbound.id,
                payload={"decision": dict(decision), "language": state.get("language")},
            )
            session.add(reply_message)
            await session.flush()
            if sending:
                await enqueue_send(
                    session, message_id=reply_message.id, conversation_id=conversation.id
                )
        if decision["outcome"] == "handoff":
            conversation.status = "waiting_human"
            conversation.handoff_reason = decision["reason"]
        conversation.language = state.get("language")
        conversation.last_message_at = utcnow()
        session.add(
            AutoReplyLog(
                tenant_id=context.tenant.id,
                conversation_id=conversation.id,
                inbound_message_id=inbound.id,
                reply_message_id=reply_message.id if reply_message else None,
                language=state.get("language", "tr"),
                intent=understanding.get("intent", "other"),
                confidence=float(understanding.get("confidence", 0.0)),
                understood_by=understanding.get("source"),
                agent=decision["agent"],
                outcome=decision["outcome"],
                reason=decision["reason"],
                tools=[dict(t) for t in state.get("tools", [])],
                inbound_at=inbound.created_at,
                processing_ms=(time.perf_counter() - context.started_at) * 1000,
            )
        )
        inbound.status = "processed"
        await session.commit()
    if reply_message is not None and reply_message.status == "queued":
        return {"messages": [AIMessage(content=reply_message.text, id=str(reply_message.id))]}
    return {}
