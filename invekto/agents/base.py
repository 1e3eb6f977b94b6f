"""What every agent turn shares: calling tools with the runtime, rendering the tenant's texts,
and returning the reply, the next flow and the tool log to the graph."""

from __future__ import annotations

import json
import warnings
from typing import Any

from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolRuntime
from langgraph.runtime import Runtime

from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState, ToolCallRecord
from invekto.prompts import render, template


class AgentTurn:
    """Collects what one agent turn does: tool calls, the reply, the next flow."""

    def __init__(self, name: str, state: ConversationState, runtime: Runtime[TurnContext]) -> None:
        self.name = name
        self.state = state
        self.context = runtime.context
        self.language = state.get("language", "tr")
        self.tools: list[ToolCallRecord] = list(state.get("tools", []))
        self.understanding: dict[str, Any] = state.get("understanding", {})
        self.entities: dict[str, Any] = self.understanding.get("entities", {})
        self.text_in: str = state["turn"]["text"]
        self.flow: dict[str, Any] = state.get("flow") or {}
        self.last_product: dict[str, Any] | None = None
        """Set by an agent that answered about a product: kept in the state for follow-ups."""

    @property
    def intent(self) -> str:
        return self.understanding.get("intent", "other")

    @property
    def settings(self) -> dict[str, Any]:
        return self.context.tenant.settings

    async def call(self, tool: BaseTool, **args: Any) -> Any:
        tool_runtime = ToolRuntime(
            state=self.state,
            context=self.context,
            config={},
            stream_writer=lambda _: None,
            tool_call_id=f"{tool.name}-{len(self.tools)}",
            store=None,
        )
        with warnings.catch_warnings():
            # ToolRuntime's generic context field makes pydantic warn while serialising it.
            warnings.filterwarnings("ignore", "Pydantic serializer warnings", UserWarning)
            result = await tool.ainvoke({**args, "runtime": tool_runtime})
        self.tools.append(
            ToolCallRecord(
                name=tool.name, args=_plain(args), result=json.dumps(_plain(result))[:2000]
            )
        )
        return result

    def text(self, key: str, **values: Any) -> str:
        return render(key, self.language, self.settings, **values)

    def template(self, key: str) -> Any:
        return template(key, self.language, self.settings)

    def done(
        self,
        reply: str | None,
        *,
        flow: dict | None = None,
        handoff_reason: str | None = None,
    ) -> dict[str, Any]:
        update = {
            "draft": reply,
            "flow": flow,
            "tools": self.tools,
            "active_agent": self.name if flow else None,
            "handoff_reason": handoff_reason,
        }
        if self.last_product is not None:
            update["last_product"] = self.last_product
        return update


def _plain(value: Any) -> Any:
    """Tool arguments and results as JSON-ready data (they are checkpointed and logged)."""
    return json.loads(
        json.dumps(value, default=lambda o: o.model_dump(mode="json"), ensure_ascii=False)
    )
