"""The LLM fallback on the wire: the real ``ChatOpenAI`` from ``build_chat_model`` talks over
real HTTP to a stand-in that speaks the OpenAI Chat Completions format. Only loopback
connections are allowed in this module (no tiktoken download, no telemetry)."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from invekto.nlu.llm import LLMUnderstander, system_prompt, with_llm
from invekto.nlu.taxonomy import INTENTS
from invekto.nlu.types import Entities, Understanding
from tests.conftest import make_settings
from tests.support.openai_server import OpenAIStandIn
from tests.support.server import serve

TEXT = "aldığım elbise bana olmadı parasını geri alabilir miyim 10654400001"
API_KEY = "sk-test-wire-key"
UNSURE = Understanding(
    language="tr",
    intent="exchange_request",
    confidence=0.41,
    entities=Entities(order_numbers=["10654400001"]),
    signals=[],
    source="local",
)


class StubLocal:
    def __init__(self, result: Understanding) -> None:
        self.result = result

    async def understand(
        self,
        text: str,
        *,
        tenant_slug: str,
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Understanding:
        return self.result


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[OpenAIStandIn, str]]:
    server = OpenAIStandIn()
    with serve(server.app) as base:
        yield server, base


@pytest.fixture
def openai(stand_in: tuple[OpenAIStandIn, str]) -> Iterator[OpenAIStandIn]:
    server, _ = stand_in
    server.reset()
    yield server
    server.reset()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse any connection or name lookup that is not loopback, and keep tracing off."""
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    refused: list[Any] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            if not ipaddress.ip_address(address[0]).is_loopback:
                refused.append(address)
                raise OSError(f"test: no network ({address})")
        return real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "localhost", "127.0.0.1", "::1", b"127.0.0.1", b"localhost"):
            refused.append(host)
            raise OSError(f"test: no name lookup ({host})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield refused
    assert refused == [], f"something tried to reach the network: {refused}"


def understander(
    base: str, tmp_path, local: Understanding = UNSURE, **overrides: Any
) -> LLMUnderstander:
    values: dict[str, Any] = {
        "llm_model": "gpt-4o-mini",
        "llm_base_url": f"{base}/v1",
        "llm_api_key": API_KEY,
        "llm_timeout_s": 10.0,  # the wire format is tested, not the speed (a loaded CI box)
    }
    values.update(overrides)
    wrapped = with_llm(StubLocal(local), make_settings(tmp_path, **values))
    assert isinstance(wrapped, LLMUnderstander)
    return wrapped


async def test_the_request_and_the_parsed_answer(stand_in, openai, tmp_path):
    _, base = stand_in
    openai.reply({"intent": "return_request", "confidence": 0.88, "language": "tr"})
    llm = understander(base, tmp_path)

    result = await llm.understand(TEXT, tenant_slug="demo-shop")

    assert result.source == "llm"
    assert (result.intent, result.confidence, result.language) == ("return_request", 0.88, "tr")
    assert result.entities.order_numbers == ["10654400001"]

    [request] = openai.requests
    assert request.authorization == f"Bearer {API_KEY}"
    body = request.body
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": TEXT},
    ]
    assert body["temperature"] == 0
    assert "tools" not in body and not body.get("stream")
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    json_schema = response_format["json_schema"]
    assert (json_schema["name"], json_schema["strict"]) == ("IntentChoice", True)
    schema = json_schema["schema"]
    fields = ["intent", "confidence", "language", "return_reason", "rationale"]
    assert list(schema["properties"]) == fields
    assert sorted(schema["required"]) == sorted(fields)  # strict: every key required
    assert schema["additionalProperties"] is False
    assert schema["properties"]["intent"]["enum"] == INTENTS
    assert schema["properties"]["language"]["enum"] == ["tr", "en", "ar"]


async def test_the_return_reason_from_the_llm(stand_in, openai, tmp_path):
    _, base = stand_in
    openai.reply(
        {
            "intent": "return_request",
            "confidence": 0.9,
            "language": "tr",
            "return_reason": "size",
            "rationale": "bedeni olmamış, iade istiyor",
        }
    )

    result = await understander(base, tmp_path).understand(TEXT, tenant_slug="demo-shop")

    assert (result.source, result.entities.return_reason) == ("llm", "size")


async def test_without_an_api_key_a_placeholder_is_sent(stand_in, openai, tmp_path):
    _, base = stand_in
    openai.reply({"intent": "other", "confidence": 0.7, "language": "en"})

    await understander(base, tmp_path, llm_api_key=None).understand("hmm", tenant_slug="t")

    assert openai.requests[0].authorization == "Bearer not-set"


async def test_a_confident_local_answer_sends_nothing(stand_in, openai, tmp_path):
    _, base = stand_in
    confident = UNSURE.model_copy(update={"intent": "order_status", "confidence": 0.97})

    result = await understander(base, tmp_path, local=confident).understand(
        "kargom nerede", tenant_slug="demo-shop"
    )

    assert result == confident
    assert openai.requests == []


@pytest.mark.parametrize("status", [500, 429])
async def test_a_server_error_falls_back_to_local(stand_in, openai, tmp_path, status):
    _, base = stand_in
    openai.fail(status, times=2)

    result = await understander(base, tmp_path).understand(TEXT, tenant_slug="demo-shop")

    assert result == UNSURE
    assert len(openai.requests) == 2  # max_retries=1: one retry, then the local answer
    assert openai.pending() == 0


async def test_a_timeout_falls_back_to_local(stand_in, openai, tmp_path):
    _, base = stand_in
    openai.delay(10.0, then={"intent": "complaint", "confidence": 0.9, "language": "tr"})
    llm = understander(base, tmp_path, llm_timeout_s=0.5)

    started = time.monotonic()
    result = await llm.understand(TEXT, tenant_slug="demo-shop")

    assert result == UNSURE
    assert time.monotonic() - started < 2.0
    assert len(openai.requests) == 1


async def test_a_refusal_falls_back_to_local(stand_in, openai, tmp_path):
    _, base = stand_in
    openai.refuse("I can't help with that request.")

    result = await understander(base, tmp_path).understand(TEXT, tenant_slug="demo-shop")

    assert result == UNSURE
    assert len(openai.requests) == 1


@pytest.mark.parametrize(
    "content",
    [
        {"intent": "refund_now", "confidence": 0.9, "language": "tr"},
        {"intent": "return_request", "confidence": 0.9},
        "Sure! The intent is return_request.",
    ],
    ids=["unknown-intent", "missing-language", "not-json"],
)
async def test_an_answer_outside_the_schema_falls_back_to_local(
    stand_in, openai, tmp_path, content
):
    _, base = stand_in
    openai.reply(content)

    result = await understander(base, tmp_path).understand(TEXT, tenant_slug="demo-shop")

    assert result == UNSURE
    assert len(openai.requests) == 1


async def test_the_model_is_reused_across_messages(stand_in, openai, tmp_path):
    _, base = stand_in
    openai.reply({"intent": "greeting", "confidence": 0.95, "language": "tr"})
    openai.reply({"intent": "thanks", "confidence": 0.95, "language": "en"})
    llm = understander(base, tmp_path)

    first = await llm.understand("selamlar efendim", tenant_slug="demo-shop")
    second = await llm.understand("thx a lot", tenant_slug="demo-shop")

    assert (first.intent, second.intent, second.language) == ("greeting", "thanks", "en")
    assert [r.body["messages"][1]["content"] for r in openai.requests] == [
        "selamlar efendim",
        "thx a lot",
    ]
