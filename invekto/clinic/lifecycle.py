"""What follows from a change to an appointment, planned in the same transaction as the change.

Called by :mod:`invekto.clinic.book` after each write (and by the seed):

- :func:`booked` — the T-48 h and T-2 h reminders (templates through the outbound engine; the
  48-hour one has "Geliyorum" / "İptal" buttons); a waitlist offer of this slot is settled;
- :func:`moved` — the reminders re-planned for the new time; the old slot offered to the waitlist;
- :func:`cancelled` — the reminders cancelled; the slot offered to the waitlist;
- :func:`marked` — ``completed``: the treatment follow-ups (T+1 day, T+7 days with the service's
  control questions, T+30 days a control appointment offer); ``no_show``/``confirmed``: the
  reminders that are no longer needed are cancelled;
- :func:`removed` — an appointment deleted (the demo seed's reset): everything planned for it
  is cancelled.

Timing rules:

- a reminder whose time has passed is not planned (booked 30 hours ahead: only the T-2 h one);
- quiet hours move a send later (``schedule``); a T-2 h reminder they would push closer than
  ``MIN_LEAD`` to the appointment (a 09:00 appointment's 07:00 reminder) goes instead just before
  the quiet hours begin, the evening before (its text names the day and time, so it reads right);
- follow-ups go at ``FOLLOW_UP_AT`` local time on the treatment day + 1, 7 and 30; one whose time
  passed less than a day ago goes now, an older one not at all.

Every send's dedupe key holds the appointment id (and when its row was written), its start time
and its change count, so a move plans new reminders (the old ones are cancelled), a re-seeded
demo appointment gets its own, and a re-run plans nothing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.clinic.texts import clock, day_text
from invekto.core.tenant_settings import TenantSettings
from invekto.outbound import clinic_flows as flows
from invekto.outbound.events import DEAR_CUSTOMER, channel_for, emit, language_of
from invekto.outbound.schedule import Planned, cancel, out_of_quiet_hours, schedule, tenant_zone
from invekto.prompts import render
from invekto.prompts.content import PromptSet
from invekto.storage.models import Appointment, Customer, Tenant, WaitlistEntry, utcnow

if TYPE_CHECKING:
    from invekto.clinic.practice import Practice
    from invekto.clinic.slots import Slot

MIN_LEAD = dt.timedelta(minutes=30)
"""A T-2 h reminder arrives at least this long before the appointment, or goes the evening
before."""
BEFORE_QUIET = dt.timedelta(minutes=30)
"""How long before the quiet hours begin a brought-forward reminder goes."""
FOLLOW_UP_AT = dt.time(11, 0)
FOLLOW_UP_DAYS = {flows.FOLLOWUP_1D: 1, flows.FOLLOWUP_7D: 7, flows.CONTROL_30D: 30}
LATE_FOLLOW_UP = dt.timedelta(days=1)
MAX_OFFERS = 20
"""Waiting patients one freed slot is offered to at most (in the order they joined)."""
OPEN_ENTRIES = ("waiting", "gone")
"""Entries still in line: ``gone`` had an offer someone else took, and waits for the next."""


async def booked(session: AsyncSession, practice: Practice, appointment: Appointment) -> None:
    """Plan the reminders; settle the waitlist offers of this slot; emit ``appointment_booked``."""
    await _plan_reminders(session, practice, appointment)
    await _settle_offers(session, practice, appointment)
    tenant, customer = await _parties(session, appointment)
    if tenant is not None and customer is not None:
        service = practice.service_by_id(appointment.service_id)
        local = appointment.starts_at.astimezone(practice.zone)
        language = language_of(customer, tenant)
        await emit(
            session,
            tenant,
            customer,
            "appointment_booked",
            {
                "appointment_id": str(appointment.id),
                "service": service.names.get(language) or service.key if service else "",
                "date": day_text(local.date(), language),
                "time": clock(local),
                "starts_at": appointment.starts_at.isoformat(),
            },
            key=f"appointment:{appointment.id}",
        )


async def moved(
    session: AsyncSession, practice: Practice, appointment: Appointment, *, freed: Slot
) -> None:
    """Re-plan the reminders for the new time; offer the old slot to the waitlist."""
    await _cancel_planned(session, appointment, reason="moved")
    await _plan_reminders(session, practice, appointment)
    await _settle_offers(session, practice, appointment)
    await offer_slot(
        session,
        practice,
        service_id=appointment.service_id,
        doctor_id=freed.doctor_id,
        starts_at=freed.starts_at,
        freed_by=appointment.id,
    )


async def cancelled(session: AsyncSession, practice: Practice, appointment: Appointment) -> None:
    """Cancel the appointment's planned sends; offer its slot to the waitlist."""
    await _cancel_planned(session, appointment, reason="appointment_cancelled")
    await offer_slot(
        session,
        practice,
        service_id=appointment.service_id,
        doctor_id=appointment.doctor_id,
        starts_at=appointment.starts_at,
        freed_by=appointment.id,
    )


