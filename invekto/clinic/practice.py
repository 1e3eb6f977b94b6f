"""A clinic's practice as one immutable snapshot: doctors, services, opening hours and days off.

Read once per turn (:func:`load_practice`) and handed to the slot engine, which is pure. Working
hours are wall-clock ranges in the clinic's zone. For one doctor on one day, the first that applies:

1. a clinic-wide override of that day with no hours (a holiday: 1 January) → closed;
2. the doctor's own override of that day (a day off, extra hours);
3. a clinic-wide override with hours (a short day for everyone);
4. the doctor's weekly schedule, or the clinic's hours when the doctor has none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.tenant_settings import Clinic, TenantSettings
from invekto.storage.models import ClinicService, Doctor, ScheduleOverride

Range = tuple[dt.time, dt.time]


def parse_ranges(ranges: Iterable[str]) -> tuple[Range, ...]:
    """``["09:00-13:00", "14:00-19:00"]`` → time ranges ("24:00" is the end of the day)."""
    out = []
    for item in ranges:
        start, _, end = str(item).partition("-")
        out.append((_clock(start), _clock(end)))
    return tuple(out)


def _clock(text: str) -> dt.time:
    hour, _, minute = text.strip().partition(":")
    if int(hour) == 24:
        return dt.time.max
    return dt.time(int(hour), int(minute or 0))


def published_names(name: str) -> tuple[str, str]:
    """A doctor's name as replies write it, with and without the title: "Dt. Selin Arslan",
    "Selin Arslan" (the clinic's published details, never PII to the guard)."""
    return name, name.split(".", 1)[-1].strip() if "." in name else name


def weekly_ranges(weekly: Mapping[str, Any]) -> dict[int, tuple[Range, ...]]:
    return {int(day): parse_ranges(ranges or []) for day, ranges in weekly.items()}


@dataclass(frozen=True, slots=True)
class DoctorView:
    id: uuid.UUID
    key: str
    name: str
    specialties: tuple[str, ...]
    weekly: dict[int, tuple[Range, ...]] | None
    """None: the clinic's hours."""
    on_call: bool
    position: int
    alert_email: str | None = None
    alert_webhook_url: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceView:
    id: uuid.UUID
    key: str
    names: Mapping[str, str]
    aliases: tuple[str, ...]
    duration: dt.timedelta
    buffer_before: dt.timedelta
    buffer_after: dt.timedelta
    seats: int
    price_min: Decimal | None
    price_max: Decimal | None
    price_unit: Mapping[str, str]
    foreign_prices: Mapping[str, Sequence[float]]
    doctor_keys: tuple[str, ...]
    booked_as: str | None
    follow_up: bool
    control_questions: Mapping[str, Any]
    position: int

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("tr") or self.key

    @property
    def free(self) -> bool:
        return self.price_max is not None and self.price_max == 0


@dataclass(frozen=True, slots=True)
class Practice:
    tenant_id: uuid.UUID
    zone: ZoneInfo
    settings: Clinic
    doctors: tuple[DoctorView, ...]
    services: tuple[ServiceView, ...]
    overrides: Mapping[tuple[uuid.UUID | None, dt.date], tuple[Range, ...]] = field(
        default_factory=dict
    )

    def service(self, key: str | None) -> ServiceView | None:
        return next((s for s in self.services if s.key == key), None)

    def service_by_id(self, service_id: uuid.UUID | str) -> ServiceView | None:
        return next((s for s in self.services if str(s.id) == str(service_id)), None)

    def doctor(self, doctor_id: uuid.UUID | str | None) -> DoctorView | None:
        return next((d for d in self.doctors if str(d.id) == str(doctor_id)), None)

    def doctor_by_key(self, key: str) -> DoctorView | None:
        return next((d for d in self.doctors if d.key == key), None)

    def bookable(self, service: ServiceView) -> ServiceView:
        """What a patient books for ``service`` (an implant starts with its consultation)."""
        return self.service(service.booked_as) or service if service.booked_as else service

    def doctors_for(self, service: ServiceView) -> tuple[DoctorView, ...]:
        if not service.doctor_keys:
            return self.doctors
        return tuple(d for d in self.doctors if d.key in service.doctor_keys)

    def on_call(self) -> DoctorView | None:
        return next((d for d in self.doctors if d.on_call), None)

    def clinic_hours(self) -> dict[int, tuple[Range, ...]]:
        return weekly_ranges(self.settings.hours)

    def hours_on(self, doctor: DoctorView, day: dt.date) -> tuple[Range, ...]:
        """The doctor's working ranges on ``day`` (empty: not working)."""
        clinic_wide = self.overrides.get((None, day))
        if clinic_wide is not None and not clinic_wide:
            return ()
        own = self.overrides.get((doctor.id, day))
        if own is not None:
            return own
        if clinic_wide is not None:
            return clinic_wide
        weekly = doctor.weekly if doctor.weekly is not None else self.clinic_hours()
        return weekly.get(day.weekday(), ())

    def open_on(self, day: dt.date) -> tuple[Range, ...]:
        """The clinic's own hours that day (for "are you open on Saturday?")."""
        clinic_wide = self.overrides.get((None, day))
        if clinic_wide is not None:
            return clinic_wide
        return self.clinic_hours().get(day.weekday(), ())

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)


