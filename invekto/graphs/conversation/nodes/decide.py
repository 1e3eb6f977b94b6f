"""decide: send automatically, keep as a suggestion for the inbox, or hand over to a human."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.nodes.handoff import handoff_notice
from invekto.graphs.conversation.routing import thresholds
from invekto.graphs.conversation.state import ConversationState, Decision

AUTOMATION_AREA = {
    "order_status": "cargo_questions",
    "delivery_time": "cargo_questions",
    "cancel_order": "order_changes",
    "address_change": "order_changes",
    "invoice_request": "order_changes",
    "stock_question": "product_questions",
    "product_question": "product_questions",
    "price_question": "product_questions",
    "discount_question": "policy_questions",
    "shipping_policy": "policy_questions",
    "payment_problem": "policy_questions",
    "greeting": "small_talk",
    "thanks": "small_talk",
    "goodbye": "small_talk",
}
"""``settings.automation.<area>: false`` keeps that area's replies as suggestions."""
ROUTE_AREA = {"returns": "returns", "b2b": "b2b", "clarify": "small_talk"}


def automation_area(route: str, intent: str) -> str:
    return ROUTE_AREA.get(route) or AUTOMATION_AREA.get(intent, "other")


async def decide(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = runtime.context
    tenant = context.tenant
    understanding = state.get("understanding", {})
    route = state.get("route", "")
    agent = state.get("agent", "none")
    reason = state.get("handoff_reason")
    draft = state.get("draft")
    _, suggest_below = thresholds(tenant.settings)
    confident = understanding.get("confidence", 0.0) >= suggest_below or route == "clarify"
    if reason:
        already_waiting = context.conversation_status == "waiting_human"
        reply = draft or (None if already_waiting else handoff_notice(state, context))
        decision = Decision(outcome="handoff", agent=agent, reason=reason, reply=reply)
    elif context.conversation_status == "waiting_human":
        decision = Decision(
            outcome="suggestion", agent=agent, reason="human_in_charge", reply=draft
        )
    elif not tenant.automation_on(automation_area(route, understanding.get("intent", ""))):
        decision = Decision(outcome="suggestion", agent=agent, reason="automation_off", reply=draft)
    elif not confident and not state.get("flow_answer"):
        decision = Decision(outcome="suggestion", agent=agent, reason="low_confidence", reply=draft)
    else:
        decision = Decision(outcome="auto_reply", agent=agent, reason=None, reply=draft)
    return {"decision": decision}
