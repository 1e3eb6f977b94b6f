"""Orders mirrored from the marketplaces (a cache: the marketplace stays the truth)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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


__all__ = ["OrderCache"]