async def marked(
    session: AsyncSession, practice: Practice, appointment: Appointment, *, previous: str
) -> None:
    """``completed``: plan the follow-ups; ``no_show``: cancel everything ahead; ``confirmed``:
    the T-48 h reminder is answered (only the T-2 h one stays)."""
    if appointment.status == "confirmed":
        await _cancel_planned(session, appointment, flow=flows.REMINDER_48H, reason="confirmed")
    elif appointment.status == "no_show":
        await _cancel_planned(session, appointment, reason="no_show")
    elif appointment.status == "completed":
        await _cancel_planned(session, appointment, reason="completed")
        await _plan_follow_ups(session, practice, appointment)


async def removed(session: AsyncSession, appointment: Appointment) -> None:
    """Cancel everything planned for the appointment."""
    await _cancel_planned(session, appointment, reason="appointment_removed")


# --- planning ----------------------------------------------------------------------------------


async def _parties(
    session: AsyncSession, appointment: Appointment
) -> tuple[Tenant | None, Customer | None]:
    return (
        await session.get(Tenant, appointment.tenant_id),
        await session.get(Customer, appointment.customer_id),
    )


def reminder_times(
    starts_at: dt.datetime, tenant: Tenant, now: dt.datetime
) -> dict[str, dt.datetime]:
    """When each reminder of an appointment goes (after quiet hours); the passed ones left out."""
    times: dict[str, dt.datetime] = {}
    first = out_of_quiet_hours(starts_at - dt.timedelta(hours=48), tenant)
    if starts_at - dt.timedelta(hours=48) > now and first < starts_at - MIN_LEAD:
        times[flows.REMINDER_48H] = first
    due = starts_at - dt.timedelta(hours=2)
    last = out_of_quiet_hours(due, tenant)
    if last > starts_at - MIN_LEAD:
        last = before_quiet_hours(due, tenant)
    if due > now and last > now:
        times[flows.REMINDER_2H] = last
    return times


def before_quiet_hours(when: dt.datetime, tenant: Tenant) -> dt.datetime:
    """``BEFORE_QUIET`` before the start of the quiet hours ``when`` falls in."""
    quiet = TenantSettings.parse(tenant.settings).outbound.quiet_hours
    hours, minutes = (int(part) for part in quiet.start.split(":"))
    zone = tenant_zone(tenant)
    local = when.astimezone(zone)
    start = dt.datetime.combine(local.date(), dt.time(hours, minutes), tzinfo=zone)
    if start > local:
        start -= dt.timedelta(days=1)
    return (start - BEFORE_QUIET).astimezone(dt.UTC)


def _key(appointment: Appointment, name: str) -> str:
    """The appointment (as written: a re-seeded one is new), its start and its change count."""
    stamp = appointment.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M")
    written = appointment.created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    changes = len(appointment.history or [])
    return f"clinic:{appointment.id}:{written}:{stamp}:{changes}:{name}"


def _appointment_values(
    practice: Practice, appointment: Appointment, customer: Customer, language: str
) -> dict[str, str]:
    service = practice.service_by_id(appointment.service_id)
    local = appointment.starts_at.astimezone(practice.zone)
    return {
        "customer_name": customer.name or DEAR_CUSTOMER.get(language, ""),
        "service": (service.names.get(language) or service.names.get("tr") or service.key)
        if service
        else "",
        "date": day_text(local.date(), language),
        "time": clock(local),
    }


async def _plan_reminders(
    session: AsyncSession, practice: Practice, appointment: Appointment
) -> None:
    if not practice.settings.reminders or appointment.status not in ("booked", "confirmed"):
        return
    tenant, customer = await _parties(session, appointment)
    channel = await channel_for(session, appointment.tenant_id)
    if tenant is None or customer is None or channel is None:
        return
    language = language_of(customer, tenant)
    values = _appointment_values(practice, appointment, customer, language)
    doctor = practice.doctor(appointment.doctor_id)
    times = reminder_times(appointment.starts_at, tenant, utcnow())
    if appointment.status == "confirmed":
        times.pop(flows.REMINDER_48H, None)
    planned = []
    for name, due in times.items():
        parameters = dict(values)
        context: dict[str, Any] = {"appointment_id": str(appointment.id)}
        if name == flows.REMINDER_48H:
            parameters["doctor"] = doctor.name if doctor else ""
            context["payloads"] = [
                f"appt:confirm:{appointment.id}",
                f"appt:cancel:{appointment.id}",
            ]
        planned.append(
            _planned(appointment, customer.id, channel.id, name, due, language, parameters, context)
        )
    await schedule(session, tenant, planned)


