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

from invekto.agents.dialogue import Focus, ProductFocus
from invekto.agents.state import ConversationState, ToolCallRecord, last_reply
from invekto.core.tenant_settings import TenantSettings
from invekto.nlu.situation import MARKETPLACE_STATES
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
        self.text_in: str = state.get("part_text") or state["turn"]["text"]
        """The request this agent serves: the message, or its part when it makes several."""
        self.flow: dict[str, Any] = state.get("flow") or {}
        self.focus: Focus = Focus(**(state.get("focus") or {}))
        """What the conversation is about (``agents.dialogue``): an agent that answers about an
        order or a product sets it, for the follow-ups of any agent."""
        self.sure = False
        """The agent's own reading of the message settles what it asks (a catalogue attribute
        named and found, a return reason stated): the reply does not wait on the intent
        model's confidence."""
        self.grounds: list[str] = []
        """Figures the agent computed from tool results (a total for a quantity): what the
        output guard may find in the reply besides the tool results."""
        self.published: list[str] = []
        """The tenant's own published details the reply names (a doctor's name): not PII to
        the output guard."""
        self.slots: dict[str, Any] = dict(state.get("slots") or {})
        """What the customer has stated so far (a return reason, a company...)."""
        self.review: str | None = None
        """Why the reply must wait for a person although it could go out by itself (an
        action over the tenant's auto-approve limit): ``decide`` makes it a suggestion."""

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
        return self.context.ports.prompts.render(key, self.language, self.name, **values)

    def template(self, key: str) -> Any:
        return self.context.ports.prompts.template(key, self.language, self.name)

    def situated(self, intent: str) -> dict[str, Any]:
        """The order's situation makes this request another one ("iade" for an order that has
        not shipped is a cancellation; "iptal" for a delivered one a return): the graph serves
        it again as ``intent`` (``collect``), with the order in focus and the tools called."""
        return {
            "situated": intent,
            "draft": None,
            "flow": None,
            "active_agent": None,
            "tools": self.tools,
            "focus": self.focus,
            "slots": self.slots,
        }

    def done(
        self,
        reply: str | None,
        *,
        flow: dict | None = None,
        handoff_reason: str | None = None,
        interactive: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        update = {
            "draft": reply,
            "interactive": interactive,
            "flow": flow,
            "tools": self.tools,
            # Earlier requests of the same message may have proposed actions too.
            "actions": [
                *self.state.get("actions", []),
                *(a.model_dump(mode="json") for a in self.actions),
            ],
            "active_agent": self.name if flow else None,
            "handoff_reason": handoff_reason,
        }
        update["focus"] = self.focus
        update["slots"] = self.slots
        if self.sure:
            update["flow_answer"] = True
        if self.grounds:
            update["computed"] = [*self.state.get("computed", []), *self.grounds]
        if self.published:
            update["published"] = [*self.state.get("published", []), *self.published]
        if self.review:
            update["review"] = self.review
        return update

    def last_reply(self) -> str:
        """What the bot said last in this conversation (the question a flow asked)."""
        return last_reply(self.state)

    def focus_on_order(self, order_number: str, status: str | None = None) -> None:
        """The conversation is about this order now; ``status``: its marketplace state."""
        if self.focus.get("order") != order_number:
            self.focus.pop("order_state", None)
        self.focus["order"] = order_number
        if status is not None:
            self.focus["order_state"] = MARKETPLACE_STATES.get(status)

    def focus_on_product(
        self, title: str, product_main_id: str, *, color: str | None, size: str | None
    ) -> None:
        self.focus["product"] = ProductFocus(
            title=title, product_main_id=product_main_id, color=color, size=size
        )


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
