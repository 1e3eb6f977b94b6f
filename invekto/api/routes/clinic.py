"""A clinic's practice through the API: doctors, services, days off, the calendar, appointments,
free slots, the waitlist and the figures (issue 14), plus the public calendar feeds.

Every inbox role reads (``clinic.view``) and books, moves, cancels and marks appointments for a
patient (``clinic.book``); owners and admins edit doctors, services and days off
(``clinic.manage``). Every query is scoped to the caller's tenant: another tenant's ids answer
404. Bad input is a 4xx naming the field; a taken slot is a 409 with the next free ones.

The feeds (``/calendar/appointment/{token}.ics``, ``/calendar/doctor/{token}.ics``) need no login:
the token is the secret. The row is found by its token with a system session, everything else is
read in that row's tenant session.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import (
    ServicesDep,
    SettingsDep,
    TenantContext,
    TenantSessionDep,
    require,
)
from invekto.api.routes.conversations import mask_phone
from invekto.clinic import book
from invekto.clinic.calendar import (
    Visit,
    appointment_ics,
    appointment_url,
    doctor_ics,
    doctor_url,
    first_name,
)
from invekto.clinic.outreach import outreach_stats
from invekto.clinic.practice import Practice, Range, load_practice
from invekto.clinic.slots import Slot
from invekto.clinic.when import When
from invekto.core.tenant_settings import TenantSettings, WeeklyHours
from invekto.storage.models import (
    Appointment,
    AutoReplyLog,
    ClinicService,
    Conversation,
    Customer,
    Doctor,
    ScheduleOverride,
    Tenant,
    WaitlistEntry,
    utcnow,
)

router = APIRouter(prefix="/api/clinic", tags=["clinic"])
feeds = APIRouter(tags=["calendar"])

VIEW = "clinic.view"
BOOK = "clinic.book"
MANAGE = "clinic.manage"

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
WebhookUrl = Annotated[str, Field(max_length=2000, pattern=r"^(https?://\S+|/\S*)$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
TEXT_LIMIT = 200


_WEEK = TypeAdapter(WeeklyHours)


def _day_hours(value: list[str]) -> list[str]:
    """One day's ranges, checked like ``settings.clinic.hours``."""
    try:
        _WEEK.validate_python({"0": value})
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise ValueError(reason.removeprefix("weekday 0: ")) from None
    return value


DayHours = Annotated[list[str], AfterValidator(_day_hours)]


def _not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")


def _invalid(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)


def _conflict(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, reason)


def _by(tenant: TenantContext) -> str:
    return f"user:{tenant.user_id}"


