"""Multi-turn flows of the support, returns and B2B agents, end to end through the webhook, the
real worker, the local intent model and the Trendyol stand-in."""

from __future__ import annotations

from sqlalchemy import select

from invekto.sandbox.demo import AYSE_PHONE, MEHMET_PHONE
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.storage.models import (
    Coupon,
    Customer,
    Lead,
    LeadAlert,
    ReturnAttempt,
    ServiceRequest,
    Tenant,
)
from tests.support.chat import say
from tests.support.rows import rows as _rows
from tests.support.waiting import wait_for

ZEYNEP_PHONE = "905301234567"  # two orders in transit
ELIF_PHONE = "905061112244"  # one delivered order (dress + belt)
NEW_PHONE = "905449990011"  # no orders


# --- support -------------------------------------------------------------------------------


async def test_cancel_a_not_yet_shipped_order_is_recorded_and_confirmed(stack, session):
    turn = await say(stack, "siparişimi iptal etmek istiyorum", phone=MEHMET_PHONE)

    assert (turn["agent"], turn["intent"], turn["outcome"]) == (
        "support",
        "cancel_order",
        "auto_reply",
    )
    assert turn["tools"] == ["find_customer_orders", "request_cancellation"]
    assert "10654400003" in turn["reply"] and "iptal talebinizi" in turn["reply"]
    [request] = await _rows(session, ServiceRequest, kind="cancel")
    assert request.order_number == "10654400003" and request.status == "open"


async def test_cancel_a_shipped_order_explains_the_return_path(stack, session):
    turn = await say(stack, "10654400001 nolu siparişimi iptal edin lütfen")

    assert turn["tools"] == ["get_order", "request_cancellation"]
    assert "iptal edilemiyor" in turn["reply"] and "İade Talebi" in turn["reply"]
    assert await _rows(session, ServiceRequest) == []


async def test_invoice_request_to_an_email(stack, session):
    turn = await say(
        stack, "10654400002 siparişimin faturasını ayse.yilmaz@example.com adresine atar mısınız"
    )

    assert (turn["agent"], turn["intent"]) == ("support", "invoice_request")
    assert "ayse.yilmaz@example.com" in turn["reply"]
    [request] = await _rows(session, ServiceRequest, kind="invoice")
    assert request.details == {"email": "ayse.yilmaz@example.com"}


async def test_address_change_asks_for_the_new_address_then_records_it(stack, session):
    first = await say(stack, "teslimat adresimi değiştirmem lazım", phone=MEHMET_PHONE)
    assert first["intent"] == "address_change"
    assert "Yeni teslimat adresinizi" in first["reply"]

    second = await say(
        stack, "Caferağa Mah. Moda Cad. No:12 Daire 3 Kadıköy İstanbul", phone=MEHMET_PHONE
    )

    assert second["agent"] == "support"
    assert second["outcome"] == "auto_reply"
    assert second["tools"] == ["request_address_change"]
    [request] = await _rows(session, ServiceRequest, kind="address_change")
    assert "Moda Cad." in request.details["new_address"]


async def test_stock_question_uses_the_stock_tool(stack):
    turn = await say(stack, "keten gömleğin L bedeni var mı?", phone=NEW_PHONE)

    assert (turn["agent"], turn["intent"]) == ("support", "stock_question")
    assert turn["tools"] == ["check_stock"]
    assert "Keten Gömlek" in turn["reply"] and "stokta" in turn["reply"]


async def test_out_of_stock_variant_lists_what_is_in_stock(stack):
    turn = await say(stack, "keten gömlek beyaz xl beden var mi", phone=NEW_PHONE)

    assert turn["tools"] == ["check_stock"]
    assert "stokta yok" in turn["reply"]
    assert "Beyaz L" in turn["reply"] and "Siyah XL" in turn["reply"]
    assert "Beyaz XL," not in turn["reply"]


