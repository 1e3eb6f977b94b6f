"""Status callbacks are matched by message id AND the number they came through (issue 20,
item 12), and callbacks for ids that never became ours are kept a day, not forever."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select, update

from invekto.channels.whatsapp.ingest import EARLY_STATUS, expire_early_statuses
from invekto.channels.whatsapp.parse import build_status_webhook
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import Conversation, Message, WebhookEvent
from tests.security.test_hostile_webhooks import _post
from tests.support.chat import say


async def test_a_failure_through_another_tenants_number_changes_nothing(stack, session):
    # Only the callbacks this test sends: the stand-in's own sent/delivered/read would change
    # the status it compares while they arrive.
    SANDBOX_GRAPH.status_callbacks = False
    turn = await say(stack, "kargom nerede")
    assert turn["outcome"] == "auto_reply"
    session.expire_all()
    reply = await session.scalar(
        select(Message).where(Message.direction == "out", Message.wa_message_id.is_not(None))
    )
    reply_id, wa_id, conversation_id = reply.id, reply.wa_message_id, reply.conversation_id
    before = (reply.status, reply.error)
    conversation_status = (await session.get(Conversation, conversation_id)).status

    forged = build_status_webhook(
        phone_number_id=DEMO_CLINIC.phone_number_id,
        display_phone_number=DEMO_CLINIC.display_phone_number,
        message_id=wa_id,
        recipient=AYSE_PHONE,
        status="failed",
        errors=[{"code": 131047, "title": "Re-engagement message"}],
    )
    response = await _post(stack, json.dumps(forged).encode())
    assert response.status_code == 200

    session.expire_all()
    reply = await session.get(Message, reply_id)
    assert (reply.status, reply.error) == before
    assert (await session.get(Conversation, conversation_id)).status == conversation_status

    # Through the right number, the same callback does apply.
    genuine = build_status_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        message_id=wa_id,
        recipient=AYSE_PHONE,
        status="failed",
        errors=[{"code": 131047, "title": "Re-engagement message"}],
    )
    assert (await _post(stack, json.dumps(genuine).encode())).status_code == 200
    session.expire_all()
    assert (await session.get(Message, reply_id)).status == "failed"


async def test_callbacks_of_unknown_ids_expire(stack, session):
    for status in ("sent", "delivered"):
        body = build_status_webhook(
            phone_number_id=DEMO_SHOP.phone_number_id,
            display_phone_number=DEMO_SHOP.display_phone_number,
            message_id="wamid.NEVER-OURS",
            recipient=AYSE_PHONE,
            status=status,
        )
        assert (await _post(stack, json.dumps(body).encode())).status_code == 200
    early = (
        select(func.count()).select_from(WebhookEvent).where(WebhookEvent.problem == EARLY_STATUS)
    )
    assert await session.scalar(early) == 2
    await session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.problem == EARLY_STATUS)
        .values(created_at=func.now() - dt.timedelta(days=2))
    )
    await session.commit()
    assert await expire_early_statuses(session, older_than=dt.timedelta(hours=24)) == 2
    await session.commit()
    assert await session.scalar(early) == 0
