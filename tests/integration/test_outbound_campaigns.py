"""Campaigns: the audience (tags, orders, spend, language, consent), the deterministic A/B split,
an idempotent launch, the state machine with its errors, and the per-variant stats (replies,
conversions, revenue, cost, ROI). A fake clock throughout; no worker runs (nothing is sent)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from invekto.outbound import campaigns
from invekto.outbound.campaigns import Audience, CampaignStateError
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, DemoTenant
from invekto.storage.db import Database
from invekto.storage.models import (
    Campaign,
    Channel,
    Conversation,
    Customer,
    IntegrationAccount,
    Message,
    OrderCache,
    OutboundSend,
    Tenant,
    WaTemplate,
)
from tests.conftest import make_settings

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # 13:00 in Istanbul: not quiet hours


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


async def account_of(session: Any, tenant_id: uuid.UUID) -> uuid.UUID:
    account = await session.scalar(
        select(IntegrationAccount.id).where(IntegrationAccount.tenant_id == tenant_id)
    )
    if account is None:
        row = IntegrationAccount(
            tenant_id=tenant_id, provider="trendyol", external_id="t-1", credentials=""
        )
        session.add(row)
        await session.flush()
        account = row.id
    return account


def add_customer(
    session: Any,
    tenant_id: uuid.UUID,
    phone: str,
    *,
    name: str = "",
    tags: list[str] | None = None,
    language: str | None = None,
    opted_out: bool = False,
) -> Customer:
    customer = Customer(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        phone=phone,
        name=name,
        tags=tags or [],
        language=language,
        marketing_opt_out_at=NOW - dt.timedelta(days=3) if opted_out else None,
    )
    session.add(customer)
    return customer


async def add_order(
    session: Any,
    tenant_id: uuid.UUID,
    phone: str,
    number: str,
    at: dt.datetime,
    lines: list[tuple[float, int]],
    status: str = "Delivered",
) -> None:
    session.add(
        OrderCache(
            tenant_id=tenant_id,
            integration_account_id=await account_of(session, tenant_id),
            provider="trendyol",
            package_id=f"p-{number}-{uuid.uuid4().hex[:6]}",
            order_number=number,
            status=status,
            customer_phone=phone,
            order_date=at,
            lines=[{"product_name": "x", "price": price, "quantity": qty} for price, qty in lines],
        )
    )


async def new_campaign(session: Any, tenant_id: uuid.UUID, **fields: Any) -> Campaign:
    values: dict[str, Any] = {
        "name": "Kış indirimi",
        "audience": {},
        "template_a": "kis_indirimi",
        "split_percent": 50,
        "variables": {"1": {"field": "first_name", "default": "müşterimiz"}},
        "conversion_days": 7,
    }
    values.update(fields)
    campaign = Campaign(id=uuid.uuid4(), tenant_id=tenant_id, **values)
    session.add(campaign)
    await session.flush()
    return campaign


async def preview_count(session: Any, tenant: Tenant, **audience: Any) -> int:
    return (await campaigns.preview(session, tenant, audience)).count


# --- the audience --------------------------------------------------------------------------------


async def test_audience_filters_tags_orders_spend_language_and_consent(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    clinic = await tenant_id_of(db, DEMO_CLINIC)
    async with db.session() as session:
        add_customer(session, shop, "905000000001", name="Ayla Vip", tags=["vip", "kadın"])
        add_customer(session, shop, "905000000002", name="Burak", tags=["vip"], language="en")
        add_customer(session, shop, "905000000003", name="Cem", tags=["kadın"], language="tr")
        add_customer(session, shop, "905000000004", name="Deniz", tags=["vip"], opted_out=True)
        add_customer(session, shop, "905000000005", name="Ece", tags=["yeni"])
        add_customer(session, clinic, "905000000001", name="Other tenant", tags=["vip"])
        await session.flush()
        # Ayla: a recent big order; Burak: an old small one and a cancelled big one.
        await add_order(session, shop, "905000000001", "A1", NOW - dt.timedelta(days=5), [(400, 2)])
        await add_order(session, shop, "905000000002", "B1", NOW - dt.timedelta(days=90), [(50, 1)])
        await add_order(
            session,
            shop,
            "905000000002",
            "B2",
            NOW - dt.timedelta(days=80),
            [(9000, 1)],
            "Cancelled",
        )
        await add_order(session, shop, "905000000004", "D1", NOW - dt.timedelta(days=2), [(999, 3)])
        await session.commit()

    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        assert tenant is not None
        assert await preview_count(session, tenant, tags=["vip"]) == 2  # Deniz opted out
        assert await preview_count(session, tenant, tags=["vip", "kadın"]) == 3
        assert await preview_count(session, tenant, tags=["vip", "kadın"], tags_mode="all") == 1
        assert await preview_count(session, tenant, tags=["vip"], tags_all=["kadın"]) == 1
        recent = NOW - dt.timedelta(days=30)
        assert await preview_count(session, tenant, last_order_after=recent) == 1  # Ayla
        assert await preview_count(session, tenant, last_order_before=recent) == 1  # Burak
        # Spent: Ayla 800; Burak 50 (the cancelled order does not count).
        assert await preview_count(session, tenant, min_spent=500) == 1
        assert await preview_count(session, tenant, min_spent=50, tags=["vip"]) == 2
        assert await preview_count(session, tenant, language="en") == 1
        tr_count = await preview_count(
            session, tenant, language="tr", tags=["vip", "kadın", "yeni"]
        )
        assert tr_count == 3  # Ayla (no language: the tenant's default), Cem, Ece

        found = await campaigns.preview(session, tenant, {"tags": ["vip"]})
        assert found.opted_out_excluded == 1
        assert found.channel is True and found.category == "MARKETING"
        assert {c["name"] for c in found.sample} == {"Ayla Vip", "Burak"}
        assert all("*" in c["phone"] and c["phone"] != "905000000001" for c in found.sample)

        # A UTILITY campaign may reach opted-out customers only when asked to.
        session.add(
            WaTemplate(
                tenant_id=shop, name="bilgi", language="tr", category="UTILITY", status="APPROVED"
            )
        )
        await session.flush()
        draft = Campaign(tenant_id=shop, template_a="bilgi")
        utility = await campaigns.preview(
            session, tenant, {"tags": ["vip"], "opted_in_only": False}, campaign=draft
        )
        assert utility.category == "UTILITY" and utility.count == 3
        marketing = await campaigns.preview(
            session, tenant, {"tags": ["vip"], "opted_in_only": False}
        )
        assert marketing.count == 2

    with pytest.raises(ValueError):
        Audience.of({"language": "de"})


# --- the A/B split and an idempotent launch -------------------------------------------------------


async def test_ab_split_is_deterministic_and_launch_is_idempotent(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    async with db.session() as session:
        for index in range(1000):
            add_customer(session, shop, f"9055{index:08d}", name=f"Müşteri {index}", tags=["ab"])
        add_customer(session, shop, "905599999999", name="Out", tags=["ab"], opted_out=True)
        await session.commit()

    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        campaign = await new_campaign(
            session,
            shop,
            audience={"tags": ["ab"]},
            template_b="kis_indirimi_b",
            split_percent=30,
        )
        first = await campaigns.launch(session, tenant, campaign, NOW)
        await session.commit()
        assert first.recipients == 1000 and first.inserted == 1000
        assert campaign.status == "running" and campaign.started_at == NOW
        assert campaign.recipients == 1000

        sends = (
            await session.scalars(
                select(OutboundSend).where(OutboundSend.campaign_id == campaign.id)
            )
        ).all()
        variants = {s.customer_id: s.variant for s in sends}
        share_a = sum(v == "A" for v in variants.values()) / len(variants)
        assert 0.25 < share_a < 0.35
        for send in sends:
            assert send.variant == campaigns.variant_of(campaign, send.customer_id)
            assert send.template_name == (
                "kis_indirimi" if send.variant == "A" else "kis_indirimi_b"
            )
            assert send.dedupe_key == f"campaign:{campaign.id}:{send.customer_id}"
            assert send.flow == "campaign" and send.due_at == NOW and send.status == "scheduled"
            assert send.parameters == {"1": "Müşteri"}  # the first name
        ids = {s.id for s in sends}

        # Launching again (a retry, a double click) plans nobody twice.
        again = await campaigns.launch(session, tenant, campaign, NOW + dt.timedelta(minutes=5))
        await session.commit()
        assert again.inserted == 0 and again.recipients == 1000
        after = set(
            await session.scalars(
                select(OutboundSend.id).where(OutboundSend.campaign_id == campaign.id)
            )
        )
        assert after == ids
        assert campaign.started_at == NOW


async def test_launch_of_ten_thousand_recipients(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    async with db.session() as session:
        await session.execute(
            insert(Customer),
            [
                {
                    "id": uuid.uuid4(),
                    "tenant_id": shop,
                    "phone": f"9056{index:08d}",
                    "name": f"Kişi {index}",
                    "tags": ["bulk"],
                }
                for index in range(10_000)
            ],
        )
        await session.commit()
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        campaign = await new_campaign(session, shop, audience={"tags": ["bulk"]})
        result = await campaigns.launch(session, tenant, campaign, NOW)
        await session.commit()
        assert result.inserted == 10_000
        count = await session.scalar(
            select(func.count())
            .select_from(OutboundSend)
            .where(OutboundSend.campaign_id == campaign.id, OutboundSend.status == "scheduled")
        )
        assert count == 10_000


# --- the state machine ---------------------------------------------------------------------------


async def statuses(session: Any, campaign: Campaign) -> dict[str, int]:
    rows = await session.execute(
        select(OutboundSend.status, func.count())
        .where(OutboundSend.campaign_id == campaign.id)
        .group_by(OutboundSend.status)
    )
    return dict(rows.all())


async def test_state_machine_moves_and_refuses_illegal_ones(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    clinic = await tenant_id_of(db, DEMO_CLINIC)
    async with db.session() as session:
        for index in range(5):
            add_customer(session, shop, f"9057{index:08d}", name="X", tags=["sm"])
        await session.commit()

    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        campaign = await new_campaign(session, shop, audience={"tags": ["sm"]})
        for move in (campaigns.pause, campaigns.resume):
            with pytest.raises(CampaignStateError, match="draft"):
                await move(session, tenant, campaign, NOW)
        with pytest.raises(CampaignStateError, match="past"):
            await campaigns.schedule_campaign(
                session, tenant, campaign, NOW - dt.timedelta(hours=1), now=NOW
            )

        at = NOW + dt.timedelta(days=1)  # 13:00 Istanbul tomorrow
        result = await campaigns.schedule_campaign(session, tenant, campaign, at, now=NOW)
        assert campaign.status == "scheduled" and result.recipients == 5
        due = set(
            await session.scalars(
                select(OutboundSend.due_at).where(OutboundSend.campaign_id == campaign.id)
            )
        )
        assert due == {at}
        # Rescheduling moves the waiting sends.
        later = at + dt.timedelta(hours=2)
        await campaigns.schedule_campaign(session, tenant, campaign, later, now=NOW)
        due = set(
            await session.scalars(
                select(OutboundSend.due_at).where(OutboundSend.campaign_id == campaign.id)
            )
        )
        assert due == {later} and campaign.status == "scheduled"

        held = await campaigns.pause(session, tenant, campaign, NOW)
        assert held == 5 and campaign.status == "paused"
        assert await statuses(session, campaign) == {"paused": 5}
        with pytest.raises(CampaignStateError, match="cannot pause a paused"):
            await campaigns.pause(session, tenant, campaign, NOW)
        with pytest.raises(CampaignStateError, match="cannot launch a paused"):
            await campaigns.launch(session, tenant, campaign, NOW)

        back = await campaigns.resume(session, tenant, campaign, NOW)
        assert back == 5 and campaign.status == "scheduled"  # its time is still ahead
        assert await statuses(session, campaign) == {"scheduled": 5}

        # Its time comes: running; one send goes, the rest are paused then resumed after it.
        await session.commit()
        await campaigns.complete_finished(session, later + dt.timedelta(minutes=1))
        await session.refresh(campaign)
        assert campaign.status == "running" and campaign.started_at == later
        resume_at = later + dt.timedelta(hours=1)
        await campaigns.pause(session, tenant, campaign, resume_at)
        await campaigns.resume(session, tenant, campaign, resume_at)
        assert campaign.status == "running"
        overdue = set(
            await session.scalars(
                select(OutboundSend.due_at).where(OutboundSend.campaign_id == campaign.id)
            )
        )
        assert overdue == {resume_at}  # none earlier than the resume
        with pytest.raises(CampaignStateError, match="cannot resume a running"):
            await campaigns.resume(session, tenant, campaign, NOW)

        cancelled = await campaigns.cancel_campaign(session, tenant, campaign, resume_at)
        assert cancelled == 5 and campaign.status == "cancelled"
        assert await statuses(session, campaign) == {"cancelled": 5}
        for move in (
            campaigns.launch,
            campaigns.pause,
            campaigns.resume,
            campaigns.cancel_campaign,
        ):
            with pytest.raises(CampaignStateError, match="cancelled"):
                await move(session, tenant, campaign, resume_at)
        await session.commit()

        # Another tenant's campaign is not this tenant's to move.
        other = await session.get(Tenant, shop)
        assert other is not None
    async with db.tenant_session(clinic) as session:
        clinic_tenant = await session.get(Tenant, clinic)
        foreign = Campaign(id=uuid.uuid4(), tenant_id=shop, status="draft", template_a="x")
        with pytest.raises(CampaignStateError, match="not found"):
            await campaigns.launch(session, clinic_tenant, foreign, NOW)


async def test_running_campaign_completes_when_nothing_is_left(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    async with db.session() as session:
        add_customer(session, shop, "905800000001", name="A", tags=["done"])
        add_customer(session, shop, "905800000002", name="B", tags=["done"])
        await session.commit()
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        campaign = await new_campaign(session, shop, audience={"tags": ["done"]})
        await campaigns.launch(session, tenant, campaign, NOW)
        await session.commit()
        assert await campaigns.complete_finished(session, NOW) == 0
        await session.execute(
            update(OutboundSend)
            .where(OutboundSend.campaign_id == campaign.id)
            .values(status="skipped", reason="opted_out")
        )
        assert await campaigns.complete_finished(session, NOW + dt.timedelta(hours=1)) == 1
        await session.commit()
        await session.refresh(campaign)
        assert campaign.status == "completed"
        with pytest.raises(CampaignStateError, match="completed"):
            await campaigns.pause(session, tenant, campaign, NOW)


async def test_launch_without_a_channel_is_refused(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    async with db.session() as session:
        await session.execute(update(Channel).where(Channel.tenant_id == shop).values(active=False))
        await session.commit()
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        campaign = await new_campaign(session, shop)
        with pytest.raises(CampaignStateError, match="channel"):
            await campaigns.launch(session, tenant, campaign, NOW)
        assert campaign.status == "draft"
        assert (await campaigns.preview(session, tenant, {})).count == 0


# --- stats ---------------------------------------------------------------------------------------


async def test_stats_per_variant_with_replies_conversions_cost_and_roi(db):
    shop = await tenant_id_of(db, DEMO_SHOP)
    phones = [f"90590000{index:04d}" for index in range(40)]
    async with db.session() as session:
        tenant = await session.get(Tenant, shop)
        assert tenant is not None
        tenant.settings = {
            **tenant.settings,
            "outbound": {"price_marketing": 1.5, "price_utility": 0.25},
        }
        for phone in phones:
            add_customer(session, shop, phone, name="S", tags=["stats"])
        await session.commit()

    sent_at = NOW + dt.timedelta(minutes=1)
    async with db.tenant_session(shop) as session:
        tenant = await session.get(Tenant, shop)
        channel = await session.scalar(select(Channel.id).where(Channel.tenant_id == shop))
        campaign = await new_campaign(
            session, shop, audience={"tags": ["stats"]}, template_b="kis_b", split_percent=50
        )
        await campaigns.launch(session, tenant, campaign, NOW)
        sends = (
            await session.scalars(
                select(OutboundSend)
                .where(OutboundSend.campaign_id == campaign.id)
                .order_by(OutboundSend.customer_id)
            )
        ).all()
        phone_of = {
            c.id: c.phone
            for c in (
                await session.scalars(select(Customer).where(Customer.tenant_id == shop))
            ).all()
        }
        expected: dict[str, dict[str, Any]] = {
            v: {
                "recipients": 0,
                "sent": 0,
                "delivered": 0,
                "read": 0,
                "failed": 0,
                "skipped": 0,
                "replied": 0,
                "converted": 0,
                "revenue": 0.0,
                "billable": 0,
            }
            for v in ("A", "B")
        }
        # Cycle through outcomes: 0 read + reply, 1 delivered + order in window, 2 delivered
        # + order after the window, 3 failed at Meta, 4 skipped (opted out), 5 sent free (the
        # window was open), 6 still scheduled.
        for index, send in enumerate(sends):
            figures = expected[send.variant]
            figures["recipients"] += 1
            kind = index % 7
            if kind == 4:
                send.status, send.reason = "skipped", "opted_out"
                figures["skipped"] += 1
                continue
            if kind == 6:
                continue
            conversation = Conversation(
                id=uuid.uuid4(), tenant_id=shop, customer_id=send.customer_id, channel_id=channel
            )
            session.add(conversation)
            await session.flush()
            message_status = {0: "read", 1: "delivered", 2: "delivered", 3: "failed", 5: "sent"}[
                kind
            ]
            message = Message(
                id=uuid.uuid4(),
                tenant_id=shop,
                conversation_id=conversation.id,
                direction="out",
                author="system",
                status=message_status,
                text="kampanya",
                sent_at=sent_at,
                pricing={"billable": kind != 5, "category": "marketing", "type": "regular"},
            )
            session.add(message)
            await session.flush()
            send.status, send.sent_at, send.message_id = "sent", sent_at, message.id
            send.conversation_id, send.category = conversation.id, "MARKETING"
            figures["sent"] += 1
            figures["billable"] += int(kind != 5)
            figures["delivered"] += int(kind in (0, 1, 2))
            figures["read"] += int(kind == 0)
            figures["failed"] += int(kind == 3)
            if kind == 0:
                session.add(
                    Message(
                        tenant_id=shop,
                        conversation_id=conversation.id,
                        direction="in",
                        status="processed",
                        text="fiyatı ne?",
                        created_at=sent_at + dt.timedelta(hours=3),
                    )
                )
                figures["replied"] += 1
                figures["converted"] += 1
            if kind == 1:
                await add_order(
                    session,
                    shop,
                    phone_of[send.customer_id],
                    f"O{index}",
                    sent_at + dt.timedelta(days=2),
                    [(100, 2), (50, 1)],
                )
                figures["converted"] += 1
                figures["revenue"] += 250.0
            if kind == 2:
                await add_order(
                    session,
                    shop,
                    phone_of[send.customer_id],
                    f"L{index}",
                    sent_at + dt.timedelta(days=9),
                    [(100, 1)],
                )
        # An order placed before the campaign counts for nobody.
        await add_order(session, shop, phone_of[sends[1].customer_id], "OLD", NOW, [(70, 1)])
        await session.commit()

        found = await campaigns.stats(session, campaign, NOW + dt.timedelta(days=20))
        assert set(found.variants) == {"A", "B"}
        for variant, figures in expected.items():
            got = found.variants[variant]
            assert got.template == ("kis_indirimi" if variant == "A" else "kis_b")
            for key in ("recipients", "sent", "delivered", "read", "failed", "skipped"):
                assert getattr(got, key) == figures[key], (variant, key)
            assert got.replied == figures["replied"]
            assert got.converted == figures["converted"]
            assert float(got.revenue) == figures["revenue"]
            assert float(got.cost) == pytest.approx(figures["billable"] * 1.5)
            if figures["skipped"]:
                assert got.skipped_reasons == {"opted_out": figures["skipped"]}
        total = found.total
        assert total.recipients == 40
        cost = sum(f["billable"] for f in expected.values()) * 1.5
        revenue = sum(f["revenue"] for f in expected.values())
        assert float(total.cost) == pytest.approx(cost)
        assert total.roi == pytest.approx(round((revenue - cost) / cost, 4))
        body = found.as_dict()
        assert body["total"]["roi"] == total.roi
        assert body["variants"]["A"]["scheduled"] == found.variants["A"].scheduled

        # A conversion hook (an appointment, later) adds its own conversions.
        async def booked(session, campaign, rows, now):  # noqa: ANN001, ANN202
            return {rows[-1].send_id: 0}

        campaigns.CONVERSION_HOOKS.append(booked)
        try:
            hooked = await campaigns.stats(session, campaign, NOW + dt.timedelta(days=20))
        finally:
            campaigns.CONVERSION_HOOKS.remove(booked)
        assert hooked.total.converted >= total.converted
