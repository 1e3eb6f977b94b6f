"""clarify: the message was unclear; ask once what the customer needs (the next unclear message
goes to a human, see ``routing``)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState
from invekto.prompts import render


async def clarify(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    tenant = runtime.context.tenant
    key = "clarify_clinic" if tenant.vertical == "clinic" else "clarify"
    reply = render(key, state.get("language", "tr"), tenant.settings, shop=tenant.name)
    return {"draft": reply, "clarified": True, "flow": None, "active_agent": None}


async def clinic(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """The clinic agent's placeholder: a person answers clinic chats until it is built."""
    return {"handoff_reason": "clinic_agent_not_available", "draft": None, "flow": None}
