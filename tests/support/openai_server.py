"""A stand-in for an OpenAI-compatible server: ``POST /v1/chat/completions`` in the real wire
format, answered from a script, for real-HTTP tests of ``ChatOpenAI``.

    stand_in = OpenAIStandIn()
    stand_in.reply({"intent": "return_request", "confidence": 0.9, "language": "tr"})
    stand_in.fail(500, times=2)
    stand_in.delay(3.0, then={...})
    with serve(stand_in.app) as base:          # tests/support/server.py
        ChatOpenAI(base_url=f"{base}/v1", ...)
    stand_in.requests[0].body["response_format"]

Each request takes the next scripted answer. For a ``response_format`` of type ``json_schema``
a dict answer becomes the JSON content, with the schema's missing nullable properties filled
with ``null`` (strict schemas require every key). With ``tools`` in the request a dict answer
becomes a call of the first tool. A ``str`` is sent as the content as is. With nothing
scripted the server answers 500, so a test notices an unexpected call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class RecordedRequest:
    body: dict[str, Any]
    authorization: str | None
    headers: dict[str, str]


@dataclass(frozen=True)
class _Reply:
    content: Any
    delay_s: float = 0.0


@dataclass(frozen=True)
class _Refusal:
    text: str


@dataclass(frozen=True)
class _Failure:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    429: "rate_limit_exceeded",
}


class OpenAIStandIn:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._script: deque[_Reply | _Refusal | _Failure] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.app = FastAPI(title="OpenAI stand-in")
        self.app.add_api_route("/v1/chat/completions", self._completions, methods=["POST"])

    # --- scripting -----------------------------------------------------------------------------
    def reply(self, content: dict[str, Any] | str) -> OpenAIStandIn:
        """Answer the next request with ``content`` (JSON object, tool arguments or text)."""
        return self._push(_Reply(content))

    def delay(self, seconds: float, then: dict[str, Any] | str = "") -> OpenAIStandIn:
        """Wait ``seconds`` (or until the client gives up), then answer ``then``."""
        return self._push(_Reply(then, delay_s=seconds))

    def refuse(self, text: str = "I can't help with that.") -> OpenAIStandIn:
        """Answer with a structured-output refusal (``message.refusal``, no content)."""
        return self._push(_Refusal(text))

    def fail(
        self, status: int, *, times: int = 1, retry_after_ms: int | None = 10
    ) -> OpenAIStandIn:
        """Answer the next ``times`` requests with an OpenAI error body and ``status``. The
        ``retry-after-ms`` header (default 10 ms) keeps the SDK's retry fast."""
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
        message = "Rate limit reached" if status == 429 else "The server had an error"
        for _ in range(times):
            self._push(_Failure(status, message, headers))
        return self

    def reset(self) -> None:
        """Forget the script and the recorded requests (between tests on one server)."""
        with self._lock:
            self._script.clear()
        self.requests.clear()

    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def _push(self, entry: _Reply | _Refusal | _Failure) -> OpenAIStandIn:
        with self._lock:
            self._script.append(entry)
        return self

    def _pop(self) -> _Reply | _Refusal | _Failure:
        with self._lock:
            if self._script:
                return self._script.popleft()
        return _Failure(500, "OpenAI stand-in: nothing scripted for this request")

    # --- the endpoint --------------------------------------------------------------------------
    async def _completions(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(
            RecordedRequest(
                body=body,
                authorization=request.headers.get("authorization"),
                headers=dict(request.headers),
            )
        )
        entry = self._pop()
        if isinstance(entry, _Failure):
            return _error(entry)
        if isinstance(entry, _Reply) and entry.delay_s:
            await _sleep_unless_disconnected(request, entry.delay_s)
        return JSONResponse(self._completion(body, entry))

    def _completion(self, body: dict[str, Any], entry: _Reply | _Refusal) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish_reason = "stop"
        if isinstance(entry, _Refusal):
            message["refusal"] = entry.text
        elif isinstance(entry.content, str):
            message["content"] = entry.content
        elif body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message["tool_calls"] = [
                {
                    "id": f"call_{next(self._ids)}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(entry.content)},
                }
            ]
            finish_reason = "tool_calls"
        else:
            message["content"] = json.dumps(_fill_nullable(body, entry.content))
        prompt_tokens = sum(len(str(m.get("content") or "")) // 4 for m in body["messages"])
        completion_tokens = len(str(message["content"] or "")) // 4 + 1
        return {
            "id": f"chatcmpl-standin{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_standin",
            "service_tier": "default",
        }


def _fill_nullable(body: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    """Add the schema's missing properties that may be null, as a strict-mode server would."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") != "json_schema":
        return content
    schema = response_format.get("json_schema", {}).get("schema", {})
    filled = dict(content)
    for name, prop in schema.get("properties", {}).items():
        if name not in filled and _nullable(prop):
            filled[name] = None
    return filled


def _nullable(prop: dict[str, Any]) -> bool:
    kinds = prop.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    return any(_nullable(option) for option in prop.get("anyOf", []))


def _error(failure: _Failure) -> JSONResponse:
    error_type = _ERROR_TYPES.get(failure.status, "server_error")
    return JSONResponse(
        {"error": {"message": failure.message, "type": error_type, "param": None, "code": None}},
        status_code=failure.status,
        headers=failure.headers,
    )


async def _sleep_unless_disconnected(request: Request, seconds: float) -> None:
    """Sleep, but stop as soon as the client hangs up (so server shutdown never waits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.02)
