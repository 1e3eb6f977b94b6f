"""The agent registry is the one place that says which agents exist and what they take: the
graph, routing, decide, the eval dataset validator and the docs follow it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from invekto.agents.docs import DOC_PATH, agents_markdown
from invekto.agents.registry import REGISTRY, AgentSpec
from invekto.evals.dataset import DatasetError, parse
from invekto.graphs.conversation.graph import build_graph
from invekto.graphs.conversation.nodes.decide import automation_area
from invekto.graphs.conversation.routing import choose_route
from invekto.nlu.local import tenant_intents
from invekto.prompts import default_templates

AGENTS_DIR = Path(__file__).resolve().parents[2] / "invekto" / "agents"


async def _echo(state, runtime):
    return {"draft": "echo", "flow": None, "active_agent": None}


ECHO = AgentSpec(
    name="echo",
    description="A tiny agent for tests.",
    node=_echo,
    verticals=frozenset({"ecommerce"}),
    intents=frozenset({"thanks"}),
    automation_area="echo_area",
)


def _route(intent: str, vertical: str = "ecommerce") -> str:
    return choose_route(
        understanding={"intent": intent, "confidence": 0.9, "entities": {}, "signals": []},
        vertical=vertical,
        flow=None,
        active_agent=None,
    )


def test_built_in_agents():
    assert REGISTRY.names() == [
        "support",
        "returns",
        "b2b",
        "revenue",
        "clinic",
        "followup",
        "consent",
    ]


def test_a_registered_agent_is_routed_decided_drawn_and_accepted_by_the_validator():
    assert _route("thanks") == "small_talk"
    with REGISTRY.registered(ECHO):
        assert _route("thanks") == "echo"
        assert _route("thanks", "clinic") == "small_talk"  # not its vertical
        assert automation_area("echo", "thanks") == "echo_area"
        assert "echo" in build_graph().get_graph().nodes
        case = {
            "id": "echo-1",
            "tenant": "demo-shop",
            "language": "tr",
            "turns": [{"customer": "teşekkürler", "expect": {"agent": "echo"}}],
        }
        parse({"cases": [case]}, source="echo.yaml")
        assert "`echo`" in agents_markdown()
    assert _route("thanks") == "small_talk"
    assert "echo" not in build_graph().get_graph().nodes
    with pytest.raises(DatasetError, match="echo"):
        parse({"cases": [case]}, source="echo.yaml")


def test_names_that_are_graph_nodes_or_taken_are_refused():
    for name in ("decide", "small_talk", "none", "support"):
        with pytest.raises(ValueError):
            REGISTRY.register(
                AgentSpec(name=name, description="", node=_echo, verticals=frozenset({"clinic"}))
            )
    with pytest.raises(ValueError, match="verticals"):
        REGISTRY.register(
            AgentSpec(name="x", description="", node=_echo, verticals=frozenset({"bakery"}))
        )


def test_the_clinic_profile_takes_every_message_but_small_talk():
    assert _route("treatment_price", "clinic") == "clinic"
    assert _route("order_status", "clinic") == "clinic"
    assert _route("greeting", "clinic") == "small_talk"


def test_possible_intents_come_from_the_agents_of_the_vertical():
    for vertical in ("ecommerce", "clinic"):
        assert REGISTRY.possible_intents(vertical) == tenant_intents(vertical)


def test_every_declared_template_exists_and_every_rendered_literal_is_declared():
    defaults = default_templates()
    for spec in REGISTRY.all():
        for key in spec.templates:
            assert key in defaults["tr"], f"{spec.name}: {key} has no default text"
        folder = AGENTS_DIR / spec.name
        used = set()
        for path in folder.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "text"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    used.add(node.args[0].value)
        assert used <= set(spec.templates), (
            f"{spec.name} renders undeclared {used - set(spec.templates)}"
        )


def test_docs_agents_md_is_written_from_the_registry():
    assert DOC_PATH.read_text(encoding="utf-8") == agents_markdown(), (
        "docs/agents.md is stale: run `invekto agents --write`"
    )
