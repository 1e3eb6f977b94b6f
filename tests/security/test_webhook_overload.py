"""An overloaded process (no database connection free) asks Meta to deliver again: a 503 with
Retry-After, never a 500, and nothing half-stored."""

from __future__ import annotations

import httpx
import sqlalchemy.exc

from invekto.api.routes import webhooks
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP


async def test_no_free_connection_is_a_503_to_retry(stack, monkeypatch):
    async def exhausted(*args, **kwargs):
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    monkeypatch.setattr(webhooks, "ingest", exhausted)
    async with httpx.AsyncClient(timeout=10) as client:
        _, response = await post_customer_text(
            client,
            base_url=stack.base_url,
            app_secret=stack.settings.whatsapp_app_secret,
            phone_number_id=DEMO_SHOP.phone_number_id,
            display_phone_number=DEMO_SHOP.display_phone_number,
            phone=AYSE_PHONE,
            text="kargom nerede",
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "deliver again" in response.json()["detail"]
