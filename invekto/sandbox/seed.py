"""``invekto seed``: the demo tenants, users, channels and Trendyol connection (idempotent)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.tenant_settings import TenantSettings
from invekto.outbound.flows import install as install_flows
from invekto.sandbox.clinic_demo import seed_clinic
from invekto.sandbox.demo import (
    AYSE_PHONE,
    DEMO_TENANTS,
    MEHMET_PHONE,
    SANDBOX_SALES_SECRET,
    DemoTenant,
)
from invekto.sandbox.revenue_demo import seed_clinic_payments, seed_revenue
from invekto.security import CredentialBox, hash_password, sealed_settings, verify_password
from invekto.storage.db import Database
from invekto.storage.models import Channel, Customer, IntegrationAccount, Tenant, User

log = logging.getLogger(__name__)

DEMO_SETTINGS: dict = TenantSettings.model_validate(
    {
        "automation": {"enabled": True, "cargo_questions": True, "small_talk": True},
        "nlu": {"suggest_below": 0.5, "clarify_below": 0.3, "bulk_threshold": 20},
        "policies": {
            "cancellation": "review",
            "return_days": 15,
            "dispatch_days": "1-2",
            "free_shipping_over": 300,
            "carriers": ["Trendyol Express", "Yurtiçi Kargo", "Aras Kargo"],
            "payment_methods": ["kredi kartı", "banka kartı", "Trendyol Cüzdan"],
        },
        "discounts": {"max_percent": 15, "retention_percent": 10, "coupon_valid_days": 30},
        "b2b": {"min_quantity": 20, "response_time": "1 iş günü"},
        "revenue": {"link_auto_limit": 1000, "discount_auto_percent": 10, "low_stock": 3},
        "sales": {
            "name": "Satış Ekibi",
            "email": "satis@demo-shop.test",
            "webhook_url": "/sandbox/sales-inbox",
            "webhook_secret": SANDBOX_SALES_SECRET,
        },
    }
).to_json()
"""Demo tenant settings (validated by ``TenantSettings``; this is the stored form). A relative
``sales.webhook_url`` means this app's own sandbox sales inbox (only while the sandbox is on), so
alerts can be watched in ``make run``."""
DEMO_CUSTOMERS = {"demo-shop": [(AYSE_PHONE, "Ayşe Yılmaz"), (MEHMET_PHONE, "Mehmet Demir")]}


async def seed(db: Database, credentials: CredentialBox) -> dict[str, str]:
    """Create or reset the demo world; returns slug → tenant id."""
    ids: dict[str, str] = {}
    async with db.session() as session:
        for demo in DEMO_TENANTS:
            tenant = await _tenant(session, demo, credentials)
            await _owner(session, tenant, demo)
            await _channel(session, tenant, demo, credentials)
            if demo.trendyol_seller_id:
                await _trendyol(session, tenant, demo, credentials)
                await seed_revenue(session, tenant, credentials)
            for phone, name in DEMO_CUSTOMERS.get(demo.slug, []):
                await _customer(session, tenant, phone, name)
            if demo.vertical == "clinic":
                # The reminder and follow-up templates first (drafts: submitted to the WABA
                # like any tenant's, see ``docs/outbound.md``), then the practice, whose
                # completed implant plans its follow-ups.
                await install_flows(session, tenant)
                await seed_clinic(session, tenant)
                await seed_clinic_payments(session, tenant, credentials)
            if demo.vertical == "ecommerce":
                # The seed plan's flows, as drafts and switched-off rules: the seller submits
                # the templates and turns each flow on (Şablonlar, Otomasyonlar).
                await install_flows(session, tenant, enabled=False)
            ids[demo.slug] = str(tenant.id)
        await session.commit()
    log.info("demo seed ready: %s", ", ".join(ids))
    return ids


async def _tenant(session: AsyncSession, demo: DemoTenant, credentials: CredentialBox) -> Tenant:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))
    if tenant is None:
        tenant = Tenant(slug=demo.slug)
        session.add(tenant)
    tenant.name, tenant.vertical = demo.name, demo.vertical
    tenant.timezone, tenant.default_language = "Europe/Istanbul", "tr"
    tenant.business_hours = dict(demo.business_hours)
    settings = TenantSettings.model_validate(DEMO_SETTINGS).merged(demo.settings)
    tenant.settings = sealed_settings(settings.to_json(), credentials)  # the secret sealed
    await session.flush()
    return tenant


async def _owner(session: AsyncSession, tenant: Tenant, demo: DemoTenant) -> None:
    user = await session.scalar(select(User).where(User.email == demo.owner_email))
    if user is None:
        user = User(tenant_id=tenant.id, email=demo.owner_email, password_hash="")
        session.add(user)
    user.name, user.role, user.active = f"{demo.name} Sahibi", "owner", True
    if not user.password_hash or not verify_password(user.password_hash, demo.owner_password):
        user.password_hash = hash_password(demo.owner_password)


async def _channel(
    session: AsyncSession, tenant: Tenant, demo: DemoTenant, credentials: CredentialBox
) -> None:
    channel = await session.scalar(
        select(Channel).where(Channel.phone_number_id == demo.phone_number_id)
    )
    if channel is None:
        channel = Channel(tenant_id=tenant.id, phone_number_id=demo.phone_number_id)
        session.add(channel)
    channel.display_phone_number, channel.active = demo.display_phone_number, True
    # Each demo business has its own WhatsApp Business Account (templates live there).
    channel.waba_id = channel.waba_id or f"10{demo.phone_number_id}"
    channel.credentials = credentials.seal({"access_token": demo.access_token})


async def _trendyol(
    session: AsyncSession, tenant: Tenant, demo: DemoTenant, credentials: CredentialBox
) -> IntegrationAccount:
    account = await session.scalar(
        select(IntegrationAccount).where(
            IntegrationAccount.tenant_id == tenant.id, IntegrationAccount.provider == "trendyol"
        )
    )
    if account is None:
        account = IntegrationAccount(
            tenant_id=tenant.id,
            provider="trendyol",
            external_id=str(demo.trendyol_seller_id),
            credentials="",
        )
        session.add(account)
    account.external_id = str(demo.trendyol_seller_id)
    account.credentials = credentials.seal(
        {"api_key": demo.trendyol_api_key, "api_secret": demo.trendyol_api_secret}
    )
    account.status, account.last_error = "connected", None
    return account


async def _customer(session: AsyncSession, tenant: Tenant, phone: str, name: str) -> None:
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone == phone)
    )
    if customer is None:
        session.add(Customer(tenant_id=tenant.id, phone=phone, name=name, tags=[]))
    else:
        customer.name = name
