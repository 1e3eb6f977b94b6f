"""The clinic agent's placeholder: a person answers clinic chats until it is built."""

from __future__ import annotations

from typing import Any

from invekto.agents.state import ConversationState


async def clinic_agent(state: ConversationState, runtime: Any) -> dict[str, Any]:
    return {"handoff_reason": "clinic_agent_not_available", "draft": None, "flow": None}
