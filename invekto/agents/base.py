"""What every agent turn shares: calling tools with the runtime, rendering the tenant's texts,
and returning the reply, the proposed actions, the next flow and the tool log to the graph."""

from __future__ import annotations

import json
import warnings
from typing import Any

from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolRuntime
from langgraph.runtime import Runtime
from pydantic import BaseModel

from invekto.agents.state import ConversationState, ToolCallRecord
from invekto.core.tenant_settings import TenantSettings
from invekto.tools.actions import Action
from invekto.tools.context import TurnContext


class AgentTurn:
    """Collects what one agent turn does: tool calls, proposed actions, the reply, the next
    flow."""

    def __init__(self, name: str, state: ConversationState, runtime: Runtime[TurnContext]) -> None:
        self.name = name
        self.state = state
        self.context = runtime.context
        self.language = state.get("language", "tr")
        self.tools: list[ToolCallRecord] = list(state.get("tools", []))
        self.actions: list[Action] = []
        """What the turn's tools proposed: committed with the reply, or kept with a
        suggestion (``tools.actions``)."""
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
    def settings(self) -> TenantSettings:
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
        self.actions.extend(_proposals(result))
        return result

    def text(self, key: str, **values: Any) -> str:
        return self.context.ports.prompts.render(key, self.language, **values)

    def template(self, key: str) -> Any:
        return self.context.ports.prompts.template(key, self.language)

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
            "actions": [a.model_dump(mode="json") for a in self.actions],
            "active_agent": self.name if flow else None,
            "handoff_reason": handoff_reason,
        }
        if self.last_product is not None:
            update["last_product"] = self.last_product
        return update


def _proposals(result: Any) -> list[Action]:
    """The actions a tool's result carries (any field holding an ``Action``)."""
    if not isinstance(result, BaseModel):
        return []
    return [value for value in vars(result).values() if isinstance(value, Action)]


def _plain(value: Any) -> Any:
    """Tool arguments and results as JSON-ready data (they are checkpointed and logged)."""
    return json.loads(
        json.dumps(value, default=lambda o: o.model_dump(mode="json"), ensure_ascii=False)
    )
