"""ingest: take the inbound message into the state and reset the per-turn fields.

A message whose kind needs a person (``invekto.graphs.conversation.kinds``: a cart, a voice note,
a location...; the runner puts ``kind_reason`` and ``kind_note`` into the turn) goes from here
straight to ``handoff`` (``after_ingest``): no model reads it, and the turn's understanding says
what came, for the escalation note.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from invekto.agents.state import ConversationState
from invekto.core.text import bounded
from invekto.graphs.conversation.kinds import KindDecision, kind_understanding
from invekto.tools.context import TurnContext


async def ingest(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = state["turn"]
    # Everything after this node reads a bounded text (the stored message keeps it whole).
    text = bounded(turn["text"])
    update: dict[str, Any] = {
        "turn": {**turn, "text": text},
        "messages": [HumanMessage(content=text, id=turn["message_id"])],
        "tools": [],
        "actions": [],
        "draft": None,
        "interactive": None,
        "handoff_reason": None,
        "flow_answer": False,
        # The requests of this message (``understand`` sets them when it makes several).
        "parts": [],
        "part_text": None,
        "replies": [],
        "served": [],
        "resumed": None,
        "next_request": False,
        "situated": None,
        "computed": [],
        "published": [],
        "review": None,
    }
    reason = turn.get("kind_reason")
    if reason:
        language = state.get("language") or runtime.context.tenant.default_language
        decision = KindDecision("handoff", reason=reason, note=turn.get("kind_note"))
        update |= {
            "handoff_reason": reason,
            "understanding": kind_understanding(decision, language),
            "language": language,
            "route": "handoff",
            "agent": "none",
            "clarified": False,
        }
    return update


def after_ingest(state: ConversationState) -> str:
    """``handoff`` for a kind that needs a person, else ``understand``."""
    return "handoff" if state["turn"].get("kind_reason") else "understand"
