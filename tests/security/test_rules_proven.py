"""Rules the suite did not prove before (issue 20, items 14-17): each test here fails when the
rule is broken, not only when everything else is."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from invekto.graphs.conversation.runner import ports_for, process_inbound, tenant_info
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, MEHMET_PHONE
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import (
    AutoReplyLog,
    Coupon,
    Message,
    OrderCache,
    PiiReveal,
    Tenant,
)
from tests.integration.test_inbox_api import api, owner_token
from tests.support.chat import say

AYSE_SHOES = "ayakkabıyı iade edicem vazgeçtim"  # 10654400002, delivered 5 days ago


async def _discounts(session, **discounts) -> None:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    settings = dict(tenant.settings)
    settings["discounts"] = {**settings.get("discounts", {}), **discounts}
    await session.execute(update(Tenant).where(Tenant.id == tenant.id).values(settings=settings))
    await session.commit()


# --- 14. the coupon never exceeds the tenant's maximum ------------------------------------------


async def test_a_retention_offer_above_the_maximum_is_capped_in_the_reply_and_the_coupon(
    stack, session
):
    await _discounts(session, retention_percent=40, max_percent=15)
    first = await say(stack, AYSE_SHOES)
    assert first["agent"] == "returns" and "create_coupon" in first["tools"]
    assert "%15" in first["reply"] and "%40" not in first["reply"]
    await say(stack, "tamam olur")
    session.expire_all()
    [coupon] = (await session.scalars(select(Coupon))).all()
    assert int(coupon.percent) == 15


async def test_with_a_maximum_of_zero_no_coupon_is_offered(stack, session):
    await _discounts(session, retention_percent=10, max_percent=0)
    first = await say(stack, AYSE_SHOES)
    assert first["agent"] == "returns"
    assert "%" not in first["reply"]
    session.expire_all()
    assert await session.scalar(select(func.count()).select_from(Coupon)) == 0


# --- 15. one reply per inbound message, even when the job runs again -----------------------------


async def test_a_job_run_again_after_deliver_changes_nothing(stack, session):
    turn = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    assert turn["outcome"] == "auto_reply"
    inbound = await session.scalar(
        select(Message).where(Message.wa_message_id == turn["wa_message_id"])
    )
    inbound_id = inbound.id

    async def counts():
        session.expire_all()
        return (
            await session.scalar(select(func.count()).select_from(Message)),
            await session.scalar(select(func.count()).select_from(AutoReplyLog)),
            len(SANDBOX_GRAPH.outbox(to=MEHMET_PHONE)),
        )

    before = await counts()
    assert await process_inbound(stack.services, inbound_id) == "already_processed"
    # As if the worker died after deliver committed but before the job was marked done.
    await session.execute(
        update(Message).where(Message.id == inbound_id).values(status="processing")
    )
    await session.commit()
    await process_inbound(stack.services, inbound_id)
    assert await counts() == before


async def test_the_database_refuses_a_second_reply_to_one_message(stack, session):
    turn = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    inbound = await session.scalar(
        select(Message).where(Message.wa_message_id == turn["wa_message_id"])
    )
    session.add(
        Message(
            tenant_id=inbound.tenant_id,
            conversation_id=inbound.conversation_id,
            direction="out",
            text="twice",
            author="ai",
            status="queued",
            reply_to_id=inbound.id,
        )
    )
    with pytest.raises(IntegrityError):
        await session.commit()
    await session.rollback()


# --- 16. the privacy trail is append-only; exports never carry formulas ---------------------------


async def test_the_app_role_cannot_edit_or_delete_the_pii_trail(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    turn = await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    inbound = await session.scalar(
        select(Message).where(Message.wa_message_id == turn["wa_message_id"])
    )
    async with stack.services.db.tenant_session(tenant.id) as app_session:
        app_session.add(
            PiiReveal(
                tenant_id=tenant.id,
                conversation_id=inbound.conversation_id,
                role="owner",
                action="reveal",
                entity_type="PHONE_NUMBER",
            )
        )
        await app_session.commit()
        for statement in ("UPDATE pii_reveals SET role = 'agent'", "DELETE FROM pii_reveals"):
            with pytest.raises(DBAPIError, match="permission denied"):
                await app_session.execute(text(statement))
            await app_session.rollback()
    assert await session.scalar(select(func.count()).select_from(PiiReveal)) == 1


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
async def test_both_exports_escape_formula_cells(stack, session, start):
    formula = f'{start}HYPERLINK("http://x")'
    turn = await say(stack, formula, phone=MEHMET_PHONE)
    inbound = await session.scalar(
        select(Message).where(Message.wa_message_id == turn["wa_message_id"])
    )
    token = await owner_token(stack)
    for redact in ("true", "false"):
        response = await api(
            stack,
            "GET",
            f"/api/conversations/{inbound.conversation_id}/export",
            token,
            params={"format": "csv", "redact": redact},
        )
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text)))
        cells = [row["text"] for row in rows if row["direction"] == "in"]
        assert cells and all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)


# --- 17. tenant filters on the system sessions of the orders cache --------------------------------


async def test_two_tenants_sharing_a_phone_and_an_order_number_see_only_their_own(stack, session):
    shop = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    clinic = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_CLINIC.slug))
    mine = await session.scalar(
        select(OrderCache).where(
            OrderCache.tenant_id == shop.id, OrderCache.customer_phone == MEHMET_PHONE
        )
    )
    if mine is None:  # the cache fills on the first lookup
        await say(stack, "kargom nerede", phone=MEHMET_PHONE)
        mine = await session.scalar(
            select(OrderCache).where(
                OrderCache.tenant_id == shop.id, OrderCache.customer_phone == MEHMET_PHONE
            )
        )
    twin = OrderCache(
        **{
            column.key: getattr(mine, column.key)
            for column in OrderCache.__table__.columns
            if column.key not in ("id", "tenant_id")
        },
        tenant_id=clinic.id,
    )
    twin.id = uuid.uuid4()
    twin.status = "Cancelled"
    twin.cargo_provider = "Other Tenant Cargo"
    session.add(twin)
    await session.commit()

    for tenant, expected in ((shop, mine.status), (clinic, "Cancelled")):
        ports = ports_for(stack.services, tenant_info(tenant))
        by_number = await ports.orders.by_number(mine.order_number)
        by_phone = await ports.orders.for_phone(MEHMET_PHONE)
        assert {row.tenant_id for row in by_number.orders} == {tenant.id}
        assert {row.status for row in by_number.orders} == {expected}
        assert all(row.tenant_id == tenant.id for row in by_phone.orders)
        assert all(
            row.cargo_provider != "Other Tenant Cargo" for row in by_phone.orders if tenant is shop
        )
