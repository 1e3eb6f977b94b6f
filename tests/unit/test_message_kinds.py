"""Every kind of WhatsApp message: parsed with its fields (Meta's documented shapes in
``tests/data/whatsapp_webhooks.json``) and given its handling by ``graphs.conversation.kinds``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invekto.channels.base import MAX_CONTACTS, MAX_ORDER_ITEMS
from invekto.channels.whatsapp.parse import MAX_FLOW_NODES, parse_webhook
from invekto.graphs.conversation.escalation import build_escalation, reason_text
from invekto.graphs.conversation.kinds import HANDLING, handling, turkish_amount

FIXTURES = json.loads(
    (Path(__file__).parents[1] / "data" / "whatsapp_webhooks.json").read_text(encoding="utf-8")
)
OUR = "wamid.HBgMOTA1MzIxMTEyMjMzFQIAERgSQzQ1MEM5MkE0RDlDQjVCODcA"


def one(name: str) -> Any:
    parsed = parse_webhook(FIXTURES[name])
    assert parsed.unknown == [] and len(parsed.messages) == 1, parsed.unknown
    return parsed.messages[0]


def details(name: str) -> dict[str, Any]:
    return one(name).details.stored()


# What each fixture gets: (kind, handling, hand-over reason).
EXPECTED = {
    "text": ("text", "turn", None),
    "text_with_referral": ("text", "turn", None),
    "forwarded_text": ("text", "turn", None),
    "image_with_caption": ("image", "turn", None),
    "image_without_caption": ("image", "handoff", "message_kind:image"),
    "audio_voice": ("audio", "handoff", "message_kind:voice"),
    "video": ("video", "handoff", "message_kind:video"),
    "document": ("document", "handoff", "message_kind:document"),
    "sticker": ("sticker", "no_reply", None),
    "location": ("location", "handoff", "message_kind:location"),
    "contacts": ("contacts", "handoff", "message_kind:contacts"),
    "interactive_button_reply": ("interactive", "turn", None),
    "interactive_list_reply": ("interactive", "turn", None),
    "interactive_nfm_reply": ("interactive", "handoff", "message_kind:flow"),
    "interactive_call_permission_reply": ("interactive", "no_reply", None),
    "button": ("button", "turn", None),
    "order": ("order", "handoff", "message_kind:order"),
    "reaction": ("reaction", "no_reply", None),
    "unreaction": ("reaction", "no_reply", None),
    "request_welcome": ("request_welcome", "no_reply", None),
    "unsupported": ("unsupported", "handoff", "message_kind:unsupported"),
    "edit_original": ("text", "turn", None),
    "edit": ("edit", "no_reply", None),
    "revoke": ("revoke", "no_reply", None),
    "system_customer_changed_number": ("system", "no_reply", None),
    "system_user_changed_number": ("system", "no_reply", None),
    "text_from_new_number": ("text", "turn", None),
}


def test_every_message_fixture_has_an_expectation() -> None:
    with_messages = {
        name for name, payload in FIXTURES.items() if "messages" in json.dumps(payload)[:400]
    }
    assert with_messages - {"_comment"} <= set(EXPECTED)
    assert set(EXPECTED) <= set(FIXTURES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_kind_is_parsed_and_handled_as_defined(name: str) -> None:
    message = one(name)
    kind, handled, reason = EXPECTED[name]
    decision = handling(message.kind, message.details.stored(), message.text)
    assert (message.kind, decision.handling, decision.reason) == (kind, handled, reason)
    assert bool(decision.note) == (handled == "handoff")


def test_every_stored_kind_has_a_handling() -> None:
    from typing import get_args

    from invekto.channels.base import MessageKind

    assert set(get_args(MessageKind)) == set(HANDLING)


def test_text_with_a_click_to_whatsapp_referral() -> None:
    referral = details("text_with_referral")["referral"]
    assert referral["source_type"] == "ad"
    assert referral["source_id"] == "120226305854810726"
    assert referral["headline"] == "Keten gömlekte %20 indirim"
    assert referral["ctwa_clid"].startswith("ARAkLkA8")
    assert referral["media_type"] == "image" and referral["image_url"].startswith("https://")


def test_forwarded_flags_and_reply_context() -> None:
    assert details("forwarded_text")["context"] == {"forwarded": True}
    button = one("interactive_button_reply")
    assert button.context_id == OUR
    assert button.details.context.sender == "908501234567"


def test_media_ids_mime_caption_and_voice() -> None:
    image = details("image_with_caption")["media"]
    assert (image["id"], image["mime_type"], image["caption"]) == (
        "1583839022412345",
        "image/jpeg",
        "ürün kırık geldi",
    )
    assert one("image_with_caption").text == "ürün kırık geldi"
    voice = details("audio_voice")["media"]
    assert voice["voice"] is True and voice["mime_type"].startswith("audio/ogg")
    assert details("document")["media"]["filename"] == "fatura-10654400001.pdf"


def test_location() -> None:
    location = details("location")["location"]
    assert (location["latitude"], location["longitude"]) == (40.990742, 29.028513)
    assert location["name"] == "Moda Sahili" and "Kadıköy" in location["address"]


def test_contact_cards_keep_names_phones_emails_and_company() -> None:
    (card,) = details("contacts")["contacts"]
    assert card["name"] == "Ali Veli"
    assert card["phones"] == [
        {"phone": "+90 532 765 43 21", "wa_id": "905327654321", "type": "CELL"}
    ]
    assert card["emails"] == ["ali.veli@example.com"]
    assert card["organization"] == "Veli Tekstil"


def test_button_and_list_replies_are_text() -> None:
    button = one("interactive_button_reply")
    assert (button.text, button.reply_id) == ("Kargom nerede", "order_status")
    listed = one("interactive_list_reply")
    assert listed.details.reply.description == "Siparişinizin durumu"
    template = one("button")
    assert (template.text, template.reply_id, template.details.button_payload) == (
        "Siparişim nerede",
        "ORDER_STATUS",
        "ORDER_STATUS",
    )


def test_a_flow_completion_keeps_its_parsed_response() -> None:
    flow = details("interactive_nfm_reply")["flow"]
    assert flow["name"] == "flow" and flow["flow_token"] == "iade-10654400001"
    assert flow["response"]["reason"] == "beden küçük"


def test_a_call_permission_reply() -> None:
    permission = details("interactive_call_permission_reply")["call_permission"]
    assert permission == {
        "response": "accept",
        "is_permanent": False,
        "expiration_timestamp": 1765180800,
        "response_source": "user_action",
    }


def test_an_order_keeps_catalogue_items_and_total() -> None:
    message = one("order")
    order = message.details.order
    assert order.catalog_id == "1462753324505678" and order.text == message.text
    assert [(i.product_retailer_id, i.quantity, i.item_price, i.currency) for i in order.items] == [
        ("KTN-GML-BYZ-M", 2, Decimal("499.95"), "TRY"),
        ("DRI-CZD-SYH", 1, Decimal("249.9"), "TRY"),
    ]
    assert (order.total, order.currency) == (Decimal("1249.80"), "TRY")
    note = handling("order", message.details.stored(), message.text).note
    assert note.startswith("Müşteri sepet gönderdi: 2 ürün (3 adet), toplam 1.249,80 TRY")


def test_reaction_and_unreaction() -> None:
    assert details("reaction")["reaction"] == {"message_id": OUR, "emoji": "\U0001f44d"}
    assert details("unreaction")["reaction"] == {"message_id": OUR}  # no emoji: taken back
    assert one("unreaction").details.reaction.emoji is None


def test_edit_and_revoke_point_at_the_original() -> None:
    edit = one("edit")
    assert edit.details.edit.original_message_id == one("edit_original").external_id
    assert edit.details.edit.text == edit.text == "siparişim 10654400001 nerede?"
    assert details("revoke")["revoke"]["original_message_id"] == one("edit_original").external_id


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("system_customer_changed_number", "905550000123", "905550000223"),
        ("system_user_changed_number", "905550000124", "905550000224"),
    ],
)
def test_a_number_change_names_the_old_and_new_number(name: str, old: str, new: str) -> None:
    system = one(name).details.system
    assert (system.old_wa_id, system.new_wa_id) == (old, new)
    assert system.type in ("customer_changed_number", "user_changed_number")


def test_errors_on_a_message_and_on_the_delivery() -> None:
    (error,) = one("unsupported").details.errors
    assert (error.code, error.title) == (131051, "Message type unknown")
    assert error.details == "Message type is currently not supported."
    parsed = parse_webhook(FIXTURES["value_errors"])
    assert parsed.errors[0]["error"]["code"] == 131000


def test_statuses_keep_pricing_conversation_and_errors() -> None:
    (sent,) = parse_webhook(FIXTURES["status_sent_with_pricing"]).statuses
    assert sent.delivery.model_dump(exclude_defaults=True) == {
        "status": "sent",
        "pricing_category": "service",
        "pricing_type": "free_customer_service",
        "pricing_model": "PMP",
        "billable": False,
        "conversation_id": "4f0a6a3ef2a3b1c4d5e6f708192a3b4c",
        "conversation_origin": "service",
    }
    (failed,) = parse_webhook(FIXTURES["status_failed_with_errors"]).statuses
    assert failed.delivery.errors[0].code == 131047
    bare = {**json.loads(json.dumps(FIXTURES["status_sent_with_pricing"]))}
    item = bare["entry"][0]["changes"][0]["value"]["statuses"][0]
    del item["pricing"], item["conversation"]
    assert parse_webhook(bare).statuses[0].delivery is None


# --- bounds: nothing valid is lost when a part is bad, and nothing grows without limit ----------


def message_of(kind: str, content: Any) -> dict[str, Any]:
    payload = json.loads(json.dumps(FIXTURES["text"]))
    item = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del item["text"]
    item.update({"type": kind, kind: content})
    return payload


def test_a_bad_order_item_is_dropped_and_named_the_rest_kept() -> None:
    items = [
        {"product_retailer_id": "A", "quantity": "2", "item_price": "10.5", "currency": "TRY"},
        "garbage",
        {"product_retailer_id": "B", "quantity": 1, "item_price": "abc", "currency": "TRY"},
    ]
    (message,) = parse_webhook(message_of("order", {"product_items": items})).messages
    order = message.details.order
    assert [(i.product_retailer_id, i.quantity, i.item_price) for i in order.items] == [
        ("A", 2, Decimal("10.5")),
        ("B", 1, None),
    ]
    assert order.items_dropped == 1 and order.total is None
    assert message.details.problems == ["1 order items not kept"]


def test_huge_carts_and_contact_lists_are_cut() -> None:
    item = {"product_retailer_id": "X", "quantity": 1, "item_price": 1, "currency": "TRY"}
    (cart,) = parse_webhook(message_of("order", {"product_items": [item] * 5000})).messages
    assert len(cart.details.order.items) == MAX_ORDER_ITEMS
    assert cart.details.order.items_dropped == 5000 - MAX_ORDER_ITEMS
    card = {"name": {"formatted_name": "x" * 100_000}, "phones": [{"phone": "1"}] * 1000}
    (contacts,) = parse_webhook(message_of("contacts", [card] * 100)).messages
    assert len(contacts.details.contacts) == MAX_CONTACTS
    assert len(contacts.details.contacts[0].name) == 1000
    assert len(contacts.details.contacts[0].phones) == 10


@pytest.mark.parametrize(
    ("response_json", "problem"),
    [
        ("{not json", "flow response is not JSON"),
        ("[1, 2]", "flow response is not a JSON object"),
        ("[" * 5000 + "]" * 5000, "flow response is not JSON"),
        ('{"a": "' + "x" * 30_000 + '"}', "flow response over 20000 characters"),
    ],
)
def test_an_unreadable_flow_response_keeps_the_message(response_json: str, problem: str) -> None:
    content = {"type": "nfm_reply", "nfm_reply": {"name": "flow", "response_json": response_json}}
    (message,) = parse_webhook(message_of("interactive", content)).messages
    assert message.details.flow.response is None
    assert message.details.problems == [problem]


def test_a_flow_response_is_bounded() -> None:
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(200):
        deep = {"d": deep}
    wide = {f"k{i}": "v" * 5000 for i in range(3)}
    raw = json.dumps({"flow_token": "t", "wide": wide, "deep": deep})
    content = {"type": "nfm_reply", "nfm_reply": {"name": "flow", "response_json": raw}}
    (message,) = parse_webhook(message_of("interactive", content)).messages
    response = message.details.flow.response
    assert response["flow_token"] == message.details.flow.flow_token == "t"
    assert all(len(v) == 1000 for v in response["wide"].values())
    depth, node = 0, response["deep"]
    while isinstance(node, dict):
        node, depth = node.get("d"), depth + 1
    assert depth <= 4
    content["nfm_reply"]["response_json"] = json.dumps({f"k{i}": i for i in range(1000)})
    (message,) = parse_webhook(message_of("interactive", content)).messages
    assert len(message.details.flow.response) < MAX_FLOW_NODES


def test_an_interactive_subtype_we_do_not_know_with_a_title_is_a_turn() -> None:
    assert handling("interactive", {"interactive_type": "product"}, "Bu ürün").handling == "turn"
    assert handling("interactive", {"interactive_type": "product"}, "").handling == "handoff"
    assert handling("hologram", {}, "").reason == "message_kind:unknown"


def test_the_escalation_note_says_what_came() -> None:
    message = one("order")
    decision = handling("order", message.details.stored(), message.text)
    note = build_escalation(
        understanding={"intent": "other", "message_note": decision.note},
        agent="none",
        tools=[],
        reason=decision.reason,
    )
    assert note["wants"].startswith("Müşteri sepet gönderdi: 2 ürün")
    assert note["why"] == reason_text("message_kind:order")
    assert "katalog sepeti" in note["why"]


def test_contact_names_in_the_note_are_masked() -> None:
    message = one("contacts")
    decision = handling("contacts", message.details.stored(), message.text)
    note = build_escalation(
        understanding={"intent": "other", "message_note": decision.note},
        agent="none",
        tools=[],
        reason=decision.reason,
    )
    assert "Ali Veli" not in note["note"] and "kişi kartı" in note["note"]


def test_turkish_amounts() -> None:
    assert turkish_amount(Decimal("1249.8")) == "1.249,80"
    assert turkish_amount(Decimal("5")) == "5,00"


def test_a_delivery_error_that_is_not_an_object_goes_to_unknown() -> None:
    payload = json.loads(json.dumps(FIXTURES["value_errors"]))
    payload["entry"][0]["changes"][0]["value"]["errors"].append("boom")
    parsed = parse_webhook(payload)
    assert [e["error"]["code"] for e in parsed.errors] == [131000]
    assert parsed.unknown == [{"problem": "value.errors item is not an object", "item": "boom"}]
