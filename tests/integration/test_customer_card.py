"""The customer's card, "why" per AI turn, the escalation note on every hand-over and the
24-hour window, through the API (another tenant's conversation is a 404)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

from sqlalchemy import func, select

from invekto.graphs.conversation.runner import hand_over_unprocessable
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, MEHMET_PHONE
from invekto.storage.models import (
    AutoReplyLog,
    Conversation,
    Coupon,
    Customer,
    IntegrationAccount,
    Lead,
    Message,
    OrderCache,
    ProposedAction,
    ReturnAttempt,
    ServiceRequest,
)
from tests.integration.test_inbox_list import IN, api, chat, listing, owner, tenant_of
from tests.support.chat import say

TC = "10000000146"
NOW = dt.datetime.now(dt.UTC)


async def test_card_lists_orders_and_casework_of_this_customer_only(stack, session):
    _, token = await owner(stack, session)
    _, clinic = await owner(stack, session, DEMO_CLINIC)
    tenant = await tenant_of(session)
    conversation_id = await chat(session, name="Kart Müşteri", phone="905320000001", messages=[IN])
    other_id = await chat(session, name="Başka", phone="905320000002", messages=[IN])
    conversation = await session.get(Conversation, uuid.UUID(conversation_id))
    other = await session.get(Conversation, uuid.UUID(other_id))
    customer = await session.get(Customer, conversation.customer_id)
    customer.tags = ["vip", "b2b"]
    customer.language = "tr"
    account = await session.scalar(
        select(IntegrationAccount).where(IntegrationAccount.tenant_id == tenant.id)
    )
    for i in range(7):
        session.add(
            OrderCache(
                tenant_id=tenant.id,
                integration_account_id=account.id,
                provider="trendyol",
                package_id=f"card-{i}",
                order_number=f"77700000{i}",
                status="Shipped" if i % 2 else "Created",
                customer_phone="905320000001" if i < 6 else "905320000002",
                cargo_provider="Yurtiçi Kargo",
                tracking_number=f"73300{i}",
                tracking_link=f"https://kargo.test/{i}",
                order_date=NOW - dt.timedelta(days=10 - i),
                lines=[{"product_name": "Gömlek", "quantity": 1, "size": "M", "color": "Beyaz"}],
            )
        )
    for conv, cust in ((conversation, customer.id), (other, other.customer_id)):
        common = {"tenant_id": tenant.id, "conversation_id": conv.id, "customer_id": cust}
        session.add_all(
            [
                ServiceRequest(**common, kind="cancel", order_number="777000005", status="open"),
                ServiceRequest(**common, kind="invoice", order_number="777000004", status="done"),
                ReturnAttempt(**common, order_number="777000003", reason="size", action="exchange"),
                Lead(
                    **common,
                    company=f"ABC Tekstil, tel {AYSE_PHONE}",
                    products=[{"product": "tişört", "quantity": 150}],
                    contact_email="satin@abc.test",
                ),
                Coupon(
                    **common,
                    code=f"INV-{uuid.uuid4().hex[:6]}",
                    percent=Decimal("10"),
                    reason="changed_mind",
                    expires_at=NOW + dt.timedelta(days=7),
                ),
            ]
        )
    await session.commit()

    response = await api(stack, "GET", f"/api/conversations/{conversation_id}/card", token)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["conversation_id"] == conversation_id
    assert card["customer"]["name"] == "Kart Müşteri"
    assert card["customer"]["phone"] == "+90 532 *** ** 01"
    assert card["customer"]["tags"] == ["vip", "b2b"] and card["customer"]["language"] == "tr"
    assert card["window"]["window_open"] is True
    orders = card["orders"]
    assert [o["order_number"] for o in orders] == [f"77700000{i}" for i in (5, 4, 3, 2, 1)]
    assert orders[0]["cargo_provider"] == "Yurtiçi Kargo"
    assert orders[0]["tracking_number"] == "733005"
    assert orders[0]["tracking_link"] == "https://kargo.test/5"
    assert orders[0]["status"] == "Shipped" and orders[0]["order_date"]
    assert orders[0]["lines"] == [
        {"product_name": "Gömlek", "quantity": 1, "size": "M", "color": "Beyaz"}
    ]
    assert [(r["kind"], r["status"]) for r in card["service_requests"]] == [("cancel", "open")]
    assert [(r["reason"], r["action"]) for r in card["returns"]] == [("size", "exchange")]
    (lead,) = card["leads"]
    assert lead["products"] == [{"product": "tişört", "quantity": 150}]
    assert lead["has_contact_email"] is True
    assert AYSE_PHONE not in response.text and "satin@abc.test" not in response.text
    assert "ABC Tekstil" in lead["company"]
    (coupon,) = card["coupons"]
    assert coupon["percent"] == 10.0 and coupon["reason"] == "changed_mind"
    assert card["escalation"] is None

    missing = await api(stack, "GET", f"/api/conversations/{conversation_id}/card", clinic)
    assert missing.status_code == 404
    assert "Kart" not in missing.text
    unknown = await api(stack, "GET", f"/api/conversations/{uuid.uuid4()}/card", token)
    assert unknown.status_code == 404


async def test_window_closes_24_hours_after_the_last_inbound(stack, session):
    _, token = await owner(stack, session)
    conversation_id = await chat(session, name="Eski", phone="905320000011", messages=[IN])
    conversation = await session.get(Conversation, uuid.UUID(conversation_id))
    customer = await session.get(Customer, conversation.customer_id)
    last = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    customer.last_inbound_at = last
    await session.commit()

    (summary,) = (await listing(stack, token))["conversations"]
    card = (await api(stack, "GET", f"/api/conversations/{conversation_id}/card", token)).json()
    assert summary["window_open"] is False and card["window"]["window_open"] is False
    closes = dt.datetime.fromisoformat(summary["window_closes_at"])
    assert closes == last + dt.timedelta(hours=24)

    refused = await api(
        stack, "POST", f"/api/conversations/{conversation_id}/messages", token, json={"text": "Hi"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "window_closed"
    assert dt.datetime.fromisoformat(refused.json()["window_closes_at"]) == closes
    stored = await session.scalar(
        select(func.count()).where(
            Message.conversation_id == uuid.UUID(conversation_id), Message.author == "agent"
        )
    )
    assert stored == 0

    customer.last_inbound_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=23)
    await session.commit()
    (summary,) = (await listing(stack, token))["conversations"]
    assert summary["window_open"] is True
    sent = await api(
        stack, "POST", f"/api/conversations/{conversation_id}/messages", token, json={"text": "Hi"}
    )
    assert sent.status_code == 201, sent.text


async def test_turns_explain_each_ai_reply(stack, session):
    _, token = await owner(stack, session)
    await say(stack, "kargom nerede")
    (summary,) = (await listing(stack, token))["conversations"]
    response = await api(stack, "GET", f"/api/conversations/{summary['id']}/turns", token)
    assert response.status_code == 200, response.text
    (turn,) = response.json()["turns"]
    assert turn["agent"] == "support" and turn["intent"] == "order_status"
    assert turn["outcome"] == "auto_reply" and 0 < turn["confidence"] <= 1
    assert turn["understood_by"] in ("local", "rules", "llm")
    assert turn["reply_message_id"] and turn["inbound_message_id"]
    assert [t["name"] for t in turn["tools"]] == ["find_customer_orders"]
    assert turn["tools"][0]["result"]
    assert turn["processing_ms"] > 0
    assert AYSE_PHONE not in response.text


async def test_turns_mask_tools_and_show_guard_and_actions(stack, session):
    _, token = await owner(stack, session)
    _, clinic = await owner(stack, session, DEMO_CLINIC)
    tenant = await tenant_of(session)
    conversation_id = await chat(
        session,
        name="Tur",
        phone="905320000021",
        messages=[IN, ("out", "suggested", "Taslak")],
    )
    messages = (
        await session.scalars(
            select(Message)
            .where(Message.conversation_id == uuid.UUID(conversation_id))
            .order_by(Message.created_at)
        )
    ).all()
    inbound, reply = messages
    guard = {"failures": [["no_pii", "a phone number"]], "fixed": []}
    reply.payload = {"decision": {"outcome": "suggestion", "guard": guard}}
    session.add(
        AutoReplyLog(
            tenant_id=tenant.id,
            conversation_id=uuid.UUID(conversation_id),
            inbound_message_id=inbound.id,
            reply_message_id=reply.id,
            language="tr",
            intent="cancel_order",
            confidence=0.42,
            understood_by="local",
            agent="support",
            outcome="suggestion",
            reason="guard:no_pii",
            tools=[
                {
                    "name": "request_cancellation",
                    "args": {"order_number": "777000001", "phone": "0532 111 22 33"},
                    "result": json.dumps({"kind": "cancel_request", "tc": TC}),
                }
            ],
            inbound_at=inbound.created_at,
            processing_ms=12.5,
        )
    )
    session.add(
        ProposedAction(
            tenant_id=tenant.id,
            conversation_id=uuid.UUID(conversation_id),
            inbound_message_id=inbound.id,
            message_id=reply.id,
            kind="cancel_request",
            payload={"kind": "cancel_request", "order_number": "777000001"},
            summary="Cancel request for order 777000001",
            status="pending",
        )
    )
    await session.commit()

    response = await api(stack, "GET", f"/api/conversations/{conversation_id}/turns", token)
    assert response.status_code == 200, response.text
    (turn,) = response.json()["turns"]
    assert turn["guard"] == guard
    assert turn["reason"] == "guard:no_pii" and turn["confidence"] == 0.42
    (tool,) = turn["tools"]
    assert tool["args"]["order_number"] == "777000001"
    assert tool["args"]["phone"] == "<PHONE_NUMBER>"
    assert TC not in tool["result"] and "<TR_NATIONAL_ID>" in tool["result"]
    assert [(a["kind"], a["status"]) for a in turn["actions"]] == [("cancel_request", "pending")]
    assert turn["actions"][0]["fields"]["order_number"] == "777000001"  # its own fields
    assert "0532 111 22 33" not in response.text and TC not in response.text

    other = await api(stack, "GET", f"/api/conversations/{conversation_id}/turns", clinic)
    assert other.status_code == 404


async def test_escalation_note_on_a_hand_over(stack, session):
    _, token = await owner(stack, session)
    await say(stack, "merhaba", phone=MEHMET_PHONE)
    (summary,) = (await listing(stack, token))["conversations"]
    assert summary["escalation"] is None
    await say(stack, "bir yetkiliyle görüşmek istiyorum", phone=MEHMET_PHONE)

    (summary,) = (await listing(stack, token, filter="needs_human"))["conversations"]
    note = summary["escalation"]
    assert note is not None
    assert note["intent"] == "human_request"
    assert note["reason"] == "customer_asked_for_human"
    assert note["why"] == "Müşteri bir temsilci istedi"
    assert note["wants"].startswith("Bir temsilciyle görüşmek istiyor")
    assert note["note"].startswith("Müşteri ne istiyor: Bir temsilciyle görüşmek istiyor")
    assert "Neden devredildi: Müşteri bir temsilci istedi." in note["note"]
    assert note["inbound_message_id"]
    card = (await api(stack, "GET", f"/api/conversations/{summary['id']}/card", token)).json()
    assert card["escalation"] == note


async def test_escalation_note_names_entities_and_tools_masked(stack, session):
    _, token = await owner(stack, session)
    await say(
        stack,
        f"ABC Tekstil olarak 150 adet tişört toptan almak istiyoruz, numaram {AYSE_PHONE}",
        phone=MEHMET_PHONE,
    )
    (summary,) = (await listing(stack, token))["conversations"]
    conversation = await session.get(Conversation, uuid.UUID(summary["id"]))
    await session.refresh(conversation)
    if conversation.status != "waiting_human":  # the B2B agent may ask one more question first
        await say(stack, "şirket adı ABC Tekstil, 150 adet tişört", phone=MEHMET_PHONE)
        (summary,) = (await listing(stack, token))["conversations"]
    note = summary["escalation"]
    assert summary["status"] == "waiting_human" and note is not None, summary
    assert note["agent"] == "b2b"
    assert note["reason"] == "b2b_lead"
    assert 150 in note["entities"].get("quantities", [])
    assert "tişört" in note["entities"].get("products", [])
    assert note["tools"] and all(t["name"] and t["outcome"] for t in note["tools"])
    assert "araçlar:" in note["tried"]
    assert "adet: 150" in note["note"]
    assert AYSE_PHONE not in json.dumps(note)
    card = (await api(stack, "GET", f"/api/conversations/{summary['id']}/card", token)).json()
    assert card["leads"] and "b2b" in card["customer"]["tags"]


async def test_escalation_note_when_processing_fails(stack, session):
    tenant = await tenant_of(session)
    _, token = await owner(stack, session)
    conversation_id = await chat(session, name="Hata", phone="905320000031", messages=[])
    inbound = Message(
        tenant_id=tenant.id,
        conversation_id=uuid.UUID(conversation_id),
        direction="in",
        text="???",
        status="failed",
        author="customer",
    )
    session.add(inbound)
    await session.commit()

    await hand_over_unprocessable(stack.services, inbound.id)

    (summary,) = (await listing(stack, token, filter="needs_human"))["conversations"]
    assert summary["id"] == conversation_id
    note = summary["escalation"]
    assert note["reason"] == "processing_failed"
    assert note["why"] == "Mesaj işlenemedi (teknik hata)"
    assert note["inbound_message_id"] == str(inbound.id)
