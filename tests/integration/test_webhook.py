"""The WhatsApp webhook: handshake, signatures, bad bodies, duplicates, statuses, unknown shapes."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import func, select, text

from invekto.channels.whatsapp.parse import (
    build_message_webhook,
    build_status_webhook,
    build_text_webhook,
)
from invekto.channels.whatsapp.signature import sign
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import Conversation, Customer, Message, WebhookEvent
from tests.support.chat import say
from tests.support.waiting import wait_for


async def post(
    stack,
    payload,
    *,
    secret: str | None = None,
    raw: bytes | None = None,
    signature: str | None = "auto",
) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = sign(secret or stack.settings.whatsapp_app_secret, body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with httpx.AsyncClient(timeout=30) as client:  # a loaded CI machine, not a 5 s budget
        return await client.post(
            f"{stack.base_url}/webhooks/whatsapp", content=body, headers=headers
        )


def text_payload(body: str = "kargom nerede", **kwargs) -> dict:
    return build_text_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        sender=kwargs.pop("sender", AYSE_PHONE),
        text=body,
        **kwargs,
    )


async def count(session, model, *conditions) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*conditions))


async def jobs(session, task: str) -> int:
    return await session.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task"), {"task": task}
    )


async def test_verification_handshake(stack):
    async with httpx.AsyncClient() as client:
        ok = await client.get(
            f"{stack.base_url}/webhooks/whatsapp",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": stack.settings.whatsapp_verify_token,
                "hub.challenge": "1158201444",
            },
        )
        bad = await client.get(
            f"{stack.base_url}/webhooks/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert bad.status_code == 403


async def test_bad_or_missing_signature_is_rejected_and_nothing_stored(stack, session):
    wrong = await post(stack, text_payload(), secret="not-the-app-secret")
    missing = await post(stack, text_payload(), signature=None)
    garbage = await post(stack, text_payload(), signature="sha256=zz")

    assert (wrong.status_code, missing.status_code, garbage.status_code) == (401, 401, 401)
    assert await count(session, Message) == 0


async def test_malformed_body_is_400_and_kept_for_inspection(stack, session):
    response = await post(stack, None, raw=b'{"object": "whatsapp_business_account", "entry": [')

    assert response.status_code == 400
    assert "malformed" in response.json()["detail"]
    event = await session.scalar(select(WebhookEvent))
    assert event.problem == "malformed"
    assert event.body.startswith('{"object"')


async def test_body_without_entries_is_400(stack, session):
    response = await post(stack, {"object": "whatsapp_business_account"})

    assert response.status_code == 400
    assert await count(session, WebhookEvent, WebhookEvent.problem == "malformed") == 1


async def test_oversized_body_is_413_and_not_stored(stack, session):
    """Its signature cannot be checked without reading it all: nothing of it is kept."""
    payload = text_payload("x" * (stack.settings.max_webhook_body_bytes + 10))

    response = await post(stack, payload)

    assert response.status_code == 413
    assert await count(session, WebhookEvent) == 0


async def test_unknown_phone_number_id_is_logged_and_acknowledged(stack, session):
    payload = build_text_webhook(
        phone_number_id="000999",
        display_phone_number="900000000000",
        sender=AYSE_PHONE,
        text="merhaba",
    )

    response = await post(stack, payload)

    assert response.status_code == 200  # so Meta stops retrying
    assert response.json()["unrouted"] == 1
    assert await count(session, Message) == 0
    event = await session.scalar(select(WebhookEvent))
    assert (event.problem, event.detail) == ("unknown_phone_number_id", "000999")


async def test_duplicate_delivery_is_stored_and_answered_once(stack, session):
    payload = text_payload(message_id="wamid.DUPLICATE1")

    first = await post(stack, payload)
    second = await post(stack, payload)

    assert first.json()["stored"] == 1
    assert second.json() == {**second.json(), "stored": 0, "duplicates": 1}
    assert await count(session, Message, Message.direction == "in") == 1
    turn = await say(stack, "teşekkürler")  # a later message is still processed normally
    assert turn["outcome"] == "auto_reply"

    async def replies():
        return await count(session, Message, Message.direction == "out") == 2 or None

    await wait_for(replies)


async def test_every_message_shape_is_stored_and_unknown_types_do_not_crash(stack, session):
    base = {"from": AYSE_PHONE, "timestamp": "1735000000"}
    shapes = [
        {
            **base,
            "id": "wamid.IMG",
            "type": "image",
            "image": {
                "id": "m1",
                "mime_type": "image/jpeg",
                "sha256": "x",
                "caption": "kırık geldi",
            },
        },
        {
            **base,
            "id": "wamid.LOC",
            "type": "location",
            "location": {"latitude": 41.0, "longitude": 29.0, "name": "Ev"},
        },
        {
            **base,
            "id": "wamid.BTN",
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Evet"}},
        },
        {**base, "id": "wamid.NEW", "type": "hologram", "hologram": {"x": 1}},
        {
            **base,
            "id": "wamid.UNS",
            "type": "unsupported",
            "errors": [{"code": 131051, "title": "Message type unknown"}],
        },
    ]
    for shape in shapes:
        response = await post(
            stack,
            build_message_webhook(
                phone_number_id=DEMO_SHOP.phone_number_id,
                display_phone_number=DEMO_SHOP.display_phone_number,
                message=shape,
            ),
        )
        assert response.status_code == 200, response.text

    kinds = dict(
        (
            await session.execute(
                select(Message.wa_message_id, Message.kind).where(Message.direction == "in")
            )
        ).all()
    )
    assert kinds == {
        "wamid.IMG": "image",
        "wamid.LOC": "location",
        "wamid.BTN": "interactive",
        "wamid.NEW": "unknown",
        "wamid.UNS": "unsupported",
    }

    async def all_processed():
        pending = await count(
            session, Message, Message.direction == "in", Message.status != "processed"
        )
        return pending == 0 or None

    await wait_for(all_processed, timeout_s=20)


async def test_unknown_change_field_is_kept(stack, session):
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}],
            }
        ],
    }

    response = await post(stack, payload)

    assert response.status_code == 200
    assert await count(session, WebhookEvent, WebhookEvent.problem == "unknown_shape") == 1


async def test_status_callbacks_move_forward_and_failed_hands_over(stack, session):
    SANDBOX_GRAPH.status_callbacks = False  # this test plays Meta's callbacks itself
    await say(stack, "merhaba")
    reply = await session.scalar(select(Message).where(Message.direction == "out"))
    common = {
        "phone_number_id": DEMO_SHOP.phone_number_id,
        "display_phone_number": DEMO_SHOP.display_phone_number,
        "message_id": reply.wa_message_id,
        "recipient": AYSE_PHONE,
    }

    await post(stack, build_status_webhook(**common, status="read"))
    await post(stack, build_status_webhook(**common, status="delivered"))  # late, ignored
    await session.refresh(reply)
    assert reply.status == "read"

    await post(
        stack,
        build_status_webhook(
            **common, status="failed", errors=[{"code": 131026, "title": "Message undeliverable"}]
        ),
    )
    await post(stack, build_status_webhook(**common, status="read"))  # failed stays failed
    await session.refresh(reply)
    assert reply.status == "failed"
    assert reply.error["errors"][0]["code"] == 131026
    conversation = await session.get(Conversation, reply.conversation_id)
    await session.refresh(conversation)
    assert (conversation.status, conversation.handoff_reason) == (
        "waiting_human",
        "send_failed:131026",
    )


async def test_a_new_customer_is_created_with_the_profile_name(stack, session):
    await post(stack, text_payload("selam", sender="905550001122", name="Veli Can"))

    customer = await session.scalar(select(Customer).where(Customer.phone == "905550001122"))
    assert customer.name == "Veli Can"
    assert customer.last_inbound_at is not None


async def test_a_status_that_arrives_before_the_send_is_recorded_is_not_lost(stack, session):
    from invekto.channels.outbound import _record

    SANDBOX_GRAPH.status_callbacks = False
    await say(stack, "merhaba")
    reply = await session.scalar(select(Message).where(Message.direction == "out"))
    early = build_status_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        message_id="wamid.EARLY",
        recipient=AYSE_PHONE,
        status="delivered",
    )

    response = await post(stack, early)
    await _record(stack.services, reply.id, status="sent", wa_message_id="wamid.EARLY")

    assert response.status_code == 200
    await session.refresh(reply)
    assert (reply.wa_message_id, reply.status) == ("wamid.EARLY", "delivered")
    assert await count(session, WebhookEvent, WebhookEvent.problem == "early_status") == 0


async def test_a_known_name_is_not_replaced_by_the_profile_name(stack, session):
    await post(stack, text_payload("selam", name="Ayşecik"))

    customer = await session.scalar(select(Customer).where(Customer.phone == AYSE_PHONE))
    assert customer.name == "Ayşe Yılmaz"  # from the seed (in production: from an order)
