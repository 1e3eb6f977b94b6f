"""The dialogue state across turns and agents (``invekto.agents.dialogue``), end to end through
the webhook, the worker and the graph: a request that interrupts a flow is served and the flow
comes back; several requests in one message get one reply, in order, with their side effects;
a correction asks the last request again; the product and the order in focus carry over."""

from __future__ import annotations

from invekto.storage.models import ReturnAttempt, ServiceRequest
from tests.support.chat import say
from tests.support.rows import rows as _rows

ZEYNEP_PHONE = "905301234567"  # two orders in transit: a puffer jacket and a wallet
MEHMET_PHONE = "905339998877"  # one order, not shipped yet


async def test_a_new_request_in_the_middle_of_an_exchange_is_served_then_the_offer_resumes(
    stack, session
):
    offer = await say(
        stack, "cüzdanın rengi yanlış geldi değiştirmek istiyorum", phone=ZEYNEP_PHONE
    )
    assert offer["agent"] == "returns" and "Siyah" in offer["reply"]

    cancel = await say(stack, "bir de mont siparişimi iptal etmek istiyorum", phone=ZEYNEP_PHONE)
    assert (cancel["agent"], cancel["intent"]) == ("support", "cancel_order")
    assert "10654400004" in cancel["reply"]  # the jacket, not the wallet of the exchange
    assert "kaldığımız yerden" in cancel["reply"]  # ...and the exchange is still open

    accepted = await say(stack, "tamam siyah olsun", phone=ZEYNEP_PHONE)
    assert accepted["agent"] == "returns" and "Siyah" in accepted["reply"]
    [attempt] = await _rows(session, ReturnAttempt, action="exchange_accepted")
    assert attempt.order_number == "10654400005" and attempt.deflected


async def test_two_requests_in_one_message_get_one_reply_in_order(stack, session):
    turn = await say(
        stack,
        "bebek tulumu siparişimi iptal edin, bir de kargo ücreti ne kadar",
        phone=MEHMET_PHONE,
    )
    assert turn["agent"] == "support" and turn["intent"] == "cancel_order"
    assert turn["tools"][:2] == ["find_customer_orders", "request_cancellation"]
    cancel_at = turn["reply"].index("10654400003")
    shipping_at = turn["reply"].index("300 TL")
    assert cancel_at < shipping_at
    [request] = await _rows(session, ServiceRequest, kind="cancel")
    assert request.order_number == "10654400003"  # the first request's action committed


async def test_a_quantity_price_and_a_shipping_question_together(stack):
    turn = await say(stack, "3 tane siyah deri cüzdan alsam ne kadar tutar, kargo ücretli mi")
    assert "1049.70 TL" in turn["reply"]  # 3 × 349.90, computed, and the guard lets it through
    assert "300 TL" in turn["reply"]
    assert turn["outcome"] == "auto_reply"


async def test_a_correction_asks_the_last_request_again_with_the_new_value(stack):
    first = await say(stack, "beyaz keten gömlekten S beden var mı")
    assert "Beyaz S" in first["reply"]
    corrected = await say(stack, "pardon S değil M bakabilir misiniz")
    assert (corrected["agent"], corrected["intent"]) == ("support", "stock_question")
    assert "Beyaz M" in corrected["reply"]


async def test_the_product_in_focus_carries_over_follow_ups_and_languages(stack):
    await say(stack, "beyaz keten gomlek L var mi")
    black = await say(stack, "siyahi var mi peki")
    assert "Siyah L" in black["reply"]
    price = await say(stack, "fiyati ne kadar bunun")
    assert price["intent"] == "price_question" and "Siyah L" in price["reply"]
    other_size = await say(stack, "M olsa?")
    assert other_size["agent"] == "support" and "Siyah M" in other_size["reply"]
    fabric = await say(stack, "what fabric is it made of?")
    assert "Keten" in fabric["reply"] and fabric["outcome"] == "auto_reply"


async def test_the_order_named_by_its_product_is_the_one_answered(stack):
    turn = await say(stack, "cüzdan siparişim ne zaman gelir", phone=ZEYNEP_PHONE)
    assert "7250098765432" in turn["reply"] and "7340012345678" not in turn["reply"]
    both = await say(stack, "iki kargom da nerede, ikisini de söyler misiniz", phone=ZEYNEP_PHONE)
    assert "7250098765432" in both["reply"] and "7340012345678" in both["reply"]
