"""Messages of one conversation are handled in order; conversations run side by side."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from invekto.sandbox.demo import AYSE_PHONE, MEHMET_PHONE
from invekto.simulate import turn_result
from invekto.storage.models import AutoReplyLog, Message
from tests.support.chat import post_text


async def burst(stack, phone: str, texts: list[str]) -> list[str]:
    """Post the texts back to back without waiting for replies; returns the WhatsApp ids."""
    return [await post_text(stack, text, phone=phone) for text in texts]


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
