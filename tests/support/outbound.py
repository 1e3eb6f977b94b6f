"""Arranging outbound tests: the demo shop's flows switched on, their templates approved over the
real path (submitted to the Graph stand-in, approved by its signed webhook)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import select, update

from invekto.outbound.events import channel_for
from invekto.outbound.templates import submit
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP
from invekto.stack import Stack
from invekto.storage.models import Customer, OutboundRule, Tenant, WaTemplate
from tests.support.waiting import wait_for


async def shop(stack: Stack) -> Tenant:
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
        assert tenant is not None
        return tenant


async def customer(stack: Stack, phone: str = AYSE_PHONE, tenant: Tenant | None = None) -> Customer:
    tenant = tenant or await shop(stack)
    async with stack.services.db.session() as session:
        found = await session.scalar(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone == phone)
        )
        if found is None:
            found = Customer(tenant_id=tenant.id, phone=phone, name="Müşteri")
            session.add(found)
            await session.commit()
        return found


async def approve(
    stack: Stack, names: Iterable[str], *, tenant: Tenant | None = None, language: str = "tr"
) -> None:
    """Submit the tenant's templates ``names`` and wait until Meta's stand-in approved them."""
    tenant = tenant or await shop(stack)
    wanted = list(names)
    async with stack.services.db.session() as session:
        channel = await channel_for(session, tenant.id)
        assert channel is not None
        rows = (
            await session.scalars(
                select(WaTemplate).where(
                    WaTemplate.tenant_id == tenant.id,
                    WaTemplate.name.in_(wanted),
                    WaTemplate.language == language,
                )
            )
        ).all()
        assert len(rows) == len(wanted), f"templates missing: {wanted}"
        for row in rows:
            await submit(stack.services, session, row, channel)
            assert row.status != "DRAFT", row.reason
        await session.commit()

    async def all_approved() -> bool:
        async with stack.services.db.session() as session:
            statuses = (
                await session.scalars(
                    select(WaTemplate.status).where(
                        WaTemplate.tenant_id == tenant.id,
                        WaTemplate.name.in_(wanted),
                        WaTemplate.language == language,
                    )
                )
            ).all()
        return bool(statuses) and all(status == "APPROVED" for status in statuses)

    await wait_for(all_approved, timeout_s=10)


async def switch_on(stack: Stack, flows: Iterable[str], *, tenant: Tenant | None = None) -> None:
    tenant = tenant or await shop(stack)
    async with stack.services.db.session() as session:
        await session.execute(
            update(OutboundRule)
            .where(OutboundRule.tenant_id == tenant.id, OutboundRule.flow.in_(list(flows)))
            .values(enabled=True)
        )
        await session.commit()


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in Istanbul (the demo tenants' zone), December 2026."""
    from zoneinfo import ZoneInfo

    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("Europe/Istanbul"))


def new_id() -> uuid.UUID:
    return uuid.uuid4()
