"""Support answers end to end (webhook, worker, local model, Trendyol stand-in): money is no
wholesale, PII is no order number, stock answers about the variant asked, questions in English
and Arabic find the Turkish catalogue, delivery time before buying, follow-ups that drop the
product, and the clinic's own greeting."""

from __future__ import annotations

import re

import pytest

from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, MEHMET_PHONE
from tests.support.chat import say

NEW_PHONE = "905449990011"  # no orders
TC_KIMLIK = "10000000146"  # a valid TC kimlik number (checksum), not an order
ARABIC = re.compile(r"[\u0600-\u06ff]")


# --- 1. money and percentages are not wholesale ------------------------------------------------


@pytest.mark.parametrize(
    "text", ["400 TL'lik sipariş kargo bedava mı", "is delivery free for a 400 TL order?"]
)
async def test_an_order_amount_is_a_shipping_question_not_a_wholesale_lead(stack, text):
    turn = await say(stack, text, phone=NEW_PHONE)

    assert turn["agent"] == "support", turn
    assert turn["intent"] == "shipping_policy", turn
    assert "300" in turn["reply"]
    assert "save_lead" not in turn["tools"]


# --- 2. a TC kimlik number is not an order number, and is never echoed -------------------------


async def test_a_tc_kimlik_number_is_not_looked_up_as_an_order(stack):
    turn = await say(stack, f"TC kimlik numaram {TC_KIMLIK}", phone=NEW_PHONE)

    assert "get_order" not in turn["tools"]
    assert TC_KIMLIK not in (turn["reply"] or "")


async def test_an_unknown_number_that_is_a_tc_kimlik_is_not_echoed(stack):
    first = await say(stack, "kargom nerede", phone=NEW_PHONE)
    assert "sipariş numaranızı" in first["reply"].lower()

    second = await say(stack, TC_KIMLIK, phone=NEW_PHONE)

    assert second["tools"] == ["get_order"]
    assert TC_KIMLIK not in (second["reply"] or "")
    assert "bulamadım" in second["reply"]


async def test_an_unknown_order_number_is_still_quoted(stack):
    turn = await say(stack, "10654499999 nolu siparişim nerede", phone=NEW_PHONE)

    assert "10654499999" in turn["reply"]


# --- 3. stock answers are about the variant asked ----------------------------------------------


async def test_an_out_of_stock_colour_and_size_is_said_to_be_out(stack):
    turn = await say(stack, "Keten gömleğin beyazının XL bedeni var mı?", phone=NEW_PHONE)

    reply = turn["reply"]
    assert "Beyaz XL" in reply and "stokta yok" in reply
    assert "Siyah XL" in reply  # offered as an alternative, not as the one asked
    assert "(Siyah XL) stokta mevcut" not in reply


@pytest.mark.parametrize(
    ("text", "asked", "offered"),
    [
        ("çocuk montun lacivert 9-10 yaş bedeni var mı", "Lacivert 9-10 Yaş", "11-12 Yaş"),
        ("bebek tulumunun mavisi 6-9 ay var mı?", "Mavi 6-9 Ay", "Mavi 3-6 Ay"),
    ],
)
async def test_an_out_of_stock_age_size_is_said_to_be_out(stack, text, asked, offered):
    turn = await say(stack, text, phone=NEW_PHONE)

    reply = turn["reply"]
    assert asked in reply and "stokta yok" in reply, reply
    assert offered in reply, reply


async def test_an_in_stock_age_size_is_the_one_asked(stack):
    turn = await say(stack, "kırmızı çocuk mont 9-10 yaş var mı", phone=NEW_PHONE)

    assert "Kırmızı 9-10 Yaş" in turn["reply"] and "stokta mevcut" in turn["reply"]


async def test_a_variant_the_product_does_not_have_is_not_answered_with_another(stack):
    turn = await say(stack, "keten gömleğin kırmızısı var mı", phone=NEW_PHONE)

    reply = turn["reply"]
    assert "Kırmızı" in reply and "stokta yok" in reply, reply
    assert "stokta mevcut" not in reply


# --- 4. English and Arabic questions find the Turkish catalogue --------------------------------


