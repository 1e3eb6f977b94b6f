"""decide: send automatically, keep as a suggestion for the inbox, or hand over to a human."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.nodes.handoff import handoff_notice
from invekto.graphs.conversation.state import ConversationState, Decision

AUTOMATION_AREA = {
    "order_status": "cargo_questions",
    "delivery_time": "cargo_questions",
    "greeting": "small_talk",
    "thanks": "small_talk",
    "goodbye": "small_talk",
}
DEFAULT_CONFIDENCE_THRESHOLD = 0.5


async def decide(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = runtime.context
    tenant = context.tenant
    understanding = state.get("understanding", {})
    agent = state.get("agent", "none")
    reason = state.get("handoff_reason")
    draft = state.get("draft")
    if reason:
        already_waiting = context.conversation_status == "waiting_human"
        reply = draft or (None if already_waiting else handoff_notice(state, context))
        decision = Decision(outcome="handoff", agent=agent, reason=reason, reply=reply)
    elif context.conversation_status == "waiting_human":
        decision = Decision(
            outcome="suggestion", agent=agent, reason="human_in_charge", reply=draft
        )
    elif not tenant.automation_on(AUTOMATION_AREA.get(understanding.get("intent", ""), "other")):
        decision = Decision(outcome="suggestion", agent=agent, reason="automation_off", reply=draft)
    elif understanding.get("confidence", 0.0) < float(
        tenant.settings.get("confidence_threshold", DEFAULT_CONFIDENCE_THRESHOLD)
    ):
        decision = Decision(outcome="suggestion", agent=agent, reason="low_confidence", reply=draft)
    else:
        decision = Decision(outcome="auto_reply", agent=agent, reason=None, reply=draft)
    return {"decision": decision}
