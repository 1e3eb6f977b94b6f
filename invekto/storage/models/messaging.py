"""Customers, conversations and every message in and out."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, IdMixin, TenantMixin, TimestampMixin, tenant_table


@tenant_table
class Customer(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "phone"),)
    phone: Mapped[str] = mapped_column(String(32))  # E.164 digits without "+", as WhatsApp sends
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    tags: Mapped[list[str]] = mapped_column(default=list)
    marketing_opt_out_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    """Set while the customer has stopped marketing messages (``consent_events`` has why)."""


@tenant_table
class Conversation(IdMixin, TimestampMixin, TenantMixin, Base):
    """One thread per customer and channel; ``id`` is the LangGraph ``thread_id``."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index(
            "uq_conversations_open",
            "channel_id",
            "customer_id",
            unique=True,
            postgresql_where=text("status <> 'closed'"),
        ),
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32), default="open")  # open | waiting_human | closed
    handoff_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    last_message_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    """The person who took the chat over (None: the AI, or the team's queue)."""
    escalation: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """The note the AI left at its last hand-over (``invekto.inbox.escalation``): what the
    customer wants, what was tried, why a person is needed. None when never handed over."""
    referral: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """The Click-to-WhatsApp ad of the first message (ad id, headline, ``ctwa_clid``...)."""


@tenant_table
class Message(IdMixin, TimestampMixin, TenantMixin, Base):
    """A WhatsApp message. Inbound: stored once per WhatsApp id. Outbound: one per reply."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
        Index(
            "ix_messages_suggested",
            "conversation_id",
            postgresql_where=text("status = 'suggested'"),
        ),
        Index(
            "uq_messages_reply_to",
            "reply_to_id",
            unique=True,
            postgresql_where=text("reply_to_id IS NOT NULL"),
        ),
    )
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    wa_message_id: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(32), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # in: received | processing | processed | failed;
    # out: suggested | rejected (a person said no) | queued | sending | sent | delivered | read
    #      | failed
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    author: Mapped[str] = mapped_column(String(32), default="customer")  # customer | ai | agent
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    pricing: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """What Meta bills for this message, from its status callbacks (``type``, ``category``)."""


__all__ = ["Conversation", "Customer", "Message"]
