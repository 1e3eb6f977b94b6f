"""Tests of WhatsApp webhook parsing and of the envelope builders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from invekto.channels.whatsapp.parse import (
    WebhookPayloadError,
    build_message_webhook,
    build_status_webhook,
    build_text_webhook,
    parse_webhook,
)

PHONE_NUMBER_ID = "1122334455"
DISPLAY = "908501234567"
AYSE = "905321112233"
OUR_MESSAGE = "wamid.HBgMOTA1MzIxMTEyMjMzFQIAERgSQUJDREVGMDEyMzQ1Njc4OQA="


def webhook(value_extra: dict[str, Any], *, field: str = "messages") -> dict[str, Any]:
    """The real envelope (as in WIRE.md §1.2) around one change value."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY, "phone_number_id": PHONE_NUMBER_ID},
        **value_extra,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": field}]}],
    }


def inbound(message_type: str, content: Any, **extra: Any) -> dict[str, Any]:
    """One ``messages[]`` item from Ayşe."""
    return {
        "from": AYSE,
        "id": f"wamid.{message_type.upper()}1",
        "timestamp": "1735000000",
        "type": message_type,
        message_type: content,
        **extra,
    }


def parse_one(message: dict[str, Any]) -> Any:
    contacts = [{"profile": {"name": "Ayşe"}, "wa_id": AYSE}]
    parsed = parse_webhook(webhook({"contacts": contacts, "messages": [message]}))
    assert parsed.unknown == [] and len(parsed.messages) == 1
    return parsed.messages[0]


def test_text_message() -> None:
    message = parse_one(inbound("text", {"body": "Siparişim nerede?"}))
    assert message.channel == "whatsapp"
    assert message.phone_number_id == PHONE_NUMBER_ID
    assert message.display_phone_number == DISPLAY
    assert message.external_id == "wamid.TEXT1"
    assert message.sender == AYSE
    assert message.sender_name == "Ayşe"
    assert message.timestamp == datetime(2024, 12, 24, 0, 26, 40, tzinfo=UTC)
    assert message.kind == "text"
    assert message.text == "Siparişim nerede?"
    assert (message.reply_id, message.context_id, message.media, message.location) == (
        None,
        None,
        None,
        None,
    )
    assert message.errors == []
    assert message.raw["text"] == {"body": "Siparişim nerede?"}


def test_interactive_button_reply_with_context() -> None:
    content = {"type": "button_reply", "button_reply": {"id": "track", "title": "Kargom nerede"}}
    message = parse_one(
        inbound("interactive", content, context={"from": DISPLAY, "id": OUR_MESSAGE})
    )
    assert message.kind == "interactive"
    assert message.text == "Kargom nerede"
    assert message.reply_id == "track"
    assert message.context_id == OUR_MESSAGE


def test_interactive_list_reply() -> None:
    content = {
        "type": "list_reply",
        "list_reply": {"id": "slot-3", "title": "Salı 10:00", "description": "Dr. Ece"},
    }
    message = parse_one(inbound("interactive", content))
    assert (message.kind, message.text, message.reply_id) == ("interactive", "Salı 10:00", "slot-3")


def test_interactive_of_an_unknown_subtype_keeps_the_kind() -> None:
    content = {"type": "nfm_reply", "nfm_reply": {"response_json": "{}", "name": "flow"}}
    message = parse_one(inbound("interactive", content))
    assert (message.kind, message.text, message.reply_id) == ("interactive", "", None)


def test_template_quick_reply_button() -> None:
    content = {"payload": "RETURN_YES", "text": "Evet, iade"}
    message = parse_one(inbound("button", content, context={"from": DISPLAY, "id": OUR_MESSAGE}))
    assert (message.kind, message.text, message.reply_id) == ("button", "Evet, iade", "RETURN_YES")
    assert message.context_id == OUR_MESSAGE