def follow_up_times(treated_on: dt.date, zone: Any, now: dt.datetime) -> dict[str, dt.datetime]:
    """When each follow-up of a treatment on ``treated_on`` goes (a late one now, a stale one
    not at all)."""
    times = {}
    for name, days in FOLLOW_UP_DAYS.items():
        due = dt.datetime.combine(
            treated_on + dt.timedelta(days=days), FOLLOW_UP_AT, tzinfo=zone
        ).astimezone(dt.UTC)
        if due < now - LATE_FOLLOW_UP:
            continue
        times[name] = max(due, now)
    return times


async def _plan_follow_ups(
    session: AsyncSession, practice: Practice, appointment: Appointment
) -> None:
    service = practice.service_by_id(appointment.service_id)
    if service is None or not service.follow_up or not practice.settings.follow_ups:
        return
    tenant, customer = await _parties(session, appointment)
    channel = await channel_for(session, appointment.tenant_id)
    if tenant is None or customer is None or channel is None:
        return
    language = language_of(customer, tenant)
    values = _appointment_values(practice, appointment, customer, language)
    base = {"customer_name": values["customer_name"], "service": values["service"]}
    questions = service.control_questions.get(language) or service.control_questions.get("tr") or ""
    treated_on = appointment.starts_at.astimezone(practice.zone).date()
    planned = []
    for name, due in follow_up_times(treated_on, practice.zone, utcnow()).items():
        parameters = dict(base)
        if name == flows.FOLLOWUP_7D:
            if not questions:
                continue
            parameters["questions"] = questions
        context = {
            "appointment_id": str(appointment.id),
            "doctor_id": str(appointment.doctor_id),
            "service": service.key,
        }
        planned.append(
            _planned(appointment, customer.id, channel.id, name, due, language, parameters, context)
        )
    await schedule(session, tenant, planned)


def _planned(
    appointment: Appointment,
    customer_id: uuid.UUID,
    channel_id: uuid.UUID,
    name: str,
    due: dt.datetime,
    language: str,
    parameters: dict[str, Any],
    context: dict[str, Any],
) -> Planned:
    """One send of the appointment's flow ``name`` (its dedupe key ties it to the appointment
    as it is now)."""
    return Planned(
        customer_id=customer_id,
        channel_id=channel_id,
        conversation_id=appointment.conversation_id,
        dedupe_key=_key(appointment, name),
        due_at=due,
        template_name=name,
        language=language,
        parameters=parameters,
        context=context,
        flow=name,
    )


async def _cancel_planned(
    session: AsyncSession, appointment: Appointment, *, reason: str, flow: str | None = None
) -> int:
    return await cancel(
        session,
        appointment.tenant_id,
        flow=flow,
        context_key="appointment_id",
        context_value=str(appointment.id),
        reason=reason,
    )


# --- the waitlist ------------------------------------------------------------------------------


def offer_id(service_id: uuid.UUID, doctor_id: uuid.UUID, starts_at: dt.datetime) -> str:
    """The same freed slot is one offer, whoever it goes to."""
    stamp = starts_at.astimezone(dt.UTC).isoformat()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"slot:{service_id}:{doctor_id}:{stamp}"))


