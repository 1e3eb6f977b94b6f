"""A scripted chat model: answers from a list of pre-set replies, in order, with no network.

Each entry of ``replies`` is one answer:

- a ``dict`` or a pydantic model: a tool call with those arguments, named after the first bound
  tool (``with_structured_output`` binds the schema as a tool), or JSON content if none is bound;
- a ``str``: plain content (e.g. raw JSON);
- an ``AIMessage``: returned as is;
- an exception instance: raised;
- ``Sleep(seconds, then)``: waits (asynchronously), then answers ``then``.

Every call's messages are kept in ``calls`` and its keyword arguments (tools, tool_choice) in
``call_kwargs``; ``model.with_structured_output(Schema)`` works through ``bind_tools``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds`` before answering ``then`` (to overrun a timeout)."""

    seconds: float
    then: Any = None


class ScriptedChatModel(BaseChatModel):
    replies: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    call_kwargs: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, AIMessage]:
        formatted = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
        self.calls.append(list(messages))
        self.call_kwargs.append(dict(kwargs))
        if not self.replies:
            raise AssertionError("ScriptedChatModel: no scripted reply left")
        return self.replies.pop(0)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages, kwargs)
        if isinstance(reply, Sleep):
            time.sleep(reply.seconds)
            reply = reply.then
        return _result(reply, kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages, kwargs)
        if isinstance(reply, Sleep):
            await asyncio.sleep(reply.seconds)
            reply = reply.then
        return _result(reply, kwargs)


def _result(reply: Any, kwargs: dict[str, Any]) -> ChatResult:
    if isinstance(reply, BaseException):
        raise reply
    return ChatResult(generations=[ChatGeneration(message=_message(reply, kwargs))])


def _message(reply: Any, kwargs: dict[str, Any]) -> AIMessage:
    if isinstance(reply, AIMessage):
        return reply
    if isinstance(reply, str):
        return AIMessage(content=reply)
    if isinstance(reply, BaseModel):
        reply = reply.model_dump()
    if isinstance(reply, dict):
        tools = kwargs.get("tools") or []
        if not tools:
            return AIMessage(content=json.dumps(reply))
        name = tools[0]["function"]["name"]
        return AIMessage(
            content="",
            tool_calls=[{"name": name, "args": reply, "id": "call_scripted", "type": "tool_call"}],
        )
    raise TypeError(f"ScriptedChatModel cannot answer with {type(reply).__name__}")
