"""What the agents do for customers, kept for the inbox and the dashboard: service requests
(cancel, invoice, address change), return attempts, coupons, B2B leads and their alerts."""

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


class _CustomerCase(IdMixin, TimestampMixin, TenantMixin):
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


@tenant_table
class ServiceRequest(_CustomerCase, Base):
    """Something the seller's team must do on the marketplace: cancel an order, send an invoice,
    change a delivery address. The agent records it and tells the customer what happens next."""

    __tablename__ = "service_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "order_number", "conversation_id"),)
    kind: Mapped[str] = mapped_column(String(32))  # cancel | invoice | address_change
    order_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="open")  # open | done | rejected
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


@tenant_table
class ReturnAttempt(_CustomerCase, Base):
    """One return conversation: the reason, what was offered, and whether the return was
    avoided (``deflected``: True kept the sale, False went to a return, None still open)."""

    __tablename__ = "return_attempts"
    order_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(32), default="asked_reason")
    deflected: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


@tenant_table
class Coupon(_CustomerCase, Base):
    """A discount code offered to keep a sale; never above the tenant's limit."""

    __tablename__ = "coupons"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    code: Mapped[str] = mapped_column(String(32))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(String(64), default="")
    order_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="offered")  # offered | accepted
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@tenant_table
class Lead(_CustomerCase, Base):
    """A B2B / bulk buyer: what they asked for, collected over the turns, and where it went."""

    __tablename__ = "leads"
    status: Mapped[str] = mapped_column(String(32), default="collecting")  # | alerted
    signal_text: Mapped[str] = mapped_column(Text, default="")
    company: Mapped[str | None] = mapped_column(String(300), nullable=True)
    products: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    """``[{"product": "tişört", "quantity": 150}]``"""
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    past_orders: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[str | None] = mapped_column(String(200), nullable=True)
    timing: Mapped[str | None] = mapped_column(String(200), nullable=True)
    need: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[int | None] = mapped_column(nullable=True)
    """0–100 (``invekto.revenue.leads``), with its ``score_reasons``."""
    score_reasons: Mapped[list[str]] = mapped_column(default=list)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """Items with catalogue prices, terms and validity, as sent (or to approve)."""


@tenant_table
class LeadAlert(IdMixin, TimestampMixin, TenantMixin, Base):
    """One alert (webhook or e-mail) with its delivery result: a B2B lead to the tenant's sales
    contact (``lead.created``), or a clinic's patient to a doctor (``clinic.urgent``,
    ``clinic.complaint``; no lead)."""

    __tablename__ = "lead_alerts"
    __table_args__ = (
        Index("ix_lead_alerts_lead", "lead_id"),
        UniqueConstraint("tenant_id", "dedupe_key"),
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), nullable=True
    )
    event: Mapped[str] = mapped_column(String(32), default="lead.created")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """For alerts without a lead: one alert per key (a re-run turn alerts once)."""
    channel: Mapped[str] = mapped_column(String(16))  # webhook | email
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    response_code: Mapped[int | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


__all__ = ["Coupon", "Lead", "LeadAlert", "ReturnAttempt", "ServiceRequest"]
