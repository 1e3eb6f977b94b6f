"""Writing first: WhatsApp templates, rules, scheduled sends, consent, campaigns, reviews, carts.

See ``invekto.outbound`` for the behaviour; these are the rows it keeps.
"""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, IdMixin, TenantMixin, TimestampMixin, tenant_table


@tenant_table
class WaTemplate(IdMixin, TimestampMixin, TenantMixin, Base):
    """A message template of the tenant's WhatsApp Business Account, one row per language.

    ``status`` mirrors Meta's: DRAFT (not submitted yet), PENDING, APPROVED, REJECTED, PAUSED,
    DISABLED, ... Only APPROVED templates are sent, and the check is made at the send.
    """

    __tablename__ = "wa_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name", "language"),)
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16))  # UTILITY | MARKETING | AUTHENTICATION
    parameter_format: Mapped[str] = mapped_column(String(16), default="POSITIONAL")
    variables: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    """``[{name, type, example}]`` in the order of ``{{1}}``, ``{{2}}``, ..."""
    components: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    """Meta's component objects as submitted (HEADER, BODY, FOOTER, BUTTONS)."""
    status: Mapped[str] = mapped_column(String(24), default="DRAFT")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta_template_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ttl_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    history: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    """Every status and category change: ``{at, event, reason?, category?}``."""


@tenant_table
class OutboundRule(IdMixin, TimestampMixin, TenantMixin, Base):
    """An event or a time → a template: condition, variables mapped from the event, delay."""

    __tablename__ = "outbound_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    name: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(40))  # an event kind, or "schedule"
    condition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    template_name: Mapped[str] = mapped_column(String(512))
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Template variable → ``{"field": "order_number"}`` or ``{"value": "literal"}``."""
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """For ``trigger="schedule"``: ``{"every": "day"|"week", "at": "10:00", "weekday": 0-6}``."""
    flow: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """A built-in flow the replies belong to (post_purchase, exchange_followup, ...)."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    follow_up_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Send once more after this many hours without an answer (review recovery: 48)."""


@tenant_table
class Campaign(IdMixin, TimestampMixin, TenantMixin, Base):
    """A template sent to an audience: draft → scheduled → running → paused → completed."""

    __tablename__ = "campaigns"
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    template_a: Mapped[str] = mapped_column(String(512))
    template_b: Mapped[str | None] = mapped_column(String(512), nullable=True)
    split_percent: Mapped[int] = mapped_column(Integer, default=50)
    """The share of recipients who get ``template_a`` when there is a ``template_b``."""
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    conversion_days: Mapped[int] = mapped_column(Integer, default=7)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


@tenant_table
class OutboundSend(IdMixin, TimestampMixin, TenantMixin, Base):
    """One message Invekto means to write first: scheduled, then sent exactly once.

    ``dedupe_key`` makes scheduling idempotent (one post-purchase check per order, one campaign
    message per recipient). The row becomes a ``messages`` row when it is sent; the delivery
    statuses land there.
    """

    __tablename__ = "outbound_sends"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index(
            "ix_outbound_sends_due",
            "channel_id",
            "due_at",
            postgresql_where=text("status = 'scheduled'"),
        ),
        Index("ix_outbound_sends_campaign", "campaign_id", "status"),
        Index("ix_outbound_sends_customer_sent", "customer_id", "sent_at"),
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    rule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outbound_rules.id", ondelete="SET NULL"), nullable=True
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=True
    )
    variant: Mapped[str | None] = mapped_column(String(1), nullable=True)
    flow: Mapped[str | None] = mapped_column(String(40), nullable=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    template_name: Mapped[str | None] = mapped_column(String(512), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="tr")
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Template variable name → value."""
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Free-form text: only inside the customer's 24-hour window."""
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The event behind it: order number, review or cart id, product, category..."""
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # scheduled | sending | sent | delivered | read | failed | skipped | cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """The template's category when it was sent (MARKETING, UTILITY, ...)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


@tenant_table
class ConsentEvent(IdMixin, TimestampMixin, TenantMixin, Base):
    """Every opt-out and opt-in, with its source and time (``customers.marketing_opt_out_at``
    holds the current state)."""

    __tablename__ = "consent_events"
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))  # stop | resume
    category: Mapped[str] = mapped_column(String(32), default="marketing")
    source: Mapped[str] = mapped_column(
        String(32)
    )  # keyword | user_preferences | meta_131050 | ...
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@tenant_table
class ReviewCase(IdMixin, TimestampMixin, TenantMixin, Base):
    """A marketplace review, imported (CSV) or pushed (signed webhook); low ones get recovered.

    ``status``: detected → contacted → resolved | updated | failed; ``unmatched`` when no
    customer could be found for it; ``ignored`` for good reviews.
    """

    __tablename__ = "review_cases"
    __table_args__ = (UniqueConstraint("tenant_id", "source", "external_id"),)
    source: Mapped[str] = mapped_column(String(16))  # csv | webhook
    external_id: Mapped[str] = mapped_column(String(100))
    order_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str] = mapped_column(String(500), default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="detected")
    contacted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@tenant_table
class Cart(IdMixin, TimestampMixin, TenantMixin, Base):
    """A cart of the seller's own shop, from its signed webhook: open → recovered | lost."""

    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)
    external_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    phone: Mapped[str] = mapped_column(String(32))
    items: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    total: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | recovered | lost
    abandoned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recovered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    order_number: Mapped[str | None] = mapped_column(String(64), nullable=True)


__all__ = [
    "Campaign",
    "Cart",
    "ConsentEvent",
    "OutboundRule",
    "OutboundSend",
    "ReviewCase",
    "WaTemplate",
]
