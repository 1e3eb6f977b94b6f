"""Reviews (CSV upload and signed webhook), abandoned carts (signed webhook) and Click-to-WhatsApp
attribution: hostile input refused with a reason, customers matched, the recovery flows planned
and cancelled, the states and reports right, and every tenant seeing only its own."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from invekto.outbound import attribution, carts, reviews
from invekto.outbound.reviews import ReviewImportError, parse_csv, sign
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, DemoTenant
from invekto.storage.db import Database
from invekto.storage.models import (
    Cart,
    Channel,
    Conversation,
    Customer,
    IntegrationAccount,
    Lead,
    Message,
    OrderCache,
    OutboundRule,
    OutboundSend,
    ReviewCase,
    Tenant,
)
from tests.conftest import TEST_SECRET, make_settings
from tests.integration.test_api import api, token_for
from tests.integration.test_team import add_user
from tests.integration.test_team import token_for as user_token

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
ISTANBUL = reviews.ZoneInfo("Europe/Istanbul")

TURKISH_CSV = (
    "Yorum No;Sipariş No;Puan;Yorum;Ürün;Tarih\n"
    "R-1;TY-100;1;Kumaşı çok kötü, iade edeceğim;Keten Gömlek;28.11.2026 14:05\n"
    "R-2;TY-101;5;Harika;Kazak;28.11.2026\n"
    "R-3;TY-102;harika;Puan yazı olmuş;Kazak;28.11.2026\n"
    "R-4;TY-100;2;Tarihi bozuk;Keten Gömlek;31.02.2026\n"
    '"R-5";"TY-999";"2";"Satırlara\nbölünmüş yorum";"Etek";"2026-11-29"\n'
)


@pytest.fixture
async def db(fresh_db_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.connect(make_settings(tmp_path), fresh_db_url)
    try:
        yield database
    finally:
        await database.dispose()


async def tenant_id_of(db: Database, demo: DemoTenant) -> uuid.UUID:
    async with db.session() as session:
        found = await session.scalar(select(Tenant.id).where(Tenant.slug == demo.slug))
    assert found is not None
    return found


async def enable_flows(db: Database, tenant_id: uuid.UUID) -> None:
    async with db.session() as session:
        await session.execute(
            update(OutboundRule)
            .where(
                OutboundRule.tenant_id == tenant_id,
                OutboundRule.flow.in_(("review_recovery", "cart_recovery")),
            )
            .values(enabled=True)
        )
        await session.commit()


async def add_order(
    session: Any,
    tenant_id: uuid.UUID,
    phone: str,
    number: str,
    at: dt.datetime,
    lines: list[tuple[float, int]] | None = None,
    name: str = "Zeynep Kaya",
) -> None:
    account = await session.scalar(
        select(IntegrationAccount.id).where(IntegrationAccount.tenant_id == tenant_id)
    )
    if account is None:
        row = IntegrationAccount(
            tenant_id=tenant_id, provider="trendyol", external_id="x", credentials=""
        )
        session.add(row)
        await session.flush()
        account = row.id
    session.add(
        OrderCache(
            tenant_id=tenant_id,
            integration_account_id=account,
            provider="trendyol",
            package_id=f"pkg-{number}-{uuid.uuid4().hex[:6]}",
            order_number=number,
            status="Delivered",
            customer_phone=phone,
            customer_name=name,
            order_date=at,
            lines=[{"product_name": "p", "price": p, "quantity": q} for p, q in lines or []],
        )
    )


async def sends_with_key(session: Any, key: str) -> list[OutboundSend]:
    return list(
        (
            await session.scalars(
                select(OutboundSend)
                .where(OutboundSend.context["key"].astext == key)
                .order_by(OutboundSend.due_at)
                .execution_options(populate_existing=True)
            )
        ).all()
    )


# --- parsing -------------------------------------------------------------------------------------


def test_csv_turkish_headers_broken_rows_reported_with_their_line():
    parsed = parse_csv(TURKISH_CSV.encode(), zone=ISTANBUL)
    assert [r.review_id for _, r in parsed.reviews] == ["R-1", "R-2", "R-5"]
    assert [(e.line, e.reason.split(":")[0]) for e in parsed.errors] == [(4, "rating"), (5, "date")]
    assert "harika" in parsed.errors[0].reason
    first = parsed.reviews[0][1]
    assert first.rating == 1 and first.order_number == "TY-100" and first.product == "Keten Gömlek"
    assert first.date == dt.datetime(2026, 11, 28, 11, 5, tzinfo=dt.UTC)  # 14:05 Istanbul
    assert parsed.reviews[2][1].comment == "Satırlara\nbölünmüş yorum"


def test_csv_english_headers_windows_encoding_phones_and_limits():
    english = (
        "review_id,order_number,rating,comment,product,date,phone\n"
        "A1,,2,late,Kazak,2026-11-29T10:00:00Z,0532 111 22 33\n"
        "A2,,4/5,ok,Kazak,,\n"
        "A3,,1,bad phone,Kazak,,12ab\n"
        "A1,,1,again,Kazak,,\n"
    )
    parsed = parse_csv(english.encode(), zone=ISTANBUL)
    assert [r.review_id for _, r in parsed.reviews] == ["A1", "A2"]
    assert parsed.reviews[0][1].phone == "905321112233"
    assert parsed.reviews[1][1].rating == 4
    assert [e.line for e in parsed.errors] == [4, 5]
    assert "repeats line 2" in parsed.errors[1].reason

    windows = "Yorum No;Puan;Yorum;Telefon\nW1;1;Çok kötü, ürün gelmedi;5321112233\n"
    parsed = parse_csv(windows.encode("cp1254"), zone=ISTANBUL)
    assert parsed.reviews[0][1].comment == "Çok kötü, ürün gelmedi"

    no_id = "Puan;Sipariş No\n1;TY-1\n"
    again = parse_csv(no_id.encode(), zone=ISTANBUL)
    assert again.reviews[0][1].review_id.startswith("row-")
    assert parse_csv(no_id.encode(), zone=ISTANBUL).reviews[0][1].review_id == (
        again.reviews[0][1].review_id
    )

    with pytest.raises(ReviewImportError, match="MB"):
        parse_csv(b"a" * (reviews.MAX_CSV_BYTES + 1), zone=ISTANBUL)
    rows = "review_id,rating\n" + "".join(f"x{i},5\n" for i in range(reviews.MAX_CSV_ROWS + 1))
    with pytest.raises(ReviewImportError, match="rows"):
        parse_csv(rows.encode(), zone=ISTANBUL)
    with pytest.raises(ReviewImportError, match="rating"):
        parse_csv(b"review_id,comment\n1,x\n", zone=ISTANBUL)
    with pytest.raises(ReviewImportError, match="empty"):
        parse_csv(b"  \n", zone=ISTANBUL)
    with pytest.raises(ReviewImportError, match="CSV"):
        parse_csv(b"\x00\x01binary", zone=ISTANBUL)


def test_signature():
    secret = reviews.input_secret(TEST_SECRET, uuid.uuid4())
    body = b'{"a": 1}'
    assert reviews.signature_ok(secret, body, sign(secret, body))
    assert not reviews.signature_ok(secret, body + b" ", sign(secret, body))
    assert not reviews.signature_ok(secret, body, None)
    assert not reviews.signature_ok(secret, body, sign(secret, body).removeprefix("sha256="))
    assert reviews.input_secret(TEST_SECRET, uuid.UUID(int=1)) != reviews.input_secret(
        TEST_SECRET, uuid.UUID(int=2)
    )


# --- importing, matching, recovery ---------------------------------------------------------------


async def test_csv_import_matches_customers_and_plans_the_apology_once(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    await enable_flows(db, shop)
    async with db.session() as session:
        await add_order(session, shop, "905301110000", "TY-100", NOW - dt.timedelta(days=6))
        await add_order(session, shop, "905301110001", "TY-101", NOW - dt.timedelta(days=6))
        await session.commit()

    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        report = await reviews.import_csv(session, tenant, TURKISH_CSV.encode(), now=NOW)
        await session.commit()
        assert report.as_dict() | {"errors": None} == {
            "received": 3,
            "created": 3,
            "updated": 0,
            "unchanged": 0,
            "matched": 2,
            "unmatched": 1,
            "low": 2,
            "contacted": 1,
            "errors": None,
            "error_count": 2,
        }
        cases = {c.external_id: c for c in (await session.scalars(select(ReviewCase))).all()}
        assert {k: c.status for k, c in cases.items()} == {
            "R-1": "detected",
            "R-2": "ignored",
            "R-5": "unmatched",
        }
        customer = await session.scalar(select(Customer).where(Customer.phone == "905301110000"))
        assert customer is not None and customer.name == "Zeynep Kaya"  # created from the order
        assert cases["R-1"].customer_id == customer.id
        planned = await sends_with_key(session, f"review:{cases['R-1'].id}")
        assert len(planned) == 1
        apology = planned[0]
        assert apology.template_name == "yorum_ozur" and apology.flow == "review_recovery"
        assert apology.customer_id == customer.id and apology.due_at == NOW
        assert apology.parameters == {"customer_name": "Zeynep Kaya", "product": "Keten Gömlek"}

        # The same file again: nothing new, nobody written to twice.
        again = await reviews.import_csv(session, tenant, TURKISH_CSV.encode(), now=NOW)
        await session.commit()
        assert (again.created, again.updated, again.unchanged, again.contacted) == (0, 0, 3, 0)
        assert len(await sends_with_key(session, f"review:{cases['R-1'].id}")) == 1

        # The customer raised the rating: the case is updated, what still waits is cancelled.
        raised = TURKISH_CSV.replace("R-1;TY-100;1;", "R-1;TY-100;4;")
        later = await reviews.import_csv(session, tenant, raised.encode(), now=NOW)
        await session.commit()
        assert later.updated == 1
        case_id = cases["R-1"].id
        session.expire_all()
        case = await session.get(ReviewCase, case_id)
        assert case is not None and case.status == "updated" and case.rating == 4
        [cancelled] = await sends_with_key(session, f"review:{case.id}")
        assert cancelled.status == "cancelled" and cancelled.reason == "review_updated"


async def test_review_states_and_the_recovery_report(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    clinic = await tenant_id_of(db, DEMO_CLINIC)
    await enable_flows(db, shop)
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        channel = await session.scalar(select(Channel.id))
        items, errors = reviews.parse_webhook(
            {
                "reviews": [
                    {
                        "review_id": "W1",
                        "rating": 1,
                        "phone": "+90 532 000 00 01",
                        "product": "Etek",
                    },
                    {"review_id": "W2", "rating": 2, "phone": "05320000002", "comment": "geç"},
                    {"review_id": "W3", "rating": 2, "phone": "905320000003"},
                    {"review_id": "W4", "rating": 1, "phone": "905320000004", "date": "2026-09-01"},
                    {"review_id": "W5", "rating": 9, "phone": "905320000005"},
                    "not an object",
                ]
            },
            zone=ISTANBUL,
        )
        assert [e.line for e in errors] == [5, 6]
        report = await reviews.import_reviews(
            session, tenant, items, source="webhook", now=NOW, errors=errors
        )
        await session.commit()
        assert (report.created, report.contacted) == (4, 3), report.as_dict()
        cases = {c.external_id: c for c in (await session.scalars(select(ReviewCase))).all()}
        assert cases["W4"].status == "ignored"  # months old: not answered

        async def send_of(external_id: str) -> OutboundSend:
            [send] = await sends_with_key(session, f"review:{cases[external_id].id}")
            return send

        sent_at = NOW + dt.timedelta(minutes=1)
        conversations = {}
        for external_id in ("W1", "W2"):
            send = await send_of(external_id)
            conversation = Conversation(
                id=uuid.uuid4(), tenant_id=shop, customer_id=send.customer_id, channel_id=channel
            )
            session.add(conversation)
            send.status, send.sent_at, send.conversation_id = "sent", sent_at, conversation.id
            conversations[external_id] = conversation
        (await send_of("W3")).status = "skipped"
        await session.flush()
        session.add(
            Message(
                tenant_id=shop,
                conversation_id=conversations["W1"].id,
                direction="in",
                status="processed",
                text="ürün yırtık geldi",
                created_at=sent_at + dt.timedelta(hours=2),
            )
        )
        await session.commit()

        # An hour after the sends: W1 answered, W2 contacted, W3 never went out.
        early = await reviews.recovery_report(
            session, tenant, NOW - dt.timedelta(days=1), now=NOW + dt.timedelta(hours=3)
        )
        await session.commit()
        assert (early["resolved"], early["contacted"], early["failed"]) == (1, 1, 1)
        assert early["recovery_rate"] == 0.5
        # Three days on, with no answer and nothing left to send, W2 has failed.
        late = await reviews.recovery_report(
            session, tenant, NOW - dt.timedelta(days=1), now=NOW + dt.timedelta(days=4)
        )
        await session.commit()
        assert (late["resolved"], late["contacted"], late["failed"]) == (1, 0, 2)
        assert late["contacted_total"] == 2 and late["recovery_rate"] == 0.5
        assert late["low_reviews"] == 3 and late["ignored"] == 0  # W4 was before ``since``
        everything = await reviews.recovery_report(session, tenant, None, now=NOW)
        assert everything["low_reviews"] == 4 and everything["ignored"] == 1
        resolved_id = cases["W1"].id
        session.expire_all()
        resolved = await session.get(ReviewCase, resolved_id)
        assert resolved.contacted_at == sent_at
        assert resolved.resolved_at == sent_at + dt.timedelta(hours=2)

    async with db.tenant_session(clinic) as session:
        other = await session.get(Tenant, clinic)
        theirs = await reviews.recovery_report(session, other, None, now=NOW)
        assert theirs["low_reviews"] == 0 and theirs["reviews"] == 0
        assert (await session.scalars(select(ReviewCase))).all() == []


async def test_a_review_pushed_and_uploaded_is_one_case_and_one_apology(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    await enable_flows(db, shop)
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        items, _ = reviews.parse_webhook(
            {"review_id": "X1", "rating": 1, "phone": "905370000001"}, zone=ISTANBUL
        )
        pushed = await reviews.import_reviews(session, tenant, items, source="webhook", now=NOW)
        csv_file = b"Yorum No;Puan;Telefon;Yorum\nX1;1;905370000001;berbat\n"
        uploaded = await reviews.import_csv(session, tenant, csv_file, now=NOW)
        await session.commit()
        assert (pushed.created, pushed.contacted) == (1, 1)
        assert (uploaded.created, uploaded.updated, uploaded.contacted) == (0, 1, 0)
        [case] = (await session.scalars(select(ReviewCase))).all()
        assert case.source == "webhook" and case.comment == "berbat"
        assert len(await sends_with_key(session, f"review:{case.id}")) == 1


async def test_rules_switched_on_later_still_reach_a_detected_review(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        items, _ = reviews.parse_webhook(
            {"review_id": "Y1", "rating": 2, "phone": "905370000002"}, zone=ISTANBUL
        )
        first = await reviews.import_reviews(session, tenant, items, source="webhook", now=NOW)
        await session.commit()
        assert first.contacted == 0  # the seeded rules are off
    await enable_flows(db, shop)
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        again = await reviews.import_reviews(session, tenant, items, source="webhook", now=NOW)
        await session.commit()
        assert again.contacted == 1


# --- carts ---------------------------------------------------------------------------------------


async def test_cart_abandoned_reminders_then_order_recovers_and_cancels(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    clinic = await tenant_id_of(db, DEMO_CLINIC)
    await enable_flows(db, shop)
    items = [
        {"name": "Keten Gömlek", "quantity": 1, "price": 499.9},
        {"name": "Kemer", "price": 100},
    ]
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)

        def event(**fields: Any) -> carts.CartEvent:
            return carts.CartEvent.model_validate(fields)

        updated = await carts.handle_event(
            session,
            tenant,
            event(event="cart.updated", cart_id="c-1", phone="+90 533 444 55 66", items=items),
            NOW,
        )
        assert updated["status"] == "active" and updated["planned"] == 0
        left = NOW + dt.timedelta(minutes=30)
        abandoned = await carts.handle_event(
            session,
            tenant,
            event(event="cart.abandoned", cart_id="c-1", at=left.isoformat()),
            left,
        )
        await session.commit()
        assert abandoned["status"] == "open" and abandoned["planned"] == 2
        cart = await session.scalar(select(Cart).where(Cart.external_id == "c-1"))
        assert cart is not None and float(cart.total) == 599.9
        reminders = await sends_with_key(session, f"cart:{cart.id}")
        assert [s.due_at - left for s in reminders] == [
            dt.timedelta(hours=2),
            dt.timedelta(hours=24),
        ]
        assert reminders[0].parameters["item_names"] == "Keten Gömlek, Kemer"
        assert reminders[0].flow == "cart_recovery"
        assert reminders[0].context["cart_id"] == str(cart.id)

        # The reminder at T+2 h went out; the order arrives: recovered, T+24 h cancelled.
        reminders[0].status, reminders[0].sent_at = "sent", left + dt.timedelta(hours=2)
        ordered = await carts.handle_event(
            session,
            tenant,
            event(event="order.created", cart_id="c-1", order_number="S-77"),
            left + dt.timedelta(hours=3),
        )
        await session.commit()
        assert ordered["status"] == "recovered" and ordered["cancelled"] == 1
        statuses = [s.status for s in await sends_with_key(session, f"cart:{cart.id}")]
        assert statuses == ["sent", "cancelled"]
        # A redelivered event changes nothing.
        repeat = await carts.handle_event(
            session,
            tenant,
            event(event="order.created", cart_id="c-1"),
            left + dt.timedelta(hours=4),
        )
        assert repeat["note"] == "cart already recovered"

        # A cart recovered by the phone of the order; another left for good.
        await carts.handle_event(
            session,
            tenant,
            event(event="cart.abandoned", cart_id="c-2", phone="905334445567", items=items[:1]),
            NOW,
        )
        by_phone = await carts.handle_event(
            session,
            tenant,
            event(event="order.created", phone="0533 444 55 67", order_number="S-78"),
            NOW + dt.timedelta(hours=1),
        )
        assert by_phone["cart_id"] == "c-2" and by_phone["status"] == "recovered"
        assert by_phone["cancelled"] == 2
        await carts.handle_event(
            session,
            tenant,
            event(event="cart.abandoned", cart_id="c-3", phone="905334445568", items=items),
            NOW - dt.timedelta(days=9),
        )
        with pytest.raises(ValueError, match="phone"):
            await carts.handle_event(
                session, tenant, event(event="cart.abandoned", cart_id="c-4", items=items), NOW
            )
        # Reported two days late: both reminders would go at once, so none goes.
        late = await carts.handle_event(
            session,
            tenant,
            event(
                event="cart.abandoned",
                cart_id="c-5",
                phone="905334445569",
                items=items,
                at=(NOW - dt.timedelta(days=2)).isoformat(),
            ),
            NOW,
        )
        assert late["planned"] == 0 and late["note"] == "left too long ago to remind"
        await session.commit()

        found = await carts.recovery_report(session, tenant, NOW - dt.timedelta(days=30), now=NOW)
        await session.commit()
        assert found["abandoned"] == 4 and found["recovered"] == 2 and found["lost"] == 1
        assert found["open"] == 1 and found["recovery_rate"] == 0.5
        assert found["reminded"] == 1 and found["recovered_after_reminder"] == 1
        assert found["recovered_value"] == pytest.approx(599.9 + 499.9)
        lost = await session.scalar(select(Cart).where(Cart.external_id == "c-3"))
        assert lost.status == "lost"
        assert all(
            s.status == "cancelled" for s in await sends_with_key(session, f"cart:{lost.id}")
        )

    async with db.tenant_session(clinic) as session:
        other = await session.get(Tenant, clinic)
        theirs = await carts.recovery_report(session, other, None, now=NOW)
        assert theirs["abandoned"] == 0
        assert (await session.scalars(select(Cart))).all() == []


def test_cart_events_are_validated():
    bad = [
        {"event": "cart.exploded", "cart_id": "1"},
        {"event": "cart.abandoned"},
        {"event": "order.created"},
        {"event": "cart.updated", "cart_id": "1", "phone": "not a phone"},
        {"event": "cart.updated", "cart_id": "1", "items": [{"name": ""}]},
        {"event": "cart.updated", "cart_id": "1", "items": [{"name": "x"}] * 101},
        {"event": "cart.updated", "cart_id": "1", "cart_url": "javascript:alert(1)"},
        {"event": "cart.updated", "cart_id": "1", "total": -5},
    ]
    for payload in bad:
        with pytest.raises(ValueError):
            carts.CartEvent.model_validate(payload)


# --- Click-to-WhatsApp attribution ---------------------------------------------------------------


async def test_attribution_per_ad(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    clinic = await tenant_id_of(db, DEMO_CLINIC)
    async with db.session() as session:
        channel = await session.scalar(select(Channel.id).where(Channel.tenant_id == shop))

        async def conversation(phone: str, referral: dict | None, at: dt.datetime) -> uuid.UUID:
            customer = Customer(id=uuid.uuid4(), tenant_id=shop, phone=phone, name="C", tags=[])
            session.add(customer)
            await session.flush()
            row = Conversation(
                id=uuid.uuid4(),
                tenant_id=shop,
                customer_id=customer.id,
                channel_id=channel,
                referral=referral,
                created_at=at,
            )
            session.add(row)
            await session.flush()
            session.add(
                Message(
                    tenant_id=shop,
                    conversation_id=row.id,
                    direction="in",
                    status="processed",
                    text="merhaba",
                    created_at=at,
                )
            )
            return row.id

        summer = {"source_id": "ad-1", "headline": "Yaz indirimi", "ctwa_clid": "clid-1"}
        first = await conversation("905350000001", summer, NOW)
        await conversation("905350000002", {**summer, "ctwa_clid": "clid-2"}, NOW)
        third = await conversation("905350000003", {"source_id": "ad-2", "headline": "Kış"}, NOW)
        await conversation("905350000004", None, NOW)
        session.add(
            Lead(
                tenant_id=shop,
                conversation_id=third,
                customer_id=(await session.get(Conversation, third)).customer_id,
            )
        )
        await add_order(
            session, shop, "905350000001", "AD-1", NOW + dt.timedelta(days=1), [(300, 1)]
        )
        await add_order(
            session, shop, "905350000001", "AD-2", NOW - dt.timedelta(days=1), [(999, 1)]
        )
        await add_order(
            session, shop, "905350000003", "AD-3", NOW + dt.timedelta(days=2), [(50, 2)]
        )
        await add_order(
            session, shop, "905350000004", "AD-4", NOW + dt.timedelta(days=2), [(70, 1)]
        )
        await session.commit()
        assert first

    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        found = await attribution.by_ad(session, tenant, until=NOW + dt.timedelta(days=30))
        ads = {ad["ad_id"]: ad for ad in found["ads"]}
        assert set(ads) == {"ad-1", "ad-2"}
        assert ads["ad-1"] | {"first_at": None, "last_at": None} == {
            "ad_id": "ad-1",
            "headline": "Yaz indirimi",
            "source_type": None,
            "source_url": None,
            "conversations": 2,
            "customers": 2,
            "clicks": 2,
            "leads": 0,
            "orders": 1,
            "revenue": 300.0,
            "first_at": None,
            "last_at": None,
        }
        assert (ads["ad-2"]["leads"], ads["ad-2"]["orders"], ads["ad-2"]["revenue"]) == (
            1,
            1,
            100.0,
        )
        assert found["total"]["revenue"] == 400.0
    async with db.tenant_session(clinic) as session:
        other = await session.get(Tenant, clinic)
        assert (await attribution.by_ad(session, other))["ads"] == []


# --- over HTTP -----------------------------------------------------------------------------------


async def post_signed(
    stack: Any, path: str, body: bytes, secret: str, *, signature: str | None = None
) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Invekto-Signature": signature if signature is not None else sign(secret, body),
    }
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.post(path, content=body, headers=headers)


async def test_signed_webhooks_and_the_authenticated_routes(stack):
    owner = await token_for(stack)
    clinic_owner = await token_for(stack, DEMO_CLINIC)
    inputs = await api(stack, "GET", "/api/outbound/inputs", owner)
    assert inputs.status_code == 200, inputs.text
    secret = inputs.json()["secret"]
    assert inputs.json()["reviews_url"].endswith("/webhooks/reviews/demo-shop")
    clinic_secret = (await api(stack, "GET", "/api/outbound/inputs", clinic_owner)).json()["secret"]
    assert clinic_secret != secret
    assert (await api(stack, "GET", "/api/outbound/inputs", None)).status_code == 401

    async with stack.services.db.session() as session:
        shop = await session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SHOP.slug))
        await session.execute(
            update(OutboundRule)
            .where(
                OutboundRule.tenant_id == shop,
                OutboundRule.flow.in_(("review_recovery", "cart_recovery")),
            )
            .values(enabled=True)
        )
        await session.commit()

    review = json.dumps(
        {"review_id": "H1", "rating": 1, "phone": "905361112233", "product": "Çanta"}
    ).encode()
    path = "/webhooks/reviews/demo-shop"
    good = await post_signed(stack, path, review, secret)
    assert good.status_code == 200, good.text
    assert good.json()["created"] == 1 and good.json()["contacted"] == 1
    assert (await post_signed(stack, path, review, clinic_secret)).status_code == 401
    assert (
        await post_signed(stack, path, review, secret, signature="sha256=00")
    ).status_code == 401
    assert (await post_signed(stack, path, review, secret, signature="")).status_code == 401
    assert (await post_signed(stack, "/webhooks/reviews/nobody", review, secret)).status_code == 401
    broken = b'{"review_id": "H2", "rating":'
    response = await post_signed(stack, path, broken, secret)
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    invalid = json.dumps({"review_id": "H3", "rating": 0}).encode()
    response = await post_signed(stack, path, invalid, secret)
    assert response.status_code == 422 and "rating" in response.json()["detail"]
    assert (await post_signed(stack, path, b"[1, 2]", secret)).status_code == 422
    huge = b'{"reviews": [' + b" " * 1_000_001 + b"]}"
    assert (await post_signed(stack, path, huge, secret)).status_code == 413
    nested = b"[" * 50_000 + b"]" * 50_000
    assert (await post_signed(stack, path, nested, secret)).status_code in (400, 422)
    nul = json.dumps(
        {"review_id": "H4\u0000", "rating": 1, "comment": "a\u0000b", "phone": "905361112234"}
    ).encode()
    assert (await post_signed(stack, path, nul, secret)).status_code == 200

    cart_path = "/webhooks/carts/demo-shop"
    left = json.dumps(
        {
            "event": "cart.abandoned",
            "cart_id": "web-1",
            "phone": "905361112299",
            "items": [{"name": "Çanta", "price": 250}],
        }
    ).encode()
    response = await post_signed(stack, cart_path, left, secret)
    assert response.status_code == 200, response.text
    assert response.json()["planned"] == 2
    order = json.dumps(
        {"event": "order.created", "cart_id": "web-1", "order_number": "W-1"}
    ).encode()
    response = await post_signed(stack, cart_path, order, secret)
    assert response.json()["status"] == "recovered" and response.json()["cancelled"] == 2
    hostile = [
        {"event": "cart.abandoned", "cart_id": "h", "phone": "905361112200", "items": "x"},
        {"event": "cart.abandoned", "cart_id": ["h"], "phone": "905361112200"},
        {
            "event": "cart.updated",
            "cart_id": "h",
            "items": [{"name": "a", "url": "https://x/\u0000"}],
        },
        {"event": "cart.updated", "cart_id": "h", "total": "NaN"},
        {"event": "cart.updated", "cart_id": "h", "at": {"when": "now"}},
    ]
    for payload in hostile:
        response = await post_signed(stack, cart_path, json.dumps(payload).encode(), secret)
        assert response.status_code == 422, (payload, response.text)
    nul_name = {
        "event": "cart.updated",
        "cart_id": "nul\u0000",
        "phone": "905361112201",
        "customer_name": "A\u0000yşe",
        "items": [{"name": "Ça\u0000nta", "sku": "\u0000"}],
    }
    response = await post_signed(stack, cart_path, json.dumps(nul_name).encode(), secret)
    assert response.status_code == 200, response.text
    for weird in (
        {"review_id": "Q1", "rating": [1]},
        {"review_id": {"a": 1}, "rating": 1},
        {"review_id": "Q2", "rating": 1, "date": {"x": 1}},
        {"review_id": "Q3", "rating": 1, "date": 10**30},
        {"review_id": "Q4", "rating": "1e999999"},
        {"reviews": "nope"},
        {"reviews": [{"review_id": str(i), "rating": 5} for i in range(501)]},
    ):
        response = await post_signed(stack, path, json.dumps(weird).encode(), secret)
        assert response.status_code == 422, (weird, response.text)
    bad_event = json.dumps({"event": "cart.abandoned", "cart_id": "web-2"}).encode()
    response = await post_signed(stack, cart_path, bad_event, secret)
    assert response.status_code == 422 and "phone" in response.json()["detail"]
    assert (await post_signed(stack, cart_path, left, clinic_secret)).status_code == 401

    report = await api(stack, "GET", "/api/outbound/carts/report", owner)
    assert report.status_code == 200 and report.json()["recovered"] == 1
    theirs = await api(stack, "GET", "/api/outbound/carts/report", clinic_owner)
    assert theirs.json()["abandoned"] == 0

    # The CSV upload: multipart or the raw body; a bad row listed, the good ones kept.
    upload = await api(
        stack,
        "POST",
        "/api/outbound/reviews/import",
        owner,
        files={"file": ("yorumlar.csv", TURKISH_CSV.encode(), "text/csv")},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["created"] == 3
    assert [e["line"] for e in upload.json()["errors"]] == [4, 5]
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        raw = await client.post(
            "/api/outbound/reviews/import",
            content=b"review_id,rating\nZ1,5\n",
            headers={"Authorization": f"Bearer {owner}", "Content-Type": "text/csv"},
        )
    assert raw.status_code == 200 and raw.json()["created"] == 1
    too_big = await api(
        stack,
        "POST",
        "/api/outbound/reviews/import",
        owner,
        files={"file": ("big.csv", b"review_id,rating\n" + b"x" * (3 * 1024 * 1024), "text/csv")},
    )
    assert too_big.status_code == 413
    unreadable = await api(
        stack,
        "POST",
        "/api/outbound/reviews/import",
        owner,
        files={"file": ("x.csv", b"foo,bar\n1,2\n", "text/csv")},
    )
    assert unreadable.status_code == 422 and "rating" in unreadable.json()["detail"]
    assert (await api(stack, "POST", "/api/outbound/reviews/import", None)).status_code == 401

    listed = await api(stack, "GET", "/api/outbound/reviews?max_rating=2", owner)
    assert listed.status_code == 200
    assert {item["external_id"] for item in listed.json()["items"]} >= {"H1", "R-1"}
    assert all(item["rating"] <= 2 for item in listed.json()["items"])
    assert (await api(stack, "GET", "/api/outbound/reviews", clinic_owner)).json()["total"] == 0
    assert (await api(stack, "GET", "/api/outbound/reviews?status=nope", owner)).status_code == 422
    review_report = await api(stack, "GET", "/api/outbound/reviews/report", owner)
    assert review_report.status_code == 200 and review_report.json()["low_reviews"] >= 2
    clinic_report = await api(stack, "GET", "/api/outbound/reviews/report", clinic_owner)
    assert clinic_report.json()["low_reviews"] == 0
    ads = await api(stack, "GET", "/api/outbound/attribution?days=30", owner)
    assert ads.status_code == 200 and "ads" in ads.json()


async def test_roles_agents_read_reports_but_neither_upload_nor_see_the_secret(stack, session):
    agent = await add_user(session, "agent")
    token = await user_token(stack, agent.email)
    assert (await api(stack, "GET", "/api/outbound/inputs", token)).status_code == 403
    upload = await api(
        stack,
        "POST",
        "/api/outbound/reviews/import",
        token,
        files={"file": ("y.csv", b"review_id,rating\n1,1\n", "text/csv")},
    )
    assert upload.status_code == 403
    for path in (
        "/api/outbound/reviews",
        "/api/outbound/reviews/report",
        "/api/outbound/carts/report",
        "/api/outbound/attribution",
    ):
        assert (await api(stack, "GET", path, token)).status_code == 200, path
