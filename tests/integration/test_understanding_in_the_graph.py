"""The understanding layer inside the running graph: the LLM fallback for unsure messages, the
tenant's bulk threshold, and the record of which layer understood a turn."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from invekto.nlu.llm import LLMUnderstander
from invekto.sandbox.demo import AYSE_PHONE
from invekto.storage.models import Tenant
from tests.support.chat import say
from tests.support.scripted_llm import ScriptedChatModel, Sleep

UNCLEAR = "şey hani o geçen şey"  # the local model cannot place it


@pytest.fixture
def with_llm(stack):
    local = stack.services.understander

    def install(*replies):
        model = ScriptedChatModel(replies=list(replies))
        stack.services.understander = LLMUnderstander(
            local, model, below_confidence=0.9, timeout_s=0.5
        )
        return model

    yield install
    stack.services.understander = local


async def test_an_unsure_message_is_decided_by_the_llm(stack, with_llm):
    model = with_llm({"intent": "return_request", "confidence": 0.92, "language": "tr"})

    turn = await say(stack, UNCLEAR, phone=AYSE_PHONE)

    assert (turn["intent"], turn["understood_by"], turn["agent"]) == (
        "return_request",
        "llm",
        "returns",
    )
    assert len(model.calls) == 1
    assert model.calls[0][-1].content == UNCLEAR


async def test_an_llm_error_or_timeout_falls_back_to_the_local_result(stack, with_llm):
    with_llm(RuntimeError("LLM is down"), Sleep(5, then={"intent": "greeting"}))

    first = await say(stack, UNCLEAR, phone=AYSE_PHONE)
    second = await say(stack, "hmm o şey işte", phone=AYSE_PHONE)

    assert first["understood_by"] == second["understood_by"] == "local"
    assert first["outcome"] == "auto_reply"  # a clarifying question
    assert second["outcome"] == "handoff"  # unclear twice: a human


async def test_a_confident_local_result_never_asks_the_llm(stack, with_llm):
    model = with_llm()

    turn = await say(stack, "kargom nerede", phone=AYSE_PHONE)

    assert (turn["intent"], turn["understood_by"]) == ("order_status", "local")
    assert model.calls == []


async def test_the_bulk_threshold_is_the_tenants(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo-shop"))
    tenant.settings = {**tenant.settings, "nlu": {**tenant.settings["nlu"], "bulk_threshold": 200}}
    await session.commit()

    small = await say(stack, "30 adet gömlek lazım", phone="905441112233")
    big = await say(stack, "250 adet gömlek lazım", phone="905441112244")

    assert small["agent"] != "b2b"
    assert big["agent"] == "b2b"
