"""Orders mirrored from the marketplaces (a cache: the marketplace stays the truth)."""

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
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression

from invekto.storage.models.base import Base, IdMixin, TenantMixin, tenant_table, utcnow


@tenant_table
class OrderCache(IdMixin, TenantMixin, Base):
    __tablename__ = "orders_cache"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider", "package_id"),
        Index("ix_orders_cache_tenant_order_number", "tenant_id", "order_number"),
        Index("ix_orders_cache_tenant_phone", "tenant_id", "customer_phone"),
    )
    integration_account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integration_accounts.id", ondelete="CASCADE")
    )
    provider: Mapped[str] = mapped_column(String(32))
    package_id: Mapped[str] = mapped_column(String(64))
    order_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    customer_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    cargo_provider: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tracking_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    order_date: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    estimated_delivery_start: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    estimated_delivery_end: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    last_modified: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    lines: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@tenant_table
class ProductCache(IdMixin, TenantMixin, Base):
    """One sellable variant (barcode) of the tenant's marketplace catalogue, with its stock."""

    __tablename__ = "products_cache"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider", "barcode"),
        Index("ix_products_cache_tenant_main", "tenant_id", "product_main_id"),
    )
    integration_account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integration_accounts.id", ondelete="CASCADE"), nullable=True
    )
    """None for the seller's own products (``provider = "own"``, imported from a CSV)."""
    provider: Mapped[str] = mapped_column(String(32))
    barcode: Mapped[str] = mapped_column(String(64))
    stock_code: Mapped[str] = mapped_column(String(100), default="")
    product_main_id: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    brand: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(200), default="")
    color: Mapped[str | None] = mapped_column(String(100), nullable=True)
    size: Mapped[str | None] = mapped_column(String(50), nullable=True)
    quantity: Mapped[int] = mapped_column(default=0)
    list_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    sale_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    on_sale: Mapped[bool] = mapped_column(Boolean, default=True)
    product_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attributes: Mapped[list[Any] | None] = query_expression()
    """``raw["attributes"]`` when the query asks for it (``with_expression``): the catalogue's
    own attributes without loading the whole raw product."""


__all__ = ["OrderCache", "ProductCache"]
