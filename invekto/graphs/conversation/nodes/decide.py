"""decide: send automatically, keep as a suggestion for the inbox, or hand over to a human."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.nodes.handoff import handoff_notice
from invekto.graphs.conversation.routing import thresholds
from invekto.graphs.conversation.state import ConversationState, Decision
from invekto.guardrails.output import ReplyContext, check_reply

log = logging.getLogger(__name__)

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
    already_waiting = context.conversation_status == "waiting_human"
    if reason and already_waiting and draft:
        # A person is in charge: the AI's text is only ever a suggestion for them.
        decision = Decision(
            outcome="suggestion", agent=agent, reason="human_in_charge", reply=draft
        )
    elif reason:
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
    return {"decision": await guarded(decision, state, context)}


async def guarded(decision: Decision, state: ConversationState, context: TurnContext) -> Decision:
    """Every reply that is about to be sent passes the output guard. A safe fix (a leaked value
    masked) is sent fixed; any other failure keeps an automatic reply as a suggestion for the
    inbox (reason ``guard:<validator>``), and turns a hand-over's text into the plain notice."""
    reply = decision["reply"]
    if decision["outcome"] not in ("auto_reply", "handoff") or not reply:
        return decision
    tenant = context.tenant
    reply_context = ReplyContext(
        language=state.get("language", "tr"),
        customer_texts=customer_texts(state),
        tool_results=grounds(state),
        settings=tenant.settings,
        known=[
            context.customer_phone,
            context.customer_name,
            *context.customer_name.split(),
            tenant.name,
        ],
    )
    result = await asyncio.to_thread(check_reply, reply, reply_context)
    if not (result.failures or result.fixed):
        return decision
    found = {"failures": result.failures, "fixed": result.fixed}
    if not result.blocked:
        return {**decision, "reply": result.text, "guard": found}
    log.info("guard kept a %s reply back: %s", decision["agent"], result.failures)
    if decision["outcome"] == "handoff":
        notice = handoff_notice(state, context)
        return {**decision, "reply": notice, "guard": found}
    return Decision(
        outcome="suggestion",
        agent=decision["agent"],
        reason=result.reason,
        reply=result.text,
        guard=found,
    )


def grounds(state: ConversationState) -> list[str]:
    """What a reply's facts may come from: this turn's tool results, and what earlier turns'
    tools established (the flow in progress, the replies already sent)."""
    return [
        *(str(tool.get("result", "")) for tool in state.get("tools", [])),
        json.dumps(state.get("flow") or {}, ensure_ascii=False, default=str),
        *(
            str(message.content)
            for message in state.get("messages", [])
            if isinstance(message, AIMessage)
        ),
    ]


def customer_texts(state: ConversationState) -> list[str]:
    """What the customer wrote in this conversation, this turn included."""
    texts = [
        str(message.content)
        for message in state.get("messages", [])
        if isinstance(message, HumanMessage)
    ]
    return [*texts, state["turn"]["text"]]
