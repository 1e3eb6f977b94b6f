"""Tenants, their users, their WhatsApp channels and marketplace accounts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, IdMixin, TenantMixin, TimestampMixin, tenant_table


class Tenant(IdMixin, TimestampMixin, Base):
    """A seller or a clinic. ``settings`` holds automation switches, policies and limits;
    ``prompts`` the active prompt version."""

    __tablename__ = "tenants"
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    vertical: Mapped[str] = mapped_column(String(32))  # ecommerce | clinic
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Istanbul")
    default_language: Mapped[str] = mapped_column(String(8), default="tr")
    business_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prompts: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    """The active prompt version's content (``invekto.prompts.content.PromptSet``), copied here
    when a version is published: a turn renders with it without another query."""


@tenant_table
class User(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "users"
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32), default="agent")
    """owner | admin | supervisor | agent | prompt_owner (``invekto.security.ROLES``)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    """Access tokens issued before this are refused."""


@tenant_table
class UserToken(IdMixin, TimestampMixin, TenantMixin, Base):
    """A single-use link token: an invite (``kind='invite'``: e-mail and role of the person
    invited) or a password reset (``kind='password_reset'``: ``user_id``). Only the SHA-256 of
    the token is stored; ``used_at`` is set when it is consumed."""

    __tablename__ = "user_tokens"
    kind: Mapped[str] = mapped_column(String(16))  # invite | password_reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@tenant_table
class Channel(IdMixin, TimestampMixin, TenantMixin, Base):
    """A WhatsApp Business phone number; the webhook finds the tenant by ``phone_number_id``."""

    __tablename__ = "channels"
    kind: Mapped[str] = mapped_column(String(32), default="whatsapp")
    phone_number_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_phone_number: Mapped[str] = mapped_column(String(32), default="")
    waba_id: Mapped[str] = mapped_column(String(64), default="")
    credentials: Mapped[str] = mapped_column(Text, default="")  # encrypted JSON: access_token
    active: Mapped[bool] = mapped_column(Boolean, default=True)


@tenant_table
class IntegrationAccount(IdMixin, TimestampMixin, TenantMixin, Base):
    """A marketplace connection (Trendyol now; Hepsiburada later). Credentials are encrypted."""

    __tablename__ = "integration_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "external_id"),)
    provider: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))  # Trendyol sellerId / supplierId
    credentials: Mapped[str] = mapped_column(Text)  # encrypted JSON: api_key, api_secret
    base_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="pending")  # connected | error
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_synced_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    sync_cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)


__all__ = ["Channel", "IntegrationAccount", "Tenant", "User", "UserToken", "uuid"]


class LoginThrottle(Base):
    """Failed logins per key, shared by every app process and kept across restarts
    (``invekto.api.routes.auth``). ``scope`` is ``account`` (an e-mail, whether or not it has a
    user, so a lock tells nothing about which e-mails exist) or ``address`` (a client address).
    ``key`` is the SHA-256 of the scope and value: no e-mail or address is stored in clear.

    System-level (no tenant, no row-level security): only system sessions touch it (login runs
    before any tenant is known; the team routes look up their own members' e-mails)."""

    __tablename__ = "login_throttle"
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # account | address
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    """Attempts counted in the current window (reserved before the password is checked)."""
    window_started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    """Rows untouched for a day are pruned."""