async def offer_slot(
    session: AsyncSession,
    practice: Practice,
    *,
    service_id: uuid.UUID,
    doctor_id: uuid.UUID,
    starts_at: dt.datetime,
    freed_by: uuid.UUID | None = None,
) -> list[WaitlistEntry]:
    """Offer a freed slot to every patient waiting for it, in the order they joined; returns the
    entries offered. Not for a slot in the past or within the practice's notice."""
    now = utcnow()
    if starts_at < now + dt.timedelta(minutes=practice.settings.min_notice_minutes):
        return []
    day = starts_at.astimezone(practice.zone).date()
    rows = (
        await session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.tenant_id == practice.tenant_id,
                WaitlistEntry.service_id == service_id,
                WaitlistEntry.status.in_(OPEN_ENTRIES),
                or_(WaitlistEntry.doctor_id.is_(None), WaitlistEntry.doctor_id == doctor_id),
                or_(WaitlistEntry.not_after.is_(None), WaitlistEntry.not_after >= day),
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            .limit(MAX_OFFERS)
            .with_for_update(skip_locked=True)
        )
    ).all()
    tenant = await session.get(Tenant, practice.tenant_id)
    channel = await channel_for(session, practice.tenant_id)
    if tenant is None or channel is None:
        return []
    slot_offer = offer_id(service_id, doctor_id, starts_at)
    offered: list[WaitlistEntry] = []
    planned: list[Planned] = []
    for entry in rows:
        if entry.appointment_id is not None and entry.appointment_id == freed_by:
            continue
        if entry.appointment_id is not None and not await _earlier(session, entry, starts_at):
            continue
        customer = await session.get(Customer, entry.customer_id)
        if customer is None:
            continue
        language = language_of(customer, tenant)
        local = starts_at.astimezone(practice.zone)
        service = practice.service_by_id(service_id)
        entry.status, entry.offered_at = "offered", now
        entry.offer = {
            "offer_id": slot_offer,
            "doctor_id": str(doctor_id),
            "service_id": str(service_id),
            "service_key": service.key if service else "",
            "starts_at": starts_at.astimezone(dt.UTC).isoformat(),
        }
        offered.append(entry)
        planned.append(
            Planned(
                customer_id=customer.id,
                channel_id=channel.id,
                conversation_id=entry.conversation_id,
                dedupe_key=f"clinic:wl:{entry.id}:{slot_offer}",
                due_at=now + dt.timedelta(microseconds=len(planned)),  # sent in line order
                template_name=flows.WAITLIST_OFFER,
                language=language,
                parameters={
                    "customer_name": customer.name or DEAR_CUSTOMER.get(language, ""),
                    "service": (service.names.get(language) or service.key) if service else "",
                    "date": day_text(local.date(), language),
                    "time": clock(local),
                },
                context={
                    "entry_id": str(entry.id),
                    "offer_id": slot_offer,
                    "payloads": [f"wl:accept:{entry.id}", f"wl:decline:{entry.id}"],
                },
                flow=flows.WAITLIST_OFFER,
            )
        )
    await session.flush()
    await schedule(session, tenant, planned)
    return offered


async def _earlier(session: AsyncSession, entry: WaitlistEntry, starts_at: dt.datetime) -> bool:
    """Whether ``starts_at`` is earlier than the appointment the entry holds (if still active)."""
    held = await session.get(Appointment, entry.appointment_id)
    if held is None or held.status not in ("booked", "confirmed"):
        return True
    return starts_at < held.starts_at


async def _settle_offers(
    session: AsyncSession, practice: Practice, appointment: Appointment
) -> None:
    """This slot is taken: the patient's own offer of it is ``booked``, everyone else's is
    ``gone`` (they stay in line), and those are told (a plain text: it goes only inside their
    24-hour window, which their answer to the offer opened)."""
    slot_offer = offer_id(appointment.service_id, appointment.doctor_id, appointment.starts_at)
    rows = (
        await session.scalars(
            select(WaitlistEntry).where(
                WaitlistEntry.tenant_id == appointment.tenant_id,
                WaitlistEntry.status == "offered",
                WaitlistEntry.offer["offer_id"].astext == slot_offer,
            )
        )
    ).all()
    if not rows:
        return
    tenant = await session.get(Tenant, appointment.tenant_id)
    channel = await channel_for(session, appointment.tenant_id)
    now = utcnow()
    told: list[Planned] = []
    for entry in rows:
        entry.decided_at = now
        if entry.customer_id == appointment.customer_id:
            entry.status = "booked"
            continue
        entry.status = "gone"
        customer = await session.get(Customer, entry.customer_id)
        if tenant is None or channel is None or customer is None:
            continue
        language = language_of(customer, tenant)
        told.append(
            Planned(
                customer_id=customer.id,
                channel_id=channel.id,
                conversation_id=entry.conversation_id,
                dedupe_key=f"clinic:wl:{entry.id}:{slot_offer}:gone",
                due_at=now,
                text=render(
                    "clinic_outreach_waitlist_gone",
                    language,
                    PromptSet.parse(tenant.prompts),
                    "clinic",
                ),
                language=language,
                context={"entry_id": str(entry.id), "offer_id": slot_offer},
                flow=flows.WAITLIST_GONE,
            )
        )
    await session.flush()
    if tenant is not None:
        await schedule(session, tenant, told)
