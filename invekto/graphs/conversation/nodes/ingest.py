"""ingest: take the inbound message into the state and reset the per-turn fields."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from invekto.agents.state import ConversationState
from invekto.core.text import bounded


async def ingest(state: ConversationState) -> dict[str, Any]:
    turn = state["turn"]
    # Everything after this node reads a bounded text (the stored message keeps it whole).
    text = bounded(turn["text"])
    return {
        "turn": {**turn, "text": text},
        "messages": [HumanMessage(content=text, id=turn["message_id"])],
        "tools": [],
        "actions": [],
        "draft": None,
        "handoff_reason": None,
        "flow_answer": False,
    }
