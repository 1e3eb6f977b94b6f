"""The escalation note: deterministic Turkish text with English keys, PII masked."""

from __future__ import annotations

import datetime as dt
import json

from invekto.graphs.conversation.escalation import build_escalation, reason_text, tool_outcome

AT = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)


def test_note_says_what_is_wanted_tried_and_why():
    note = build_escalation(
        understanding={
            "intent": "cancel_order",
            "entities": {"order_numbers": ["10654400001"], "products": ["gömlek"], "phones": ["x"]},
        },
        agent="support",
        tools=[{"name": "get_order", "args": {}, "result": json.dumps({"error": "timeout"})}],
        reason="marketplace_unavailable",
        now=AT,
    )
    assert note["intent"] == "cancel_order"
    assert note["wants"] == "Siparişini iptal etmek istiyor (sipariş no: 10654400001; ürün: gömlek)"
    assert note["entities"] == {"order_numbers": ["10654400001"], "products": ["gömlek"]}
    assert note["tools"] == [{"name": "get_order", "outcome": "error"}]
    assert note["tried"] == "support asistanı; araçlar: get_order (error)"
    assert note["why"] == "Pazaryerine (Trendyol) ulaşılamadı"
    assert note["note"] == (
        "Müşteri ne istiyor: Siparişini iptal etmek istiyor (sipariş no: 10654400001; ürün: "
        "gömlek). Denenen: support asistanı; araçlar: get_order (error). Neden devredildi: "
        "Pazaryerine (Trendyol) ulaşılamadı."
    )
    again = build_escalation(
        understanding={
            "intent": "cancel_order",
            "entities": {"order_numbers": ["10654400001"], "products": ["gömlek"]},
        },
        agent="support",
        tools=[{"name": "get_order", "args": {}, "result": json.dumps({"error": "timeout"})}],
        reason="marketplace_unavailable",
        now=AT,
    )
    assert again == note  # deterministic


def test_company_and_texts_are_masked():
    note = build_escalation(
        understanding={
            "intent": "bulk_order",
            "entities": {"company": "ABC Tekstil 0532 111 22 33", "quantities": [150]},
        },
        agent="b2b",
        tools=[],
        reason="b2b_lead",
        decision_reason="automation_off",
    )
    dumped = json.dumps(note, ensure_ascii=False)
    assert "0532 111 22 33" not in dumped
    assert "<PHONE_NUMBER>" in note["entities"]["company"]
    assert note["why"].startswith("Kurumsal / toplu talep")
    assert "Bu konuda otomasyon kapalı" in note["why"]


def test_reason_and_tool_outcome_words():
    assert reason_text("unsupported_intent:payment_problem").endswith("(payment_problem)")
    assert reason_text("guard:no_pii").startswith("Cevap güvenlik kontrolünden geçmedi")
    assert reason_text(None) == "Belirtilmedi"
    assert reason_text("something_new") == "something_new"
    assert tool_outcome(json.dumps([])) == "not_found"
    assert tool_outcome(json.dumps([1, 2])) == "2 results"
    assert tool_outcome(json.dumps({"orders": []})) == "not_found"
    assert tool_outcome(json.dumps({"status": "Shipped"})) == "Shipped"
    assert tool_outcome("not json") == "ok"
    assert tool_outcome(json.dumps(None)) == "not_found"
