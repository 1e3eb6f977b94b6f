"""The dialogue state the agents share (``invekto.agents.dialogue``): focus, slots, the stack of
interrupted tasks, references to an order by its product, and what the customer says came."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from invekto.agents.dialogue import (
    MAX_SUSPENDED,
    SUSPENDED_TURNS,
    aged,
    correction,
    drops_the_flow,
    follows_up_on_product,
    named_order,
    note_understanding,
    received_variant,
    resume,
    suspend,
)
from invekto.nlu.segments import asks, segments

SHIRT = {"product": {"title": "Kadın Keten Gömlek", "product_main_id": "KG", "color": "siyah"}}


@dataclass
class Order:
    order_number: str
    items: list[str]


ZEYNEP = [
    Order("10654400004", ["Çocuk Şişme Mont Lacivert 7-8 Yaş"]),
    Order("10654400005", ["Hakiki Deri Erkek Cüzdan Kahverengi"]),
]


def understanding(intent="other", **entities):
    return {"intent": intent, "confidence": 0.3, "entities": entities}


def test_what_the_customer_states_is_kept_once_said():
    focus, slots = note_understanding(
        {}, {}, understanding(return_reason="size", quantities=[3], emails=["a@b.co"])
    )
    assert focus == {"quantity": 3}
    assert slots == {"return_reason": "size", "email": "a@b.co"}
    # A later message that says nothing of them keeps them.
    assert note_understanding(focus, slots, understanding()) == (focus, slots)


def test_an_order_number_becomes_the_focus_only_through_an_agent():
    focus, _ = note_understanding({}, {}, understanding(order_numbers=["10654400003"]))
    assert "order" not in focus  # someone else's number must not become the focus


def test_interrupted_tasks_stack_newest_last_one_per_agent_and_age_out():
    stack = suspend([], "returns", {"name": "exchange_offer"}, "Değişim?")
    stack = suspend(stack, "support", {"name": "order_choice"}, "Hangisi?", ask_again=False)
    stack = suspend(stack, "returns", {"name": "coupon_offer"}, "Kupon?")
    assert [t["agent"] for t in stack] == ["support", "returns"]
    assert stack[-1]["flow"] == {"name": "coupon_offer"}
    for agent in ("a", "b", "c", "d"):
        stack = suspend(stack, agent, {}, "")
    assert len(stack) == MAX_SUSPENDED
    for _ in range(SUSPENDED_TURNS - 1):
        stack = aged(stack)
    assert len(stack) == MAX_SUSPENDED  # still there the turn before the limit
    assert aged(stack) == []


def test_a_task_resumes_only_when_the_new_request_asks_nothing_itself():
    stack = suspend([], "returns", {"name": "exchange_offer"}, "Değişim?")
    assert resume(stack, agent_in_flow=True) == (None, stack)
    task, rest = resume(stack, agent_in_flow=False)
    assert task is not None and task["agent"] == "returns" and rest == []
    assert resume([], agent_in_flow=False) == (None, [])


@pytest.mark.parametrize(
    ("text", "entities", "expected", "size"),
    [
        ("M olsa?", {}, "stock_question", "M"),
        ("siyahı kaldı mı", {"colors": ["siyah"]}, "stock_question", None),
        ("fiyatı ne kadar bunun", {}, "price_question", None),
        ("how much is it?", {}, "price_question", None),
        ("the other one?", {}, "stock_question", None),
        ("10654400001 nerede", {"order_numbers": ["10654400001"]}, None, None),
        ("iade etmek istiyorum çünkü bedeni küçük geldi", {"return_reason": "size"}, None, None),
        ("tamam", {}, None, None),
    ],
)
def test_a_short_follow_up_is_about_the_product_in_focus(text, entities, expected, size):
    understood = understanding(**entities)
    assert follows_up_on_product(understood, text, SHIRT) == expected
    if size:
        assert understood["entities"]["sizes"] == [size]
    # Without a product in focus, nothing is a follow-up.
    assert follows_up_on_product(understanding(**entities), text, {}) is None


@pytest.mark.parametrize(
    ("text", "products", "expected"),
    [
        ("cüzdan siparişim ne zaman gelir", [], "10654400005"),
        ("mont olanı iptal edin", [], "10654400004"),
        ("when does the wallet arrive", ["cüzdan"], "10654400005"),
        ("siparişim nerede", [], None),  # names neither: ask which
        ("", [], None),
    ],
)
def test_an_order_is_named_by_its_product(text, products, expected):
    assert named_order(text, ZEYNEP, products) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cüzdan siyah gelmiş ben kahverengi istemiştim", "siyah"),
        ("it came in black but I ordered brown", "siyah"),
        ("M aldım L ile değiştirebilir miyim", None),
        ("rengi yanlış geldi", None),
    ],
)
def test_what_the_customer_says_came(text, expected):
    assert received_variant(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "3 tane siyah cüzdan alsam ne kadar tutar, kargo ücretli mi",
            ["3 tane siyah cüzdan alsam ne kadar tutar", "kargo ücretli mi"],
        ),
        (
            "Merhaba, kargom nerede? Bir de iade nasıl yapılır",
            ["Merhaba", "kargom nerede?", "Bir de iade nasıl yapılır"],
        ),
        (
            "where is my order and also can I get an invoice",
            ["where is my order", "also can I get an invoice"],
        ),
        ("kargom nerede", ["kargom nerede"]),
        (  # a list is one message
            "beyaz gömlek, siyah pantolon, mavi etek, kırmızı ceket, yeşil şort",
            ["beyaz gömlek, siyah pantolon, mavi etek, kırmızı ceket, yeşil şort"],
        ),
    ],
)
def test_a_message_is_cut_where_it_may_ask_several_things(text, expected):
    assert segments(text) == expected


@pytest.mark.parametrize(
    ("piece", "expected"),
    [
        ("kargo ücretli mi", True),
        ("can I get an invoice", True),
        ("هل يوجد مقاس L", True),
        ("ayakkabı yırtık geldi", False),
        ("aslında dernek için 40 tane alacağız", False),
    ],
)
def test_a_piece_is_a_request_of_its_own_only_when_it_asks(piece, expected):
    assert asks(piece) is expected


@pytest.mark.parametrize(
    ("request_intent", "text", "entities", "expected", "sizes"),
    [
        ("order_status", "pardon yanlış yazmışım 10654400005 olacak",
         {"order_numbers": ["10654400005"]}, "order_status", None),
        ("stock_question", "pardon S değil M bakabilir misiniz", {"sizes": ["S", "M"]},
         "stock_question", ["M"]),
        ("invoice_request", "a@b.co", {"emails": ["a@b.co"]}, "invoice_request", None),
        # a colour says nothing new about an order: not a correction of it
        ("order_status", "kırmızı", {"colors": ["kırmızı"]}, None, None),
        # nothing to correct with
        ("stock_question", "pardon", {}, None, None),
    ],
)  # fmt: skip
def test_a_correction_asks_the_last_request_again(request_intent, text, entities, expected, sizes):
    understood = understanding(**entities)
    assert correction(understood, text, {"request": request_intent}) == expected
    if sizes:
        assert understood["entities"]["sizes"] == sizes
    assert correction(understanding(**entities), text, {}) is None  # no request before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("boşverin iade etmicem, gömleğin kargosu nerede", True),
        ("forget it, can I just cancel the order instead?", True),
        ("bu arada gömlek siparişim ne zaman gelir", False),
    ],
)
def test_a_flow_dropped_in_so_many_words(text, expected):
    assert drops_the_flow(text) is expected