def test_image_with_caption() -> None:
    image = {
        "id": "1503228870921240",
        "mime_type": "image/jpeg",
        "sha256": "HgOaRYSkVaXbgw6ssyqIy0VuZVaJbY6bYvbSqkOP6Hc=",
        "caption": "Kırık geldi",
    }
    message = parse_one(inbound("image", image))
    assert (message.kind, message.text, message.media) == ("image", "Kırık geldi", image)


@pytest.mark.parametrize(
    ("kind", "content", "text"),
    [
        ("image", {"id": "1", "mime_type": "image/png", "sha256": "x"}, ""),
        ("audio", {"id": "2", "mime_type": "audio/ogg; codecs=opus", "voice": True}, ""),
        ("video", {"id": "3", "mime_type": "video/mp4", "caption": "kutu"}, "kutu"),
        ("document", {"id": "4", "filename": "fatura.pdf", "caption": "fatura"}, "fatura"),
        ("sticker", {"id": "5", "mime_type": "image/webp", "animated": False}, ""),
    ],
)
def test_media_kinds(kind: str, content: dict[str, Any], text: str) -> None:
    message = parse_one(inbound(kind, content))
    assert (message.kind, message.text, message.media) == (kind, text, content)


def test_location_with_name_and_address() -> None:
    location = {"latitude": 41.0, "longitude": 29.0, "name": "Kadıköy Şube", "address": "Moda"}
    message = parse_one(inbound("location", location))
    assert (message.kind, message.text, message.location) == (
        "location",
        "Kadıköy Şube, Moda",
        location,
    )


def test_location_without_name_has_empty_text() -> None:
    message = parse_one(inbound("location", {"latitude": 41.0, "longitude": 29.0}))
    assert (message.text, message.location) == ("", {"latitude": 41.0, "longitude": 29.0})


def test_reaction_points_at_the_reacted_message() -> None:
    message = parse_one(inbound("reaction", {"message_id": OUR_MESSAGE, "emoji": "👍"}))
    assert (message.kind, message.text, message.context_id) == ("reaction", "", OUR_MESSAGE)


def test_contacts_message() -> None:
    shared = [{"name": {"formatted_name": "Can Y.", "first_name": "Can"}, "phones": []}]
    message = parse_one(inbound("contacts", shared))
    assert (message.kind, message.text) == ("contacts", "")
    assert message.raw["contacts"] == shared


def test_order_message_keeps_the_customers_note() -> None:
    order = {
        "catalog_id": "1234",
        "text": "Bunları istiyorum",
        "product_items": [
            {"product_retailer_id": "SKU-1", "quantity": 2, "item_price": 12.99, "currency": "TRY"}
        ],
    }
    message = parse_one(inbound("order", order))
    assert (message.kind, message.text) == ("order", "Bunları istiyorum")


def test_unsupported_message_carries_its_errors() -> None:
    errors = [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ]
    message = parse_one(
        {
            "from": AYSE,
            "id": "wamid.U1",
            "timestamp": "1735000000",
            "type": "unsupported",
            "errors": errors,
        }
    )
    assert (message.kind, message.text, message.errors) == ("unsupported", "", errors)


@pytest.mark.parametrize("message_type", ["ephemeral", "hologram", "poll"])
def test_unknown_types_become_kind_unknown(message_type: str) -> None:
    message = parse_one(inbound(message_type, {"body": "whatever", "new": True}))
    assert (message.kind, message.text) == ("unknown", "")


def test_a_message_without_type_is_unknown() -> None:
    message = parse_one({"from": AYSE, "id": "wamid.X", "timestamp": "1735000000"})
    assert message.kind == "unknown"


def test_unknown_keys_and_bsuids_are_tolerated() -> None:
    contacts = [{"profile": {"name": "Ayşe"}, "wa_id": AYSE, "user_id": "TR.1234567890"}]
    message = inbound("text", {"body": "Merhaba"}, new_field={"x": 1})
    payload = webhook({"contacts": contacts, "messages": [message], "novel": []})
    payload["entry"][0]["time"] = 1735000000
    parsed = parse_webhook(payload)
    assert parsed.unknown == []
    assert (parsed.messages[0].text, parsed.messages[0].sender_name) == ("Merhaba", "Ayşe")


