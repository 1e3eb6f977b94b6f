"""The decision log behind the metrics, and raw webhook bodies kept for inspection."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, IdMixin, TenantMixin, TimestampMixin, tenant_table


@tenant_table
class AutoReplyLog(IdMixin, TimestampMixin, TenantMixin, Base):
    """One row per processed inbound message: what was understood, decided and done."""

    __tablename__ = "auto_reply_log"
    __table_args__ = (Index("ix_auto_reply_log_tenant_created", "tenant_id", "created_at"),)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    inbound_message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    reply_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    language: Mapped[str] = mapped_column(String(8), default="tr")
    intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(default=0.0)
    understood_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """local | llm | rules: which layer gave the intent."""
    agent: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))  # auto_reply | suggestion | handoff
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    tools: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    inbound_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    processing_ms: Mapped[float] = mapped_column(default=0.0)
    prompt_version: Mapped[int | None] = mapped_column(nullable=True)
    """The tenant's prompt version the turn rendered with (0: the shipped texts)."""


class WebhookEvent(IdMixin, TimestampMixin, Base):
    """A webhook body we could not (fully) use: malformed, oversized, unknown shape or number.

    Not a tenant table: an unknown ``phone_number_id`` has no tenant. Only operators read it.
    """

    __tablename__ = "webhook_events"
    source: Mapped[str] = mapped_column(String(32), default="whatsapp")
    problem: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True
    )


__all__ = ["AutoReplyLog", "WebhookEvent"]
