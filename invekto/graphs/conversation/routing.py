"""route: which node handles this turn. Policy only, tested without a database or a model.

In order:

1. "insanla konuşmak istiyorum" → a human at once.
2. A clinic tenant's chats → the clinic agent (small talk is still answered by the graph).
3. A flow in progress ("hangi sipariş?", "iade nedeni?", "değişim ister misiniz?") keeps its
   agent when the message answers it (an ordinal, an order number, a reason, a plain yes or
   no...), unless the customer clearly starts something else.
4. A bulk / B2B signal → the B2B agent, whatever the intent.
5. Unsure (below the tenant's ``nlu.clarify_below``, or ``other``) → one clarifying question;
   unsure again right after it → a human.
6. Otherwise the agent of the intent (see ``docs/intents.md``); complaints go to a human.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState
from invekto.nlu.answers import yes_or_no
from invekto.nlu.taxonomy import AREAS

Route = Literal["support", "returns", "b2b", "clinic", "small_talk", "clarify", "handoff"]
ROUTES: list[Route] = ["support", "returns", "b2b", "clinic", "small_talk", "clarify", "handoff"]
AGENTS = {"support", "returns", "b2b", "clinic"}

SUPPORT_INTENTS = set(AREAS["orders"] + AREAS["products"] + AREAS["policy_payment"])
RETURN_INTENTS = set(AREAS["returns"])
SMALL_TALK = {"greeting", "thanks", "goodbye"}
TO_A_HUMAN = {"human_request", "complaint"}
FLOW_ANSWERS = (
    "order_numbers",
    "tracking_numbers",
    "quantities",
    "sizes",
    "colors",
    "products",
    "company",
)
"""Entities that make a message an answer to the question a flow asked."""

DEFAULT_SUGGEST_BELOW = 0.5
DEFAULT_CLARIFY_BELOW = 0.3


def thresholds(settings: dict[str, Any]) -> tuple[float, float]:
    """The tenant's (clarify_below, suggest_below): below the first the customer is asked what
    they mean; below the second the reply is kept as a suggestion for the inbox."""
    nlu = settings.get("nlu") or {}
    suggest = float(
        nlu.get("suggest_below", settings.get("confidence_threshold", DEFAULT_SUGGEST_BELOW))
    )
    clarify = float(nlu.get("clarify_below", min(DEFAULT_CLARIFY_BELOW, suggest)))
    return clarify, suggest


def intent_route(intent: str) -> Route:
    if intent in SUPPORT_INTENTS:
        return "support"
    if intent in RETURN_INTENTS:
        return "returns"
    if intent == "bulk_order":
        return "b2b"
    if intent in SMALL_TALK:
        return "small_talk"
    return "handoff"


def choose_route(
    *,
    understanding: dict[str, Any],
    vertical: str,
    flow: dict | None,
    active_agent: str | None,
    clarified: bool = False,
    clarify_below: float = DEFAULT_CLARIFY_BELOW,
    suggest_below: float = DEFAULT_SUGGEST_BELOW,
    short_answer: bool | None = None,
) -> Route:
    """``short_answer``: the message is a plain yes or no (``nlu.answers.yes_or_no``)."""
    intent = understanding.get("intent", "other")
    confidence = float(understanding.get("confidence", 0.0))
    signals = understanding.get("signals", [])
    entities = understanding.get("entities", {})
    unsure = intent == "other" or confidence < clarify_below
    if intent == "human_request":
        return "handoff"
    if vertical == "clinic":
        return "small_talk" if intent in SMALL_TALK and not unsure else "clinic"
    if (
        flow
        and active_agent in AGENTS
        and (
            short_answer is not None
            or _continues(
                active_agent, intent, _unsure_in_flow(intent, confidence, suggest_below), entities
            )
        )
    ):
        return active_agent  # type: ignore[return-value]
    if "bulk_order" in signals or intent == "bulk_order":
        return "b2b"
    if unsure:
        return "handoff" if clarified else "clarify"
    return intent_route(intent)


LEAVE_FLOW_FOR_SMALL_TALK = 0.8
"""A flow's question ("firma adınız?") is left for small talk only when it clearly is small talk:
a company name or a product word can look like a greeting or a thank-you to the model."""


def _unsure_in_flow(intent: str, confidence: float, suggest_below: float) -> bool:
    if intent == "other":
        return True
    if intent in SMALL_TALK:
        return confidence < max(suggest_below, LEAVE_FLOW_FOR_SMALL_TALK)
    return confidence < suggest_below


def _continues(agent: str, intent: str, unsure: bool, entities: dict[str, Any]) -> bool:
    """Whether this turn answers the open flow rather than starting something new."""
    if unsure or intent_route(intent) == agent:
        return True
    if agent == "b2b":
        return intent not in SMALL_TALK | TO_A_HUMAN
    if any(entities.get(key) for key in FLOW_ANSWERS):
        return True
    if entities.get("ordinal") is not None or entities.get("return_reason"):
        return True
    return intent not in SMALL_TALK | TO_A_HUMAN | SUPPORT_INTENTS | RETURN_INTENTS | {"bulk_order"}


async def route(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    tenant = runtime.context.tenant
    clarify_below, suggest_below = thresholds(tenant.settings)
    chosen = choose_route(
        understanding=state["understanding"],
        vertical=tenant.vertical,
        flow=state.get("flow"),
        active_agent=state.get("active_agent"),
        clarified=bool(state.get("clarified")),
        clarify_below=clarify_below,
        suggest_below=suggest_below,
        short_answer=yes_or_no(state["turn"]["text"]),
    )
    update: dict[str, Any] = {"route": chosen, "agent": chosen if chosen in AGENTS else "none"}
    if state.get("flow") and chosen == state.get("active_agent"):
        # The agent's own question is being answered: its flow logic, not the intent model's
        # confidence, decides the reply.
        update["flow_answer"] = True
    if chosen != state.get("active_agent"):
        update["flow"] = None
        update["active_agent"] = None
    if chosen != "clarify":
        update["clarified"] = False
    if chosen == "handoff" and state.get("clarified"):
        update["handoff_reason"] = "unclear_after_clarifying"
    return update


def next_node(state: ConversationState) -> Route:
    return state["route"]  # type: ignore[return-value]
