"""The conversation graph: ingest → understand → route → agent → decide → deliver."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from invekto.agents.b2b import b2b_agent
from invekto.agents.returns import returns_agent
from invekto.agents.support import support_agent
from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.nodes.clarify import clarify, clinic
from invekto.graphs.conversation.nodes.decide import decide
from invekto.graphs.conversation.nodes.deliver import deliver
from invekto.graphs.conversation.nodes.handoff import handoff
from invekto.graphs.conversation.nodes.ingest import ingest
from invekto.graphs.conversation.nodes.small_talk import small_talk
from invekto.graphs.conversation.nodes.understand import understand
from invekto.graphs.conversation.routing import ROUTES, next_node, route
from invekto.graphs.conversation.state import ConversationState


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    builder = StateGraph(ConversationState, context_schema=TurnContext)
    builder.add_node(ingest)
    builder.add_node(understand)
    builder.add_node(route)
    builder.add_node("support", support_agent)
    builder.add_node("returns", returns_agent)
    builder.add_node("b2b", b2b_agent)
    builder.add_node(clinic)
    builder.add_node(small_talk)
    builder.add_node(clarify)
    builder.add_node(handoff)
    builder.add_node(decide)
    builder.add_node(deliver)
    builder.add_edge(START, "ingest")
    builder.add_edge("ingest", "understand")
    builder.add_edge("understand", "route")
    builder.add_conditional_edges("route", next_node, list(ROUTES))
    for node in ROUTES:
        builder.add_edge(node, "decide")
    builder.add_edge("decide", "deliver")
    builder.add_edge("deliver", END)
    return builder.compile(checkpointer=checkpointer, name="invekto-conversation")
