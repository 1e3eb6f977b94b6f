"""The agent registry: one entry per agent, read by the graph, routing, decide, the eval dataset
validator and the docs (``invekto agents``).

To add an agent: a package ``invekto/agents/<name>/`` exposing ``AGENT = AgentSpec(...)`` (see
``invekto.agents.spec``), and its name in :data:`BUILT_IN`. Nothing else changes.
"""

from __future__ import annotations

import importlib

from invekto.agents.spec import (
    NON_AGENT_AREAS,
    NON_AGENT_ROUTES,
    VERTICALS,
    AgentSpec,
    Registry,
    Vertical,
    vertical,
)

BUILT_IN = ("support", "returns", "b2b", "revenue", "clinic", "followup", "consent")
"""The agent packages, in routing priority (the first that takes an intent gets it)."""

REGISTRY = Registry()
for _name in BUILT_IN:
    REGISTRY.register(importlib.import_module(f"invekto.agents.{_name}").AGENT)

__all__ = [
    "BUILT_IN",
    "NON_AGENT_AREAS",
    "NON_AGENT_ROUTES",
    "REGISTRY",
    "VERTICALS",
    "AgentSpec",
    "Registry",
    "Vertical",
    "vertical",
]
