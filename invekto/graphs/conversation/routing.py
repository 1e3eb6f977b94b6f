"""route: which node handles this turn. Policy only, tested without a database or a model."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState

Route = Literal["support", "small_talk", "handoff"]
ORDER_INTENTS = {"order_status", "delivery_time"}
SMALL_TALK = {"greeting", "thanks", "goodbye"}
AGENT_OF_ROUTE = {"support": "support", "small_talk": "none", "handoff": "none"}


def choose_route(*, intent: str, vertical: str, flow: dict | None, entities: dict) -> Route:
    if intent == "human_request":
        return "handoff"
    if vertical == "clinic":
        return "small_talk" if intent in SMALL_TALK else "handoff"
    answers_flow = (
        intent in ORDER_INTENTS
        or intent == "other"
        or bool(entities.get("order_numbers") or entities.get("ordinal") is not None)
    )
    if flow and answers_flow:
        return "support"
    if intent in ORDER_INTENTS:
        return "support"
    if intent in SMALL_TALK:
        return "small_talk"
    return "handoff"


async def route(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    understanding = state["understanding"]
    chosen = choose_route(
        intent=understanding["intent"],
        vertical=runtime.context.tenant.vertical,
        flow=state.get("flow"),
        entities=understanding.get("entities", {}),
    )
    update: dict[str, Any] = {"route": chosen, "agent": AGENT_OF_ROUTE[chosen]}
    if chosen != "support":
        update["flow"] = None
    return update


def next_node(state: ConversationState) -> Route:
    return state["route"]  # type: ignore[return-value]
