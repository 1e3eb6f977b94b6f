"""``docs/agents.md``, written from the registry (``invekto agents --write``; a test keeps the
file in step with the code)."""

from __future__ import annotations

from pathlib import Path

from invekto.agents.registry import NON_AGENT_AREAS, REGISTRY, VERTICALS, Registry

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "agents.md"


def _codes(items: object) -> str:
    names = sorted(items) if not isinstance(items, tuple) else list(items)  # type: ignore[arg-type]
    return ", ".join(f"`{n}`" for n in names) or "—"


def agents_markdown(registry: Registry = REGISTRY) -> str:
    lines = [
        "# Agents",
        "",
        "Written from the agent registry (`invekto/agents/registry.py`) by `invekto agents "
        "--write`; do not edit by hand.",
        "",
        "Each agent is a package under `invekto/agents/` exposing `AGENT = AgentSpec(...)` and "
        "one name in `registry.BUILT_IN`. The graph adds a node per agent, routing sends it the "
        "intents and signals it declares (within its verticals), decide reads its automation "
        "area, and the eval datasets may name it as `expect.agent`.",
        "",
        "| agent | verticals | intents | signals | automation area | tools |",
        "|---|---|---|---|---|---|",
    ]
    for spec in registry.all():
        area = (
            f"`{spec.automation_area}`"
            if isinstance(spec.automation_area, str)
            else "per intent: " + _codes(set(spec.automation_area.values()))
        )
        lines.append(
            f"| `{spec.name}` | {_codes(spec.verticals)} | {_codes(spec.intents)} | "
            f"{_codes(spec.signals)} | {area} | {_codes(tuple(t.name for t in spec.tools))} |"
        )
    lines += ["", "## What each does", ""]
    for spec in registry.all():
        flow = " Holds its flow until it ends." if spec.holds_flow else ""
        lines.append(f"- **{spec.name}**: {spec.description}{flow}")
        if spec.templates:
            lines.append(f"  Reply templates: {_codes(spec.templates)}.")
    lines += [
        "",
        "## Verticals",
        "",
        "| vertical | agents | takes every message | greeting | clarifying question |",
        "|---|---|---|---|---|",
    ]
    for profile in VERTICALS.values():
        agents = tuple(s.name for s in registry.for_vertical(profile.name))
        lines.append(
            f"| `{profile.name}` | {_codes(agents)} | "
            f"{f'`{profile.takes_all}`' if profile.takes_all else '—'} | "
            f"`{profile.greeting_template}` | `{profile.clarify_template}` |"
        )
    lines += [
        "",
        "Routes the graph answers itself (agent `none`): "
        + ", ".join(f"`{route}` (area `{area}`)" for route, area in NON_AGENT_AREAS.items())
        + ".",
        "",
    ]
    return "\n".join(lines)
