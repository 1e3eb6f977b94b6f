"""Talk to a running stack as a WhatsApp customer, the way production traffic arrives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP, DemoTenant
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
