"""Talk to a running stack as a WhatsApp customer, the way production traffic arrives."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from invekto.channels.whatsapp.parse import build_message_webhook, new_message_id
from invekto.channels.whatsapp.signature import sign
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP, DemoTenant
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.simulate import turn_result
from invekto.stack import Stack


async def post_text(
    stack: Stack,
    text: str,
    *,
    phone: str = AYSE_PHONE,
    tenant: DemoTenant = DEMO_SHOP,
    name: str | None = None,
    timestamp: dt.datetime | None = None,
) -> str:
    """Post one signed text webhook (without waiting for the reply); returns its WhatsApp id."""
    async with httpx.AsyncClient(timeout=30) as client:
        wa_id, response = await post_customer_text(
            client,
            base_url=stack.base_url,
            app_secret=stack.settings.whatsapp_app_secret,
            phone_number_id=tenant.phone_number_id,
            display_phone_number=tenant.display_phone_number,
            phone=phone,
            text=text,
            name=name,
            timestamp=timestamp,
        )
    assert response.status_code == 200, response.text
    return wa_id


async def say(
    stack: Stack,
    text: str,
    *,
    timeout_s: float = 30.0,
    **kwargs: Any,
) -> dict[str, Any]:
    """Post one signed text webhook and wait for the turn's decision and reply."""
    wa_id = await post_text(stack, text, **kwargs)
    result = await turn_result(stack.services, wa_id, timeout_s=timeout_s)
    result["wa_message_id"] = wa_id
    return result


async def tap(
    stack: Stack,
    button_id: str,
    title: str,
    *,
    phone: str = AYSE_PHONE,
    tenant: DemoTenant = DEMO_SHOP,
    timestamp: dt.datetime | None = None,
    template: bool = False,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Tap a reply button of the last message and wait for the turn: an interactive message's
    (``interactive.button_reply``), or with ``template`` a template's quick reply (``button``
    with its payload)."""
    message: dict[str, Any] = {
        "from": phone,
        "id": new_message_id(),
        "timestamp": str(int((timestamp or dt.datetime.now(dt.UTC)).timestamp())),
    }
    if template:
        message |= {"type": "button", "button": {"payload": button_id, "text": title}}
    else:
        message |= {
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": button_id, "title": title},
            },
        }
    payload = build_message_webhook(
        phone_number_id=tenant.phone_number_id,
        display_phone_number=tenant.display_phone_number,
        message=message,
    )
    raw = json.dumps(payload, ensure_ascii=False).encode()
    SANDBOX_GRAPH.note_inbound(tenant.phone_number_id, phone, timestamp)
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{stack.base_url}/webhooks/whatsapp",
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(stack.settings.whatsapp_app_secret, raw),
            },
        )
    assert response.status_code == 200, response.text
    result = await turn_result(stack.services, message["id"], timeout_s=timeout_s)
    result["wa_message_id"] = message["id"]
    return result
