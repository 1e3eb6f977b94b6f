"""Clinics: doctors, services, schedule overrides, appointments, the waitlist, referral codes and
patients from abroad.

See ``invekto.clinic`` for the behaviour (the slot engine, booking, reminders); these are the rows
it keeps. Times are stored in UTC; schedules are wall-clock times in the tenant's zone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from invekto.storage.models.base import Base, IdMixin, TenantMixin, TimestampMixin, tenant_table


@tenant_table
class Doctor(IdMixin, TimestampMixin, TenantMixin, Base):
    """A doctor (or a chair) with a weekly schedule: ``weekly`` maps a weekday ("0" = Monday) to
    its working ranges, ``["09:00-13:00", "14:00-19:00"]`` (the gap is the break);
    empty means the clinic's hours (``settings.clinic.hours``)."""

    __tablename__ = "clinic_doctors"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    specialties: Mapped[list[str]] = mapped_column(default=list)
    weekly: Mapped[dict[str, Any]] = mapped_column(default=dict)
    on_call: Mapped[bool] = mapped_column(Boolean, default=False)
    """Receives the urgent-triage alerts."""
    alert_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    alert_webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    """The secret of the doctor's calendar feed (``/calendar/doctor/{token}.ics``)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


@tenant_table
class ClinicService(IdMixin, TimestampMixin, TenantMixin, Base):
    """A treatment or consultation: duration, buffers, seats, the price range in TRY, the prices
    for patients from abroad (``{"EUR": [650, 1000]}``: the clinic's own list, never a rate), the
    doctors who do it (empty: any), the words patients use for it, and its follow-up."""

    __tablename__ = "clinic_services"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    key: Mapped[str] = mapped_column(String(64))
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """``{"tr": "İmplant", "en": "Dental implant", "ar": "زراعة الأسنان"}``."""
    aliases: Mapped[list[str]] = mapped_column(default=list)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    """Patients one slot takes (1 for a chair; more for a group consultation)."""
    price_min: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    price_max: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    price_unit: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """What a price is for, per language (``{"tr": "diş başına"}``); empty: the treatment."""
    foreign_prices: Mapped[dict[str, Any]] = mapped_column(default=dict)
    doctor_keys: Mapped[list[str]] = mapped_column(default=list)
    booked_as: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The service a patient books first (an implant starts with its consultation)."""
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    """After it is completed: T+1 day, T+7 days (``control_questions``), T+30 days."""
    control_questions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


@tenant_table
class ScheduleOverride(IdMixin, TimestampMixin, TenantMixin, Base):
    """One day that differs from the weekly schedule, for one doctor or (no doctor) the whole
    clinic: ``hours`` empty = closed (a holiday, a day off), else that day's ranges (extra
    hours)."""

    __tablename__ = "clinic_schedule_overrides"
    __table_args__ = (Index("ix_clinic_overrides_day", "tenant_id", "day"),)
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clinic_doctors.id", ondelete="CASCADE"), nullable=True
    )
    day: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(String(200), default="")


@tenant_table
class Appointment(IdMixin, TimestampMixin, TenantMixin, Base):
    """A booked slot. ``status``: booked | confirmed (the patient said "Geliyorum") | cancelled
    | completed | no_show. ``blocked_from``/``blocked_until`` include the service's buffers: what
    no other appointment of the doctor may overlap (except the same group slot)."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_doctor_time", "doctor_id", "starts_at"),
        Index("ix_appointments_customer", "tenant_id", "customer_id"),
    )
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic_doctors.id"))
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic_services.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    blocked_from: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    source: Mapped[str] = mapped_column(String(16), default="whatsapp")
    """whatsapp | waitlist | inbox | seed"""
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    rescheduled_from: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    history: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    """Every change: ``{at, status, by}``."""


@tenant_table
class WaitlistEntry(IdMixin, TimestampMixin, TenantMixin, Base):
    """A patient waiting for an earlier slot of a service (optionally one doctor, within days).
    ``status``: waiting | offered | booked | gone (offered, someone else took it) | cancelled |
    expired. Offers go in the order of ``created_at``; the first to accept wins."""

    __tablename__ = "clinic_waitlist"
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic_services.id"))
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clinic_doctors.id"), nullable=True
    )
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    """The appointment they hold now and would move earlier (None: none yet)."""
    not_after: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    offer: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    """The slot offered: ``{doctor_id, service_id, starts_at, offer_id}``."""
    offered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@tenant_table
class ReferralCode(IdMixin, TimestampMixin, TenantMixin, Base):
    """A satisfied patient's code for a friend: generated → shared (sent) → used | expired."""

    __tablename__ = "clinic_referral_codes"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)
    code: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    percent: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="generated")
    shared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    used_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@tenant_table
class PatientLead(IdMixin, TimestampMixin, TenantMixin, Base):
    """A patient from abroad (medical tourism): country, language, interest, budget currency."""

    __tablename__ = "clinic_patient_leads"
    __table_args__ = (UniqueConstraint("tenant_id", "conversation_id"),)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    country: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    interest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    package: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="new")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
