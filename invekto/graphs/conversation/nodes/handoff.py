"""handoff: a human takes the conversation; the customer is told when to expect them."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.formatting import day_text, local_date
from invekto.agents.hours import is_open, next_opening
from invekto.agents.state import ConversationState
from invekto.tools.context import TurnContext


def handoff_notice(state: ConversationState, context: TurnContext) -> str:
    """The tenant's hand-over text; outside business hours it says when someone will answer."""
    tenant = context.tenant
    language = state.get("language", "tr")
    moment = context.received_at
    prompts = context.ports.prompts
    if is_open(tenant.business_hours, tenant.timezone, moment):
        return prompts.render("handoff", language)
    opens = next_opening(tenant.business_hours, tenant.timezone, moment)
    day = day_text(
        opens.date(),
        language=language,
        today=local_date(moment, tenant.timezone),
        prompts=tenant.prompts,
    )
    at = prompts.template("at", language)
    opens_at = f"{day} {at} {opens:%H:%M}"
    return prompts.render("handoff_after_hours", language, opens_at=opens_at)


async def handoff(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    intent = state.get("understanding", {}).get("intent", "other")
    reason = state.get("handoff_reason") or {
        "human_request": "customer_asked_for_human",
        "complaint": "complaint",
    }.get(intent, f"unsupported_intent:{intent}")
    return {"handoff_reason": reason, "draft": None, "flow": None, "active_agent": None}
