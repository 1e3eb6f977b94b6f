"""Messages of one conversation are handled in order; conversations run side by side."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP, MEHMET_PHONE
from invekto.simulate import turn_result
from invekto.storage.models import AutoReplyLog, Message


async def burst(stack, phone: str, texts: list[str]) -> list[str]:
    """Post the texts back to back without waiting for replies; returns the WhatsApp ids."""
    ids = []
    async with httpx.AsyncClient() as client:
        for text in texts:
            wa_id, response = await post_customer_text(
                client,
                base_url=stack.base_url,
                app_secret=stack.settings.whatsapp_app_secret,
                phone_number_id=DEMO_SHOP.phone_number_id,
                display_phone_number=DEMO_SHOP.display_phone_number,
                phone=phone,
                text=text,
            )
            assert response.status_code == 200
            ids.append(wa_id)
    return ids


async def test_a_burst_is_processed_in_order_and_parallel_conversations_finish(stack, session):
    texts = ["merhaba", "kargom nerede", "teşekkürler"]
    ayse, mehmet = await asyncio.gather(
        burst(stack, AYSE_PHONE, texts), burst(stack, MEHMET_PHONE, texts)
    )
    turns = [await turn_result(stack.services, wa_id) for wa_id in ayse + mehmet]

    assert [t["intent"] for t in turns] == ["greeting", "order_status", "thanks"] * 2
    assert all(t["outcome"] == "auto_reply" for t in turns)
    for ids in (ayse, mehmet):
        decided = (
            (
                await session.execute(
                    select(Message.wa_message_id)
                    .join(AutoReplyLog, AutoReplyLog.inbound_message_id == Message.id)
                    .where(Message.wa_message_id.in_(ids))
                    .order_by(AutoReplyLog.created_at)
                )
            )
            .scalars()
            .all()
        )
        assert decided == ids