async def _tenant_row(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    row = await session.get(Tenant, tenant_id)
    if row is None:
        raise _not_found("tenant")
    return row


async def _practice(session: AsyncSession, owner: Tenant) -> Practice:
    return await load_practice(session, owner.id, timezone=owner.timezone, settings=owner.settings)


def _clock(moment: dt.time) -> str:
    return "24:00" if moment == dt.time.max else moment.strftime("%H:%M")


def _ranges_text(ranges: tuple[Range, ...]) -> list[str]:
    return [f"{_clock(a)}-{_clock(b)}" for a, b in ranges]


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is None:
        raise _invalid(f"{field}: give a time zone (2026-12-03T10:00:00+03:00)")
    return value.astimezone(dt.UTC)


# --- doctors ------------------------------------------------------------------------------------


class DoctorPublic(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    specialties: list[str]
    weekly: dict[str, list[str]] = Field(
        description='Weekday ("0" = Monday) → ranges; empty: the clinic\'s hours.'
    )
    on_call: bool = Field(description="Receives the urgent-triage alerts.")
    alert_email: str | None
    alert_webhook_url: str | None
    active: bool
    position: int
    calendar_url: str = Field(description="The doctor's calendar feed (.ics), to subscribe to.")


class DoctorIn(BaseModel):
    key: Key
    name: str = Field(min_length=1, max_length=TEXT_LIMIT)
    specialties: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list)
    weekly: WeeklyHours = Field(default_factory=dict)
    on_call: bool = False
    alert_email: Email | None = None
    alert_webhook_url: WebhookUrl | None = None
    active: bool = True
    position: int = Field(0, ge=0, le=1000)


class DoctorPatch(BaseModel):
    """Only the fields given change; ``alert_email``/``alert_webhook_url`` null clears them."""

    name: str | None = Field(None, min_length=1, max_length=TEXT_LIMIT)
    specialties: list[Annotated[str, Field(max_length=100)]] | None = None
    weekly: WeeklyHours | None = None
    on_call: bool | None = None
    alert_email: Email | None = None
    alert_webhook_url: WebhookUrl | None = None
    active: bool | None = None
    position: int | None = Field(None, ge=0, le=1000)


NULLABLE = frozenset({"alert_email", "alert_webhook_url", "price_min", "price_max", "booked_as"})


def _changes(body: BaseModel) -> dict[str, Any]:
    """The fields the caller gave; null for a field that cannot be empty is a 422."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in NULLABLE:
            raise _invalid(f"{name}: may not be null")
    return changes


def doctor_public(row: Doctor, base_url: str) -> DoctorPublic:
    return DoctorPublic(
        id=row.id,
        key=row.key,
        name=row.name,
        specialties=list(row.specialties or []),
        weekly=dict(row.weekly or {}),
        on_call=row.on_call,
        alert_email=row.alert_email,
        alert_webhook_url=row.alert_webhook_url,
        active=row.active,
        position=row.position,
        calendar_url=doctor_url(base_url, row.calendar_token),
    )


async def _doctor(session: AsyncSession, tenant: TenantContext, doctor_id: uuid.UUID) -> Doctor:
    row = await session.get(Doctor, doctor_id)
    if row is None or row.tenant_id != tenant.tenant_id:
        raise _not_found("doctor")
    return row


@router.get("/doctors")
async def list_doctors(
    session: TenantSessionDep, settings: SettingsDep, tenant: TenantContext = require(VIEW)
) -> list[DoctorPublic]:
    rows = await session.scalars(
        select(Doctor)
        .where(Doctor.tenant_id == tenant.tenant_id)
        .order_by(Doctor.position, Doctor.name)
    )
    return [doctor_public(row, settings.base_url) for row in rows]


@router.post("/doctors", status_code=status.HTTP_201_CREATED)
async def create_doctor(
    body: DoctorIn,
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(MANAGE),
) -> DoctorPublic:
    row = Doctor(
        tenant_id=tenant.tenant_id, calendar_token=book.calendar_token(), **body.model_dump()
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError as exc:
        raise _conflict(f"key: a doctor {body.key!r} exists") from exc
    return doctor_public(row, settings.base_url)


@router.patch("/doctors/{doctor_id}")
async def update_doctor(
    doctor_id: uuid.UUID,
    body: DoctorPatch,
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(MANAGE),
) -> DoctorPublic:
    row = await _doctor(session, tenant, doctor_id)
    for name, value in _changes(body).items():
        setattr(row, name, value)
    await session.commit()
    return doctor_public(row, settings.base_url)


# --- services -----------------------------------------------------------------------------------


def _price_pairs(value: dict[str, list[float]]) -> dict[str, list[float]]:
    for currency, pair in value.items():
        if len(pair) != 2 or pair[0] < 0 or pair[0] > pair[1]:
            raise ValueError(f"{currency}: give [min, max] with 0 ≤ min ≤ max")
    return value


ForeignPrices = Annotated[dict[Currency, list[float]], AfterValidator(_price_pairs)]
Texts = dict[Annotated[str, Field(max_length=8)], Annotated[str, Field(max_length=2000)]]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class ServicePublic(BaseModel):
    id: uuid.UUID
    key: str
    names: dict[str, str] = Field(description='Per language: {"tr": "İmplant", "en": ...}.')
    aliases: list[str]
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    seats: int = Field(description="Patients one slot takes (more than 1: a group slot).")
    price_min: float | None = Field(description="TRY; null: not quoted.")
    price_max: float | None
    price_unit: dict[str, str]
    foreign_prices: dict[str, list[float]] = Field(
        description='For patients from abroad, the clinic\'s own list: {"EUR": [650, 1000]}.'
    )
    doctor_keys: list[str] = Field(description="The doctors who do it (empty: any).")
    booked_as: str | None = Field(description="The service a patient books first.")
    follow_up: bool
    control_questions: dict[str, str]
    active: bool
    position: int


class _ServiceFields(BaseModel):
    @model_validator(mode="after")
    def _price_order(self) -> Any:
        low, high = getattr(self, "price_min", None), getattr(self, "price_max", None)
        if low is not None and high is not None and low > high:
            raise ValueError("price_min: must not exceed price_max")
        return self


class ServiceIn(_ServiceFields):
    key: Key
    names: Texts = Field(min_length=1)
    aliases: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list)
    duration_minutes: int = Field(30, ge=5, le=720)
    buffer_before_minutes: int = Field(0, ge=0, le=240)
    buffer_after_minutes: int = Field(0, ge=0, le=240)
    seats: int = Field(1, ge=1, le=100)
    price_min: Price | None = None
    price_max: Price | None = None
    price_unit: Texts = Field(default_factory=dict)
    foreign_prices: ForeignPrices = Field(default_factory=dict)
    doctor_keys: list[str] = Field(default_factory=list)
    booked_as: str | None = None
    follow_up: bool = False
    control_questions: Texts = Field(default_factory=dict)
    active: bool = True
    position: int = Field(0, ge=0, le=1000)


class ServicePatch(_ServiceFields):
    """Only the fields given change; ``price_min``, ``price_max``, ``booked_as`` null clear."""

    names: Texts | None = Field(None, min_length=1)
    aliases: list[Annotated[str, Field(max_length=100)]] | None = None
    duration_minutes: int | None = Field(None, ge=5, le=720)
    buffer_before_minutes: int | None = Field(None, ge=0, le=240)
    buffer_after_minutes: int | None = Field(None, ge=0, le=240)
    seats: int | None = Field(None, ge=1, le=100)
    price_min: Price | None = None
    price_max: Price | None = None
    price_unit: Texts | None = None
    foreign_prices: ForeignPrices | None = None
    doctor_keys: list[str] | None = None
    booked_as: str | None = None
    follow_up: bool | None = None
    control_questions: Texts | None = None
    active: bool | None = None
    position: int | None = Field(None, ge=0, le=1000)


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def service_public(row: ClinicService) -> ServicePublic:
    return ServicePublic(
        id=row.id,
        key=row.key,
        names=dict(row.names or {}),
        aliases=list(row.aliases or []),
        duration_minutes=row.duration_minutes,
        buffer_before_minutes=row.buffer_before_minutes,
        buffer_after_minutes=row.buffer_after_minutes,
        seats=row.seats,
        price_min=_money(row.price_min),
        price_max=_money(row.price_max),
        price_unit=dict(row.price_unit or {}),
        foreign_prices={k: list(v) for k, v in (row.foreign_prices or {}).items()},
        doctor_keys=list(row.doctor_keys or []),
        booked_as=row.booked_as,
        follow_up=row.follow_up,
        control_questions=dict(row.control_questions or {}),
        active=row.active,
        position=row.position,
    )


async def _check_service_refs(
    session: AsyncSession, tenant: TenantContext, row: ClinicService
) -> None:
    """The doctors and the first-booked service it names exist; prices in order."""
    keys = set(
        await session.scalars(select(Doctor.key).where(Doctor.tenant_id == tenant.tenant_id))
    )
    unknown = [key for key in row.doctor_keys or [] if key not in keys]
    if unknown:
        raise _invalid(f"doctor_keys: no doctor {', '.join(map(repr, unknown))}")
    if row.booked_as is not None:
        target = await session.scalar(
            select(ClinicService.id).where(
                ClinicService.tenant_id == tenant.tenant_id, ClinicService.key == row.booked_as
            )
        )
        if target is None or row.booked_as == row.key:
            raise _invalid(f"booked_as: no other service {row.booked_as!r}")
    if row.price_min is not None and row.price_max is not None and row.price_min > row.price_max:
        raise _invalid("price_min: must not exceed price_max")


@router.get("/services")
async def list_services(
    session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> list[ServicePublic]:
    rows = await session.scalars(
        select(ClinicService)
        .where(ClinicService.tenant_id == tenant.tenant_id)
        .order_by(ClinicService.position, ClinicService.key)
    )
    return [service_public(row) for row in rows]


@router.post("/services", status_code=status.HTTP_201_CREATED)
async def create_service(
    body: ServiceIn, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> ServicePublic:
    row = ClinicService(tenant_id=tenant.tenant_id, **body.model_dump())
    await _check_service_refs(session, tenant, row)
    session.add(row)
    try:
        await session.commit()
    except IntegrityError as exc:
        raise _conflict(f"key: a service {body.key!r} exists") from exc
    return service_public(row)


@router.patch("/services/{service_id}")
async def update_service(
    service_id: uuid.UUID,
    body: ServicePatch,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> ServicePublic:
    row = await session.get(ClinicService, service_id)
    if row is None or row.tenant_id != tenant.tenant_id:
        raise _not_found("service")
    with session.no_autoflush:
        for name, value in _changes(body).items():
            setattr(row, name, value)
        await _check_service_refs(session, tenant, row)
    await session.commit()
    return service_public(row)


# --- days off and extra hours -------------------------------------------------------------------


class OverridePublic(BaseModel):
    id: uuid.UUID
    doctor_id: uuid.UUID | None = Field(description="null: the whole clinic.")
    day: dt.date
    hours: list[str] = Field(description="That day's ranges; empty: closed.")
    note: str


class OverrideIn(BaseModel):
    """A day that differs from the weekly schedule; replaces an existing one of the same day
    and doctor."""

    doctor_id: uuid.UUID | None = None
    day: dt.date
    hours: DayHours = Field(default_factory=list)
    note: str = Field("", max_length=TEXT_LIMIT)


def override_public(row: ScheduleOverride) -> OverridePublic:
    return OverridePublic(
        id=row.id, doctor_id=row.doctor_id, day=row.day, hours=list(row.hours), note=row.note
    )


@router.get("/overrides")
async def list_overrides(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    frm: Annotated[dt.date | None, Query(alias="from", description="Default: all")] = None,
) -> list[OverridePublic]:
    query = select(ScheduleOverride).where(ScheduleOverride.tenant_id == tenant.tenant_id)
    if frm is not None:
        query = query.where(ScheduleOverride.day >= frm)
    rows = await session.scalars(query.order_by(ScheduleOverride.day).limit(1000))
    return [override_public(row) for row in rows]


@router.post("/overrides", status_code=status.HTTP_201_CREATED)
async def create_override(
    body: OverrideIn, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> OverridePublic:
    if body.doctor_id is not None:
        await _doctor(session, tenant, body.doctor_id)
    same_doctor = (
        ScheduleOverride.doctor_id.is_(None)
        if body.doctor_id is None
        else ScheduleOverride.doctor_id == body.doctor_id
    )
    row = await session.scalar(
        select(ScheduleOverride).where(
            ScheduleOverride.tenant_id == tenant.tenant_id,
            ScheduleOverride.day == body.day,
            same_doctor,
        )
    )
    if row is None:
        row = ScheduleOverride(tenant_id=tenant.tenant_id, doctor_id=body.doctor_id, day=body.day)
        session.add(row)
    row.hours, row.note = list(body.hours), body.note
    await session.commit()
    return override_public(row)


@router.delete("/overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_override(
    override_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> Response:
    row = await session.get(ScheduleOverride, override_id)
    if row is None or row.tenant_id != tenant.tenant_id:
        raise _not_found("override")
    await session.delete(row)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- appointments -------------------------------------------------------------------------------


class PatientPublic(BaseModel):
    customer_id: uuid.UUID
    name: str
    phone: str = Field(description="Masked: +90 532 *** ** 33.")


class AppointmentPublic(BaseModel):
    id: uuid.UUID
    doctor_id: uuid.UUID
    doctor_name: str
    service_key: str
    service_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str = Field(description="booked | confirmed | cancelled | completed | no_show")
    source: str = Field(description="whatsapp | waitlist | inbox | seed")
    urgent: bool
    note: str
    patient: PatientPublic
    conversation_id: uuid.UUID | None
    calendar_url: str = Field(description="The patient's .ics link of this appointment.")


class SlotPublic(BaseModel):
    doctor_id: uuid.UUID
    doctor_name: str
    service_key: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class SlotTaken(BaseModel):
    """409: the slot is not free (taken, outside hours, past); the next free ones."""

    detail: Literal["slot_taken"]
    alternatives: list[SlotPublic]


def slot_public(slot: Slot) -> SlotPublic:
    return SlotPublic.model_validate(slot.to_json())


def _slot_taken(alternatives: list[Slot]) -> JSONResponse:
    body = SlotTaken(detail="slot_taken", alternatives=[slot_public(s) for s in alternatives])
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)


class _Names:
    """Doctor and service names of the tenant (inactive ones too), for listing appointments."""

    def __init__(self, doctors: dict[uuid.UUID, str], services: dict[uuid.UUID, ClinicService]):
        self.doctors, self.services = doctors, services

    @classmethod
    async def load(cls, session: AsyncSession, tenant_id: uuid.UUID) -> _Names:
        doctors = await session.execute(
            select(Doctor.id, Doctor.name).where(Doctor.tenant_id == tenant_id)
        )
        services = await session.scalars(
            select(ClinicService).where(ClinicService.tenant_id == tenant_id)
        )
        return cls({row.id: row.name for row in doctors}, {row.id: row for row in services})

    def service(self, service_id: uuid.UUID, language: str = "tr") -> tuple[str, str]:
        row = self.services.get(service_id)
        if row is None:
            return "", ""
        names = row.names or {}
        return row.key, str(names.get(language) or names.get("tr") or row.key)


async def _appointments_public(
    session: AsyncSession, rows: list[Appointment], base_url: str
) -> list[AppointmentPublic]:
    if not rows:
        return []
    names = await _Names.load(session, rows[0].tenant_id)
    customer_ids = {row.customer_id for row in rows}
    customers = {
        c.id: c
        for c in await session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
    }
    out = []
    for row in rows:
        customer = customers.get(row.customer_id)
        key, name = names.service(row.service_id)
        out.append(
            AppointmentPublic(
                id=row.id,
                doctor_id=row.doctor_id,
                doctor_name=names.doctors.get(row.doctor_id, ""),
                service_key=key,
                service_name=name,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                status=row.status,
                source=row.source,
                urgent=row.urgent,
                note=row.note,
                patient=PatientPublic(
                    customer_id=row.customer_id,
                    name=customer.name if customer else "",
                    phone=mask_phone(customer.phone) if customer else "***",
                ),
                conversation_id=row.conversation_id,
                calendar_url=appointment_url(base_url, row.calendar_token),
            )
        )
    return out


async def _one_public(session: AsyncSession, row: Appointment, base_url: str) -> AppointmentPublic:
    return (await _appointments_public(session, [row], base_url))[0]


def _local_bounds(practice: Practice, first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(0), practice.zone)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(0), practice.zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


Status = Literal["booked", "confirmed", "cancelled", "completed", "no_show"]


@router.get("/appointments")
async def list_appointments(
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(VIEW),
    day: Annotated[dt.date | None, Query(description="Default: today in the clinic's zone")] = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    doctor_id: uuid.UUID | None = None,
) -> list[AppointmentPublic]:
    """One day's appointments across doctors (or one doctor), in time order."""
    owner = await _tenant_row(session, tenant.tenant_id)
    practice = await _practice(session, owner)
    day = day or utcnow().astimezone(practice.zone).date()
    frm, until = _local_bounds(practice, day, 1)
    query = select(Appointment).where(
        Appointment.tenant_id == tenant.tenant_id,
        Appointment.starts_at >= frm,
        Appointment.starts_at < until,
    )
    if status_ is not None:
        query = query.where(Appointment.status == status_)
    if doctor_id is not None:
        query = query.where(Appointment.doctor_id == doctor_id)
    rows = list(await session.scalars(query.order_by(Appointment.starts_at, Appointment.id)))
    return await _appointments_public(session, rows, settings.base_url)


class BookIn(BaseModel):
    """Book for a patient: an existing customer (``customer_id``) or a phone number and name."""

    service: Key = Field(description="The service's key.")
    doctor_id: uuid.UUID
    starts_at: dt.datetime = Field(description="With its zone: 2026-12-03T10:00:00+03:00.")
    customer_id: uuid.UUID | None = None
    phone: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=TEXT_LIMIT)
    note: str = Field("", max_length=2000)
    urgent: bool = False

    @model_validator(mode="after")
    def _patient(self) -> BookIn:
        if self.customer_id is None and not (self.phone and self.name):
            raise ValueError("customer_id: give it, or phone and name")
        return self