@pytest.mark.parametrize(
    ("text", "title", "answer"),
    [
        ("Do you have the black linen shirt in size S?", "Keten Gömlek", "out of stock"),
        ("sneakers size 43 available?", "Spor Ayakkabı", "in stock"),
        ("navy leather wallet in stock?", "Cüzdan", "out of stock"),
        ("price of the kids puffer jacket?", "Çocuk Şişme Mont", "899"),
    ],
)
async def test_an_english_product_question_finds_the_turkish_product(stack, text, title, answer):
    turn = await say(stack, text, phone=NEW_PHONE)

    assert turn["language"] == "en"
    assert turn["outcome"] == "auto_reply", turn
    assert title in turn["reply"] and answer in turn["reply"], turn["reply"]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("هل يتوفر قميص الكتان الأبيض بمقاس XL؟", "Keten Gömlek"),
        ("السماعة اللاسلكية باللون الأبيض موجودة عندكم؟", "Kulaklık"),
        ("كم سعر المحفظة الجلد؟", "Cüzdan"),
    ],
)
async def test_an_arabic_product_question_is_answered_in_arabic(stack, text, title):
    turn = await say(stack, text, phone=NEW_PHONE)

    assert turn["outcome"] == "auto_reply", turn
    assert title in turn["reply"]
    assert ARABIC.search(turn["reply"]), turn["reply"]


# --- 5. delivery time before buying -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bugün sipariş versem kaç günde gelir", "tr"),
        ("how long does delivery take?", "en"),
    ],
)
async def test_delivery_time_before_buying_gets_the_dispatch_policy(stack, text, language):
    turn = await say(stack, text, phone=NEW_PHONE)

    assert (turn["agent"], turn["outcome"]) == ("support", "auto_reply"), turn
    assert turn["language"] == language
    assert "1-2" in turn["reply"] and "Yurtiçi" in turn["reply"], turn["reply"]
    assert "bulamadım" not in turn["reply"] and "could not find" not in turn["reply"]


async def test_delivery_time_of_an_existing_order_asks_for_its_number(stack):
    turn = await say(stack, "siparişim ne zaman gelir", phone=NEW_PHONE)

    assert "sipariş numaranızı" in turn["reply"].lower()


async def test_a_policy_question_while_an_order_number_is_awaited_is_answered(stack):
    first = await say(stack, "kargom nerede", phone=NEW_PHONE)
    assert "sipariş numaranızı" in first["reply"].lower()

    second = await say(stack, "kargo ücreti ne kadar, kaç liradan sonra bedava", phone=NEW_PHONE)

    assert (second["agent"], second["intent"]) == ("support", "shipping_policy"), second
    assert "300" in second["reply"] and "sipariş numaranızı" not in second["reply"].lower()


async def test_delivery_time_of_a_customer_with_an_order_is_the_orders(stack):
    turn = await say(stack, "ne zaman gelir acaba", phone=MEHMET_PHONE)

    assert "10654400003" in turn["reply"]


# --- 6. follow-ups that drop the product ----------------------------------------------------------


async def test_a_size_follow_up_is_about_the_last_product(stack):
    first = await say(stack, "çiçekli elbisenin M bedeni var mı", phone=NEW_PHONE)
    assert "Çiçekli Yazlık Elbise" in first["reply"] and "stokta mevcut" in first["reply"]

    second = await say(stack, "L de var mı peki?", phone=NEW_PHONE)

    assert second["outcome"] == "auto_reply", second
    assert "Çiçekli Yazlık Elbise" in second["reply"] and "stokta yok" in second["reply"]


async def test_a_colour_follow_up_is_about_the_last_product(stack):
    first = await say(stack, "hakiki deri cüzdanınız var mıydı", phone=NEW_PHONE)
    assert "Cüzdan" in first["reply"]

    second = await say(stack, "siyahı kaldı mı", phone=NEW_PHONE)

    assert second["outcome"] == "auto_reply", second
    assert "Cüzdan (Siyah)" in second["reply"] and "stokta mevcut" in second["reply"]


async def test_a_new_product_is_not_answered_with_the_last_one(stack):
    await say(stack, "hakiki deri cüzdanınız var mıydı", phone=NEW_PHONE)

    turn = await say(stack, "şemsiye var mı", phone=NEW_PHONE)

    assert "Cüzdan" not in (turn["reply"] or "")


async def test_a_follow_up_in_english_keeps_the_product(stack):
    await say(stack, "how much are the black sneakers in 41?", phone=AYSE_PHONE)

    turn = await say(stack, "is size 44 in stock?", phone=AYSE_PHONE)

    assert "Spor Ayakkabı" in turn["reply"] and "out of stock" in turn["reply"], turn["reply"]


# --- 7. the clinic's greeting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "not_said"), [("merhaba", "sipariş"), ("Hello", "order"), ("مرحبا", "الطلب")]
)
async def test_a_clinic_greets_patients_as_a_clinic(stack, text, not_said):
    turn = await say(stack, text, phone=NEW_PHONE, tenant=DEMO_CLINIC)

    assert (turn["intent"], turn["outcome"]) == ("greeting", "auto_reply")
    assert not_said not in turn["reply"].lower()
    assert "Demo Diş Kliniği" in turn["reply"]


async def test_a_shop_still_greets_as_a_shop(stack):
    turn = await say(stack, "merhaba", phone=NEW_PHONE)

    assert "sipariş" in turn["reply"].lower()
