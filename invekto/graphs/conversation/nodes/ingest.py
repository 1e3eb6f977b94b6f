"""ingest: take the inbound message into the state and reset the per-turn fields."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from invekto.agents.state import ConversationState


async def ingest(state: ConversationState) -> dict[str, Any]:
    turn = state["turn"]
    text = turn["text"].strip()
    return {
        "messages": [HumanMessage(content=text, id=turn["message_id"])],
        "tools": [],
        "actions": [],
        "draft": None,
        "handoff_reason": None,
        "flow_answer": False,
    }
