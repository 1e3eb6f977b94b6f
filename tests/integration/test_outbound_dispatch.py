"""The outbound engine end to end over real HTTP, with a fake clock: the right template, at the
right time, once; nothing at night; nothing to an opted-out customer; nothing outside the window
that is not an approved template; the tier and the number's limits respected; a restart in the
middle of a campaign sends each message exactly once."""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from invekto.channels.whatsapp.parse import build_status_webhook
from invekto.channels.whatsapp.signature import SIGNATURE_HEADER, sign
from invekto.integrations.orders import sync_account
from invekto.outbound.dispatch import STALE_AFTER, dispatch_channel
from invekto.outbound.events import channel_for, emit
from invekto.outbound.schedule import Planned, schedule
from invekto.outbound.sweep import plan_follow_ups
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP, MEHMET_PHONE
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL
from invekto.stack import running_stack
from invekto.storage.models import (
    ConsentEvent,
    Customer,
    IntegrationAccount,
    Message,
    OutboundSend,
    Tenant,
)
from tests.conftest import make_settings
from tests.support.outbound import approve, customer, local, shop, switch_on

PHONE_ID = DEMO_SHOP.phone_number_id


@pytest.fixture
async def quiet(fresh_db_url, tmp_path):
    """The app without a worker: the test runs the dispatcher itself, with its own clock."""
    settings = make_settings(tmp_path, database_url=fresh_db_url)
    async with running_stack(settings, migrate=False, worker=False) as running:
        yield running


async def _emit(stack, kind, data, *, key, at, phone=AYSE_PHONE):
    tenant = await shop(stack)
    target = await customer(stack, phone, tenant)
    async with stack.services.db.session() as session:
        ids = await emit(
            session,
            await session.get(Tenant, tenant.id),
            await session.get(Customer, target.id),
            kind,
            data,
            key=key,
            at=at,
        )
        await session.commit()
    return ids


async def _channel_id(stack):
    async with stack.services.db.session() as session:
        channel = await channel_for(session, (await shop(stack)).id)
        return channel.id


async def _sends(stack, **where):
    """The demo shop's sends (the demo clinic's seed plans its own reminders)."""
    tenant = await shop(stack)
    async with stack.services.db.session() as session:
        statement = (
            select(OutboundSend)
            .where(OutboundSend.tenant_id == tenant.id)
            .order_by(OutboundSend.created_at)
        )
        for key, value in where.items():
            statement = statement.where(getattr(OutboundSend, key) == value)
        return list(await session.scalars(statement))


def _templates_to(phone):
    return [
        entry for entry in SANDBOX_GRAPH.outbox(PHONE_ID, phone) if entry.get("type") == "template"
    ]


async def test_post_purchase_check_comes_three_days_later_once_and_never_at_night(quiet):
    await switch_on(quiet, ["post_purchase"])
    await approve(quiet, ["memnuniyet_kontrol"])
    delivered = local(1, 22, 15)  # delivered late in the evening
    data = {"order_number": "10654400002", "product_names": ["Erkek Spor Ayakkabı 42"]}
    first = await _emit(quiet, "order_delivered", data, key="order:2:Delivered", at=delivered)
    again = await _emit(quiet, "order_delivered", data, key="order:2:Delivered", at=delivered)
    assert len(first) == 1 and again == []  # a re-run sync plans nothing new

    [send] = await _sends(quiet)
    # Three days later is 22:15, inside the quiet hours: it waits for 09:00.
    assert send.due_at == local(5, 9, 0)
    channel = await _channel_id(quiet)

    report = await dispatch_channel(quiet.services, channel, now=local(3, 12))
    assert report.sent == 0 and _templates_to(AYSE_PHONE) == []
    report = await dispatch_channel(quiet.services, channel, now=local(4, 22, 30))
    assert report.sent == 0 and _templates_to(AYSE_PHONE) == []
    report = await dispatch_channel(quiet.services, channel, now=local(5, 9, 0))
    assert report.sent == 1
    report = await dispatch_channel(quiet.services, channel, now=local(5, 10, 0))
    assert report.sent == 0

    [sent] = _templates_to(AYSE_PHONE)
    assert sent["body"]["template"]["name"] == "memnuniyet_kontrol"
    [send] = await _sends(quiet)
    assert send.status == "sent" and send.sent_at == local(5, 9, 0)
    async with quiet.services.db.session() as session:
        message = await session.get(Message, send.message_id)
    assert message.author == "system" and message.kind == "template"
    assert "10654400002" in message.text
    assert message.payload["outbound"]["flow"] == "post_purchase"


