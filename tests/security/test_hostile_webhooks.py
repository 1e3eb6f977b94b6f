"""Hostile webhook input (issue 20, items 1, 4, 5): every message of a delivery is stored or
refused on its own, nothing valid is lost, nothing answers 500, nothing unsigned is stored, and a
huge message is cut to WhatsApp's own limit and still answered."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from invekto.channels.base import MAX_TEXT_CHARS
from invekto.channels.whatsapp.parse import build_text_webhook, new_message_id
from invekto.channels.whatsapp.signature import sign
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP
from invekto.simulate import turn_result
from invekto.storage.models import Customer, Message, WebhookEvent


def _payload(text: str = "kargom nerede", **kwargs) -> dict:
    return build_text_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        sender=kwargs.pop("sender", AYSE_PHONE),
        text=text,
        **kwargs,
    )


async def _post(stack, body: bytes, *, signed: bool = True) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["X-Hub-Signature-256"] = sign(stack.settings.whatsapp_app_secret, body)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as client:
        return await client.post("/webhooks/whatsapp", content=body, headers=headers)


async def _count(session, model, *conditions) -> int:
    session.expire_all()
    return await session.scalar(select(func.count()).select_from(model).where(*conditions))


def _with_second_message(payload: dict, message: dict) -> dict:
    payload["entry"][0]["changes"][0]["value"]["messages"].append(message)
    return payload


def _message(**overrides) -> dict:
    message = {
        "from": AYSE_PHONE,
        "id": new_message_id(),
        "timestamp": "1764000000",
        "type": "text",
        "text": {"body": "merhaba"},
    }
    return {**message, **overrides}


@pytest.mark.parametrize(
    ("label", "text"),
    [("nul", "kargom\x00 nerede"), ("lone surrogate", "kargom \ud800 nerede")],
)
async def test_unstorable_characters_are_replaced_and_the_message_is_stored(
    stack, session, label, text
):
    body = json.dumps(_payload(text)).encode()  # ensure_ascii: "\\u0000", "\\ud800"
    response = await _post(stack, body)
    assert response.status_code == 200, (label, response.text)
    [stored] = (await session.scalars(select(Message).where(Message.direction == "in"))).all()
    assert "\x00" not in stored.text and "\ufffd" in stored.text


async def test_a_bad_message_is_refused_alone_and_its_valid_neighbour_is_stored(stack, session):
    good = _message()
    payload = _with_second_message(_payload(), _message(id="w" * 301))
    payload = _with_second_message(payload, _message(**{"from": "9" * 40}))
    payload = _with_second_message(payload, good)
    response = await _post(stack, json.dumps(payload).encode())
    assert response.status_code == 200
    assert response.json()["stored"] == 2 and response.json()["unknown"] == 2
    ids = set(await session.scalars(select(Message.wa_message_id)))
    assert good["id"] in ids and "w" * 301 not in ids
    assert await _count(session, WebhookEvent, WebhookEvent.problem == "unknown_shape") == 2


async def test_a_long_profile_name_is_cut_not_refused(stack, session):
    body = json.dumps(_payload(name="Ayşe " * 100, sender="905551234567")).encode()
    response = await _post(stack, body)
    assert response.status_code == 200 and response.json()["stored"] == 1
    customer = await session.scalar(select(Customer).where(Customer.phone == "905551234567"))
    assert 0 < len(customer.name) <= 200


async def test_deeply_nested_json_is_a_400(stack, session):
    depth = 100_000
    body = ("[" * depth + "]" * depth).encode()
    response = await _post(stack, body)
    assert response.status_code == 400
    nested = _payload()
    nested["entry"][0]["deep"] = json.loads("[" * 60 + "]" * 60)
    response = await _post(stack, json.dumps(nested).encode())
    assert response.status_code == 400


async def test_unsigned_bodies_are_never_stored(stack, session):
    small = await _post(stack, json.dumps(_payload()).encode(), signed=False)
    assert small.status_code == 401
    big = await _post(stack, b"{" + b" " * 1_100_000 + b"}", signed=False)
    assert big.status_code == 413
    assert await _count(session, WebhookEvent) == 0
    assert await _count(session, Message) == 0


async def test_a_huge_single_word_is_cut_to_the_whatsapp_limit_and_answered(stack, session):
    payload = _payload("a" * 100_000)
    wa_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    response = await _post(stack, json.dumps(payload).encode())
    assert response.status_code == 200
    [stored] = (await session.scalars(select(Message).where(Message.wa_message_id == wa_id))).all()
    assert len(stored.text) == MAX_TEXT_CHARS
    turn = await turn_result(stack.services, wa_id, timeout_s=60)
    assert turn["outcome"] in ("auto_reply", "handoff", "suggestion")
