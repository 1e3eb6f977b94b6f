"""What the revenue agent sells with: the tenant's offer rules (bundles, upsells, cross-sells),
the recommendations it showed and what became of them, products bought together, and payment
links with the provider callbacks that settled them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import (
    Base,
    IdMixin,
    TenantMixin,
    TimestampMixin,
    tenant_table,
    utcnow,
)


@tenant_table
class OfferRule(IdMixin, TimestampMixin, TenantMixin, Base):
    """One rule of the tenant's: ``bundle`` (these products together → a discount), ``upsell``
    (a product of a low margin tier → the higher tier of the same category), ``cross_sell``
    (a main product → an accessory). ``trigger`` and ``target`` select products by id, category
    or margin tier (``invekto.revenue.rules``); the discount never exceeds the tenant's maximum,
    whatever the rule says."""

    __tablename__ = "offer_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # bundle | upsell | cross_sell
    priority: Mapped[int] = mapped_column(Integer, default=100)
    """Higher first."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    trigger: Mapped[dict[str, Any]] = mapped_column(default=dict)
    target: Mapped[dict[str, Any]] = mapped_column(default=dict)
    discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


@tenant_table
class ProductMargin(TenantMixin, Base):
    """The margin tier of one product model (``low | medium | high``; a model with no row is
    medium): the tenant's own knowledge, apart from the marketplace mirror, so a sync never
    touches it and a tier can be set before the first sync. Between equal fits the revenue
    agent recommends the higher tier."""

    __tablename__ = "product_margins"
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    product_main_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    tier: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


@tenant_table
class Recommendation(IdMixin, TimestampMixin, TenantMixin, Base):
    """A product the agent showed a customer (``shown``), and what they did: ``accepted`` (they
    took it, asked to pay for it, or ordered it) or ``rejected``."""

    __tablename__ = "recommendations"
    __table_args__ = (Index("ix_recommendations_tenant_created", "tenant_id", "created_at"),)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_main_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500), default="")
    for_product: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The product in focus it was recommended for."""
    source: Mapped[str] = mapped_column(String(16))  # bundle | upsell | cross_sell | together
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("offer_rules.id", ondelete="SET NULL"), nullable=True
    )
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    margin_tier: Mapped[str] = mapped_column(String(8), default="medium")
    status: Mapped[str] = mapped_column(String(16), default="shown")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@tenant_table
class BoughtTogether(TenantMixin, Base):
    """How many of the tenant's orders held both products (``product_a`` < ``product_b``),
    recomputed by a periodic job from the mirrored orders."""

    __tablename__ = "bought_together"
    product_a: Mapped[str] = mapped_column(String(100), primary_key=True)
    product_b: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    orders: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@tenant_table
class PaymentLink(IdMixin, TimestampMixin, TenantMixin, Base):
    """A payment link sent to a customer: the amount comes from the catalogue or a proposal a
    person approved, never from model text. ``reference`` is ours (the provider's
    conversationId / callback_id); ``external_id`` the provider's token or link id."""

    __tablename__ = "payment_links"
    __table_args__ = (
        UniqueConstraint("reference"),
        Index("ix_payment_links_provider_external", "provider", "external_id"),
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), nullable=True
    )
    reference: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(16))  # iyzico | paytr
    purpose: Mapped[str] = mapped_column(String(16))  # product | proposal | deposit | package
    description: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    status: Mapped[str] = mapped_column(String(16), default="creating")
    """creating | sent | paid | failed | expired"""
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    approved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


@tenant_table
class PaymentEvent(IdMixin, TimestampMixin, TenantMixin, Base):
    """A provider callback that passed its signature check, once per ``dedupe_key`` (PayTR
    re-sends until it reads ``OK``; iyzico retries its webhook)."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "dedupe_key"),)
    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payment_links.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # success | failure
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


__all__ = [
    "BoughtTogether",
    "OfferRule",
    "PaymentEvent",
    "PaymentLink",
    "ProductMargin",
    "Recommendation",
]
