"""The privacy audit trail: who saw or sent a customer's personal data, and when."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, IdMixin, TenantMixin, TimestampMixin, tenant_table


@tenant_table
class PiiReveal(IdMixin, TimestampMixin, TenantMixin, Base):
    """One look behind the mask, never the value itself.

    ``action``: ``reveal`` (a supervisor unmasked one value of a message; ``entity_type`` and
    ``ref`` say which), ``export`` (an unredacted export of the whole conversation;
    ``entity_type`` is ``EXPORT``), ``send_confirmed`` (an agent confirmed sending a message
    that holds a national id, IBAN or card number; one row per such value).
    The app role may only insert and read these rows: the trail cannot be edited from the API.
    """

    __tablename__ = "pii_reveals"
    __table_args__ = (
        Index("ix_pii_reveals_conversation_created", "conversation_id", "created_at"),
    )
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(32))  # the caller's role at the time
    action: Mapped[str] = mapped_column(String(16))  # reveal | export | send_confirmed
    entity_type: Mapped[str] = mapped_column(String(32))  # PHONE_NUMBER, ... | EXPORT
    ref: Mapped[str | None] = mapped_column(String(80), nullable=True)  # "<message_id>:<index>"


__all__ = ["PiiReveal"]
