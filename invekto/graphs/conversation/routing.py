"""route: which node handles this turn. Policy only, tested without a database or a model.

The agents and what they take come from the registry (``invekto.agents.registry``); the
vertical's profile says whether one agent takes every message (a clinic's). In order:

1. "insanla konuşmak istiyorum" → a human at once.
2. A vertical whose profile names an agent for everything (a clinic) → that agent (small talk is
   still answered by the graph).
3. A flow in progress ("hangi sipariş?", "iade nedeni?", "değişim ister misiniz?") keeps its
   agent when the message answers it (an ordinal, an order number, a reason, a plain yes or
   no...), unless the customer clearly starts something else.
4. A signal an agent declares (bulk / B2B → the B2B agent), whatever the intent.
5. Unsure (below the tenant's ``nlu.clarify_below``, or ``other``) → one clarifying question;
   unsure again right after it → a human.
6. Otherwise the agent that declares the intent (see ``docs/agents.md``); complaints and intents
   no agent takes go to a human.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.registry import NON_AGENT_ROUTES, REGISTRY, Registry
from invekto.agents.registry import vertical as vertical_profile
from invekto.agents.state import ConversationState
from invekto.core.tenant_settings import (
    DEFAULT_CLARIFY_BELOW,
    DEFAULT_SUGGEST_BELOW,
    TenantSettings,
)
from invekto.nlu.answers import yes_or_no
from invekto.tools.context import TurnContext

Route = str
"""An agent's name (``REGISTRY``) or one of ``NON_AGENT_ROUTES``."""

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


def thresholds(settings: TenantSettings | dict[str, Any]) -> tuple[float, float]:
    """The tenant's (clarify_below, suggest_below): below the first the customer is asked what
    they mean; below the second the reply is kept as a suggestion for the inbox."""
    nlu = TenantSettings.parse(settings).nlu
    return nlu.clarify_below, nlu.suggest_below


def routes(registry: Registry = REGISTRY) -> list[Route]:
    """Every node ``route`` may send a turn to."""
    return [*registry.names(), *NON_AGENT_ROUTES]


def intent_route(
    intent: str, vertical_name: str = "ecommerce", registry: Registry = REGISTRY
) -> Route:
    spec = registry.for_intent(intent, vertical_name)
    if spec is not None:
        return spec.name
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
    registry: Registry = REGISTRY,
) -> Route:
    """``short_answer``: the message is a plain yes or no (``nlu.answers.yes_or_no``)."""
    intent = understanding.get("intent", "other")
    confidence = float(understanding.get("confidence", 0.0))
    signals = understanding.get("signals", [])
    entities = understanding.get("entities", {})
    unsure = intent == "other" or confidence < clarify_below
    if intent == "human_request":
        return "handoff"
    profile = vertical_profile(vertical)
    vertical_name = profile.name
    if profile.takes_all and profile.takes_all in registry:
        return "small_talk" if intent in SMALL_TALK and not unsure else profile.takes_all
    active = registry.get(active_agent)
    if (
        flow
        and active is not None
        and vertical_name in active.verticals
        and (
            short_answer is not None
            or _continues(
                active.name,
                intent,
                _unsure_in_flow(intent, confidence, suggest_below),
                entities,
                holds_flow=active.holds_flow,
                vertical_name=vertical_name,
                registry=registry,
            )
        )
    ):
        return active.name
    by_signal = registry.for_signals({*signals, intent}, vertical_name)
    if by_signal is not None:
        return by_signal.name
    if unsure:
        return "handoff" if clarified else "clarify"
    return intent_route(intent, vertical_name, registry)


LEAVE_FLOW_FOR_SMALL_TALK = 0.8
"""A flow's question ("firma adınız?") is left for small talk only when it clearly is small talk:
a company name or a product word can look like a greeting or a thank-you to the model."""


def _unsure_in_flow(intent: str, confidence: float, suggest_below: float) -> bool:
    if intent == "other":
        return True
    if intent in SMALL_TALK:
        return confidence < max(suggest_below, LEAVE_FLOW_FOR_SMALL_TALK)
    return confidence < suggest_below


def _continues(
    agent: str,
    intent: str,
    unsure: bool,
    entities: dict[str, Any],
    *,
    holds_flow: bool,
    vertical_name: str,
    registry: Registry,
) -> bool:
    """Whether this turn answers the open flow rather than starting something new."""
    taken_by = intent_route(intent, vertical_name, registry)
    if unsure or taken_by == agent:
        return True
    if holds_flow:
        return intent not in SMALL_TALK | TO_A_HUMAN
    if any(entities.get(key) for key in FLOW_ANSWERS):
        return True
    if entities.get("ordinal") is not None or entities.get("return_reason"):
        return True
    return intent not in SMALL_TALK | TO_A_HUMAN and taken_by not in registry


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
    update: dict[str, Any] = {"route": chosen, "agent": chosen if chosen in REGISTRY else "none"}
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