async def test_a_late_dispatcher_still_waits_out_the_night(quiet):
    await switch_on(quiet, ["shipping_update"])
    await approve(quiet, ["siparis_kargoda"])
    data = {
        "order_number": "10654400001",
        "cargo_provider": "Yurtiçi Kargo",
        "tracking_number": "7330029145197",
    }
    await _emit(quiet, "order_shipped", data, key="order:1:Shipped", at=local(1, 20, 50))
    channel = await _channel_id(quiet)
    # The worker was down; it comes back at 23:40: the update waits for the morning.
    report = await dispatch_channel(quiet.services, channel, now=local(1, 23, 40))
    assert report.sent == 0 and report.reasons == {"quiet_hours": 1}
    [send] = await _sends(quiet)
    assert send.status == "scheduled" and send.due_at == local(2, 9, 0)
    assert (await dispatch_channel(quiet.services, channel, now=local(2, 9, 1))).sent == 1


async def test_an_opted_out_customer_gets_no_marketing_but_still_order_updates(quiet):
    await switch_on(quiet, ["cart_recovery", "shipping_update"])
    await approve(quiet, ["sepet_hatirlatma", "siparis_kargoda"])
    cart = {"cart_id": "c-1", "item_names": ["Keten Gömlek"]}
    assert len(await _emit(quiet, "cart_abandoned", cart, key="cart:c-1", at=local(1, 10))) == 2
    ayse = await customer(quiet)
    # She opts out after the reminders were planned, and nothing cancelled them: the send's
    # own check has to stop them.
    async with quiet.services.db.session() as session:
        await session.execute(
            update(Customer).where(Customer.id == ayse.id).values(marketing_opt_out_at=local(1, 11))
        )
        await session.commit()
    shipped = {
        "order_number": "10654400001",
        "cargo_provider": "Yurtiçi Kargo",
        "tracking_number": "7330029145197",
    }
    await _emit(quiet, "order_shipped", shipped, key="order:1:Shipped", at=local(1, 12))
    channel = await _channel_id(quiet)
    report = await dispatch_channel(quiet.services, channel, now=local(2, 12))
    assert report.sent == 1 and report.reasons == {"opted_out": 2}
    assert [t["body"]["template"]["name"] for t in _templates_to(AYSE_PHONE)] == ["siparis_kargoda"]


async def test_opting_out_skips_what_was_planned_and_is_recorded(quiet):
    await switch_on(quiet, ["cart_recovery"])
    await approve(quiet, ["sepet_hatirlatma"])
    await _emit(quiet, "cart_abandoned", {"item_names": ["Şapka"]}, key="cart:c-2", at=local(1, 10))
    from invekto.outbound.consent import record_consent

    ayse = await customer(quiet)
    async with quiet.services.db.session() as session:
        row = await session.get(Customer, ayse.id)
        assert await record_consent(session, row, action="stop", source="agent", detail="test")
        assert not await record_consent(session, row, action="stop", source="agent")
        await session.commit()
    assert {s.status for s in await _sends(quiet)} == {"skipped"}
    async with quiet.services.db.session() as session:
        events = (await session.scalars(select(ConsentEvent))).all()
    assert [(e.action, e.source) for e in events] == [("stop", "agent"), ("stop", "agent")]


