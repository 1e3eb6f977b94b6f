"""The demo shop's revenue setup: margin tiers of its Trendyol models and own products, three
products of its own shop (paid by payment link, not on Trendyol), the offer rules the README
lists, and a PayTR sandbox merchant account (the demo clinic: an iyzico one). Idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.revenue.catalogue import OWN
from invekto.revenue.rules import RuleSpec
from invekto.revenue.shelf import set_margin_tier
from invekto.sandbox.iyzico import DEMO_IYZICO_API_KEY, DEMO_IYZICO_SECRET
from invekto.sandbox.paytr import (
    DEMO_PAYTR_MERCHANT_ID,
    DEMO_PAYTR_MERCHANT_KEY,
    DEMO_PAYTR_MERCHANT_SALT,
)
from invekto.security import CredentialBox
from invekto.storage.models import IntegrationAccount, OfferRule, ProductCache, Tenant, utcnow

MARGIN_TIERS = {
    "KG-2026": "high",
    "HSK-2026": "high",
    "HDC-2026": "high",
    "OKS-2026": "high",
    "CYE-2026": "medium",
    "ESA-2026": "medium",
    "KBK-2026": "medium",
    "BPT-2026": "low",
    "EPC-2026": "low",
}
"""Demo margin tiers by Trendyol model code (the rest are medium)."""

OWN_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "barcode": "OWN-KBS-01",
        "product_main_id": "KBS-2026",
        "title": "Keten Bakım Spreyi",
        "category": "Bakım",
        "sale_price": Decimal("129.90"),
        "quantity": 3,
        "margin_tier": "high",
    },
    {
        "barcode": "OWN-HK-01",
        "product_main_id": "HK-2026",
        "title": "Hediye Kutusu",
        "category": "Hediye",
        "sale_price": Decimal("59.90"),
        "quantity": 200,
        "margin_tier": "medium",
    },
    {
        "barcode": "OWN-DBK-01",
        "product_main_id": "DBK-2026",
        "title": "Deri Bakım Kremi",
        "category": "Bakım",
        "sale_price": Decimal("89.90"),
        "quantity": 0,
        "margin_tier": "high",
    },
)
"""Products of the demo shop's own web shop: a customer pays them by payment link."""

DEMO_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "Keten gömlek + hasır kemer %10",
        "kind": "bundle",
        "priority": 300,
        "trigger": {"products": ["KG-2026"]},
        "target": {"products": ["HSK-2026"]},
        "discount_percent": 10,
        "note": "Bought together: the belt at 10% off with the linen shirt.",
    },
    {
        "name": "Gömlek ve elbiseye bakım ve aksesuar",
        "kind": "cross_sell",
        "priority": 200,
        "trigger": {"categories": ["Gömlek", "Elbise", "Pantolon"]},
        "target": {"categories": ["Bakım", "Kemer", "Şapka"]},
    },
    {
        "name": "Ayakkabıya çorap",
        "kind": "cross_sell",
        "priority": 150,
        "trigger": {"categories": ["Spor Ayakkabı"]},
        "target": {"categories": ["Çorap"]},
    },
    {
        "name": "Deri cüzdana bakım",
        "kind": "cross_sell",
        "priority": 150,
        "trigger": {"categories": ["Cüzdan"]},
        "target": {"categories": ["Bakım", "Hediye"]},
    },
    {
        "name": "Basic tişörtten üst segmente",
        "kind": "upsell",
        "priority": 100,
        "trigger": {"tiers": ["low"], "categories": ["Tişört"]},
        "target": {"tier": "high", "categories": ["Sweatshirt", "Tişört"]},
    },
)
"""The demo shop's rules (README: "Revenue: try it")."""


async def seed_revenue(session: AsyncSession, tenant: Tenant, credentials: CredentialBox) -> None:
    await session.flush()
    existing = {
        row.barcode: row
        for row in await session.scalars(
            select(ProductCache).where(
                ProductCache.tenant_id == tenant.id, ProductCache.provider == OWN
            )
        )
    }
    for product_main_id, tier in {
        **MARGIN_TIERS,
        **{own["product_main_id"]: own["margin_tier"] for own in OWN_PRODUCTS},
    }.items():
        await set_margin_tier(session, tenant.id, product_main_id, tier)
    for own in OWN_PRODUCTS:
        row = existing.get(own["barcode"])
        if row is None:
            row = ProductCache(
                tenant_id=tenant.id,
                integration_account_id=None,
                provider=OWN,
                barcode=own["barcode"],
                stock_code=own["barcode"],
                raw={},
            )
            session.add(row)
        for key, value in own.items():
            if key != "margin_tier":
                setattr(row, key, value)
        row.on_sale, row.synced_at = True, utcnow()
    for rule in DEMO_RULES:
        spec = RuleSpec.model_validate(rule)
        row = await session.scalar(
            select(OfferRule).where(OfferRule.tenant_id == tenant.id, OfferRule.name == spec.name)
        )
        if row is None:
            row = OfferRule(tenant_id=tenant.id, name=spec.name)
            session.add(row)
        for key, value in spec.model_dump(mode="json").items():
            setattr(row, key, value)
    await _payment_account(
        session,
        tenant,
        "paytr",
        DEMO_PAYTR_MERCHANT_ID,
        credentials.seal(
            {"merchant_key": DEMO_PAYTR_MERCHANT_KEY, "merchant_salt": DEMO_PAYTR_MERCHANT_SALT}
        ),
    )


async def seed_clinic_payments(
    session: AsyncSession, tenant: Tenant, credentials: CredentialBox
) -> None:
    """The demo clinic takes deposits by iyzico link (the SDK, over TLS to its stand-in)."""
    await _payment_account(
        session,
        tenant,
        "iyzico",
        DEMO_IYZICO_API_KEY[:12],
        credentials.seal({"api_key": DEMO_IYZICO_API_KEY, "secret_key": DEMO_IYZICO_SECRET}),
    )


async def _payment_account(
    session: AsyncSession, tenant: Tenant, provider: str, external_id: str, sealed: str
) -> None:
    account = await session.scalar(
        select(IntegrationAccount).where(
            IntegrationAccount.tenant_id == tenant.id, IntegrationAccount.provider == provider
        )
    )
    if account is None:
        account = IntegrationAccount(
            tenant_id=tenant.id, provider=provider, external_id=external_id
        )
        session.add(account)
    account.external_id, account.credentials = external_id, sealed
    account.status, account.last_error = "connected", None