async def test_english_stock_question(stack):
    turn = await say(stack, "do you have the black sports shoes in size 43?", phone=NEW_PHONE)

    assert (turn["agent"], turn["language"]) == ("support", "en")
    assert "Spor Ayakkabı" in turn["reply"] and "in stock" in turn["reply"]


async def test_shipping_policy_from_the_tenant_settings(stack):
    turn = await say(
        stack, "kargo ücreti ne kadar, kaç günde kargoya veriyorsunuz", phone=NEW_PHONE
    )

    assert (turn["agent"], turn["intent"]) == ("support", "shipping_policy")
    assert "300 TL" in turn["reply"] and "1-2 iş günü" in turn["reply"]


# --- returns -------------------------------------------------------------------------------


async def test_size_return_becomes_an_exchange(stack, session):
    first = await say(stack, "ayakkabıyı iade etmek istiyorum")
    assert (first["agent"], first["intent"]) == ("returns", "return_request")
    assert "10654400002" in first["reply"] and "neden" in first["reply"].lower()

    second = await say(stack, "numarası küçük geldi 43 olur mu")
    assert second["agent"] == "returns"
    assert "exchange_options" in second["tools"]
    assert "43" in second["reply"] and "değişim" in second["reply"].lower()

    third = await say(stack, "evet olur")
    assert (third["agent"], third["outcome"]) == ("returns", "auto_reply")
    assert "değişim talebinizi aldım" in third["reply"]

    [attempt] = await _rows(session, ReturnAttempt)
    assert (attempt.reason, attempt.action, attempt.deflected) == (
        "size",
        "exchange_accepted",
        True,
    )
    assert attempt.order_number == "10654400002"


async def test_changed_mind_gets_a_coupon_within_the_tenant_limit(stack, session):
    first = await say(stack, "ayakkabıyı iade edicem vazgeçtim")
    assert first["agent"] == "returns"
    assert "create_coupon" in first["tools"]
    assert "%10" in first["reply"]

    second = await say(stack, "tamam olur")
    [coupon] = await _rows(session, Coupon)
    assert coupon.code in second["reply"]
    assert int(coupon.percent) == 10  # retention offer 10 %, tenant maximum 15 %
    [attempt] = await _rows(session, ReturnAttempt)
    assert (attempt.reason, attempt.action, attempt.deflected) == (
        "changed_mind",
        "coupon_accepted",
        True,
    )


async def test_damaged_item_explains_the_marketplace_return_and_hands_over_on_request(
    stack, session
):
    first = await say(stack, "elbise yırtık geldi iade etmek istiyorum", phone=ELIF_PHONE)
    assert first["agent"] == "returns"
    assert "İade Talebi" in first["reply"]

    second = await say(stack, "evet lütfen", phone=ELIF_PHONE)
    assert (second["agent"], second["outcome"], second["reason"]) == (
        "returns",
        "handoff",
        "return_needs_human",
    )
    [attempt] = await _rows(session, ReturnAttempt)
    assert (attempt.reason, attempt.deflected) == ("damaged", False)


async def test_returning_someone_elses_order_reveals_nothing(stack, session):
    turn = await say(stack, "10654400003 nolu siparişi iade etmek istiyorum")  # Mehmet's order

    assert (turn["agent"], turn["tools"]) == ("returns", ["get_order"])
    assert "eşleşmiyor" in turn["reply"] and "Bebek" not in turn["reply"]
    assert await _rows(session, ReturnAttempt) == []


async def test_a_return_with_the_marketplace_down_goes_to_a_human(stack, session):
    SANDBOX_TRENDYOL.inject(status=503, times=50)

    turn = await say(stack, "ayakkabıyı iade etmek istiyorum")

    assert (turn["agent"], turn["outcome"], turn["reason"]) == (
        "returns",
        "handoff",
        "marketplace_unavailable",
    )
    assert await _rows(session, ReturnAttempt) == []


async def test_english_return_asks_the_reason_in_english(stack):
    turn = await say(stack, "I want to return my shoes", phone=AYSE_PHONE)

    assert (turn["agent"], turn["language"]) == ("returns", "en")
    assert "why" in turn["reply"].lower()


