"""Orders for the agents: the orders_cache, filled by polling syncs and on-demand lookups.

The marketplace stays the truth: a lookup answers from the cache while it is fresh, asks the
marketplace otherwise, and falls back to the (stale) cache when the marketplace is down.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.integrations.trendyol import TrendyolError, TrendyolPackage
from invekto.storage.models import IntegrationAccount, OrderCache, utcnow

if TYPE_CHECKING:
    from invekto.integrations.access import MarketplaceAccess

log = logging.getLogger(__name__)

ACTIVE_STATUSES = {
    "Awaiting",
    "Created",
    "Picking",
    "Invoiced",
    "Shipped",
    "AtCollectionPoint",
    "UnPacked",
    "Repack",
    "UnDelivered",
}


class MarketplaceUnavailable(Exception):
    """No marketplace answered and the cache has nothing to fall back on."""


@dataclass(frozen=True, slots=True)
class OrderLookup:
    orders: list[OrderCache]
    stale: bool = False
    """True when the marketplace failed and these rows are the last known state."""


def package_row(account: IntegrationAccount, package: TrendyolPackage) -> dict:
    """The orders_cache columns for one Trendyol shipment package."""
    return {
        "tenant_id": account.tenant_id,
        "integration_account_id": account.id,
        "provider": account.provider,
        "package_id": str(package.id),
        "order_number": package.order_number,
        "status": package.status,
        "customer_phone": package.customer_phone,
        "customer_name": " ".join(
            p for p in (package.customer_first_name, package.customer_last_name) if p
        ),
        "cargo_provider": package.cargo_provider_name,
        "tracking_number": package.cargo_tracking_number,
        "tracking_link": package.tracking_url,
        "order_date": package.order_date,
        "estimated_delivery_start": package.estimated_delivery_start,
        "estimated_delivery_end": package.estimated_delivery_end,
        "last_modified": package.last_modified_date,
        "lines": [
            {
                "product_name": line.product_name,
                "quantity": line.quantity,
                "size": line.product_size,
                "color": line.product_color,
                "merchant_sku": line.merchant_sku,
                "price": float(line.price) if line.price is not None else None,
            }
            for line in package.lines
        ],
        "raw": package.raw,
        "synced_at": utcnow(),
    }


ORDER_EVENTS = {
    "Shipped": "order_shipped",
    "Delivered": "order_delivered",
    "Cancelled": "order_cancelled",
    "UnSupplied": "order_cancelled",
}
"""Order statuses whose arrival is an outbound event (``invekto.outbound.events``)."""
NEW_ORDER_EVENT_AGE = dt.timedelta(days=3)
"""A package first seen already shipped/delivered is an event only when it changed lately."""


async def upsert_packages(
    session: AsyncSession, account: IntegrationAccount, packages: list[TrendyolPackage]
) -> int:
    """Store the packages; a status that moved to shipped, delivered or cancelled is emitted as
    an outbound event (once per package and status: the sends' dedupe keys say so)."""
    if not packages:
        return 0
    previous = dict(
        (
            await session.execute(
                select(OrderCache.package_id, OrderCache.status).where(
                    OrderCache.tenant_id == account.tenant_id,
                    OrderCache.provider == account.provider,
                    OrderCache.package_id.in_([str(p.id) for p in packages]),
                )
            )
        ).all()
    )
    rows = [package_row(account, p) for p in packages]
    statement = insert(OrderCache).values(rows)
    updates = {
        c: statement.excluded[c]
        for c in rows[0]
        if c not in ("tenant_id", "provider", "package_id")
    }
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "provider", "package_id"], set_=updates
        )
    )
    moved = [
        p
        for p in packages
        if p.status in ORDER_EVENTS
        and previous.get(str(p.id)) != p.status
        and (
            str(p.id) in previous
            or (
                account.last_synced_at is not None
                and p.last_modified_date is not None
                and utcnow() - p.last_modified_date < NEW_ORDER_EVENT_AGE
            )
        )
    ]
    if moved:
        await _emit_order_events(session, account, moved)
    return len(rows)


async def _emit_order_events(
    session: AsyncSession, account: IntegrationAccount, packages: list[TrendyolPackage]
) -> None:
    """Each package's new status, to the rules of the customer who wrote to the shop before
    (a marketplace buyer who never wrote is not written to first)."""
    from invekto.outbound.events import emit
    from invekto.storage.models import Customer, Tenant

    tenant = await session.get(Tenant, account.tenant_id)
    phones = {p.customer_phone for p in packages if p.customer_phone}
    if tenant is None or not phones:
        return
    customers = {
        c.phone: c
        for c in await session.scalars(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone.in_(phones))
        )
    }
    for package in packages:
        customer = customers.get(package.customer_phone or "")
        if customer is None:
            continue
        await emit(
            session,
            tenant,
            customer,
            ORDER_EVENTS[package.status],
            {
                "order_number": package.order_number,
                "cargo_provider": package.cargo_provider_name or "",
                "tracking_number": package.cargo_tracking_number or "",
                "tracking_link": package.tracking_url or "",
                "product_names": [line.product_name for line in package.lines],
            },
            key=f"order:{package.id}:{package.status}",
        )