def test_sender_name_comes_from_the_matching_contact() -> None:
    contacts = [
        {"profile": {"name": "Mehmet"}, "wa_id": "905339998877"},
        {"profile": {"name": "Ayşe"}, "wa_id": AYSE},
    ]
    messages = [
        inbound("text", {"body": "a"}),
        {**inbound("text", {"body": "b"}), "from": "905339998877", "id": "wamid.M"},
    ]
    parsed = parse_webhook(webhook({"contacts": contacts, "messages": messages}))
    assert [m.sender_name for m in parsed.messages] == ["Ayşe", "Mehmet"]


def test_without_contacts_there_is_no_sender_name() -> None:
    parsed = parse_webhook(webhook({"messages": [inbound("text", {"body": "a"})]}))
    assert parsed.messages[0].sender_name is None


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (
            {"id": "wamid.1", "timestamp": "1735000000", "type": "text"},
            "message without id or from",
        ),
        ({"from": AYSE, "timestamp": "1735000000", "type": "text"}, "message without id or from"),
        ({"from": AYSE, "id": "wamid.1", "type": "text"}, "bad timestamp None"),
        ({"from": AYSE, "id": "wamid.1", "timestamp": "yesterday"}, "bad timestamp 'yesterday'"),
        ("not an object", "message without id or from"),
    ],
)
def test_a_malformed_item_goes_to_unknown_and_the_rest_is_parsed(broken: Any, problem: str) -> None:
    good = inbound("text", {"body": "ok"})
    parsed = parse_webhook(webhook({"messages": [broken, good]}))
    assert [m.text for m in parsed.messages] == ["ok"]
    assert parsed.unknown == [{"problem": problem, "item": broken}]


def test_a_wrong_object_goes_to_unknown() -> None:
    payload = {**webhook({"messages": [inbound("text", {"body": "x"})]}), "object": "page"}
    parsed = parse_webhook(payload)
    assert parsed.messages == []
    assert parsed.unknown == [{"problem": "object is 'page'", "item": payload}]


def test_another_field_goes_to_unknown() -> None:
    payload = webhook({"event": "VERIFIED_ACCOUNT"}, field="account_update")
    parsed = parse_webhook(payload)
    assert parsed.messages == [] and parsed.statuses == []
    change = payload["entry"][0]["changes"][0]
    assert parsed.unknown == [{"problem": "unsupported field 'account_update'", "item": change}]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"field": "messages"}, "change without a value object"),
        ({"field": "messages", "value": {"messages": []}}, "change without value.metadata"),
        ("nonsense", "change is not an object"),
    ],
)
def test_unreadable_changes_go_to_unknown(change: Any, problem: str) -> None:
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    (unknown,) = parse_webhook(payload).unknown
    assert unknown["problem"].startswith(problem) and unknown["item"] == change


def test_an_entry_without_changes_and_a_non_list_messages_go_to_unknown() -> None:
    payload = webhook({"messages": {"not": "a list"}})
    payload["entry"].append({"id": "2"})
    problems = [item["problem"] for item in parse_webhook(payload).unknown]
    assert problems == ["value.messages is not a list", "entry without a 'changes' list"]


@pytest.mark.parametrize(
    "payload", [[], "x", None, {"object": "whatsapp_business_account"}, {"entry": {"id": "1"}}]
)
def test_a_payload_that_is_no_webhook_raises(payload: Any) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_webhook(payload)


def test_webhook_payload_error_is_a_value_error() -> None:
    assert issubclass(WebhookPayloadError, ValueError)


def test_statuses_are_parsed() -> None:
    delivered = {
        "id": OUR_MESSAGE,
        "status": "delivered",
        "timestamp": "1735000100",
        "recipient_id": AYSE,
        "conversation": {"id": "c1", "origin": {"type": "service"}},
        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
    }
    parsed = parse_webhook(webhook({"statuses": [delivered]}))
    assert parsed.messages == [] and parsed.unknown == []
    (status,) = parsed.statuses
    assert status.phone_number_id == PHONE_NUMBER_ID
    assert status.external_id == OUR_MESSAGE
    assert status.status == "delivered"
    assert status.timestamp == datetime(2024, 12, 24, 0, 28, 20, tzinfo=UTC)
    assert status.recipient == AYSE
    assert status.errors == []
    assert status.raw == delivered