async def test_outside_the_window_only_an_approved_template_goes(quiet):
    tenant = await shop(quiet)
    ayse = await customer(quiet)
    mehmet = await customer(quiet, MEHMET_PHONE)
    channel = await _channel_id(quiet)
    now = local(2, 12)
    async with quiet.services.db.session() as session:
        await session.execute(
            update(Customer)
            .where(Customer.id == ayse.id)
            .values(last_inbound_at=now - dt.timedelta(hours=2))
        )
        await session.execute(
            update(Customer)
            .where(Customer.id == mehmet.id)
            .values(last_inbound_at=now - dt.timedelta(hours=30))
        )
        SANDBOX_GRAPH.note_inbound(PHONE_ID, AYSE_PHONE)
        t = await session.get(Tenant, tenant.id)
        planned = [
            Planned(
                customer_id=c.id,
                channel_id=channel,
                dedupe_key=f"text:{c.id}",
                due_at=now,
                text="Siparişinizle ilgili kısa bir not.",
            )
            for c in (ayse, mehmet)
        ] + [
            Planned(
                customer_id=mehmet.id,
                channel_id=channel,
                dedupe_key="draft",
                due_at=now,
                template_name="memnuniyet_kontrol",
                parameters={"customer_name": "Mehmet", "order_number": "1"},
            ),
            Planned(
                customer_id=mehmet.id,
                channel_id=channel,
                dedupe_key="unknown",
                due_at=now,
                template_name="yok_boyle_sablon",
                parameters={},
            ),
        ]
        await schedule(session, t, planned)
        await session.commit()
    report = await dispatch_channel(quiet.services, channel, now=now)
    assert report.sent == 1
    assert report.reasons == {"outside_window": 1, "template_draft": 1, "template_missing": 1}
    assert [e["type"] for e in SANDBOX_GRAPH.outbox(PHONE_ID, AYSE_PHONE)] == ["text"]
    assert SANDBOX_GRAPH.outbox(PHONE_ID, MEHMET_PHONE) == []


async def test_the_daily_tier_queues_instead_of_failing(quiet):
    tenant = await shop(quiet)
    await approve(quiet, ["siparis_kargoda"])
    async with quiet.services.db.session() as session:
        row = await session.get(Tenant, tenant.id)
        row.settings = {**row.settings, "outbound": {"daily_unique_limit": 2}}
        await session.commit()
    people = [await customer(quiet, f"90532000000{i}") for i in range(4)]
    channel = await _channel_id(quiet)
    now = local(2, 10)
    async with quiet.services.db.session() as session:
        t = await session.get(Tenant, tenant.id)
        await schedule(
            session,
            t,
            [
                Planned(
                    customer_id=p.id,
                    channel_id=channel,
                    dedupe_key=f"tier:{p.id}",
                    due_at=now,
                    template_name="siparis_kargoda",
                    parameters={
                        "customer_name": "X",
                        "order_number": "1",
                        "cargo_provider": "Aras",
                        "tracking_number": "2",
                    },
                )
                for p in people
            ],
        )
        await session.commit()
    report = await dispatch_channel(quiet.services, channel, now=now)
    assert report.sent == 2 and report.reasons == {"daily_tier": 2}
    waiting = [s for s in await _sends(quiet) if s.status == "scheduled"]
    assert {s.due_at for s in waiting} == {now + dt.timedelta(hours=24)}
    assert (
        await dispatch_channel(quiet.services, channel, now=now + dt.timedelta(hours=23))
    ).sent == 0
    assert (
        await dispatch_channel(quiet.services, channel, now=now + dt.timedelta(hours=24))
    ).sent == 2


