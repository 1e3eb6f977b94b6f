"""Hostile carts, contact lists and flow responses: a signed body just under 1 MB with each is
stored with its fields cut to their bounds (the parts left out named in ``details.problems``),
next to a valid neighbour, and handed to a person, never a 500."""

from __future__ import annotations

import json
import time

import httpx
from sqlalchemy import select

from invekto.channels.base import (
    MAX_CONTACTS,
    MAX_DETAIL_CHARS,
    MAX_ORDER_ITEMS,
    MAX_PROBLEMS,
)
from invekto.channels.whatsapp.parse import build_message_webhook, new_message_id
from invekto.channels.whatsapp.signature import sign
from invekto.sandbox.demo import DEMO_SHOP
from invekto.storage.models import Conversation, Message
from tests.support.waiting import wait_for

SENDER = "905550009901"


def _item(kind: str, content: object) -> dict:
    return {
        "from": SENDER,
        "id": new_message_id(),
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: content,
    }


async def _post(stack, payload: dict) -> httpx.Response:
    body = json.dumps(payload).encode()
    assert len(body) < stack.settings.max_webhook_body_bytes
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(stack.settings.whatsapp_app_secret, body),
    }
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as client:
        return await client.post("/webhooks/whatsapp", content=body, headers=headers)


async def test_huge_carts_contacts_and_flows_are_bounded_and_handed_over(stack, session):
    cart = _item(
        "order",
        {
            "catalog_id": "1" * 5000,
            "product_items": [
                {"product_retailer_id": "X" * 10, "quantity": 1, "item_price": 1, "currency": "T"}
            ]
            * 6000
            + ["not an item"],
        },
    )
    card = {"name": {"formatted_name": "Ad " * 20_000}, "phones": [{"phone": "1"}] * 500}
    contacts = _item("contacts", [card] * 3 + [17] * 50)
    deep = "[" * 10_000 + "]" * 10_000
    flow = _item(
        "interactive",
        {"type": "nfm_reply", "nfm_reply": {"name": "flow", "response_json": deep}},
    )
    wide = _item(
        "interactive",
        {
            "type": "nfm_reply",
            "nfm_reply": {
                "name": "flow",
                "response_json": json.dumps({f"k{i}": "v" * 20 for i in range(400)}),
            },
        },
    )
    neighbour = _item("text", {"body": "merhaba"})
    payload = build_message_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        message=cart,
    )
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] += [contacts, flow, wide, neighbour]

    response = await _post(stack, payload)

    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 5
    ids = [m["id"] for m in value["messages"]]

    async def processed():
        rows = (await session.scalars(select(Message).where(Message.wa_message_id.in_(ids)))).all()
        for row in rows:
            await session.refresh(row)
        done = len(rows) == 5 and all(row.status == "processed" for row in rows)
        return {row.wa_message_id: row for row in rows} if done else None

    stored = await wait_for(processed, timeout_s=60)
    order = stored[cart["id"]].payload["details"]["order"]
    assert len(order["items"]) == MAX_ORDER_ITEMS
    assert order["items_dropped"] == 6001 - MAX_ORDER_ITEMS
    assert len(order["catalog_id"]) == MAX_DETAIL_CHARS
    cards = stored[contacts["id"]].payload["details"]
    assert len(cards["contacts"]) == 3 and len(cards["contacts"][0]["name"]) == MAX_DETAIL_CHARS
    assert cards["problems"][0] == f"{53 - MAX_CONTACTS} contacts beyond {MAX_CONTACTS}"
    assert len(cards["problems"]) == MAX_PROBLEMS  # and 17 "not an object", cut
    assert stored[flow["id"]].payload["details"]["problems"] == ["flow response is not JSON"]
    assert len(stored[wide["id"]].payload["details"]["flow"]["response"]) < 400
    assert stored[neighbour["id"]].text == "merhaba"
    conversation = await session.get(Conversation, stored[cart["id"]].conversation_id)
    await session.refresh(conversation)
    assert conversation.status == "waiting_human"
    assert conversation.escalation["reason"] == "message_kind:order"