def test_failed_status_carries_errors() -> None:
    errors = [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }
    ]
    failed = {
        "id": OUR_MESSAGE,
        "status": "failed",
        "timestamp": "1735000100",
        "recipient_id": AYSE,
        "errors": errors,
    }
    (status,) = parse_webhook(webhook({"statuses": [failed]})).statuses
    assert (status.status, status.errors) == ("failed", errors)


def test_other_status_values_pass_through_and_broken_statuses_go_to_unknown() -> None:
    played = {"id": "wamid.A", "status": "played", "timestamp": "1735000100", "recipient_id": AYSE}
    broken = {"status": "read", "timestamp": "1735000100"}
    parsed = parse_webhook(webhook({"statuses": [played, broken]}))
    assert [s.status for s in parsed.statuses] == ["played"]
    assert parsed.unknown == [{"problem": "status without id or status", "item": broken}]


def test_value_errors_are_reported_with_the_number() -> None:
    error = {
        "code": 131000,
        "title": "Something went wrong",
        "message": "Something went wrong",
        "error_data": {"details": "Unknown error"},
    }
    parsed = parse_webhook(webhook({"errors": [error]}))
    assert parsed.errors == [{"phone_number_id": PHONE_NUMBER_ID, "error": error}]
    assert parsed.messages == [] and parsed.unknown == []


def test_every_entry_and_change_is_read() -> None:
    first = webhook({"messages": [inbound("text", {"body": "1"})]})
    second = webhook({"messages": [{**inbound("text", {"body": "2"}), "id": "wamid.2"}]})
    first["entry"][0]["changes"] += second["entry"][0]["changes"]
    first["entry"] += second["entry"]
    assert [m.text for m in parse_webhook(first).messages] == ["1", "2", "2"]


def test_build_text_webhook_round_trips() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    payload = build_text_webhook(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number=DISPLAY,
        sender=AYSE,
        text="Merhaba",
        name="Ayşe",
        message_id="wamid.IN1",
        timestamp=at,
    )
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Ayşe"}, "wa_id": AYSE}]
    assert value["messages"][0]["timestamp"] == str(int(at.timestamp()))
    (message,) = parse_webhook(payload).messages
    assert (message.external_id, message.sender, message.sender_name) == ("wamid.IN1", AYSE, "Ayşe")
    assert (message.text, message.timestamp, message.phone_number_id) == (
        "Merhaba",
        at,
        PHONE_NUMBER_ID,
    )


def test_build_text_webhook_makes_fresh_ids() -> None:
    ids = {
        build_text_webhook(
            phone_number_id=PHONE_NUMBER_ID, display_phone_number=DISPLAY, sender=AYSE, text="x"
        )["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        for _ in range(3)
    }
    assert len(ids) == 3 and all(i.startswith("wamid.") for i in ids)


def test_build_message_webhook_wraps_any_item() -> None:
    item = inbound("button", {"payload": "YES", "text": "Evet"})
    payload = build_message_webhook(
        phone_number_id=PHONE_NUMBER_ID, display_phone_number=DISPLAY, message=item
    )
    (message,) = parse_webhook(payload).messages
    assert (message.kind, message.reply_id, message.sender_name) == ("button", "YES", None)


def test_build_status_webhook_round_trips() -> None:
    errors = [{"code": 131047, "title": "Re-engagement message"}]
    payload = build_status_webhook(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number=DISPLAY,
        message_id=OUR_MESSAGE,
        recipient=AYSE,
        status="failed",
        errors=errors,
    )
    (status,) = parse_webhook(payload).statuses
    assert (status.external_id, status.status, status.recipient, status.errors) == (
        OUR_MESSAGE,
        "failed",
        AYSE,
        errors,
    )
