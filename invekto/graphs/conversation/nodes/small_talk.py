"""small_talk: greetings, thanks and goodbyes answered by the graph itself (agent ``none``)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState
from invekto.prompts import render


async def small_talk(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    tenant = runtime.context.tenant
    intent = state["understanding"]["intent"]
    first_name = (
        runtime.context.customer_name.split(" ")[0] if runtime.context.customer_name else ""
    )
    reply = render(
        intent,
        state.get("language", "tr"),
        tenant.settings,
        shop=tenant.name,
        name_part=f" {first_name}" if first_name else "",
    )
    return {"draft": reply, "active_agent": None, "flow": None}
