"""Every kind of WhatsApp message, in Meta's documented shapes
(``tests/data/whatsapp_webhooks.json``), posted through the signed webhook: stored with its fields,
handled as defined (a turn, no reply, or a person), and shown by the inbox API with its fields
masked like texts."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from invekto.channels.whatsapp.ingest import CHANNEL_ERROR
from invekto.channels.whatsapp.parse import build_text_webhook, parse_webhook
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import (
    AutoReplyLog,
    Conversation,
    ConversationEvent,
    Customer,
    Message,
    Tenant,
    WebhookEvent,
)
from tests.integration.test_inbox_api import api, owner_token
from tests.integration.test_webhook import post
from tests.support.chat import say
from tests.support.waiting import wait_for
from tests.unit.test_message_kinds import EXPECTED

FIXTURES = json.loads(
    (Path(__file__).parents[1] / "data" / "whatsapp_webhooks.json").read_text(encoding="utf-8")
)
SEQUENCES = {
    "edit_original",
    "edit",
    "revoke",
    "system_customer_changed_number",
    "system_user_changed_number",
    "text_from_new_number",
}
"""Fixtures that only make sense after another one (tested on their own below)."""


def fixture(name: str, **replace: str) -> dict[str, Any]:
    """A fixture with the current time (the 24-hour window and business hours are real) and
    ``<PLACEHOLDER>`` strings replaced."""
    payload = copy.deepcopy(FIXTURES[name])
    now = str(int(time.time()))
    for entry in payload["entry"]:
        for change in entry["changes"]:
            for key in ("messages", "statuses"):
                for item in change["value"].get(key, []):
                    item["timestamp"] = now
    text = json.dumps(payload, ensure_ascii=False)
    for placeholder, value in replace.items():
        text = text.replace(f"<{placeholder}>", value)
    return json.loads(text)


def wamid(name: str) -> str:
    return FIXTURES[name]["entry"][0]["changes"][0]["value"]["messages"][0]["id"]


async def send(stack, name: str, **replace: str) -> None:
    response = await post(stack, fixture(name, **replace))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unknown"] == 0 and body["unrouted"] == 0, (name, body)


async def processed(session, *names: str) -> dict[str, Message]:
    """Wait until the messages of ``names`` are processed (their turn delivered, if any)."""
    ids = [wamid(name) for name in names]

    async def done():
        rows = (await session.scalars(select(Message).where(Message.wa_message_id.in_(ids)))).all()
        for row in rows:
            await session.refresh(row)
        ready = len(rows) == len(ids) and all(row.status == "processed" for row in rows)
        return {row.wa_message_id: row for row in rows} if ready else None

    found = await wait_for(done, timeout_s=90)
    return {name: found[wamid(name)] for name in names}


async def log_of(session, message: Message) -> AutoReplyLog | None:
    return await session.scalar(
        select(AutoReplyLog).where(AutoReplyLog.inbound_message_id == message.id)
    )


async def replies_to(session, message: Message) -> list[Message]:
    return list(
        (await session.scalars(select(Message).where(Message.reply_to_id == message.id))).all()
    )


async def shown(stack, token: str, message: Message) -> dict[str, Any]:
    """The message as the inbox API returns it."""
    response = await api(
        stack, "GET", f"/api/conversations/{message.conversation_id}/messages", token
    )
    assert response.status_code == 200, response.text
    (found,) = [m for m in response.json()["messages"] if m["id"] == str(message.id)]
    return found


async def test_each_kind_is_stored_with_its_fields_and_handled_as_defined(stack, session):
    names = sorted(set(EXPECTED) - SEQUENCES)
    for name in names:
        await send(stack, name)
    stored = await processed(session, *names)
    token = await owner_token(stack)

    for name in names:
        kind, handled, reason = EXPECTED[name]
        message = stored[name]
        (parsed,) = parse_webhook(fixture(name)).messages
        assert message.kind == kind, name
        assert message.payload["details"] == parsed.details.stored(), name
        assert message.payload["handling"] == handled, name
        conversation = await session.get(Conversation, message.conversation_id)
        await session.refresh(conversation)
        log = await log_of(session, message)
        replies = await replies_to(session, message)
        if handled == "no_reply":
            # Stored and shown, nothing answered, no turn spent, no clarify menu.
            assert log is None and replies == [], name
            assert conversation.status == "open", name
        elif handled == "handoff":
            assert (log.outcome, log.reason, log.understood_by) == (
                "handoff",
                reason,
                "message_kind",
            ), name
            assert (conversation.status, conversation.handoff_reason) == ("waiting_human", reason)
            assert conversation.escalation["reason"] == reason
            assert conversation.escalation["wants"].startswith("Müşteri"), name
            (reply,) = replies  # the usual hand-over reply, in the customer's language
            assert reply.payload["decision"]["outcome"] == "handoff"
            assert reply.text and "anlayamadım" not in reply.text.lower()
        else:
            assert log is not None and log.understood_by != "message_kind", name
            assert log.reason is None or not log.reason.startswith("message_kind:"), name
        public = await shown(stack, token, message)
        assert public["kind"] == kind and public["handling"] == handled, name
        if message.payload["details"]:
            assert public["details"], name
        else:
            assert public["details"] is None or public["details"] == {}, name

    # Replies chosen from buttons and lists are text for the conversation.
    for name in ("interactive_button_reply", "interactive_list_reply", "button"):
        log = await log_of(session, stored[name])
        assert log.intent == "order_status", name
    # A caption is the text of its photo.
    assert stored["image_with_caption"].text == "ürün kırık geldi"

    # What the inbox shows of each kind (masked like texts).
    location = (await shown(stack, token, stored["location"]))["details"]["location"]
    assert (location["latitude"], location["longitude"]) == (40.990742, 29.028513)
    (card,) = (await shown(stack, token, stored["contacts"]))["details"]["contacts"]
    assert card["phones"][0]["wa_id"] == "+90 532 *** ** 21"
    assert card["phones"][0]["phone"] == "+90 532 *** ** 21"
    assert "ali.veli@example.com" not in json.dumps(card)
    order = (await shown(stack, token, stored["order"]))["details"]["order"]
    assert [item["product_retailer_id"] for item in order["items"]] == [
        "KTN-GML-BYZ-M",
        "DRI-CZD-SYH",
    ]
    assert (order["total"], order["currency"]) == ("1249.80", "TRY")
    flow = (await shown(stack, token, stored["interactive_nfm_reply"]))["details"]["flow"]
    assert flow["response"]["order_number"] == "10654400001"
    assert "0532 111 22 33" not in json.dumps(flow)
    reaction = (await shown(stack, token, stored["reaction"]))["details"]["reaction"]
    assert reaction["emoji"] == "\U0001f44d"
    unreaction = (await shown(stack, token, stored["unreaction"]))["details"]["reaction"]
    assert unreaction.get("emoji") is None
    referral = (await shown(stack, token, stored["text_with_referral"]))["details"]["referral"]
    assert referral["source_id"] == "120226305854810726" and referral["ctwa_clid"]
    voice = (await shown(stack, token, stored["audio_voice"]))["details"]["media"]
    assert voice["voice"] is True
    (error,) = (await shown(stack, token, stored["unsupported"]))["details"]["errors"]
    assert error["code"] == 131051
    wants = (await session.get(Conversation, stored["order"].conversation_id)).escalation["wants"]
    assert wants.startswith("Müşteri sepet gönderdi: 2 ürün (3 adet), toplam 1.249,80")

    # The list shows the hand-overs as needing a person, and a kind without text by its kind.
    listed = await api(stack, "GET", "/api/conversations?filter=needs_human&limit=100", token)
    waiting = {c["id"] for c in listed.json()["conversations"]}
    for name in names:
        if EXPECTED[name][1] == "handoff":
            assert str(stored[name].conversation_id) in waiting, name
    everything = await api(stack, "GET", "/api/conversations?limit=100", token)
    summaries = {c["id"]: c for c in everything.json()["conversations"]}
    sticker = summaries[str(stored["sticker"].conversation_id)]
    assert sticker["last_message"]["kind"] == "sticker"
    assert sticker["awaiting_reply"] is False  # nothing to answer
    voice = summaries[str(stored["audio_voice"].conversation_id)]
    assert voice["needs_human"] is True and voice["escalation"]["reason"] == "message_kind:voice"


async def test_a_no_reply_kind_keeps_the_flow_and_the_clarify_counter(stack, session):
    """A reaction in the middle of a conversation is no turn: the next message is served as if
    the reaction had not come."""
    first = await say(stack, "asdfgh qwerty")  # unclear: one clarifying question
    assert first["outcome"] == "auto_reply"
    reaction = fixture("reaction")
    item = reaction["entry"][0]["changes"][0]["value"]["messages"][0]
    item["from"] = AYSE_PHONE
    reaction["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = AYSE_PHONE
    assert (await post(stack, reaction)).status_code == 200
    await processed(session, "reaction")
    second = await say(stack, "zxcvb lkjhg")  # unclear again: a person (not a second menu)
    assert second["outcome"] == "handoff" and second["reason"] == "unclear_after_clarifying"
    assert await session.scalar(select(func.count()).select_from(AutoReplyLog)) == 2


async def test_an_edit_updates_the_original_and_a_delete_marks_it(stack, session):
    await send(stack, "edit_original")
    original = (await processed(session, "edit_original"))["edit_original"]
    await send(stack, "edit")
    edit = (await processed(session, "edit"))["edit"]
    await session.refresh(original)

    assert original.text == "siparişim 10654400001 nerede?"
    assert original.payload["details"]["edited"] is True
    (noted,) = original.payload["edits"]
    assert (noted["previous_text"], noted["by"]) == ("siparişim 10654400001 nerde", wamid("edit"))
    assert await log_of(session, edit) is None and await replies_to(session, edit) == []
    announced = (
        await session.scalars(
            select(ConversationEvent.payload).where(
                ConversationEvent.conversation_id == edit.conversation_id,
                ConversationEvent.kind == "conversation_updated",
            )
        )
    ).all()
    assert [e["handling"] for e in announced if e["inbound_message_id"] == str(edit.id)] == [
        "no_reply"
    ]

    await send(stack, "revoke")
    revoke = (await processed(session, "revoke"))["revoke"]
    await session.refresh(original)
    assert original.payload["details"]["deleted"] is True and original.payload["deleted_at"]
    assert await log_of(session, revoke) is None and await replies_to(session, revoke) == []
    token = await owner_token(stack)
    public = await shown(stack, token, original)
    assert public["details"]["edited"] is True and public["details"]["deleted"] is True
    assert (await shown(stack, token, edit))["details"]["edit"]["original_message_id"] == (
        wamid("edit_original")
    )
    assert await session.scalar(select(func.count()).select_from(AutoReplyLog)) == 1


async def test_a_number_change_moves_the_customer_to_the_new_number(stack, session):
    old, new = "905550000123", "905550000223"
    hello = build_text_webhook(
        phone_number_id=DEMO_SHOP.phone_number_id,
        display_phone_number=DEMO_SHOP.display_phone_number,
        sender=old,
        text="merhaba",
        name="Cem Oral",
    )
    assert (await post(stack, hello)).status_code == 200
    customer = await wait_for(lambda: session.scalar(select(Customer).where(Customer.phone == old)))
    await send(stack, "system_customer_changed_number")
    system = (await processed(session, "system_customer_changed_number"))[
        "system_customer_changed_number"
    ]
    await session.refresh(customer)
    assert customer.phone == new
    assert system.payload["details"]["system"]["applied"] is True
    assert await log_of(session, system) is None  # no reply

    await send(stack, "text_from_new_number")
    later = (await processed(session, "text_from_new_number"))["text_from_new_number"]
    assert later.conversation_id == system.conversation_id
    conversation = await session.get(Conversation, later.conversation_id)
    assert conversation.customer_id == customer.id
    phones = (await session.scalars(select(Customer.phone))).all()
    assert old not in phones and phones.count(new) == 1
    token = await owner_token(stack)
    details = (await shown(stack, token, system))["details"]["system"]
    assert details["new_wa_id"] == "+90 555 *** ** 23" and details["applied"] is True


async def test_a_number_change_to_a_number_already_known_is_not_merged(stack, session):
    for phone in ("905550000124", "905550000224"):
        payload = build_text_webhook(
            phone_number_id=DEMO_SHOP.phone_number_id,
            display_phone_number=DEMO_SHOP.display_phone_number,
            sender=phone,
            text="merhaba",
        )
        assert (await post(stack, payload)).status_code == 200
    await wait_for(
        lambda: session.scalar(
            select(func.count()).select_from(Customer).where(Customer.phone.like("90555000%24"))
        ),
    )
    await send(stack, "system_user_changed_number")
    system = (await processed(session, "system_user_changed_number"))["system_user_changed_number"]
    assert system.payload["details"]["system"]["applied"] is False
    phones = set((await session.scalars(select(Customer.phone))).all())
    assert {"905550000124", "905550000224"} <= phones


async def test_statuses_keep_pricing_and_errors_and_delivery_errors_are_kept(stack, session):
    SANDBOX_GRAPH.status_callbacks = False  # this test plays Meta's callbacks itself
    await say(stack, "merhaba")
    reply = await session.scalar(select(Message).where(Message.direction == "out"))

    await send(stack, "status_sent_with_pricing", OUR_MESSAGE=reply.wa_message_id)
    await session.refresh(reply)
    assert reply.status == "sent"
    assert reply.payload["delivery"] == {
        "status": "sent",
        "pricing_category": "service",
        "pricing_type": "free_customer_service",
        "pricing_model": "PMP",
        "billable": False,
        "conversation_id": "4f0a6a3ef2a3b1c4d5e6f708192a3b4c",
        "conversation_origin": "service",
    }
    assert reply.payload["decision"]["outcome"] == "auto_reply"  # the rest of the payload stays

    await send(stack, "status_failed_with_errors", OUR_MESSAGE=reply.wa_message_id)
    await session.refresh(reply)
    assert reply.status == "failed"
    assert reply.payload["delivery"]["errors"][0]["code"] == 131047
    assert reply.payload["delivery"]["pricing_type"] == "free_customer_service"  # kept
    assert reply.payload["delivery"]["status"] == "failed"
    token = await owner_token(stack)
    public = await shown(stack, token, reply)
    assert public["details"]["delivery"]["errors"][0]["code"] == 131047
    assert public["handling"] is None

    # A late "delivered" does not move a failed message, but its pricing is kept.
    await send(stack, "status_delivered_cbp", OUR_MESSAGE=reply.wa_message_id)
    await session.refresh(reply)
    assert reply.status == "failed" and reply.payload["delivery"]["pricing_model"] == "CBP"

    await send(stack, "value_errors")
    event = await session.scalar(select(WebhookEvent).where(WebhookEvent.problem == CHANNEL_ERROR))
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    assert event.detail == "131000 Something went wrong" and event.tenant_id == tenant.id
    assert json.loads(event.body)["error_data"]["details"] == "Unknown error"


async def test_a_hand_over_for_a_kind_answers_in_the_customers_language(stack, session):
    phone = "905550000106"  # the voice note's sender
    first = await say(stack, "Hello, where is my order?", phone=phone)
    assert first["language"] == "en"
    await send(stack, "audio_voice")
    voice = (await processed(session, "audio_voice"))["audio_voice"]
    (reply,) = await replies_to(session, voice)
    assert reply.payload["language"] == "en"
    assert reply.payload["decision"]["reason"] == "message_kind:voice"
    conversation = await session.get(Conversation, voice.conversation_id)
    await session.refresh(conversation)
    assert conversation.status == "waiting_human"
    assert conversation.escalation["wants"] == "Müşteri sesli mesaj gönderdi"
