"""The revenue agent end to end: recommendations from the demo shop's rules (stock, margin,
bundles), the channel's way of paying (a marketplace product's page, a payment link for the
shop's own products), the link made by a job after the decision, the provider's callback
(good, bad, replayed), links over the auto limit waiting for a person, and tenant isolation."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.sandbox.paytr import SANDBOX_PAYTR
from invekto.storage.models import (
    Lead,
    Message,
    PaymentEvent,
    PaymentLink,
    Recommendation,
    Tenant,
    utcnow,
)
from tests.integration.test_outbound_api import call, owner_token
from tests.support.chat import say
from tests.support.rows import rows
from tests.support.waiting import wait_for

NEW_PHONE = "905449990077"


async def _messages_after(session, conversation_id, text: str) -> list[Message]:
    session.expire_all()
    found = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.created_at)
    )
    return [m for m in found if text in (m.text or "")]


async def test_a_recommendation_respects_the_rules_stock_and_margin(stack, session):
    turn = await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)

    assert (turn["agent"], turn["outcome"]) == ("revenue", "auto_reply"), turn
    assert turn["tools"] == ["recommend_products"]
    reply = turn["reply"]
    # The bundle first (highest priority), at the rule's 10 % from the catalogue prices.
    assert reply.index("Hasır Kemer") < reply.index("Keten Bakım Spreyi")
    assert "%10" in reply and "512,90 TL" in reply  # (449,99 + 119,90) × 0,90
    assert "son 3 adet" in reply  # the spray's stock is 3
    # Out of stock (cream) or not on sale (hat): never offered.
    assert "Deri Bakım Kremi" not in reply and "Şapka" not in reply
    shown = await rows(session, Recommendation)
    assert {r.product_main_id for r in shown} == {"HSK-2026", "KBS-2026"}
    assert {r.status for r in shown} == {"shown"}
    assert {r.source for r in shown} == {"bundle", "cross_sell"}


async def test_taking_a_marketplace_pick_sends_its_page(stack, session):
    await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    turn = await say(stack, "1", phone=NEW_PHONE)

    assert turn["agent"] == "revenue" and turn["tools"] == ["prepare_payment_link"]
    assert "Trendyol" in turn["reply"] and "https://" in turn["reply"]
    assert await rows(session, PaymentLink) == []  # paid on the marketplace, never by a link


async def test_an_own_shop_product_is_paid_by_link_settled_once_by_the_callback(stack, session):
    await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    turn = await say(stack, "ikincisini alayım", phone=NEW_PHONE)

    assert (turn["agent"], turn["outcome"]) == ("revenue", "auto_reply"), turn
    assert "129,90 TL" in turn["reply"] and "ayrı bir mesajla" in turn["reply"]

    async def sent():
        [link] = await rows(session, PaymentLink) or [None]
        return link if link is not None and link.status == "sent" else None

    link = await wait_for(sent, timeout_s=20)
    assert (link.provider, str(link.amount), link.purpose) == ("paytr", "129.90", "product")
    assert link.items[0]["product_main_id"] == "KBS-2026"
    conversation_id, url, external_id = link.conversation_id, link.url, link.external_id
    [announce] = await wait_for(
        lambda: _messages_after(session, conversation_id, url), timeout_s=20
    )
    assert "Ödeme linkiniz" in announce.text
    [accepted] = await rows(session, Recommendation, status="accepted")
    assert accepted.product_main_id == "KBS-2026"

    delivery = await SANDBOX_PAYTR.pay(external_id, success=True)
    assert delivery is not None and delivery.delivered

    async def paid():
        [row] = await rows(session, PaymentLink)
        return row if row.status == "paid" else None

    paid_link = await wait_for(paid)
    assert float(paid_link.paid_amount) == 129.90
    await wait_for(lambda: _messages_after(session, conversation_id, "Ödemeniz alındı"))

    # PayTR re-sends until it reads OK: the same merchant_oid changes nothing.
    again = await SANDBOX_PAYTR.replay_last_callback()
    assert again.delivered
    assert len(await rows(session, PaymentEvent)) == 1
    assert len(await _messages_after(session, conversation_id, "Ödemeniz alındı")) == 1

    token = await owner_token(stack)
    summary = (await call(stack, "GET", "/api/revenue/summary?days=7", token)).json()
    assert summary["payment_links"]["revenue"] == "129.90"
    assert summary["payment_links"]["by_status"] == {"paid": 1}
    [day] = summary["payment_links"]["daily"]
    assert day["revenue"] == "129.90" and summary["timezone"] == "Europe/Istanbul"
    assert summary["recommendations"]["shown"] == 2
    assert summary["recommendations"]["accepted"] == 1
    links = (await call(stack, "GET", "/api/revenue/links?status=paid", token)).json()
    assert links["total"] == 1 and links["links"][0]["paid_amount"] == "129.90"
    bad = await call(stack, "GET", "/api/revenue/links?status=nonsense", token)
    assert bad.status_code == 422


async def test_a_link_over_the_auto_limit_waits_for_a_person(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    tenant.settings = {**tenant.settings, "revenue": {"link_auto_limit": 50}}
    await session.commit()

    turn = await say(stack, "Hediye kutusu için ödeme linki atar mısınız", phone=NEW_PHONE)

    assert (turn["agent"], turn["outcome"]) == ("revenue", "suggestion"), turn
    assert turn["reason"] == "payment_link_review"
    assert await rows(session, PaymentLink) == []  # nothing made before a person accepts

    # A person accepts: the reply goes, the link is made and sent after it.
    [suggestion] = await rows(session, Message, status="suggested")
    token = await owner_token(stack)
    accepted = await call(stack, "POST", f"/api/suggestions/{suggestion.id}/accept", token, json={})
    assert accepted.status_code == 200, accepted.text
    link = await wait_for(lambda: _first(session, PaymentLink, status="sent"), timeout_s=20)
    assert (link.purpose, str(link.amount)) == ("product", "59.90")


async def test_a_bundle_discount_over_the_auto_percent_waits_for_a_person(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    tenant.settings = {**tenant.settings, "revenue": {"discount_auto_percent": 5}}
    await session.commit()

    turn = await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)

    assert (turn["outcome"], turn["reason"]) == ("suggestion", "discount_review"), turn
    assert await rows(session, Recommendation) == []  # logged when the reply is accepted


async def test_an_expired_or_failed_link_is_followed_up_once(stack, session):
    from invekto.revenue.payments import expire_links
    from invekto.sandbox.iyzico import SANDBOX_IYZICO
    from tests.integration.test_clinic_agent import chat, wednesday_11

    # PayTR: unpaid at its expiry → expired, one message.
    await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    await say(stack, "2", phone=NEW_PHONE)
    link = await wait_for(lambda: _first(session, PaymentLink, status="sent"), timeout_s=20)
    conversation_id = link.conversation_id
    link.expires_at = utcnow() - dt.timedelta(minutes=1)
    await session.commit()
    for _ in range(2):
        async with stack.services.db.session() as sweep:
            await expire_links(sweep)
            await sweep.commit()
    [expired] = await rows(session, PaymentLink, conversation_id=conversation_id)
    assert expired.status == "expired" and expired.followed_up_at is not None
    notes = await _messages_after(session, conversation_id, "süresi doldu")
    assert len(notes) == 1

    # iyzico: a failed payment (its webhook says FAILURE) → one follow-up, the link still open.
    phone, start = "905550000198", wednesday_11()
    await chat(stack, phone, "diş taşı temizliği için randevu istiyorum", "ilki", start=start)
    await chat(stack, phone, "kapora için ödeme linki atar mısınız", start=start)
    deposit = await wait_for(
        lambda: _first(session, PaymentLink, provider="iyzico", status="sent"), timeout_s=20
    )
    token, clinic_conversation = deposit.external_id, deposit.conversation_id
    await SANDBOX_IYZICO.pay(token, success=False)
    await SANDBOX_IYZICO.replay_last_webhook()
    await wait_for(lambda: _messages_after(session, clinic_conversation, "tamamlanamadı"))
    assert len(await _messages_after(session, clinic_conversation, "tamamlanamadı")) == 1
    [still] = await rows(session, PaymentLink, provider="iyzico")
    assert still.status == "sent"


async def test_callbacks_are_refused_without_a_good_signature(stack, session):
    await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    await say(stack, "2", phone=NEW_PHONE)
    link = await wait_for(lambda: _first(session, PaymentLink, status="sent"), timeout_s=20)
    reference = link.reference
    form = {
        "hash": "bm90IHRoZSBoYXNo",
        "merchant_oid": "PT" + uuid.uuid4().hex[:10],
        "status": "success",
        "total_amount": "12990",
        "callback_id": reference,
        "merchant_id": "100001",
    }
    bad = await call(stack, "POST", "/webhooks/payments/paytr", data=form)
    assert bad.status_code == 401 and "bad hash" in bad.text
    unknown = await call(
        stack, "POST", "/webhooks/payments/paytr", data={**form, "callback_id": "INVnope"}
    )
    assert unknown.status_code == 404
    malformed = await call(stack, "POST", "/webhooks/payments/paytr", data={"status": "success"})
    assert malformed.status_code == 400 and "missing fields" in malformed.text
    iyzico = await call(stack, "POST", "/webhooks/payments/iyzico", content=b"[not json")
    assert iyzico.status_code == 400
    assert await rows(session, PaymentEvent) == []
    [still] = await rows(session, PaymentLink)
    assert still.status == "sent"


async def _first(session, model, **filters):
    found = await rows(session, model, **filters)
    return found[0] if found else None


async def test_the_catalogue_and_rules_are_each_tenants_own(stack, session):
    shop = await owner_token(stack)
    clinic = await owner_token(stack, DEMO_CLINIC)

    products = (await call(stack, "GET", "/api/revenue/products", shop)).json()
    assert any(p["product_main_id"] == "KBS-2026" for p in products["products"])
    theirs = (await call(stack, "GET", "/api/revenue/products", clinic)).json()
    assert theirs["products"] == []
    rules = (await call(stack, "GET", "/api/revenue/rules", shop)).json()["rules"]
    assert len(rules) == 5
    assert (await call(stack, "GET", "/api/revenue/rules", clinic)).json()["rules"] == []
    other = await call(stack, "DELETE", f"/api/revenue/rules/{rules[0]['id']}", clinic)
    assert other.status_code == 404
    await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    await say(stack, "2", phone=NEW_PHONE)
    await wait_for(lambda: _first(session, PaymentLink, status="sent"), timeout_s=20)
    assert len((await call(stack, "GET", "/api/revenue/links", shop)).json()["links"]) == 1
    assert (await call(stack, "GET", "/api/revenue/links", clinic)).json()["links"] == []
    summary = (await call(stack, "GET", "/api/revenue/summary", clinic)).json()
    assert summary["recommendations"]["shown"] == 0


async def test_the_csv_import_keeps_good_rows_and_reports_bad_ones(stack, session):
    token = await owner_token(stack)
    csv_text = (
        "barkod;ürün adı;kategori;fiyat;stok;marj;durum\n"
        "OWN-NEW-1;Keten Çanta;Çanta;349,90;12;yüksek;aktif\n"
        "OWN-NEW-2;;Çanta;100;1;orta;aktif\n"  # no title
        "OWN-NEW-3;Bez Çanta;Çanta;abc;1;orta;aktif\n"  # no price
        "OWN-NEW-1;Keten Çanta;Çanta;349,90;12;yüksek;aktif\n"  # twice
        "8681234601014;;;;;düşük;\n"  # a Trendyol barcode: only its tier
        "OWN-NEW-4;Hasır Sepet;Ev;1.049,70;0;super;aktif\n"  # unknown tier
    )
    response = await call(
        stack,
        "POST",
        "/api/revenue/products/import",
        token,
        content=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rows"]) == (1, 6)
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert "title is required" in reasons[3]
    assert "not a number" in reasons[4]
    assert "repeats line 2" in reasons[5]
    assert "margin tier" in reasons[7]
    products = (
        await call(stack, "GET", "/api/revenue/products?q=Keten%20%C3%87anta", token)
    ).json()
    [bag] = products["products"]
    assert (bag["price"], bag["stock"], bag["margin_tier"]) == ("349.90", 12, "high")
    # A file that is not a CSV at all: nothing imported, a reason.
    broken = await call(
        stack,
        "POST",
        "/api/revenue/products/import",
        token,
        content=b"\x00\x01\x02",
        headers={"Content-Type": "text/csv"},
    )
    assert broken.status_code == 422 and "not a CSV" in broken.text


# --- leads and proposals -----------------------------------------------------------------------

B2B_PHONE = "905449990088"


async def _qualified_lead(stack, session):
    await say(
        stack,
        "şirketimize 200 adet basic pamuklu tişört lazım, bütçemiz 50 bin TL, ay sonuna kadar",
        phone=B2B_PHONE,
    )
    second = await say(stack, "Yıldız Tekstil Ltd. Şti.", phone=B2B_PHONE)
    assert (second["agent"], second["reason"]) == ("b2b", "b2b_lead"), second
    [lead] = await rows(session, Lead)
    return lead


async def test_a_b2b_lead_is_qualified_over_the_turns_and_scored_with_reasons(stack, session):
    lead = await _qualified_lead(stack, session)

    assert lead.budget == "bütçemiz 50 bin TL" and lead.timing == "ay sonuna"
    # 200 adet (20) + company (15) + budget (15) + covers 200 × 199,90 (10) + soon (15)
    # + in the catalogue (5)
    assert lead.score == 80, lead.score_reasons
    assert "firma adını verdi" in lead.score_reasons
    token = await owner_token(stack)
    [listed] = (await call(stack, "GET", "/api/revenue/leads", token)).json()["leads"]
    assert listed["score"] == 80 and listed["budget"] == "bütçemiz 50 bin TL"


async def test_a_proposal_uses_catalogue_prices_and_the_discount_ceiling(stack, session):
    lead = await _qualified_lead(stack, session)
    lead_id, conversation_id = lead.id, lead.conversation_id
    token = await owner_token(stack)
    path = f"/api/revenue/leads/{lead_id}/proposal"

    over = await call(stack, "POST", path, token, json={"discount_percent": 20})
    assert over.status_code == 422 and "maximum (15%)" in over.text
    drafted = await call(
        stack, "POST", path, token, json={"discount_percent": 10, "terms": "Faturalı teslim."}
    )
    assert drafted.status_code == 200, drafted.text
    proposal = drafted.json()["proposal"]
    assert proposal["lines"] == [
        {
            "product_main_id": "BPT-2026",
            "title": "Basic Pamuklu Tişört",
            "quantity": 200,
            "unit_price": "199.90",
            "total": "39980.00",
        }
    ]
    assert (proposal["total"], proposal["status"]) == ("35982.00", "draft")

    sent = await call(stack, "POST", f"{path}/send", token, json={"with_link": True})
    assert sent.status_code == 200, sent.text
    assert sent.json()["lead"]["status"] == "proposal_sent"
    [message] = await _messages_after(session, conversation_id, "Yıldız Tekstil Ltd. Şti. için")
    assert "35.982,00 TL" in message.text and "(%10 indirim dahil)" in message.text
    [link] = await rows(session, PaymentLink)
    assert (link.purpose, str(link.amount), link.lead_id) == ("proposal", "35982.00", lead_id)
    again = await call(stack, "POST", f"{path}/send", token, json={"with_link": True})
    assert again.status_code == 409  # sent once


async def test_a_clinic_cannot_touch_a_shops_lead(stack, session):
    lead = await _qualified_lead(stack, session)
    clinic = await owner_token(stack, DEMO_CLINIC)
    response = await call(stack, "POST", f"/api/revenue/leads/{lead.id}/proposal", clinic, json={})
    assert response.status_code == 404
    assert (await call(stack, "GET", "/api/revenue/leads", clinic)).json()["leads"] == []


# --- bought together and orders that take a recommendation -------------------------------------


async def test_bought_together_counts_orders_and_an_order_takes_a_recommendation(stack, session):
    from invekto.revenue.together import attribute_orders, recompute
    from invekto.storage.models import BoughtTogether, IntegrationAccount, OrderCache, ProductCache

    await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    account = await session.scalar(
        select(IntegrationAccount).where(
            IntegrationAccount.tenant_id == tenant.id, IntegrationAccount.provider == "trendyol"
        )
    )
    sku = {
        row.product_main_id: row.stock_code
        for row in await session.scalars(
            select(ProductCache).where(ProductCache.tenant_id == tenant.id)
        )
    }
    for number, phone in enumerate(("905000000001", NEW_PHONE), start=1):
        session.add(
            OrderCache(
                tenant_id=tenant.id,
                integration_account_id=account.id,
                provider="trendyol",
                package_id=f"PKG-T{number}",
                order_number=f"T{number}",
                status="Delivered",
                customer_phone=phone,
                order_date=utcnow(),
                lines=[
                    {"product_name": "g", "quantity": 1, "merchant_sku": sku["KG-2026"]},
                    {"product_name": "k", "quantity": 1, "merchant_sku": sku["HSK-2026"]},
                ],
            )
        )
    await session.commit()
    async with stack.services.db.tenant_session(tenant.id) as scoped:
        assert await recompute(scoped, tenant.id) >= 1
        assert await attribute_orders(scoped, tenant.id) == 1
        await scoped.commit()
    pairs = {(p.product_a, p.product_b): p.orders for p in await rows(session, BoughtTogether)}
    assert pairs[("HSK-2026", "KG-2026")] == 2
    taken = await rows(session, Recommendation, status="accepted")
    assert [r.product_main_id for r in taken] == ["HSK-2026"]  # the spray was not ordered


async def test_with_nothing_named_it_recommends_for_the_last_purchase(stack, session):
    elif_phone = "905061112244"  # one delivered order: the dress and the straw belt
    turn = await say(stack, "bana ne önerirsiniz?", phone=elif_phone)

    assert (turn["agent"], turn["outcome"]) == ("revenue", "auto_reply"), turn
    assert "Son aldığınız Çiçekli Yazlık Elbise" in turn["reply"]
    assert "Hasır Kemer" not in turn["reply"]  # already bought
    assert "Keten Bakım Spreyi" in turn["reply"]


# --- a clinic's deposit, through the iyzico SDK over TLS ---------------------------------------


async def test_a_patient_pays_the_deposit_of_a_booked_appointment_by_iyzico_link(stack, session):
    from invekto.sandbox.iyzico import SANDBOX_IYZICO
    from tests.integration.test_clinic_agent import appointments, chat, wednesday_11

    phone = "905550000199"
    start = wednesday_11()
    early = await chat(stack, phone, "kapora için ödeme linki atar mısınız", start=start)
    assert "randevu" in early[0]["reply"] and early[0]["agent"] == "clinic"  # booking first
    await chat(stack, phone, "diş taşı temizliği için randevu istiyorum", "ilki", start=start)
    assert len(await appointments(session, phone)) == 1
    [turn] = await chat(
        stack, phone, "kapora için ödeme linki atar mısınız", start=start + dt.timedelta(minutes=2)
    )

    assert (turn["agent"], turn["outcome"]) == ("clinic", "auto_reply"), turn
    assert turn["tools"] == ["prepare_deposit_link"]
    assert "500,00 TL" in turn["reply"]

    async def sent():
        found = await rows(session, PaymentLink, status="sent")
        return found[0] if found else None

    link = await wait_for(sent, timeout_s=20)
    assert (link.provider, link.purpose, str(link.amount)) == ("iyzico", "deposit", "500.00")
    token = link.external_id
    delivery = await SANDBOX_IYZICO.pay(token, success=True)
    assert delivery.delivered

    async def paid():
        [row] = await rows(session, PaymentLink)
        return row if row.status == "paid" else None

    await wait_for(paid)
    replay = await SANDBOX_IYZICO.replay_last_webhook()
    assert replay.delivered
    assert len(await rows(session, PaymentEvent)) == 1


async def test_a_rule_over_a_lowered_maximum_can_still_be_switched_off(stack, session):
    token = await owner_token(stack)
    rules = (await call(stack, "GET", "/api/revenue/rules", token)).json()["rules"]
    bundle = next(r for r in rules if r["kind"] == "bundle")  # 10 %
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    tenant.settings = {**tenant.settings, "discounts": {"max_percent": 5}}
    await session.commit()

    path = f"/api/revenue/rules/{bundle['id']}"
    off = await call(stack, "PATCH", path, token, json={"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    on = await call(stack, "PATCH", path, token, json={"enabled": True})
    assert on.status_code == 422 and "maximum discount (5%" in on.text
    # Meanwhile the recommendation shows no discount above the new ceiling.
    turn = await say(stack, "Kadın keten gömleğin yanına ne gider?", phone=NEW_PHONE)
    assert "%10" not in turn["reply"]


async def test_a_bundle_question_is_answered_from_the_rules_whichever_product_comes_first(stack):
    turn = await say(
        stack, "Hasır kemerle keten gömleği birlikte alırsam indirim var mı?", phone=NEW_PHONE
    )

    assert turn["agent"] == "revenue", turn
    assert "%10" in turn["reply"] and "512,90 TL" in turn["reply"]


async def test_an_order_number_during_an_offer_is_a_new_request(stack):
    await say(stack, "Kadın keten gömleğin yanına ne gider?")
    turn = await say(stack, "bu arada 10654400001 numaralı siparişim nerede")

    assert turn["agent"] == "support" and "get_order" in turn["tools"], turn


async def test_the_quantity_after_out_of_stock_keeps_the_product(stack):
    first = await say(
        stack, "5 adet keten bakım spreyi için ödeme linki atar mısınız", phone=NEW_PHONE
    )
    assert "stokta yok" in first["reply"] and first["outcome"] == "auto_reply", first
    second = await say(stack, "o zaman 3 tane olsun", phone=NEW_PHONE)

    assert second["agent"] == "revenue" and "389,70 TL" in second["reply"], second


async def test_a_pick_named_in_english_is_taken(stack):
    await say(stack, "what would you suggest with the genuine leather wallet?", phone=NEW_PHONE)
    turn = await say(stack, "I'll take the gift box", phone=NEW_PHONE)

    assert (turn["agent"], turn["tools"]) == ("revenue", ["prepare_payment_link"]), turn
    assert "TRY 59.90" in turn["reply"]


async def test_a_stated_need_gets_the_products_that_fit_it(stack, session):
    turn = await say(stack, "bana yazlık bir elbise önerir misiniz?", phone=NEW_PHONE)

    assert (turn["agent"], turn["outcome"]) == ("revenue", "auto_reply"), turn
    assert "Aradığınıza uygun" in turn["reply"] and "Çiçekli Yazlık Elbise" in turn["reply"]
    [shown, *_] = await rows(session, Recommendation)
    assert shown.source == "need" and shown.for_product is None
