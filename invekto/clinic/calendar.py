"""Calendar feeds (.ics) of appointments: one for the patient's appointment, one per doctor.

Both are served without a login under an unguessable token (``/calendar/appointment/{token}.ics``,
``/calendar/doctor/{token}.ics``); a calendar app subscribes to the doctor's feed. Times are
written in UTC; the event's UID (``{appointment id}@invekto``) stays the same when an appointment
moves, so calendars update the event rather than adding one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar, Event

PRODID = "-//Invekto//Clinic calendar//TR"


def appointment_url(base_url: str, token: str) -> str:
    """The patient's link to add one appointment to a calendar."""
    return f"{base_url.rstrip('/')}/calendar/appointment/{token}.ics"


def doctor_url(base_url: str, token: str) -> str:
    """The doctor's feed of appointments, for a calendar subscription."""
    return f"{base_url.rstrip('/')}/calendar/doctor/{token}.ics"


@dataclass(frozen=True, slots=True)
class Visit:
    """One appointment as a calendar shows it."""

    id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    description: str
    status: str
    """The appointment's status: ``cancelled`` is written as a cancelled event."""


def _event(visit: Visit, location: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"{visit.id}@invekto")
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.starts_at.astimezone(dt.UTC))
    event.add("dtend", visit.ends_at.astimezone(dt.UTC))
    event.add("summary", visit.summary)
    if location:
        event.add("location", location)
    if visit.description:
        event.add("description", visit.description)
    event.add("status", "CANCELLED" if visit.status == "cancelled" else "CONFIRMED")
    return event


def _calendar(name: str, visits: Iterable[Visit], location: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for visit in visits:
        calendar.add_component(_event(visit, location, stamp))
    return calendar.to_ical()


def appointment_ics(
    *,
    appointment_id: uuid.UUID,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    status: str,
    service: str,
    doctor: str,
    clinic: str,
    address: str,
) -> bytes:
    """One appointment: "{service} — {clinic}" at the clinic's address, with the doctor."""
    visit = Visit(
        id=appointment_id,
        starts_at=starts_at,
        ends_at=ends_at,
        summary=f"{service} — {clinic}",
        description=doctor,
        status=status,
    )
    return _calendar(clinic, [visit], address)


def doctor_ics(*, doctor: str, clinic: str, address: str, visits: Iterable[Visit]) -> bytes:
    """A doctor's appointments (summaries name the service and the patient's first name only)."""
    return _calendar(f"{doctor} — {clinic}", visits, address)


def first_name(name: str | None) -> str:
    """The first word of a patient's name ("Hasta" when there is none)."""
    words = (name or "").split()
    return words[0] if words else "Hasta"