async def test_meta_refusals_wait_stop_or_retry_as_they_should(quiet):
    tenant = await shop(quiet)
    await approve(quiet, ["siparis_kargoda"])
    people = [await customer(quiet, f"90533000000{i}") for i in range(4)]
    channel = await _channel_id(quiet)
    now = local(2, 10)
    async with quiet.services.db.session() as session:
        t = await session.get(Tenant, tenant.id)
        await schedule(
            session,
            t,
            [
                Planned(
                    customer_id=p.id,
                    channel_id=channel,
                    dedupe_key=f"err:{i}",
                    due_at=now + dt.timedelta(seconds=i),
                    template_name="siparis_kargoda",
                    parameters={
                        "customer_name": "X",
                        "order_number": "1",
                        "cargo_provider": "Aras",
                        "tracking_number": "2",
                    },
                )
                for i, p in enumerate(people)
            ],
        )
        await session.commit()
    later = now + dt.timedelta(seconds=10)
    # One at a time, so each injected refusal meets the send it is meant for.
    outcomes = {}
    for code in (131049, 131050, 131026, None):
        if code is not None:
            SANDBOX_GRAPH.inject(code=code, times=1)
        else:
            SANDBOX_GRAPH.inject(status=503, times=4)  # the client's own retries, then ours
        async with quiet.services.db.session() as session:
            await session.execute(
                update(OutboundSend)
                .where(OutboundSend.status == "scheduled")
                .values(due_at=later + dt.timedelta(days=30))
            )
            await session.execute(
                update(OutboundSend)
                .where(OutboundSend.dedupe_key == f"err:{len(outcomes)}")
                .values(due_at=later)
            )
            await session.commit()
        await dispatch_channel(quiet.services, channel, now=later)
        [send] = await _sends(quiet, dedupe_key=f"err:{len(outcomes)}")
        outcomes[code] = (send.status, send.reason, send.due_at)
    assert outcomes[131049][:2] == ("scheduled", "marketing_cap")
    assert outcomes[131049][2] >= later + dt.timedelta(hours=24)
    assert outcomes[131050][:2] == ("failed", "opted_out_at_meta")
    assert outcomes[131026][:2] == ("failed", "undeliverable")
    assert outcomes[None][0] == "scheduled" and outcomes[None][1].startswith("retry")
    async with quiet.services.db.session() as session:
        stopped = await session.get(Customer, people[1].id)
        event = await session.scalar(
            select(ConsentEvent).where(ConsentEvent.customer_id == stopped.id)
        )
    assert stopped.marketing_opt_out_at is not None and event.source == "meta_131050"
    assert _templates_to(people[3].phone) == []


async def test_a_restart_in_the_middle_of_a_campaign_sends_each_message_exactly_once(quiet):
    tenant = await shop(quiet)
    await approve(quiet, ["siparis_kargoda"])
    async with quiet.services.db.session() as session:
        row = await session.get(Tenant, tenant.id)
        row.settings = {
            **row.settings,
            "outbound": {"messages_per_second": 50, "daily_unique_limit": None},
        }
        phones = [f"9054{i:08d}" for i in range(250)]
        await session.execute(
            insert(Customer), [{"tenant_id": tenant.id, "phone": p, "name": "C"} for p in phones]
        )
        await session.commit()
        ids = list(await session.scalars(select(Customer.id).where(Customer.phone.in_(phones))))
    channel = await _channel_id(quiet)
    now = local(2, 11)
    async with quiet.services.db.session() as session:
        t = await session.get(Tenant, tenant.id)
        await schedule(
            session,
            t,
            [
                Planned(
                    customer_id=c,
                    channel_id=channel,
                    dedupe_key=f"camp:{c}",
                    due_at=now,
                    template_name="siparis_kargoda",
                    parameters={
                        "customer_name": "C",
                        "order_number": "1",
                        "cargo_provider": "Aras",
                        "tracking_number": "2",
                    },
                )
                for c in ids
            ],
        )
        await session.commit()
    # A deploy stops the worker during the first round: the round is finished, nothing more.
    first = await dispatch_channel(quiet.services, channel, now=now, should_stop=lambda: True)
    assert first.sent == 45 and first.more  # one round: 90 % of 50 a second
    # A hard crash: six rows claimed by a dispatcher that died mid-call. Meta had taken one of
    # them: its "sent" callback came (naming the send) while we did not know the message yet.
    async with quiet.services.db.session() as session:
        stuck = list(
            await session.scalars(
                select(OutboundSend)
                .where(OutboundSend.status == "scheduled", OutboundSend.channel_id == channel)
                .limit(6)
            )
        )
        for row in stuck:
            row.status, row.claimed_at = "sending", now - STALE_AFTER - dt.timedelta(minutes=1)
        taken = stuck[0]
        taken_phone = await session.scalar(
            select(Customer.phone).where(Customer.id == taken.customer_id)
        )
        await session.commit()
    callback = build_status_webhook(
        phone_number_id=PHONE_ID,
        display_phone_number=DEMO_SHOP.display_phone_number,
        message_id="wamid.TAKEN-BEFORE-THE-CRASH",
        recipient=taken_phone,
        status="sent",
        biz_opaque_callback_data=f"outbound:{taken.id}",
    )
    async with httpx.AsyncClient() as client:
        body = json.dumps(callback).encode()
        answer = await client.post(
            f"{quiet.base_url}/webhooks/whatsapp",
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(quiet.settings.whatsapp_app_secret, body),
            },
        )
        assert answer.status_code == 200
    second = await dispatch_channel(quiet.services, channel, now=now)
    assert first.sent + second.sent == 249  # the taken one is not sent again
    per_recipient = {}
    for entry in SANDBOX_GRAPH.outbox(PHONE_ID):
        per_recipient[entry["to"]] = per_recipient.get(entry["to"], 0) + 1
    assert set(per_recipient) == set(phones) - {taken_phone}
    assert set(per_recipient.values()) == {1}
    async with quiet.services.db.session() as session:
        resolved = await session.get(OutboundSend, taken.id)
        message = await session.get(Message, resolved.message_id)
        statuses = dict(
            (
                await session.execute(
                    select(OutboundSend.status, func.count())
                    .where(OutboundSend.channel_id == channel)
                    .group_by(OutboundSend.status)
                )
            ).all()
        )
    assert resolved.status == "sent" and message.wa_message_id == "wamid.TAKEN-BEFORE-THE-CRASH"
    assert statuses == {"sent": 250}