def _phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0") and len(digits) == 11:  # 0532… : a Turkish number without 90
        digits = "9" + digits
    if not 10 <= len(digits) <= 15:
        raise _invalid("phone: give the number with its country code (905321112233)")
    return digits


async def _customer_for(session: AsyncSession, tenant: TenantContext, body: BookIn) -> Customer:
    if body.customer_id is not None:
        customer = await session.get(Customer, body.customer_id)
        if customer is None or customer.tenant_id != tenant.tenant_id:
            raise _not_found("customer")
        return customer
    phone = _phone_digits(body.phone or "")
    customer = await session.scalar(
        select(Customer).where(Customer.tenant_id == tenant.tenant_id, Customer.phone == phone)
    )
    if customer is None:
        customer = Customer(tenant_id=tenant.tenant_id, phone=phone, name=body.name or "", tags=[])
        session.add(customer)
        await session.flush()
    return customer


@router.post(
    "/appointments",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": SlotTaken}},
)
async def create_appointment(
    body: BookIn,
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(BOOK),
) -> AppointmentPublic:
    starts_at = _aware(body.starts_at, "starts_at")
    if starts_at < utcnow():
        raise _invalid("starts_at: is in the past")
    owner = await _tenant_row(session, tenant.tenant_id)
    practice = await _practice(session, owner)
    service = practice.service(body.service)
    if service is None:
        raise _invalid(f"service: no active service {body.service!r}")
    if practice.doctor(body.doctor_id) is None:
        raise _invalid("doctor_id: no active doctor with this id")
    customer = await _customer_for(session, tenant, body)
    outcome = await book.book(
        session,
        practice,
        appointment_id=uuid.uuid4(),
        service=service,
        doctor_id=body.doctor_id,
        starts_at=starts_at,
        customer_id=customer.id,
        conversation_id=None,
        now=utcnow(),
        source="inbox",
        urgent=body.urgent,
        note=body.note,
        by=_by(tenant),
    )
    if outcome.refused == "slot_taken":
        await session.rollback()
        return _slot_taken(outcome.alternatives)  # type: ignore[return-value]
    if outcome.appointment is None:
        raise _invalid(outcome.refused or "not booked")
    await session.commit()
    return await _one_public(session, outcome.appointment, settings.base_url)


