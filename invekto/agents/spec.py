"""What an agent declares (:class:`AgentSpec`), what a vertical is (:class:`Vertical`), and the
:class:`Registry` that holds them (the instance is ``invekto.agents.registry.REGISTRY``).

An agent is one package under ``invekto/agents/`` that exposes ``AGENT = AgentSpec(...)``, and
one line in ``registry.BUILT_IN``. The spec declares everything the rest of the system needs to
know: its name (the graph node and the eval datasets' ``expected_agent``), the intents and
signals it takes, the verticals it serves, its automation area(s), its tools and its reply
templates.

A vertical (shop, clinic) is a :class:`Vertical` profile: which agent takes every message that is
not small talk (a clinic's), and which greeting and clarifying texts it uses. The agents of a
vertical are the registered agents that declare it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool

from invekto.agents.state import ConversationState
from invekto.core.tenant_settings import register_automation_area
from invekto.nlu.taxonomy import INTENTS

AgentNode = Callable[[ConversationState, Any], Awaitable[dict[str, Any]]]
"""``async def agent(state, runtime) -> dict``: a LangGraph node with the turn's runtime."""

GRAPH_NODES = frozenset({"ingest", "understand", "route", "collect", "decide", "deliver"})
NON_AGENT_ROUTES = ("small_talk", "clarify", "handoff")
"""Routes the graph answers itself (agent ``none``)."""
NON_AGENT_AREAS = {"small_talk": "small_talk", "clarify": "small_talk", "handoff": "other"}
CONVERSATIONAL_INTENTS = frozenset(
    {"greeting", "thanks", "goodbye", "other", "human_request", "complaint"}
)
"""Intents every customer may mean, whatever the business."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentSpec:
    name: str
    description: str
    node: AgentNode = field(repr=False)
    verticals: frozenset[str]
    intents: frozenset[str] = frozenset()
    """Intents routed to this agent (within its verticals)."""
    signals: frozenset[str] = frozenset()
    """Signals that route a turn here whatever its intent (``bulk_order`` → b2b)."""
    automation_area: str | Mapping[str, str] = "other"
    """The ``settings.automation`` switch that lets its replies go out unreviewed: one area, or
    one per intent (intents not listed fall back to ``other``)."""
    holds_flow: bool = False
    """While its flow is open, every turn but small talk and a request for a person stays with
    it (its questions are answered by free text: a company name, a product list)."""
    tools: tuple[BaseTool, ...] = ()
    templates: tuple[str, ...] = ()
    """The reply-template keys it renders (``invekto/prompts/defaults/replies.yaml``)."""

    def area(self, intent: str) -> str:
        if isinstance(self.automation_area, str):
            return self.automation_area
        return self.automation_area.get(intent, "other")

    def areas(self) -> set[str]:
        if isinstance(self.automation_area, str):
            return {self.automation_area}
        return {*self.automation_area.values(), "other"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Vertical:
    """A kind of business: its own greeting and clarifying texts, and optionally one agent that
    takes every message that is not small talk."""

    name: str
    takes_all: str | None = None
    greeting_template: str = "greeting"
    clarify_template: str = "clarify"


VERTICALS: dict[str, Vertical] = {
    "ecommerce": Vertical(name="ecommerce"),
    "clinic": Vertical(
        name="clinic",
        takes_all="clinic",
        greeting_template="greeting_clinic",
        clarify_template="clarify_clinic",
    ),
}


class Registry:
    def __init__(self) -> None:
        self._agents: dict[str, AgentSpec] = {}

    def register(self, spec: AgentSpec) -> AgentSpec:
        if spec.name in self._agents and self._agents[spec.name] is not spec:
            raise ValueError(f"agent {spec.name!r} is already registered")
        if spec.name in GRAPH_NODES or spec.name in NON_AGENT_ROUTES or spec.name == "none":
            raise ValueError(f"{spec.name!r} is a graph node, not an agent name")
        unknown = spec.verticals - VERTICALS.keys()
        if unknown:
            raise ValueError(f"agent {spec.name!r}: unknown verticals {sorted(unknown)}")
        for area in spec.areas():  # a tenant may switch the new agent's area off
            register_automation_area(area)
        self._agents[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        self._agents.pop(name, None)

    @contextlib.contextmanager
    def registered(self, spec: AgentSpec) -> Iterator[AgentSpec]:
        """Register ``spec`` for the duration of a block (tests; build the graph inside it)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)

    def __contains__(self, name: object) -> bool:
        return name in self._agents

    def get(self, name: str | None) -> AgentSpec | None:
        return self._agents.get(name) if name else None

    def all(self) -> list[AgentSpec]:
        return list(self._agents.values())

    def names(self) -> list[str]:
        return list(self._agents)

    def for_vertical(self, vertical: str) -> list[AgentSpec]:
        return [spec for spec in self._agents.values() if vertical in spec.verticals]

    def for_intent(self, intent: str, vertical: str) -> AgentSpec | None:
        return next((s for s in self.for_vertical(vertical) if intent in s.intents), None)

    def for_signals(self, signals: list[str] | set[str], vertical: str) -> AgentSpec | None:
        wanted = set(signals)
        return next((s for s in self.for_vertical(vertical) if s.signals & wanted), None)

    def possible_intents(self, vertical_name: str) -> set[str]:
        """What a customer of this vertical can mean: its agents' intents and every intent no
        agent takes (small talk, complaints, ``other``: the graph answers or hands over), never
        an intent that only another vertical's agents take. A vertical whose profile sends every
        message to one agent (a clinic) adds only the conversational intents to its agents'."""
        own = {i for spec in self.for_vertical(vertical_name) for i in spec.intents}
        if vertical(vertical_name).takes_all:
            return own | CONVERSATIONAL_INTENTS
        foreign = {i for spec in self._agents.values() for i in spec.intents} - own
        return set(INTENTS) - foreign


def vertical(name: str) -> Vertical:
    """The profile of ``name`` (unknown verticals are shops: ``ecommerce``)."""
    return VERTICALS.get(name) or VERTICALS["ecommerce"]
