"""The first automated reply, end to end: signed webhook → job → graph → Trendyol → Graph API."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from invekto.sandbox.demo import (
    AYSE_PHONE,
    DEMO_CLINIC,
    DEMO_SHOP,
    MEHMET_PHONE,
    NO_ORDERS_PHONE,
)
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.storage.models import AutoReplyLog, Conversation, Customer, Message, Tenant
from tests.support.chat import say
from tests.support.queue import queue_settled
from tests.support.waiting import wait_for

ZEYNEP_PHONE = "905301234567"  # two orders in transit in the Trendyol demo data
ISTANBUL = ZoneInfo("Europe/Istanbul")


def outbox_texts(phone: str, phone_number_id: str = DEMO_SHOP.phone_number_id) -> list[str]:
    return [entry["text"] for entry in SANDBOX_GRAPH.outbox(phone_number_id, to=phone)]


async def test_kargom_nerede_reaches_the_graph_api_with_the_tracking_number(stack, session):
    turn = await say(stack, "kargom nerede?", name="Ayşe Yılmaz")

    assert turn["outcome"] == "auto_reply"
    assert turn["agent"] == "support"
    assert turn["intent"] == "order_status"
    assert turn["tools"] == ["find_customer_orders"]
    sent = outbox_texts(AYSE_PHONE)
    assert len(sent) == 1
    assert "7330029145197" in sent[0]
    assert "Yurtiçi Kargo" in sent[0]
    assert "kargotakip.trendyol.com" in sent[0]
    assert "10654400001" in sent[0]

    async def read_status():
        reply = await session.scalar(
            select(Message)
            .where(Message.direction == "out")
            .execution_options(populate_existing=True)
        )
        return reply if reply and reply.status == "read" else None

    reply = await wait_for(read_status)
    assert reply.wa_message_id and reply.wa_message_id.startswith("wamid.")


async def test_order_number_in_the_message_is_looked_up(stack):
    turn = await say(stack, "Merhaba 10654400002 numaralı siparişim ne durumda?")

    assert turn["outcome"] == "auto_reply"
    assert turn["tools"] == ["get_order"]
    assert "10654400002" in turn["reply"]
    assert "teslim edildi" in turn["reply"]
    assert "3480009876543" in turn["reply"]


async def test_order_not_shipped_yet(stack):
    turn = await say(stack, "siparişim ne zaman gelir", phone=MEHMET_PHONE)

    assert turn["intent"] == "delivery_time"
    assert "10654400003" in turn["reply"]
    assert "henüz kargoya verilmedi" in turn["reply"]
    assert "Bebek Tulumu 6-9 Ay ×2" in turn["reply"]


async def test_someone_elses_order_number_reveals_nothing(stack):
    turn = await say(stack, "10654400001 nolu siparis nerde", phone=MEHMET_PHONE)

    assert turn["outcome"] == "auto_reply"
    reply = turn["reply"]
    assert "eşleşmiyor" in reply
    for secret in ("7330029145197", "Yurtiçi", "Ayşe", "Keten", "kargotakip", "Shipped"):
        assert secret not in reply
    assert "temsilci" in reply  # offers a human


async def test_several_orders_asks_which_then_answers_the_choice(stack):
    first = await say(stack, "kargom nerede", phone=ZEYNEP_PHONE)
    assert first["outcome"] == "auto_reply"
    assert "Hangisini" in first["reply"]
    assert "10654400004" in first["reply"] and "10654400005" in first["reply"]

    listed = re.findall(r"^(\d)\) (\d+)", first["reply"], re.MULTILINE)
    second_choice = dict(listed)["2"]
    other = dict(listed)["1"]

    second = await say(stack, "ikincisi", phone=ZEYNEP_PHONE)
    assert second["agent"] == "support"
    assert second["tools"] == ["get_order"]
    assert second_choice in second["reply"]
    assert other not in second["reply"]


async def test_no_orders_asks_for_the_number_then_hands_over(stack, session):
    first = await say(stack, "kargom nerde kaldı", phone=NO_ORDERS_PHONE)
    assert "Sipariş numaranızı" in first["reply"]

    second = await say(stack, "99999999", phone=NO_ORDERS_PHONE)
    assert second["outcome"] == "auto_reply"
    assert "99999999 numaralı bir sipariş bulamadım" in second["reply"]

    third = await say(stack, "siparis no 88888888", phone=NO_ORDERS_PHONE)
    assert third["outcome"] == "handoff"
    conversation = await session.scalar(
        select(Conversation)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Customer.phone == NO_ORDERS_PHONE)
    )
    assert conversation.status == "waiting_human"
    assert conversation.handoff_reason == "order_not_found"


async def test_english_question_gets_an_english_reply(stack):
    turn = await say(stack, "Hi, where is my order?")

    assert turn["language"] == "en"
    assert "has been shipped with Yurtiçi Kargo" in turn["reply"]
    assert "7330029145197" in turn["reply"]


async def test_greeting_and_thanks_are_answered_by_the_graph(stack):
    hello = await say(stack, "Merhaba")
    thanks = await say(stack, "çok teşekkürler")

    assert (hello["agent"], hello["intent"], hello["outcome"]) == ("none", "greeting", "auto_reply")
    assert "Demo Butik" in hello["reply"]
    assert thanks["intent"] == "thanks"


async def test_a_hand_over_after_hours_says_when_the_shop_opens(stack, session):
    evening = dt.datetime.now(ISTANBUL).replace(hour=22, minute=0, second=0, microsecond=0)
    turn = await say(stack, "bir yetkiliyle görüşmek istiyorum lütfen", timestamp=evening)

    assert turn["outcome"] == "handoff"
    assert turn["agent"] == "none"
    assert "mesai saatlerimiz dışında" in turn["reply"]
    assert "09:00" in turn["reply"]


async def test_human_request_in_business_hours(stack):
    morning = dt.datetime.now(ISTANBUL).replace(hour=11, minute=0, second=0, microsecond=0)
    if morning.weekday() == 6:  # the demo shop is closed on Sundays
        morning -= dt.timedelta(days=1)
    turn = await say(stack, "bir temsilciyle görüşmek istiyorum", timestamp=morning)

    assert turn["intent"] == "human_request"
    assert turn["outcome"] == "handoff"
    assert turn["reply"].startswith("Mesajınızı bir temsilcimize ilettim")


async def test_automation_off_stores_a_suggestion_and_sends_nothing(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo-shop"))
    tenant.settings = {**tenant.settings, "automation": {"enabled": True, "cargo_questions": False}}
    await session.commit()

    turn = await say(stack, "kargom nerede")

    assert turn["outcome"] == "suggestion"
    assert turn["reply_status"] == "suggested"
    assert "7330029145197" in turn["reply"]
    await queue_settled(stack)  # every job the turn deferred has run: none of them sent it
    assert outbox_texts(AYSE_PHONE) == []
    async with stack.services.db.session() as check:
        reply = await check.scalar(
            select(Message)
            .where(Message.reply_to_id.is_not(None))
            .order_by(Message.created_at.desc())
        )
    assert reply is not None and reply.status == "suggested" and reply.attempts == 0


async def test_same_phone_in_two_tenants_stays_apart(stack, session):
    shop = await say(stack, "kargom nerede")
    clinic = await say(stack, "kargom nerede", tenant=DEMO_CLINIC)

    assert "7330029145197" in shop["reply"]
    assert clinic["outcome"] == "handoff"
    assert "7330029145197" not in (clinic["reply"] or "")
    customers = (
        await session.execute(
            select(Tenant.slug, func.count(Customer.id))
            .join(Customer, Customer.tenant_id == Tenant.id)
            .where(Customer.phone == AYSE_PHONE)
            .group_by(Tenant.slug)
        )
    ).all()
    assert dict(customers) == {"demo-shop": 1, "demo-clinic": 1}
    assert outbox_texts(AYSE_PHONE, DEMO_CLINIC.phone_number_id) == [clinic["reply"]]


async def test_marketplace_down_gives_a_holding_reply_and_a_human(stack, session):
    SANDBOX_TRENDYOL.inject(status=500, times=50)

    turn = await say(stack, "10654400001 siparişim nerede")

    assert turn["outcome"] == "handoff"
    assert "ulaşamıyorum" in turn["reply"]
    log = await session.scalar(select(AutoReplyLog))
    assert log.reason == "marketplace_unavailable"
    assert log.tools[0]["name"] == "get_order"


async def test_marketplace_down_with_a_cached_order_answers_from_the_cache(stack):
    await say(stack, "10654400001 siparişim nerede")  # fills the cache
    SANDBOX_TRENDYOL.inject(status=503, times=50)
    stack.services.settings.order_cache_fresh_minutes = 0

    turn = await say(stack, "10654400001 siparişim nerede")

    assert turn["outcome"] == "auto_reply"
    assert "7330029145197" in turn["reply"]
    assert "son bilinen durum" in turn["reply"]


async def test_slow_marketplace_times_out_into_a_handoff(stack):
    SANDBOX_TRENDYOL.inject(delay_s=3.0, times=10)

    turn = await say(stack, "10654400002 nerede")

    assert turn["outcome"] == "handoff"
    assert "ulaşamıyorum" in turn["reply"]


class BrokenUnderstander:
    """Stands in for a model or service that is down."""

    async def understand(self, text, *, tenant_slug, previous_language=None):
        raise RuntimeError("understanding is down")


async def test_processing_that_keeps_failing_ends_with_a_human(stack, session):
    stack.services.understander = BrokenUnderstander()

    turn = await say(stack, "kargom nerede")

    assert turn["outcome"] == "handoff"
    assert turn["reason"] == "processing_failed"
    assert turn["reply"].startswith("Mesajınızı bir temsilcimize ilettim")
    assert turn["reply_status"] in ("sent", "delivered", "read")
    conversation = await session.scalar(select(Conversation))
    assert conversation.status == "waiting_human"
