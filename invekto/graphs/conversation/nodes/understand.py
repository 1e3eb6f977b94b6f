"""understand: language, intent, entities and confidence of the inbound text.

The intents a customer of this tenant can mean come from the registry: those of the agents of
its vertical (plus the conversational ones), never another vertical's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.registry import REGISTRY
from invekto.agents.state import ConversationState
from invekto.nlu.types import Understander
from invekto.tools.context import TurnContext


class Understand:
    """The ``understand`` node, bound to the process's understander (asked for each turn)."""

    def __init__(self, understander: Callable[[], Understander]) -> None:
        self.understander = understander

    async def __call__(
        self, state: ConversationState, runtime: Runtime[TurnContext]
    ) -> dict[str, Any]:
        context = runtime.context
        result = await self.understander().understand(
            state["turn"]["text"],
            tenant_slug=context.tenant.slug,
            previous_language=state.get("language"),
            settings={
                **context.tenant.settings.to_json(),
                "vertical": context.tenant.vertical,
                "timezone": context.tenant.timezone,
                "intents": sorted(REGISTRY.possible_intents(context.tenant.vertical)),
            },
        )
        return {"understanding": result.model_dump(mode="json"), "language": result.language}
