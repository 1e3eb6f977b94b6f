"""Prompt versions per tenant (draft → gating → active → archived, or refused by the gate) and
the trail of every save, publish and rollback."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import (
    Base,
    IdMixin,
    TenantMixin,
    TimestampMixin,
    tenant_table,
    utcnow,
)

VERSION_STATUSES = ("draft", "gating", "active", "archived", "refused")


@tenant_table
class PromptVersion(IdMixin, TimestampMixin, TenantMixin, Base):
    """One version of a tenant's prompt set: the whole content (tone and the tenant's own
    texts), numbered per tenant. At most one is ``active``; publishing runs the eval gate
    (``gating``) and the version becomes ``active`` or ``refused`` with the report attached."""

    __tablename__ = "prompt_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(
            "uq_prompt_versions_active",
            "tenant_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
    )
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    base_number: Mapped[int | None] = mapped_column(nullable=True)
    """The active version the draft started from (0: the shipped texts)."""
    note: Mapped[str] = mapped_column(Text, default="")
    rollback_of: Mapped[int | None] = mapped_column(nullable=True)
    """A rollback's version: the earlier version whose content it brings back."""
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_role: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    gate: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """The eval gate's report: passed, the totals, the failing cases."""


@tenant_table
class PromptEvent(IdMixin, TimestampMixin, TenantMixin, Base):
    """Who did what to a version, when, with the content before and after. The app role may only
    insert and read these rows."""

    __tablename__ = "prompt_events"
    __table_args__ = (Index("ix_prompt_events_tenant_created", "tenant_id", "created_at"),)
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("prompt_versions.id", ondelete="SET NULL"), nullable=True
    )
    number: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    """created | saved | submitted | published | refused | rolled_back | archived | discarded"""
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(32), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
