"""What the inbox keeps per person: when each user last read each conversation."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, TenantMixin, tenant_table, utcnow


@tenant_table
class ConversationRead(TenantMixin, Base):
    """The caller read the conversation up to ``read_at``: customer messages after it are unread
    for that user (``POST /api/conversations/{id}/read``)."""

    __tablename__ = "conversation_reads"
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


__all__ = ["ConversationRead"]
