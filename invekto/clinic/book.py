"""Booking, moving, cancelling and marking appointments: transactions that never double-book.

Every change to a doctor's calendar takes that doctor's row lock (``SELECT … FOR UPDATE`` on
``clinic_doctors``) in the caller's tenant transaction, then checks the slot against the
appointments as they are now, then writes. Two conversations that book the same slot at once are
serialised by the lock: the first writes, the second sees the slot taken and gets the next free
ones (:class:`Outcome` ``refused="slot_taken"``). A move locks both doctors in a fixed order.

After each change, :mod:`invekto.clinic.lifecycle` plans or cancels what follows from it
(reminders, the waitlist, follow-ups), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.clinic import lifecycle
from invekto.clinic.practice import Practice, ServiceView
from invekto.clinic.slots import Busy, Slot, find_slots, is_free, last_day
from invekto.storage.models import Appointment, Doctor, utcnow

ACTIVE = ("booked", "confirmed")
"""Statuses that hold a slot."""
STATUSES = ("booked", "confirmed", "cancelled", "completed", "no_show")
MARKS = {
    "confirmed": ("booked",),
    "completed": ("booked", "confirmed", "no_show"),
    "no_show": ("booked", "confirmed", "completed"),
}
"""A status a person (or the patient's "Geliyorum") may set → the statuses it may follow."""


@dataclass(slots=True)
class Outcome:
    appointment: Appointment | None = None
    refused: str | None = None
    """slot_taken | not_found | not_active | bad_status | unknown_service | unknown_doctor"""
    alternatives: list[Slot] = field(default_factory=list)
    already: bool = False
    """The same booking was made before (a re-run turn): nothing changed."""


def calendar_token() -> str:
    return secrets.token_urlsafe(24)


async def busy_of(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    doctor_ids: Iterable[uuid.UUID],
    frm: dt.datetime,
    until: dt.datetime,
) -> list[Busy]:
    """The active appointments of these doctors that overlap ``[frm, until)``."""
    ids = list(doctor_ids)
    if not ids:
        return []
    rows = await session.execute(
        select(
            Appointment.id,
            Appointment.doctor_id,
            Appointment.service_id,
            Appointment.starts_at,
            Appointment.blocked_from,
            Appointment.blocked_until,
        ).where(
            Appointment.tenant_id == tenant_id,
            Appointment.doctor_id.in_(ids),
            Appointment.status.in_(ACTIVE),
            Appointment.blocked_until > frm,
            Appointment.blocked_from < until,
        )
    )
    return [
        Busy(
            appointment_id=row.id,
            doctor_id=row.doctor_id,
            service_id=row.service_id,
            starts_at=row.starts_at,
            blocked_from=row.blocked_from,
            blocked_until=row.blocked_until,
        )
        for row in rows
    ]


async def free_slots(
    session: AsyncSession,
    practice: Practice,
    service: ServiceView,
    *,
    now: dt.datetime,
    when: object | None = None,
    doctor_id: uuid.UUID | None = None,
    limit: int = 3,
) -> list[Slot]:
    """The earliest free slots of ``service`` (``when``: an :class:`~invekto.clinic.when.When`)."""
    doctor = practice.doctor(doctor_id) if doctor_id else None
    doctors = (doctor,) if doctor else practice.doctors_for(service)
    horizon = dt.datetime.combine(
        last_day(practice, now) + dt.timedelta(days=1), dt.time(0), practice.zone
    )
    busy = await busy_of(session, practice.tenant_id, [d.id for d in doctors], now, horizon)
    return find_slots(
        practice,
        service,
        busy,
        now=now,
        when=when,  # type: ignore[arg-type]
        doctor=doctor,
        limit=limit,
    )


async def _lock_doctors(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    """Row locks on the doctors, in id order (two moves never deadlock)."""
    for doctor_id in sorted(set(ids)):
        await session.execute(select(Doctor.id).where(Doctor.id == doctor_id).with_for_update())


async def _day_busy(
    session: AsyncSession, practice: Practice, doctor_id: uuid.UUID, start: dt.datetime
) -> list[Busy]:
    return await busy_of(
        session,
        practice.tenant_id,
        [doctor_id],
        start - dt.timedelta(days=1),
        start + dt.timedelta(days=1),
    )


async def book(
    session: AsyncSession,
    practice: Practice,
    *,
    appointment_id: uuid.UUID,
    service: ServiceView,
    doctor_id: uuid.UUID,
    starts_at: dt.datetime,
    customer_id: uuid.UUID,
    conversation_id: uuid.UUID | None,
    now: dt.datetime,
    source: str = "whatsapp",
    urgent: bool = False,
    note: str = "",
    by: str = "patient",
    token: str | None = None,
) -> Outcome:
    """Book the slot, or refuse with the next free ones. ``appointment_id`` is chosen by the
    caller (a turn's proposal), so booking twice with it books once; so is ``token`` (the
    calendar link already written in the confirmation), else a new one."""
    doctor = practice.doctor(doctor_id)
    if doctor is None:
        return Outcome(refused="unknown_doctor")
    await _lock_doctors(session, [doctor.id])
    existing = await session.get(Appointment, appointment_id)
    if existing is not None:
        return Outcome(appointment=existing, already=True)
    busy = await _day_busy(session, practice, doctor.id, starts_at)
    if not is_free(practice, service, doctor, starts_at, busy, now=now, check_notice=False):
        alternatives = await free_slots(session, practice, service, now=now)
        return Outcome(refused="slot_taken", alternatives=alternatives)
    frm = starts_at - service.buffer_before
    until = starts_at + service.duration + service.buffer_after
    appointment = Appointment(
        id=appointment_id,
        tenant_id=practice.tenant_id,
        doctor_id=doctor.id,
        service_id=service.id,
        customer_id=customer_id,
        conversation_id=conversation_id,
        starts_at=starts_at,
        ends_at=starts_at + service.duration,
        blocked_from=frm,
        blocked_until=until,
        status="booked",
        source=source,
        urgent=urgent,
        note=note[:2000],
        calendar_token=token or calendar_token(),
        history=[_entry("booked", by)],
    )
    session.add(appointment)
    await session.flush()
    await lifecycle.booked(session, practice, appointment)
    return Outcome(appointment=appointment)


async def move(
    session: AsyncSession,
    practice: Practice,
    *,
    appointment_id: uuid.UUID,
    doctor_id: uuid.UUID,
    starts_at: dt.datetime,
    now: dt.datetime,
    by: str = "patient",
) -> Outcome:
    """Move an active appointment to another time (and doctor); its old slot is freed."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.tenant_id != practice.tenant_id:
        return Outcome(refused="not_found")
    doctor = practice.doctor(doctor_id)
    service = practice.service_by_id(appointment.service_id)
    if doctor is None or service is None:
        return Outcome(refused="unknown_doctor" if doctor is None else "unknown_service")
    await _lock_doctors(session, [appointment.doctor_id, doctor.id])
    await session.refresh(appointment)
    if appointment.status not in ACTIVE:
        return Outcome(appointment=appointment, refused="not_active")
    if appointment.starts_at == starts_at and appointment.doctor_id == doctor.id:
        return Outcome(appointment=appointment, already=True)
    busy = await _day_busy(session, practice, doctor.id, starts_at)
    if not is_free(
        practice,
        service,
        doctor,
        starts_at,
        busy,
        now=now,
        ignore=appointment.id,
        check_notice=False,
    ):
        alternatives = await free_slots(session, practice, service, now=now)
        return Outcome(appointment=appointment, refused="slot_taken", alternatives=alternatives)
    old = Slot(
        doctor_id=appointment.doctor_id,
        doctor_name="",
        service_key=service.key,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )
    appointment.doctor_id = doctor.id
    appointment.starts_at = starts_at
    appointment.ends_at = starts_at + service.duration
    appointment.blocked_from = starts_at - service.buffer_before
    appointment.blocked_until = starts_at + service.duration + service.buffer_after
    appointment.status = "booked"  # a moved appointment is confirmed again by its reminder
    appointment.confirmed_at = None
    appointment.updated_at = utcnow()
    appointment.history = [
        *appointment.history,
        _entry("moved", by, previous=old.starts_at.isoformat()),
    ]
    await session.flush()
    await lifecycle.moved(session, practice, appointment, freed=old)
    return Outcome(appointment=appointment)


async def cancel(
    session: AsyncSession,
    practice: Practice,
    *,
    appointment_id: uuid.UUID,
    reason: str = "patient",
    by: str = "patient",
) -> Outcome:
    """Cancel an active appointment; its slot is offered to the waitlist."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.tenant_id != practice.tenant_id:
        return Outcome(refused="not_found")
    await _lock_doctors(session, [appointment.doctor_id])
    await session.refresh(appointment)
    if appointment.status == "cancelled":
        return Outcome(appointment=appointment, already=True)
    if appointment.status not in ACTIVE:
        return Outcome(appointment=appointment, refused="not_active")
    appointment.status = "cancelled"
    appointment.cancelled_at = utcnow()
    appointment.cancel_reason = reason[:64]
    appointment.updated_at = utcnow()
    appointment.history = [*appointment.history, _entry("cancelled", by, reason=reason)]
    await session.flush()
    await lifecycle.cancelled(session, practice, appointment)
    return Outcome(appointment=appointment)


async def mark(
    session: AsyncSession,
    practice: Practice,
    *,
    appointment_id: uuid.UUID,
    status: str,
    by: str,
) -> Outcome:
    """Set ``confirmed`` (the patient is coming), ``completed`` or ``no_show``."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.tenant_id != practice.tenant_id:
        return Outcome(refused="not_found")
    if status not in MARKS:
        return Outcome(appointment=appointment, refused="bad_status")
    if appointment.status == status:
        return Outcome(appointment=appointment, already=True)
    if appointment.status not in MARKS[status]:
        return Outcome(appointment=appointment, refused="bad_status")
    previous = appointment.status
    appointment.status = status
    now = utcnow()
    if status == "confirmed":
        appointment.confirmed_at = now
    elif status == "completed":
        appointment.completed_at = now
    appointment.updated_at = now
    appointment.history = [*appointment.history, _entry(status, by)]
    await session.flush()
    await lifecycle.marked(session, practice, appointment, previous=previous)
    return Outcome(appointment=appointment)


async def upcoming(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, now: dt.datetime
) -> list[Appointment]:
    """The customer's active appointments from now on, soonest first."""
    rows = await session.scalars(
        select(Appointment)
        .where(
            Appointment.tenant_id == tenant_id,
            Appointment.customer_id == customer_id,
            Appointment.status.in_(ACTIVE),
            Appointment.ends_at > now,
        )
        .order_by(Appointment.starts_at)
        .limit(10)
    )
    return list(rows)


def _entry(status: str, by: str, **extra: str) -> dict[str, str]:
    return {"at": utcnow().isoformat(), "status": status, "by": by, **extra}
