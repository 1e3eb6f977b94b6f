"""small_talk: greetings, thanks and goodbyes answered by the graph itself (agent ``none``).

A clinic greets its patients as a clinic (``greeting_clinic``: appointments, prices, address),
never with the shop's "send your order number", unless it wrote its own ``greeting``."""

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
    language = state.get("language", "tr")
    reply = render(
        _key(intent, tenant.vertical, language, tenant.settings),
        language,
        tenant.settings,
        shop=tenant.name,
        name_part=f" {first_name}" if first_name else "",
    )
    return {"draft": reply, "active_agent": None, "flow": None}


def _key(intent: str, vertical: str, language: str, settings: dict[str, Any]) -> str:
    """The template of ``intent``: a clinic's greeting is ``greeting_clinic`` unless the
    clinic has its own ``greeting`` text for this language."""
    if intent != "greeting" or vertical != "clinic":
        return intent
    own = (settings.get("templates") or {}).get(language) or {}
    return intent if intent in own else "greeting_clinic"