def doctor_view(row: Doctor) -> DoctorView:
    return DoctorView(
        id=row.id,
        key=row.key,
        name=row.name,
        specialties=tuple(row.specialties or ()),
        weekly=weekly_ranges(row.weekly) if row.weekly else None,
        on_call=row.on_call,
        position=row.position,
        alert_email=row.alert_email,
        alert_webhook_url=row.alert_webhook_url,
    )


def service_view(row: ClinicService) -> ServiceView:
    return ServiceView(
        id=row.id,
        key=row.key,
        names=dict(row.names or {}),
        aliases=tuple(row.aliases or ()),
        duration=dt.timedelta(minutes=row.duration_minutes),
        buffer_before=dt.timedelta(minutes=row.buffer_before_minutes),
        buffer_after=dt.timedelta(minutes=row.buffer_after_minutes),
        seats=max(1, row.seats),
        price_min=row.price_min,
        price_max=row.price_max,
        price_unit=dict(row.price_unit or {}),
        foreign_prices={k: tuple(v) for k, v in (row.foreign_prices or {}).items()},
        doctor_keys=tuple(row.doctor_keys or ()),
        booked_as=row.booked_as,
        follow_up=row.follow_up,
        control_questions=dict(row.control_questions or {}),
        position=row.position,
    )


async def load_practice(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    timezone: str,
    settings: TenantSettings | Mapping[str, Any] | None,
    days: tuple[dt.date, dt.date] | None = None,
) -> Practice:
    """The tenant's active doctors and services and the overrides of ``days`` (all if None)."""
    doctors = await session.scalars(
        select(Doctor)
        .where(Doctor.tenant_id == tenant_id, Doctor.active.is_(True))
        .order_by(Doctor.position, Doctor.name)
    )
    services = await session.scalars(
        select(ClinicService)
        .where(ClinicService.tenant_id == tenant_id, ClinicService.active.is_(True))
        .order_by(ClinicService.position, ClinicService.key)
    )
    query = select(ScheduleOverride).where(ScheduleOverride.tenant_id == tenant_id)
    if days is not None:
        query = query.where(ScheduleOverride.day.between(days[0], days[1]))
    overrides = {
        (row.doctor_id, row.day): parse_ranges(row.hours or [])
        for row in await session.scalars(query)
    }
    return Practice(
        tenant_id=tenant_id,
        zone=ZoneInfo(timezone),
        settings=TenantSettings.parse(settings, blocks=("clinic",)).clinic,
        doctors=tuple(doctor_view(d) for d in doctors),
        services=tuple(service_view(s) for s in services),
        overrides=overrides,
    )
