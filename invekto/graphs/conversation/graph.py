"""The conversation graph: ingest → understand → route → agent → collect → decide → deliver
(collect goes back to route for the next request of a message that makes several).

The agent nodes come from the registry (``invekto.agents.registry``): a registered agent is a
node that ``route`` may choose, whatever its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from invekto.agents.registry import REGISTRY, Registry
from invekto.agents.state import ConversationState
from invekto.config import Settings
from invekto.graphs.conversation.nodes.clarify import clarify
from invekto.graphs.conversation.nodes.collect import collect, next_after_collect
from invekto.graphs.conversation.nodes.decide import decide
from invekto.graphs.conversation.nodes.deliver import Deliver
from invekto.graphs.conversation.nodes.handoff import handoff
from invekto.graphs.conversation.nodes.ingest import after_ingest, ingest
from invekto.graphs.conversation.nodes.small_talk import small_talk
from invekto.graphs.conversation.nodes.understand import Understand
from invekto.graphs.conversation.routing import next_node, route, routes
from invekto.nlu.types import Understander
from invekto.storage.db import Database
from invekto.tools.context import TurnContext


@dataclass(frozen=True, slots=True)
class GraphDeps:
    """What the graph's own nodes need from the process (never passed to agents or tools):
    the understander for ``understand``, the database and app settings for ``deliver``."""

    db: Database
    app_settings: Settings
    understander: Callable[[], Understander]
    """Asked on every turn (the process may swap its understander)."""


def build_graph(
    checkpointer: BaseCheckpointSaver | None = None,
    *,
    deps: GraphDeps | None = None,
    registry: Registry = REGISTRY,
) -> CompiledStateGraph:
    """The compiled graph. Without ``deps`` it can be drawn and inspected, not run."""
    builder = StateGraph(ConversationState, context_schema=TurnContext)
    builder.add_node(ingest)
    builder.add_node("understand", Understand(deps.understander) if deps else _unbound)
    builder.add_node(route)
    for spec in registry.all():
        builder.add_node(spec.name, spec.node)
    builder.add_node(small_talk)
    builder.add_node(clarify)
    builder.add_node(handoff)
    builder.add_node(collect)
    builder.add_node(decide)
    builder.add_node("deliver", Deliver(deps.db, deps.app_settings) if deps else _unbound)
    builder.add_edge(START, "ingest")
    builder.add_conditional_edges("ingest", after_ingest, ["understand", "handoff"])
    builder.add_edge("understand", "route")
    targets = routes(registry)
    builder.add_conditional_edges("route", next_node, targets)
    for node in targets:
        builder.add_edge(node, "collect")
    builder.add_conditional_edges("collect", next_after_collect, ["route", "decide"])
    builder.add_edge("decide", "deliver")
    builder.add_edge("deliver", END)
    return builder.compile(checkpointer=checkpointer, name="invekto-conversation")


async def _unbound(state: ConversationState) -> dict[str, Any]:
    raise RuntimeError("this graph was built without GraphDeps: it cannot run")
