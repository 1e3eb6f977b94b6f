"""Act as a WhatsApp customer: sign and post the real webhook for a text to an Invekto URL."""

from __future__ import annotations

import datetime as dt
import json

import httpx

from invekto.channels.whatsapp.parse import build_text_webhook
from invekto.channels.whatsapp.signature import sign
from invekto.sandbox.graph import SANDBOX_GRAPH


async def post_customer_text(
    client: httpx.AsyncClient,
    *,
    base_url: str,
    app_secret: str,
    phone_number_id: str,
    display_phone_number: str,
    phone: str,
    text: str,
    name: str | None = None,
    timestamp: dt.datetime | None = None,
    message_id: str | None = None,
) -> tuple[str, httpx.Response]:
    """Post one signed text webhook; returns the WhatsApp message id and the response."""
    payload = build_text_webhook(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        sender=phone,
        text=text,
        name=name,
        timestamp=timestamp,
        message_id=message_id,
    )
    raw = json.dumps(payload, ensure_ascii=False).encode()
    SANDBOX_GRAPH.note_inbound(phone_number_id, phone, timestamp)
    response = await client.post(
        f"{base_url}/webhooks/whatsapp",
        content=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(app_secret, raw)},
    )
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"], response
