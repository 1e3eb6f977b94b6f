"""clarify: the message was unclear; ask once what the customer needs (the next unclear message
goes to a human, see ``routing``). The text is the vertical profile's."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.registry import vertical
from invekto.agents.state import ConversationState
from invekto.tools.context import TurnContext


async def clarify(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = runtime.context
    key = vertical(context.tenant.vertical).clarify_template
    reply = context.ports.prompts.render(key, state.get("language", "tr"), shop=context.tenant.name)
    return {"draft": reply, "clarified": True, "flow": None, "active_agent": None}