class MarkIn(BaseModel):
    status: Literal["completed", "no_show", "confirmed"]


class CancelIn(BaseModel):
    reason: str = Field("clinic", max_length=64)


class MoveIn(BaseModel):
    doctor_id: uuid.UUID
    starts_at: dt.datetime = Field(description="With its zone: 2026-12-03T10:00:00+03:00.")


REFUSALS = {
    "bad_status": "status: the appointment's status does not allow it",
    "not_active": "the appointment is cancelled, completed or missed",
    "unknown_doctor": "doctor_id: no active doctor with this id",
    "unknown_service": "the appointment's service is no longer offered",
}


def _refused(outcome: book.Outcome) -> HTTPException:
    if outcome.refused == "not_found":
        return _not_found("appointment")
    reason = REFUSALS.get(outcome.refused or "", outcome.refused or "refused")
    if outcome.refused == "unknown_doctor":
        return _invalid(reason)
    if outcome.appointment is not None:
        reason = f"{reason} (it is {outcome.appointment.status})"
    return _conflict(reason)


async def _practice_of(session: AsyncSession, tenant: TenantContext) -> Practice:
    return await _practice(session, await _tenant_row(session, tenant.tenant_id))


@router.post("/appointments/{appointment_id}/mark")
async def mark_appointment(
    appointment_id: uuid.UUID,
    body: MarkIn,
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(BOOK),
) -> AppointmentPublic:
    """Confirmed, completed or no-show (a no-show may be corrected to completed, and back)."""
    practice = await _practice_of(session, tenant)
    outcome = await book.mark(
        session, practice, appointment_id=appointment_id, status=body.status, by=_by(tenant)
    )
    if outcome.refused or outcome.appointment is None:
        raise _refused(outcome)
    await session.commit()
    return await _one_public(session, outcome.appointment, settings.base_url)


