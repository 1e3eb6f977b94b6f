"""understand: language, intent, entities and confidence of the inbound text."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState


async def understand(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = runtime.context
    result = await context.understander.understand(
        state["turn"]["text"],
        tenant_slug=context.tenant.slug,
        previous_language=state.get("language"),
        settings={
            **context.tenant.settings,
            "vertical": context.tenant.vertical,
            "timezone": context.tenant.timezone,
        },
    )
    return {"understanding": result.model_dump(mode="json"), "language": result.language}
