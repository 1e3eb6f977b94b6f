"""The revenue port: what the revenue agent reads in a turn (the offered products as models, the
tenant's rules, products bought together, the customer's past purchases, the payment provider).
Reads only; what it wants done it proposes as actions (``invekto.revenue.actions``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.tenant_settings import TenantSettings
from invekto.integrations.catalog import Catalog, in_stock
from invekto.revenue.rules import ProductView, Rule
from invekto.storage.db import Database
from invekto.storage.models import (
    BoughtTogether,
    IntegrationAccount,
    OfferRule,
    ProductCache,
    ProductMargin,
    utcnow,
)

log = logging.getLogger(__name__)

PAYMENT_PROVIDERS = ("paytr", "iyzico")
MARKETPLACES = frozenset({"trendyol", "hepsiburada"})

CUSTOMER_PRODUCTS = text(
    """
    SELECT p.product_main_id
    FROM orders_cache o
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(o.lines) = 'array' THEN o.lines ELSE '[]'::jsonb END
    ) AS line
    JOIN products_cache p
      ON p.tenant_id = o.tenant_id AND p.stock_code = line ->> 'merchant_sku'
    WHERE o.tenant_id = :tenant AND o.customer_phone = :phone AND p.product_main_id <> ''
    GROUP BY p.product_main_id
    ORDER BY max(o.order_date) DESC NULLS LAST
    LIMIT 50
    """
)


def models_of(rows: Iterable[ProductCache], tiers: Mapping[str, str]) -> list[ProductView]:
    """One view per product model: the in-stock variants' stock summed, the lowest price among
    them, its margin tier from ``tiers`` (``product_margins``; medium when unset)."""
    grouped: dict[str, list[ProductCache]] = {}
    for row in rows:
        grouped.setdefault(row.product_main_id or row.barcode, []).append(row)
    views = []
    for main_id, variants in grouped.items():
        stocked = [v for v in variants if in_stock(v)]
        priced = [v for v in stocked or variants if (v.sale_price or v.list_price) is not None]
        cheapest = min(
            priced, key=lambda v: v.sale_price or v.list_price or Decimal(0), default=None
        )
        first = cheapest or variants[0]
        views.append(
            ProductView(
                product_main_id=main_id,
                title=first.title,
                category=first.category,
                margin_tier=tiers.get(main_id, "medium"),
                price=(cheapest.sale_price or cheapest.list_price) if cheapest else None,
                stock=sum(v.quantity for v in stocked),
                url=first.product_url,
                provider=first.provider,
                barcode=first.barcode,
            )
        )
    return views


class Shelf:
    """Bound to one tenant; every query runs in its tenant session and filters on the tenant."""

    def __init__(self, db: Database, tenant_id: uuid.UUID, catalogue: Catalog) -> None:
        self._db = db
        self._tenant_id = tenant_id
        self._catalogue = catalogue

    async def products(self) -> list[ProductView]:
        lookup = await self._catalogue.offered()
        async with self._db.tenant_session(self._tenant_id) as session:
            tiers = await margin_tiers(session, self._tenant_id)
        return models_of(lookup.products, tiers)

    async def rules(self) -> list[Rule]:
        async with self._db.tenant_session(self._tenant_id) as session:
            rows = await session.scalars(
                select(OfferRule).where(
                    OfferRule.tenant_id == self._tenant_id, OfferRule.enabled.is_(True)
                )
            )
            rules = []
            for row in rows:
                rule = Rule.from_row(row)
                if rule is None:
                    log.warning(
                        "offer rule %s of tenant %s no longer validates", row.id, row.tenant_id
                    )
                else:
                    rules.append(rule)
            return rules

    async def together(self, product_main_id: str) -> dict[str, int]:
        """Product → orders that held both it and ``product_main_id``."""
        async with self._db.tenant_session(self._tenant_id) as session:
            rows = await session.execute(
                select(
                    BoughtTogether.product_a, BoughtTogether.product_b, BoughtTogether.orders
                ).where(
                    BoughtTogether.tenant_id == self._tenant_id,
                    or_(
                        BoughtTogether.product_a == product_main_id,
                        BoughtTogether.product_b == product_main_id,
                    ),
                )
            )
            return {(b if a == product_main_id else a): n for a, b, n in rows}

    async def bought(self, phone: str) -> list[str]:
        """The product models this customer ordered before, the latest first."""
        if not phone:
            return []
        async with self._db.tenant_session(self._tenant_id) as session:
            rows = await session.execute(
                CUSTOMER_PRODUCTS, {"tenant": self._tenant_id, "phone": phone}
            )
            return [row[0] for row in rows]

    async def payment_provider(self, settings: TenantSettings) -> str | None:
        """The connected provider payment links go through (the tenant's choice first)."""
        async with self._db.tenant_session(self._tenant_id) as session:
            return await payment_provider_for(session, self._tenant_id, settings)


async def margin_tiers(session: AsyncSession, tenant_id: uuid.UUID) -> dict[str, str]:
    """Product model → margin tier, as the tenant set them."""
    rows = await session.execute(
        select(ProductMargin.product_main_id, ProductMargin.tier).where(
            ProductMargin.tenant_id == tenant_id
        )
    )
    return {main_id: tier for main_id, tier in rows}


async def set_margin_tier(
    session: AsyncSession, tenant_id: uuid.UUID, product_main_id: str, tier: str
) -> None:
    """Upsert one model's tier (the caller commits)."""
    statement = insert(ProductMargin).values(
        tenant_id=tenant_id, product_main_id=product_main_id[:100], tier=tier, updated_at=utcnow()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "product_main_id"],
            set_={"tier": statement.excluded.tier, "updated_at": statement.excluded.updated_at},
        )
    )


async def payment_provider_for(
    session: AsyncSession, tenant_id: uuid.UUID, settings: TenantSettings
) -> str | None:
    """The tenant's connected payment provider: its setting when connected, else the first."""
    connected = set(
        await session.scalars(
            select(IntegrationAccount.provider).where(
                IntegrationAccount.tenant_id == tenant_id,
                IntegrationAccount.provider.in_(PAYMENT_PROVIDERS),
                IntegrationAccount.status == "connected",
            )
        )
    )
    wanted = settings.revenue.payment_provider
    if wanted in connected:
        return wanted
    return next((p for p in PAYMENT_PROVIDERS if p in connected), None)