@router.post("/appointments/{appointment_id}/cancel")
async def cancel_appointment(
    appointment_id: uuid.UUID,
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(BOOK),
    body: CancelIn | None = None,
) -> AppointmentPublic:
    """Cancel a booked or confirmed appointment; its slot goes to the waitlist."""
    practice = await _practice_of(session, tenant)
    outcome = await book.cancel(
        session,
        practice,
        appointment_id=appointment_id,
        reason=(body or CancelIn()).reason,
        by=_by(tenant),
    )
    if outcome.refused or outcome.appointment is None:
        raise _refused(outcome)
    await session.commit()
    return await _one_public(session, outcome.appointment, settings.base_url)


@router.post("/appointments/{appointment_id}/move", responses={409: {"model": SlotTaken}})
async def move_appointment(
    appointment_id: uuid.UUID,
    body: MoveIn,
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(BOOK),
) -> AppointmentPublic:
    starts_at = _aware(body.starts_at, "starts_at")
    if starts_at < utcnow():
        raise _invalid("starts_at: is in the past")
    practice = await _practice_of(session, tenant)
    outcome = await book.move(
        session,
        practice,
        appointment_id=appointment_id,
        doctor_id=body.doctor_id,
        starts_at=starts_at,
        now=utcnow(),
        by=_by(tenant),
    )
    if outcome.refused == "slot_taken":
        await session.rollback()
        return _slot_taken(outcome.alternatives)  # type: ignore[return-value]
    if outcome.refused or outcome.appointment is None:
        raise _refused(outcome)
    await session.commit()
    return await _one_public(session, outcome.appointment, settings.base_url)