async def sync_account(services: MarketplaceAccess, account_id: uuid.UUID, *, days: int) -> int:
    """Pull the last ``days`` of orders of one marketplace account into the cache."""
    async with services.db.session() as session:
        account = await session.get(IntegrationAccount, account_id)
        if account is None or account.provider != "trendyol":
            return 0
        now = utcnow()
        try:
            async with services.trendyol_client(account) as client:
                packages = await client.get_orders(start=now - dt.timedelta(days=days), end=now)
        except TrendyolError as exc:
            account.status, account.last_error = "error", f"{type(exc).__name__}: {exc}"
            await session.commit()
            log.warning("order sync failed for account %s: %s", account_id, exc)
            raise
        count = await upsert_packages(session, account, packages)
        account.status, account.last_error, account.last_synced_at = "connected", None, now
        await session.commit()
        log.info("synced %s packages for account %s", count, account_id)
        return count


class OrderDirectory:
    """Tenant-scoped order lookups for the tools. Every query carries the tenant id."""

    def __init__(self, services: MarketplaceAccess, tenant_id: uuid.UUID) -> None:
        self._services = services
        self._tenant_id = tenant_id
        self._fresh = dt.timedelta(minutes=services.settings.order_cache_fresh_minutes)

    async def by_number(self, order_number: str) -> OrderLookup:
        cached = await self._cached(OrderCache.order_number == order_number)
        if cached and all(utcnow() - row.synced_at < self._fresh for row in cached):
            return OrderLookup(cached)
        failures = 0
        accounts = await self._accounts()
        for account in accounts:
            try:
                async with self._services.trendyol_client(account) as client:
                    packages = await client.get_order(order_number)
            except TrendyolError as exc:
                failures += 1
                log.warning(
                    "order lookup %s failed on account %s: %s", order_number, account.id, exc
                )
                continue
            async with self._services.db.session() as session:
                await upsert_packages(session, account, packages)
                await session.commit()
        if accounts and failures == len(accounts):
            if cached:
                return OrderLookup(cached, stale=True)
            raise MarketplaceUnavailable(order_number)
        return OrderLookup(await self._cached(OrderCache.order_number == order_number))

    async def for_phone(self, phone: str, *, days: int = 30) -> OrderLookup:
        stale = False
        for account in await self._accounts():
            try:
                await self._refresh(account.id)
            except TrendyolError:
                stale = True
        since = utcnow() - dt.timedelta(days=days)
        rows = await self._cached(
            OrderCache.customer_phone == phone,
            (OrderCache.order_date >= since) | (OrderCache.order_date.is_(None)),
        )
        if stale and not rows and not await self._ever_synced():
            raise MarketplaceUnavailable(phone)
        return OrderLookup(rows, stale=stale)

    async def _refresh(self, account_id: uuid.UUID) -> None:
        """Sync the account unless it is fresh. Concurrent callers wait for one sync (an
        advisory lock per account) instead of all asking the marketplace at once."""
        async with self._services.db.session() as session, session.begin():
            await session.execute(
                select(func.pg_advisory_xact_lock(func.hashtext(f"order-sync:{account_id}")))
            )
            synced = await session.scalar(
                select(IntegrationAccount.last_synced_at).where(IntegrationAccount.id == account_id)
            )
            if synced is not None and utcnow() - synced < self._fresh:
                return
            await sync_account(
                self._services, account_id, days=self._services.settings.order_sync_days
            )

    async def _accounts(self) -> list[IntegrationAccount]:
        async with self._services.db.session() as session:
            result = await session.scalars(
                select(IntegrationAccount).where(
                    IntegrationAccount.tenant_id == self._tenant_id,
                    IntegrationAccount.provider == "trendyol",
                )
            )
            return list(result)

    async def _ever_synced(self) -> bool:
        return any(a.last_synced_at for a in await self._accounts())

    async def _cached(self, *conditions) -> list[OrderCache]:  # type: ignore[no-untyped-def]
        async with self._services.db.session() as session:
            result = await session.scalars(
                select(OrderCache)
                .where(OrderCache.tenant_id == self._tenant_id, *conditions)
                .order_by(OrderCache.order_date.desc().nulls_last())
            )
            return list(result)
