"""Parsing the webhooks of templates, categories and marketing preferences (WIRE 7.1), and the
``biz_opaque_callback_data`` and pricing of status callbacks."""

from __future__ import annotations

from typing import Any

import pytest

from invekto.channels.base import CollectingSender
from invekto.channels.whatsapp.parse import (
    build_status_webhook,
    build_template_category_webhook,
    build_template_status_webhook,
    build_user_preferences_webhook,
    parse_webhook,
)


def _change(field: str, value: Any, waba_id: Any = "102290129340398") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"field": field, "value": value}]}],
    }


def test_a_rejection_with_its_reason_and_recommendation() -> None:
    parsed = parse_webhook(
        _change(
            "message_template_status_update",
            {
                "event": "REJECTED",
                "message_template_id": 594425479261596,
                "message_template_name": "kampanya",
                "message_template_language": "tr",
                "reason": "NONE",
                "message_template_category": "MARKETING",
                "rejection_info": {"reason": "PROMOTIONAL", "recommendation": "Use UTILITY"},
            },
        )
    )
    (change,) = parsed.template_updates
    assert (change.event, change.message_template_id, change.name, change.language) == (
        "REJECTED",
        "594425479261596",
        "kampanya",
        "tr",
    )
    assert (change.reason, change.recommendation) == ("PROMOTIONAL", "Use UTILITY")
    assert change.waba_id == "102290129340398" and change.category == "MARKETING"
    assert parsed.unknown == []


def test_an_approval_has_no_reason() -> None:
    payload = build_template_status_webhook(
        waba_id="1", event="APPROVED", template_id="7", name="a", language="tr"
    )
    (change,) = parse_webhook(payload).template_updates
    assert change.event == "APPROVED" and change.reason is None


def test_a_category_update() -> None:
    payload = build_template_category_webhook(
        waba_id="1",
        template_id="7",
        name="kargo",
        language="tr",
        new_category="MARKETING",
        previous_category="UTILITY",
    )
    (change,) = parse_webhook(payload).category_updates
    assert (change.new_category, change.previous_category) == ("MARKETING", "UTILITY")


def test_user_preferences() -> None:
    payload = build_user_preferences_webhook(
        phone_number_id="1122334455",
        display_phone_number="908501234567",
        wa_id="905321112233",
        value="stop",
        detail="User requested to stop marketing messages",
        waba_id="1",
    )
    (preference,) = parse_webhook(payload).preferences
    assert (preference.wa_id, preference.value, preference.phone_number_id) == (
        "905321112233",
        "stop",
        "1122334455",
    )
    assert preference.category == "marketing_messages" and preference.timestamp is not None


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("message_template_status_update", {"event": 5}, "without an event"),
        ("message_template_status_update", {"event": "APPROVED"}, "without a template id"),
        ("message_template_status_update", {"event": "A" * 33}, "without an event"),
        ("template_category_update", {"message_template_id": "1"}, "without new_category"),
        ("user_preferences", {"user_preferences": {}}, "without a list"),
        ("user_preferences", {"user_preferences": [{"wa_id": "x1", "value": "stop"}]}, "wa_id"),
        (
            "user_preferences",
            {"user_preferences": [{"wa_id": "905321112233", "value": "maybe"}]},
            "not understood",
        ),
        ("user_preferences", {"user_preferences": [7]}, "not an object"),
    ],
)
def test_hostile_items_are_unknown_with_a_reason(field: str, value: Any, problem: str) -> None:
    parsed = parse_webhook(_change(field, value))
    assert not (parsed.template_updates or parsed.category_updates or parsed.preferences)
    (unknown,) = parsed.unknown
    assert problem in unknown["problem"]


def test_too_many_preferences_are_cut_and_reported() -> None:
    items = [{"wa_id": f"90532{n:07d}", "value": "stop"} for n in range(150)]
    parsed = parse_webhook(_change("user_preferences", {"user_preferences": items}))
    assert len(parsed.preferences) == 100
    assert "beyond 100" in parsed.unknown[0]["problem"]


def test_odd_fields_are_unknown_not_errors() -> None:
    for field in (["messages"], {"a": 1}, None, "x" * 10_000):
        (unknown,) = parse_webhook(_change(field, {})).unknown  # type: ignore[arg-type]
        assert unknown["problem"].startswith("unsupported field")
        assert len(unknown["problem"]) < 200


def test_a_status_echoes_the_opaque_data_and_its_pricing() -> None:
    pricing = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
    payload = build_status_webhook(
        phone_number_id="1122334455",
        display_phone_number="908501234567",
        message_id="wamid.X",
        recipient="905321112233",
        status="delivered",
        biz_opaque_callback_data="outbound:abc",
        pricing=pricing,
    )
    (status,) = parse_webhook(payload).statuses
    assert status.biz_opaque_callback_data == "outbound:abc"
    assert status.delivery is not None
    assert (status.delivery.pricing_type, status.delivery.pricing_category) == (
        "regular",
        "utility",
    )
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] = (
        "y" * 5000
    )
    (status,) = parse_webhook(payload).statuses
    assert len(status.biz_opaque_callback_data or "") == 512


async def test_the_collecting_sender_takes_components_and_opaque_data() -> None:
    sender = CollectingSender()
    components = [{"type": "body", "parameters": [{"type": "text", "text": "TY1"}]}]
    await sender.send_template(
        to="905321112233",
        name="kargo",
        language="tr",
        components=components,
        biz_opaque_callback_data="outbound:1",
    )
    (sent,) = sender.sent
    assert sent.text == "[kargo] TY1"
    assert sent.arguments["components"] == components
    assert sent.arguments["biz_opaque_callback_data"] == "outbound:1"
