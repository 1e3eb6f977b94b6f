"""What people did, told to the conversation's graph state.

When a person sends a suggestion (as is or edited) or writes their own reply, the graph state
gets that text as the assistant's message, so the next turn's guard and agents see what the
customer actually read. When a person rejects the newest suggestion, the flow its reply would
have opened is closed: the customer never got that question.

Runs as a job under the conversation's lock, so it never races a turn of the same conversation
(a turn's checkpoint would otherwise overwrite it).
"""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from langchain_core.messages import AIMessage
from langgraph.graph.state import CompiledStateGraph
from sqlalchemy import func, select

from invekto.graphs.conversation.kinds import expects_reply
from invekto.storage.db import Database
from invekto.storage.models import Message, SuggestionDecision

log = logging.getLogger(__name__)


class StateAccess(Protocol):
    db: Database
    graph: CompiledStateGraph


async def note_human_reply(services: StateAccess, message_id: uuid.UUID) -> str:
    """Update the graph state of ``message_id``'s conversation with what happened to it."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None or message.direction != "out":
            return "missing"
        decision = await session.scalar(
            select(SuggestionDecision).where(SuggestionDecision.message_id == message_id)
        )
        # The newest customer message that asks for something: a reaction or an edit after
        # the suggestion does not make it an older one.
        newest_inbound = await session.scalar(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == message.conversation_id,
                Message.direction == "in",
                expects_reply(),
            )
        )
        answered = await session.get(Message, message.reply_to_id) if message.reply_to_id else None
    config = {"configurable": {"thread_id": str(message.conversation_id)}}
    snapshot = await services.graph.aget_state(config)
    if not snapshot.values:
        return "no_state"
    if decision is not None and decision.decision == "rejected":
        latest = answered is not None and answered.created_at == newest_inbound
        if latest and snapshot.values.get("flow"):
            await services.graph.aupdate_state(
                config, {"flow": None, "active_agent": None}, as_node="deliver"
            )
            return "flow_closed"
        return "nothing"
    text = decision.sent_text if decision is not None and decision.sent_text else message.text
    await services.graph.aupdate_state(
        config, {"messages": [AIMessage(content=text, id=str(message.id))]}, as_node="deliver"
    )
    return "message_added"