async def test_shipped_in_the_order_sync_sends_the_tracking_update_once(quiet):
    tenant = await shop(quiet)
    await switch_on(quiet, ["shipping_update"])
    await approve(quiet, ["siparis_kargoda"])
    await customer(quiet, MEHMET_PHONE)
    async with quiet.services.db.session() as session:
        account = await session.scalar(
            select(IntegrationAccount).where(IntegrationAccount.tenant_id == tenant.id)
        )
    await sync_account(quiet.services, account.id, days=14)  # the first sync: history, no events
    assert await _sends(quiet) == []
    seller = DEMO_SHOP.trendyol_seller_id
    [package] = [p for p in SANDBOX_TRENDYOL.packages(seller) if p["orderNumber"] == "10654400003"]
    package.update(
        status="Shipped",
        shipmentPackageStatus="Shipped",
        cargoTrackingNumber=7330000000003,
        lastModifiedDate=int(time.time() * 1000),
    )
    SANDBOX_TRENDYOL.add_package(seller, package)
    await sync_account(quiet.services, account.id, days=14)
    await sync_account(quiet.services, account.id, days=14)  # nothing moved: nothing new
    [send] = await _sends(quiet)
    assert send.flow == "shipping_update" and send.parameters["tracking_number"] == "7330000000003"
    channel = await _channel_id(quiet)
    report = await dispatch_channel(quiet.services, channel, now=max(send.due_at, local(2, 10)))
    assert report.sent == 1
    [sent] = _templates_to(MEHMET_PHONE)
    assert sent["body"]["template"]["name"] == "siparis_kargoda"


async def test_an_apology_unanswered_for_48_hours_goes_once_more(quiet):
    await switch_on(quiet, ["review_recovery"])
    await approve(quiet, ["yorum_ozur"])
    review = {"review_id": "r1", "rating": 1, "product": "Keten Gömlek"}
    assert (
        await _emit(
            quiet, "review_imported", {**review, "rating": 4}, key="review:r0", at=local(1, 10)
        )
        == []
    )  # a good review: no apology
    await _emit(quiet, "review_imported", review, key="review:r1", at=local(1, 10))
    channel = await _channel_id(quiet)
    assert (await dispatch_channel(quiet.services, channel, now=local(1, 10))).sent == 1
    assert await plan_follow_ups(quiet.services.db, now=local(2, 10)) == 0  # 24 h: too early
    assert await plan_follow_ups(quiet.services.db, now=local(3, 10, 1)) == 1
    assert await plan_follow_ups(quiet.services.db, now=local(5, 10)) == 0  # only once
    assert (await dispatch_channel(quiet.services, channel, now=local(3, 10, 2))).sent == 1
    assert len(_templates_to(AYSE_PHONE)) == 2


