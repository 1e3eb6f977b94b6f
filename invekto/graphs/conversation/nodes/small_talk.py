"""small_talk: greetings, thanks and goodbyes answered by the graph itself (agent ``none``).

A vertical greets with its profile's text (a clinic: ``greeting_clinic``: appointments, prices,
address; never the shop's "send your order number"), unless the tenant wrote its own
``greeting``."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.registry import vertical
from invekto.agents.state import ConversationState
from invekto.prompts.content import PromptSet
from invekto.tools.context import TurnContext


async def small_talk(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    tenant = runtime.context.tenant
    intent = state["understanding"]["intent"]
    first_name = (
        runtime.context.customer_name.split(" ")[0] if runtime.context.customer_name else ""
    )
    language = state.get("language", "tr")
    reply = runtime.context.ports.prompts.render(
        _key(intent, tenant.vertical, language, tenant.prompts),
        language,
        shop=tenant.name,
        name_part=f" {first_name}" if first_name else "",
    )
    return {"draft": reply, "active_agent": None, "flow": None}


def _key(intent: str, vertical_name: str, language: str, prompts: PromptSet) -> str:
    """The template of ``intent``: a greeting is the vertical's greeting text unless the tenant
    has its own ``greeting`` text for this language."""
    profile_greeting = vertical(vertical_name).greeting_template
    if intent != "greeting" or profile_greeting == "greeting":
        return intent
    return intent if prompts.own("greeting", language) is not None else profile_greeting
