"""Replies to what Invekto wrote first, through the whole pipeline (webhook → job → graph):
"memnun değilim" to the post-purchase check lands in the returns flow for that order, a happy
answer gets a suggestion from the same category, "STOP" opts out and is confirmed."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from invekto.graphs.conversation.proactive import note_outbound
from invekto.outbound.events import channel_for
from invekto.sandbox.demo import AYSE_PHONE
from invekto.storage.models import (
    ConsentEvent,
    Conversation,
    Customer,
    Message,
    OutboundSend,
    utcnow,
)
from tests.support.chat import say
from tests.support.outbound import customer, shop


async def _proactive(stack, *, flow: str, order: str, text: str) -> None:
    """What the dispatcher leaves after a sent proactive message, and its note to the graph."""
    tenant = await shop(stack)
    ayse = await customer(stack)
    async with stack.services.db.session() as session:
        channel = await channel_for(session, tenant.id)
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.customer_id == ayse.id, Conversation.status != "closed"
            )
        )
        if conversation is None:
            conversation = Conversation(
                tenant_id=tenant.id, customer_id=ayse.id, channel_id=channel.id
            )
            session.add(conversation)
            await session.flush()
        message = Message(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            direction="out",
            author="system",
            kind="template",
            text=text,
            status="delivered",
            wa_message_id=f"wamid.proactive.{uuid.uuid4().hex}",
            payload={"outbound": {"flow": flow}},
            sent_at=utcnow(),
        )
        session.add(message)
        await session.flush()
        session.add(
            OutboundSend(
                tenant_id=tenant.id,
                customer_id=ayse.id,
                channel_id=channel.id,
                conversation_id=conversation.id,
                message_id=message.id,
                flow=flow,
                dedupe_key=f"test:{message.id}",
                template_name="memnuniyet_kontrol",
                context={"event": "order_delivered", "order_number": order},
                due_at=utcnow(),
                status="sent",
                sent_at=utcnow(),
            )
        )
        await session.commit()
    assert await note_outbound(stack.services, message.id) == "flow_opened"


async def test_unhappy_after_the_post_purchase_check_goes_to_returns_for_that_order(stack):
    await _proactive(
        stack,
        flow="post_purchase",
        order="10654400002",
        text="Merhaba Ayşe, 10654400002 numaralı siparişiniz elinize ulaştı. Memnun musunuz?",
    )
    turn = await say(stack, "Memnun değilim")
    assert turn["agent"] == "returns", turn
    assert "10654400002" in (turn["reply"] or ""), turn


async def test_happy_after_the_post_purchase_check_gets_a_suggestion(stack):
    await _proactive(
        stack,
        flow="post_purchase",
        order="10654400002",
        text="Merhaba Ayşe, 10654400002 numaralı siparişiniz elinize ulaştı. Memnun musunuz?",
    )
    turn = await say(stack, "Çok memnunum, teşekkürler")
    assert turn["agent"] == "followup", turn
    assert turn["outcome"] == "auto_reply", turn
    assert "sevindik" in turn["reply"], turn
    assert "suggest_related" in turn["tools"], turn


async def test_another_question_after_a_proactive_message_is_answered_as_usual(stack):
    await _proactive(
        stack,
        flow="shipping_update",
        order="10654400001",
        text="Merhaba Ayşe, 10654400001 numaralı siparişiniz Yurtiçi Kargo ile kargoya verildi.",
    )
    turn = await say(stack, "ne zaman gelir?")
    assert turn["agent"] == "support", turn


async def test_stop_opts_out_and_is_confirmed_and_start_opts_in_again(stack):
    stopped = await say(stack, "STOP")
    assert stopped["agent"] == "consent", stopped
    assert stopped["outcome"] == "auto_reply", stopped
    assert "BAŞLAT" in stopped["reply"], stopped
    tenant = await shop(stack)
    async with stack.services.db.session() as session:
        ayse = await session.scalar(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone == AYSE_PHONE)
        )
        assert ayse.marketing_opt_out_at is not None
        events = (await session.scalars(select(ConsentEvent))).all()
    assert [(e.action, e.source, e.detail) for e in events] == [("stop", "keyword", "STOP")]

    started = await say(stack, "Başlat")
    assert started["agent"] == "consent", started
    async with stack.services.db.session() as session:
        ayse = await session.get(Customer, ayse.id)
    assert ayse.marketing_opt_out_at is None


async def test_cancelling_an_order_is_not_an_opt_out(stack):
    turn = await say(stack, "10654400001 siparişimi iptal etmek istiyorum")
    assert turn["agent"] == "support", turn
    async with stack.services.db.session() as session:
        assert (await session.scalars(select(ConsentEvent))).all() == []


async def test_the_whole_way_delivered_check_sent_by_the_worker_then_an_unhappy_answer(stack):
    """No shortcut: the rule plans the check, the worker's dispatcher sends it to the Graph
    stand-in, the note job opens the flow, and the customer's answer goes to returns."""
    import datetime as dt

    from invekto.outbound.events import emit
    from invekto.sandbox.demo import DEMO_SHOP
    from invekto.sandbox.graph import SANDBOX_GRAPH
    from invekto.storage.models import Tenant
    from tests.support.outbound import approve, switch_on
    from tests.support.waiting import wait_for

    tenant = await shop(stack)
    async with stack.services.db.session() as session:
        row = await session.get(Tenant, tenant.id)
        # Whatever the hour the suite runs at: no quiet hours for this test (tested elsewhere).
        row.settings = {
            **row.settings,
            "outbound": {"quiet_hours": {"start": "00:00", "end": "00:00"}},
        }
        await session.commit()
    await switch_on(stack, ["post_purchase"])
    await approve(stack, ["memnuniyet_kontrol"])
    ayse = await customer(stack)
    async with stack.services.db.session() as session:
        await emit(
            session,
            await session.get(Tenant, tenant.id),
            await session.get(Customer, ayse.id),
            "order_delivered",
            {"order_number": "10654400002", "product_names": ["Erkek Spor Ayakkabı 42"]},
            key="order:3100000002:Delivered",
            at=utcnow() - dt.timedelta(days=3),
        )
        await session.commit()

    async def sent():
        return [
            e
            for e in SANDBOX_GRAPH.outbox(DEMO_SHOP.phone_number_id, AYSE_PHONE)
            if e["type"] == "template"
        ]

    [check] = await wait_for(sent, timeout_s=30)
    assert check["body"]["template"]["name"] == "memnuniyet_kontrol"

    async def flow_opened():
        async with stack.services.db.session() as session:
            conversation = await session.scalar(
                select(Conversation.id).where(Conversation.customer_id == ayse.id)
            )
        if conversation is None:
            return None
        state = await stack.services.graph.aget_state(
            {"configurable": {"thread_id": str(conversation)}}
        )
        return (state.values.get("flow") or {}).get("flow") == "post_purchase"

    await wait_for(flow_opened, timeout_s=30)
    turn = await say(stack, "memnun değilim, ayakkabı dar geldi")
    assert turn["agent"] == "returns", turn
    # The order in focus and "dar geldi" as the reason: straight to a bigger size in stock.
    assert "Erkek Spor Ayakkabı" in turn["reply"] and "43" in turn["reply"], turn