async def test_a_weekly_rule_goes_at_its_time_once_to_the_customers_it_names(quiet):
    from invekto.outbound.sweep import plan_recurring
    from invekto.storage.models import OutboundRule

    tenant = await shop(quiet)
    await approve(quiet, ["sepet_hatirlatma"])
    vip = await customer(quiet, "905320000099")
    async with quiet.services.db.session() as session:
        row = await session.get(Customer, vip.id)
        row.tags = ["vip"]
        session.add(
            OutboundRule(
                tenant_id=tenant.id,
                name="Pazartesi VIP hatırlatma",
                trigger="schedule",
                schedule={"every": "week", "at": "10:30", "weekday": 0},
                condition={"all": [{"field": "tags", "op": "contains", "value": "vip"}]},
                template_name="sepet_hatirlatma",
                variables={
                    "customer_name": {"field": "customer_name"},
                    "item_names": {"value": "favori ürünleriniz"},
                },
            )
        )
        await session.commit()
    # 2026-12-07 is a Monday.
    assert await plan_recurring(quiet.services.db, now=local(7, 10, 29)) == 0  # not yet
    assert await plan_recurring(quiet.services.db, now=local(7, 10, 31)) == 1
    assert await plan_recurring(quiet.services.db, now=local(7, 10, 45)) == 0  # once
    assert await plan_recurring(quiet.services.db, now=local(8, 10, 31)) == 0  # Tuesday
    assert await plan_recurring(quiet.services.db, now=local(14, 12, 0)) == 0  # past the grace
    assert await plan_recurring(quiet.services.db, now=local(14, 10, 40)) == 1  # next Monday
    sends = await _sends(quiet)
    assert {s.customer_id for s in sends} == {vip.id}
    assert sends[0].parameters == {"customer_name": "Müşteri", "item_names": "favori ürünleriniz"}


async def test_an_event_rule_with_a_time_of_day_waits_for_it(quiet):
    from invekto.storage.models import OutboundRule

    tenant = await shop(quiet)
    await switch_on(quiet, ["post_purchase"])
    async with quiet.services.db.session() as session:
        await session.execute(
            update(OutboundRule)
            .where(OutboundRule.tenant_id == tenant.id, OutboundRule.flow == "post_purchase")
            .values(schedule={"at": "11:00"})
        )
        await session.commit()
    data = {"order_number": "10654400002"}
    await _emit(quiet, "order_delivered", data, key="order:x:Delivered", at=local(1, 15))
    [send] = await _sends(quiet)
    assert send.due_at == local(5, 11, 0)  # three days later, at the next 11:00


async def test_a_burst_of_events_wakes_the_dispatcher_once(quiet):
    from sqlalchemy import text

    from invekto.storage.models import utcnow

    tenant = await shop(quiet)
    async with quiet.services.db.session() as session:
        row = await session.get(Tenant, tenant.id)
        # Due now whatever the hour the suite runs at.
        row.settings = {
            **row.settings,
            "outbound": {"quiet_hours": {"start": "00:00", "end": "00:00"}},
        }
        await session.commit()
    await switch_on(quiet, ["shipping_update"])
    data = {"cargo_provider": "Aras", "tracking_number": "2"}
    for n in range(20):
        await _emit(
            quiet, "order_shipped", {**data, "order_number": str(n)}, key=f"o:{n}", at=utcnow()
        )
    async with quiet.services.db.session() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
                " AND task_name = 'invekto.tasks.dispatch_outbound'"
                " AND args->>'channel_id' = :channel"
            ),
            {"channel": str(await _channel_id(quiet))},
        )
    assert len(await _sends(quiet)) == 20
    assert waiting == 1  # not 20
