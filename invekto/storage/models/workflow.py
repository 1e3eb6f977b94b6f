"""The human-in-the-loop core: actions an agent proposed (committed with the decision), the
decisions people take on suggested replies, and the events the inbox follows live."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, Text, func
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
class ProposedAction(IdMixin, TimestampMixin, TenantMixin, Base):
    """One side effect an agent wants (a cancellation request, a coupon, a lead alert, ...).

    ``pending`` while its reply waits in the inbox as a suggestion; ``committed`` in the same
    transaction as the reply that is sent (or the person's accept / edit that keeps it);
    ``discarded`` when the suggestion is rejected or the person drops it while editing.
    """

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_message", "message_id"),)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    inbound_message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    """The reply (sent or suggested) this action goes with."""
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    """One line for people: "Cancel request for order 1234", "Coupon INV-… (%10)"."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    result: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@tenant_table
class SuggestionDecision(IdMixin, TimestampMixin, TenantMixin, Base):
    """What a person did with one suggested reply: accepted, edited then sent, or rejected."""

    __tablename__ = "suggestion_decisions"
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decision: Mapped[str] = mapped_column(String(16))  # accepted | edited | rejected
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    original_text: Mapped[str] = mapped_column(Text, default="")
    sent_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    edit_distance: Mapped[int] = mapped_column(default=0)
    """Levenshtein distance between the suggestion and what was sent (0 when accepted)."""
    actions_kept: Mapped[list[str]] = mapped_column(default=list)
    actions_dropped: Mapped[list[str]] = mapped_column(default=list)
    newer_inbound: Mapped[int] = mapped_column(default=0)
    """Customer messages that had arrived after the suggestion's own when it was decided."""


@tenant_table
class ConversationEvent(TenantMixin, Base):
    """An append-only feed of what changed, written in the transaction that changed it and
    announced with ``NOTIFY invekto_events`` (delivered by PostgreSQL only on commit)."""

    __tablename__ = "conversation_events"
    __table_args__ = (Index("ix_conversation_events_tenant_id_id", "tenant_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), default=utcnow
    )


__all__ = ["ConversationEvent", "ProposedAction", "SuggestionDecision"]