# --- the calendar and free slots ----------------------------------------------------------------


class DoctorDay(BaseModel):
    doctor_id: uuid.UUID
    doctor_name: str
    hours: list[str] = Field(description="Working ranges that day (empty: not working).")
    appointments: list[AppointmentPublic]


class CalendarDay(BaseModel):
    day: dt.date
    doctors: list[DoctorDay]


class CalendarPublic(BaseModel):
    timezone: str = Field(description="The clinic's zone: hours are wall-clock times in it.")
    start: dt.date
    days: list[CalendarDay]


@router.get("/calendar")
async def calendar(
    session: TenantSessionDep,
    settings: SettingsDep,
    tenant: TenantContext = require(VIEW),
    doctor_id: uuid.UUID | None = None,
    frm: Annotated[
        dt.date | None, Query(alias="from", description="Default: today in the clinic's zone")
    ] = None,
    days: Annotated[int, Query(ge=1, le=31)] = 7,
) -> CalendarPublic:
    """Per day and active doctor: working hours and appointments (every status)."""
    owner = await _tenant_row(session, tenant.tenant_id)
    practice = await _practice(session, owner)
    doctors = practice.doctors
    if doctor_id is not None:
        doctor = practice.doctor(doctor_id)
        if doctor is None:
            raise _not_found("doctor")
        doctors = (doctor,)
    first = frm or utcnow().astimezone(practice.zone).date()
    start, end = _local_bounds(practice, first, days)
    rows = list(
        await session.scalars(
            select(Appointment)
            .where(
                Appointment.tenant_id == tenant.tenant_id,
                Appointment.doctor_id.in_([d.id for d in doctors]),
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
    listed = await _appointments_public(session, rows, settings.base_url)
    by_day: dict[tuple[dt.date, uuid.UUID], list[AppointmentPublic]] = {}
    for item in listed:
        local_day = item.starts_at.astimezone(practice.zone).date()
        by_day.setdefault((local_day, item.doctor_id), []).append(item)
    out = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        out.append(
            CalendarDay(
                day=day,
                doctors=[
                    DoctorDay(
                        doctor_id=d.id,
                        doctor_name=d.name,
                        hours=_ranges_text(practice.hours_on(d, day)),
                        appointments=by_day.get((day, d.id), []),
                    )
                    for d in doctors
                ],
            )
        )
    return CalendarPublic(timezone=owner.timezone, start=first, days=out)


@router.get("/slots")
async def slots(
    service: Annotated[str, Query(max_length=64, description="The service's key")],
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    doctor_id: uuid.UUID | None = None,
    day: Annotated[dt.date | None, Query(description="Only this day (default: from now)")] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> list[SlotPublic]:
    """The earliest free slots of a service (minimum notice and horizon apply)."""
    practice = await _practice_of(session, tenant)
    wanted = practice.service(service)
    if wanted is None:
        raise _invalid(f"service: no active service {service!r}")
    if doctor_id is not None and practice.doctor(doctor_id) is None:
        raise _not_found("doctor")
    found = await book.free_slots(
        session,
        practice,
        wanted,
        now=utcnow(),
        when=When(start=day, end=day) if day else None,
        doctor_id=doctor_id,
        limit=limit,
    )
    return [slot_public(slot) for slot in found]


# --- the waitlist -------------------------------------------------------------------------------


class WaitlistPublic(BaseModel):
    id: uuid.UUID
    patient: PatientPublic
    service_key: str
    service_name: str
    doctor_id: uuid.UUID | None
    doctor_name: str | None = Field(description="null: any doctor.")
    status: str = Field(description="waiting | offered | booked | gone | cancelled | expired")
    not_after: dt.date | None = Field(description="Only slots up to this day.")
    appointment_id: uuid.UUID | None = Field(description="The appointment they would move.")
    conversation_id: uuid.UUID | None
    created_at: dt.datetime
    offered_at: dt.datetime | None


@router.get("/waitlist")
async def waitlist(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
) -> list[WaitlistPublic]:
    """The entries in the order offers go (oldest first)."""
    query = select(WaitlistEntry, Customer).join(Customer, Customer.id == WaitlistEntry.customer_id)
    query = query.where(WaitlistEntry.tenant_id == tenant.tenant_id)
    if status_ is not None:
        query = query.where(WaitlistEntry.status == status_)
    rows = (await session.execute(query.order_by(WaitlistEntry.created_at).limit(500))).all()
    names = await _Names.load(session, tenant.tenant_id)
    out = []
    for entry, customer in rows:
        key, name = names.service(entry.service_id)
        out.append(
            WaitlistPublic(
                id=entry.id,
                patient=PatientPublic(
                    customer_id=customer.id, name=customer.name, phone=mask_phone(customer.phone)
                ),
                service_key=key,
                service_name=name,
                doctor_id=entry.doctor_id,
                doctor_name=names.doctors.get(entry.doctor_id) if entry.doctor_id else None,
                status=entry.status,
                not_after=entry.not_after,
                appointment_id=entry.appointment_id,
                conversation_id=entry.conversation_id,
                created_at=entry.created_at,
                offered_at=entry.offered_at,
            )
        )
    return out


@router.delete("/waitlist/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_from_waitlist(
    entry_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(BOOK)
) -> Response:
    """Take a waiting (or offered) patient off the list: the entry is kept as cancelled."""
    entry = await session.get(WaitlistEntry, entry_id)
    if entry is None or entry.tenant_id != tenant.tenant_id:
        raise _not_found("waitlist entry")
    if entry.status not in ("waiting", "offered", "cancelled"):
        raise _conflict(f"status: the entry is {entry.status}")
    entry.status, entry.decided_at = "cancelled", entry.decided_at or utcnow()
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- figures ------------------------------------------------------------------------------------


class ClinicStats(BaseModel):
    days: int = Field(description="The period: the last this many days, up to now.")
    appointments: int = Field(description="Appointments whose time fell in the period.")
    completed: int = Field(description="Of those, marked completed.")
    no_show: int = Field(description="Of those, marked no-show.")
    cancelled: int = Field(description="Of those, cancelled.")
    no_show_rate: float | None = Field(
        description="no_show / (completed + no_show); null when neither happened."
    )
    upcoming: int = Field(description="Booked or confirmed appointments from now on.")
    price_questions: int = Field(
        description="Conversations with a treatment price question (intent treatment_price) "
        "in the period."
    )
    converted: int = Field(
        description="Of those, conversations whose patient booked an appointment after the "
        "first price question of the period (booked up to now, at most 7 days after the period)."
    )
    conversion_rate: float | None = Field(
        description="converted / price_questions; null when there was no price question."
    )
    waitlist_waiting: int = Field(description="Patients waiting on the waitlist now.")
    follow_ups_sent: int = Field(description="Treatment follow-ups sent in the period.")
    follow_ups_answered: int = Field(
        description="Of those, answered by the patient within 48 hours (response compliance)."
    )
    compliance_rate: float | None = Field(
        description="follow_ups_answered / follow_ups_sent; null when none was sent."
    )
    referral_codes: dict[str, int] = Field(
        description="Referral codes created in the period, by status: generated, shared, used, "
        "expired."
    )
    referred_patients: int = Field(description="New patients who used a code in the period.")
    waitlist_offers: int = Field(description="Freed slots offered to waiting patients.")
    waitlist_accepted: int = Field(description="Of the waiting patients, those who took one.")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@router.get("/stats")
async def stats(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> ClinicStats:
    now = utcnow()
    since = now - dt.timedelta(days=days)
    counts = dict(
        (
            await session.execute(
                select(Appointment.status, func.count())
                .where(
                    Appointment.tenant_id == tenant.tenant_id,
                    Appointment.starts_at >= since,
                    Appointment.starts_at < now,
                )
                .group_by(Appointment.status)
            )
        ).all()
    )
    upcoming = await session.scalar(
        select(func.count()).where(
            Appointment.tenant_id == tenant.tenant_id,
            Appointment.status.in_(book.ACTIVE),
            Appointment.starts_at >= now,
        )
    )
    asked = (
        select(
            AutoReplyLog.conversation_id.label("conversation_id"),
            func.min(AutoReplyLog.created_at).label("asked_at"),
        )
        .where(
            AutoReplyLog.tenant_id == tenant.tenant_id,
            AutoReplyLog.intent == "treatment_price",
            AutoReplyLog.created_at >= since,
        )
        .group_by(AutoReplyLog.conversation_id)
        .subquery()
    )
    questions = await session.scalar(select(func.count()).select_from(asked)) or 0
    booked_after = (
        select(Appointment.id)
        .join(Conversation, Conversation.customer_id == Appointment.customer_id)
        .where(
            Appointment.tenant_id == tenant.tenant_id,
            Conversation.id == asked.c.conversation_id,
            Appointment.created_at >= asked.c.asked_at,
            Appointment.created_at < now + dt.timedelta(days=7),
        )
        .exists()
    )
    converted = (
        await session.scalar(select(func.count()).select_from(asked).where(booked_after)) or 0
    )
    waiting = await session.scalar(
        select(func.count()).where(
            WaitlistEntry.tenant_id == tenant.tenant_id, WaitlistEntry.status == "waiting"
        )
    )
    completed, no_show = counts.get("completed", 0), counts.get("no_show", 0)
    outreach = await outreach_stats(session, tenant.tenant_id, since)
    return ClinicStats(
        **outreach,
        days=days,
        appointments=sum(counts.values()),
        completed=completed,
        no_show=no_show,
        cancelled=counts.get("cancelled", 0),
        no_show_rate=_rate(no_show, completed + no_show),
        upcoming=upcoming or 0,
        price_questions=questions,
        converted=converted,
        conversion_rate=_rate(converted, questions),
        waitlist_waiting=waiting or 0,
    )


# --- public calendar feeds ----------------------------------------------------------------------

ICS = "text/calendar; charset=utf-8"
FEED_PAST = dt.timedelta(days=7)


def _ics(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=ICS,
        headers={
            "Content-Disposition": f'inline; filename="{name}.ics"',
            "Cache-Control": "no-store",
        },
    )


@feeds.get(
    "/calendar/appointment/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Unknown token"}},
)
async def appointment_feed(token: str, services: ServicesDep) -> Response:
    """One appointment as an .ics file (the link in the patient's confirmation)."""
    async with services.db.session() as system:
        tenant_id = await system.scalar(
            select(Appointment.tenant_id).where(Appointment.calendar_token == token)
        )
    if tenant_id is None:
        raise _not_found("calendar")
    async with services.db.tenant_session(tenant_id) as session:
        row = await session.scalar(select(Appointment).where(Appointment.calendar_token == token))
        owner = await session.get(Tenant, tenant_id)
        if row is None or owner is None:
            raise _not_found("calendar")
        names = await _Names.load(session, tenant_id)
        customer = await session.get(Customer, row.customer_id)
        language = (customer.language if customer else None) or owner.default_language
        _, service = names.service(row.service_id, language)
        clinic = TenantSettings.parse(owner.settings, blocks=("clinic",)).clinic
        body = appointment_ics(
            appointment_id=row.id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            service=service,
            doctor=names.doctors.get(row.doctor_id, ""),
            clinic=owner.name,
            address=clinic.address,
        )
    return _ics(body, "randevu")


@feeds.get(
    "/calendar/doctor/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "Unknown token"}},
)
async def doctor_feed(token: str, services: ServicesDep) -> Response:
    """A doctor's appointments from 7 days ago to the booking horizon (cancelled ones left out),
    for a calendar subscription; patients appear by first name only."""
    async with services.db.session() as system:
        tenant_id = await system.scalar(
            select(Doctor.tenant_id).where(Doctor.calendar_token == token)
        )
    if tenant_id is None:
        raise _not_found("calendar")
    async with services.db.tenant_session(tenant_id) as session:
        doctor = await session.scalar(select(Doctor).where(Doctor.calendar_token == token))
        owner = await session.get(Tenant, tenant_id)
        if doctor is None or owner is None or not doctor.active:
            raise _not_found("calendar")
        clinic = TenantSettings.parse(owner.settings, blocks=("clinic",)).clinic
        now = utcnow()
        rows = (
            await session.execute(
                select(Appointment, Customer.name)
                .join(Customer, Customer.id == Appointment.customer_id)
                .where(
                    Appointment.doctor_id == doctor.id,
                    Appointment.status != "cancelled",
                    Appointment.starts_at >= now - FEED_PAST,
                    Appointment.starts_at < now + dt.timedelta(days=clinic.horizon_days + 1),
                )
                .order_by(Appointment.starts_at)
            )
        ).all()
        names = await _Names.load(session, tenant_id)
        visits = [
            Visit(
                id=row.id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                summary=f"{names.service(row.service_id)[1]} — {first_name(patient)}",
                description=doctor.name,
                status=row.status,
            )
            for row, patient in rows
        ]
        body = doctor_ics(
            doctor=doctor.name, clinic=owner.name, address=clinic.address, visits=visits
        )
    return _ics(body, "takvim")