# --- B2B -----------------------------------------------------------------------------------


async def test_b2b_lead_is_collected_alerted_and_handed_to_sales(stack, session):
    first = await say(stack, "şirketimize 150 adet tişört lazım faturalı", phone=NEW_PHONE)
    assert (first["agent"], first["outcome"]) == ("b2b", "auto_reply")
    assert "firma adınızı" in first["reply"]
    assert first["tools"] == ["find_customer_orders", "save_lead"]

    second = await say(stack, "Yıldız Tekstil Ltd. Şti.", phone=NEW_PHONE)
    assert (second["agent"], second["outcome"], second["reason"]) == (
        "b2b",
        "handoff",
        "b2b_lead",
    )
    assert second["tools"] == ["save_lead", "alert_sales"]
    assert "satış ekibimize" in second["reply"]

    [lead] = await _rows(session, Lead)
    assert lead.company == "Yıldız Tekstil Ltd. Şti."
    assert lead.products == [{"product": "tişört", "quantity": 150}]
    assert "150 adet" in lead.signal_text
    assert lead.status == "alerted"
    [customer] = await _rows(session, Customer, phone=NEW_PHONE)
    assert {"b2b", "vip"} <= set(customer.tags)

    async def delivered():
        alerts = await _rows(session, LeadAlert)
        return alerts if alerts and all(a.status != "pending" for a in alerts) else None

    alerts = {a.channel: a for a in await wait_for(delivered, timeout_s=20)}
    assert alerts["webhook"].status == "sent"
    assert alerts["email"].status == "failed"  # no SMTP server configured in this test


# --- routing -------------------------------------------------------------------------------


async def test_unclear_message_gets_one_clarifying_question_then_a_human(stack):
    first = await say(stack, "şey hani o geçen şey", phone=NEW_PHONE)
    assert (first["agent"], first["outcome"]) == ("none", "auto_reply")
    assert "Tam olarak anlayamadım" in first["reply"]

    second = await say(stack, "hmm bilmem ki", phone=NEW_PHONE)
    assert (second["outcome"], second["reason"]) == ("handoff", "unclear_after_clarifying")


async def test_asking_for_a_person_inside_a_flow_hands_over_at_once(stack):
    first = await say(stack, "kargom nerede", phone=ZEYNEP_PHONE)
    assert "Hangisini" in first["reply"]

    second = await say(stack, "insanla konuşmak istiyorum", phone=ZEYNEP_PHONE)
    assert (second["intent"], second["outcome"], second["reason"]) == (
        "human_request",
        "handoff",
        "customer_asked_for_human",
    )


async def test_below_the_tenant_threshold_the_reply_is_only_a_suggestion(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo-shop"))
    tenant.settings = {**tenant.settings, "nlu": {"suggest_below": 0.999, "clarify_below": 0.0}}
    await session.commit()

    turn = await say(stack, "kargom ne zaman gelir acaba", phone=AYSE_PHONE)

    assert (turn["outcome"], turn["reason"]) == ("suggestion", "low_confidence")
    assert turn["reply_status"] == "suggested"


async def test_outside_the_return_window_nothing_is_offered_and_a_person_may_still_help(
    stack, session
):
    """Elif's dress was delivered 21 days ago; the shop's window is 15 days."""
    first = await say(stack, "elbiseyi iade edicem vazgeçtim", phone=ELIF_PHONE)
    assert (first["agent"], first["outcome"]) == ("returns", "auto_reply")
    assert "15 gün" in first["reply"] and "create_coupon" not in first["tools"]
    assert await _rows(session, Coupon) == []
    [attempt] = await _rows(session, ReturnAttempt)
    assert (attempt.action, attempt.deflected) == ("window_passed", False)

    second = await say(stack, "evet", phone=ELIF_PHONE)
    assert (second["outcome"], second["reason"]) == ("handoff", "return_needs_human")
