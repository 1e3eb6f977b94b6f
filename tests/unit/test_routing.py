"""Routing policy: which node takes a turn (no database, no model)."""

from __future__ import annotations

import pytest

from invekto.graphs.conversation.routing import choose_route, intent_route, thresholds
from invekto.nlu.taxonomy import INTENTS

SURE, UNSURE = 0.9, 0.1
ORDER_CHOICE = {"name": "order_choice"}
RETURN_REASON = {"name": "return_reason"}
B2B_COLLECT = {"name": "b2b_collect"}


def route(
    intent,
    *,
    confidence=SURE,
    vertical="ecommerce",
    flow=None,
    agent=None,
    entities=None,
    signals=(),
    clarified=False,
):
    return choose_route(
        understanding={
            "intent": intent,
            "confidence": confidence,
            "entities": entities or {},
            "signals": list(signals),
        },
        vertical=vertical,
        flow=flow,
        active_agent=agent if flow else None,
        clarified=clarified,
        clarify_below=0.3,
    )


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("order_status", "support"),
        ("delivery_time", "support"),
        ("cancel_order", "support"),
        ("address_change", "support"),
        ("invoice_request", "support"),
        ("stock_question", "support"),
        ("price_question", "support"),
        ("shipping_policy", "support"),
        ("payment_problem", "support"),
        ("return_request", "returns"),
        ("exchange_request", "returns"),
        ("bulk_order", "b2b"),
        ("greeting", "small_talk"),
        ("thanks", "small_talk"),
        ("complaint", "handoff"),
        ("human_request", "handoff"),
        ("other", "clarify"),
    ],
)
def test_a_confident_intent_goes_to_its_agent(intent, expected):
    assert route(intent) == expected


def test_every_intent_has_a_route():
    assert {intent_route(i) for i in INTENTS} <= {
        "support",
        "returns",
        "b2b",
        "small_talk",
        "handoff",
    }


def test_unsure_asks_once_then_hands_over():
    assert route("order_status", confidence=UNSURE) == "clarify"
    assert route("order_status", confidence=UNSURE, clarified=True) == "handoff"
    assert route("other", clarified=True) == "handoff"


def test_a_human_at_once_even_inside_a_flow():
    assert route("human_request", flow=ORDER_CHOICE, agent="support") == "handoff"
    assert route("human_request", flow=B2B_COLLECT, agent="b2b") == "handoff"


def test_a_bulk_signal_goes_to_b2b_whatever_the_intent():
    assert route("price_question", signals=["bulk_order"]) == "b2b"
    assert route("other", confidence=UNSURE, signals=["bulk_order"]) == "b2b"


@pytest.mark.parametrize(
    ("intent", "confidence", "flow", "agent", "entities", "expected"),
    [
        # an answer to "hangi sipariş?" stays with support
        ("other", UNSURE, ORDER_CHOICE, "support", {"ordinal": 2}, "support"),
        ("other", UNSURE, ORDER_CHOICE, "support", {}, "support"),
        ("order_status", SURE, ORDER_CHOICE, "support", {"order_numbers": ["1"]}, "support"),
        # the return reason ("bedeni olmadı") stays with returns, whatever the model thinks
        ("complaint", 0.6, RETURN_REASON, "returns", {"return_reason": "size"}, "returns"),
        ("exchange_request", SURE, RETURN_REASON, "returns", {}, "returns"),
        ("order_status", SURE, RETURN_REASON, "returns", {"order_numbers": ["1"]}, "returns"),
        # the company name in a B2B flow stays with B2B
        ("other", UNSURE, B2B_COLLECT, "b2b", {}, "b2b"),
        ("product_question", SURE, B2B_COLLECT, "b2b", {}, "b2b"),
        # something clearly new leaves the flow
        ("thanks", SURE, ORDER_CHOICE, "support", {}, "small_talk"),
        ("return_request", SURE, ORDER_CHOICE, "support", {}, "returns"),
        ("order_status", SURE, RETURN_REASON, "returns", {}, "support"),
        ("complaint", SURE, ORDER_CHOICE, "support", {}, "handoff"),
        # a product named in a new request is no answer to the flow's question: "bir de mont
        # siparişimi iptal edin" during an exchange offer is served by support
        ("cancel_order", SURE, RETURN_REASON, "returns", {"products": ["mont"]}, "support"),
        # ...while a size or colour is ("L olsun", even when the model reads a stock question)
        ("stock_question", SURE, RETURN_REASON, "returns", {"sizes": ["L"]}, "returns"),
    ],
)
def test_a_flow_keeps_its_agent_until_something_new(
    intent, confidence, flow, agent, entities, expected
):
    assert route(intent, confidence=confidence, flow=flow, agent=agent, entities=entities) == (
        expected
    )


def test_clinic_chats_go_to_the_clinic_agent():
    assert route("book_appointment", vertical="clinic") == "clinic"
    assert route("order_status", vertical="clinic") == "clinic"
    assert route("greeting", vertical="clinic") == "small_talk"
    assert route("human_request", vertical="clinic") == "handoff"


def test_thresholds_per_tenant():
    assert thresholds({}) == (0.3, 0.5)
    assert thresholds({"confidence_threshold": 0.7}) == (0.3, 0.7)
    assert thresholds({"nlu": {"suggest_below": 0.8, "clarify_below": 0.4}}) == (0.4, 0.8)
    assert thresholds({"nlu": {"suggest_below": 0.2}}) == (0.2, 0.2)


def test_a_plain_yes_or_no_answers_the_open_question():
    offer = {"name": "exchange_offer"}
    assert (
        choose_route(
            understanding={"intent": "thanks", "confidence": SURE},
            vertical="ecommerce",
            flow=offer,
            active_agent="returns",
            short_answer=True,
        )
        == "returns"
    )
    assert route("thanks", flow=offer, agent="returns") == "small_talk"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("evet olur", True),
        ("Tamam", True),
        ("yes please", True),
        ("👍", True),
        ("hayır istemiyorum", False),
        ("yok gerek yok", False),
        ("no thanks", False),
        ("iade etmek istiyorum", None),
        ("olursa haber verin", None),
    ],
)
def test_yes_or_no(text, answer):
    from invekto.nlu.answers import yes_or_no

    assert yes_or_no(text) is answer


def test_a_flow_is_left_for_small_talk_only_when_it_clearly_is_small_talk():
    # "Yıldız Tekstil Ltd. Şti." read as a thank-you (0.55) is still the company name
    assert route("thanks", confidence=0.55, flow=B2B_COLLECT, agent="b2b") == "b2b"
    assert route("thanks", confidence=0.95, flow=B2B_COLLECT, agent="b2b") == "small_talk"
