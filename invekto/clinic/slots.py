"""The slot engine: which start times of a service are free, for which doctor.

Pure functions over a :class:`~invekto.clinic.practice.Practice` and the doctors' booked
appointments (:class:`Busy`). A slot of service S at time t with doctor D is free when:

- t is on the clinic's grid (``slot_step_minutes``) and at least ``min_notice_minutes`` from now,
  and the day is within ``horizon_days``;
- the blocked interval ``[t - buffer_before, t + duration + buffer_after]`` lies inside one of D's
  working ranges that day (so breaks and closing time are respected);
- no active appointment of D overlaps it, except appointments of the same group slot (same
  service, same start) while fewer than its ``seats`` are taken.

Everything is computed in the clinic's zone and returned in UTC.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from invekto.clinic.practice import DoctorView, Practice, ServiceView

if TYPE_CHECKING:
    from invekto.clinic.when import When


@dataclass(frozen=True, slots=True)
class Busy:
    """An active appointment of a doctor, as the slot engine sees it."""

    doctor_id: uuid.UUID
    service_id: uuid.UUID
    starts_at: dt.datetime
    blocked_from: dt.datetime
    blocked_until: dt.datetime
    appointment_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    doctor_id: uuid.UUID
    doctor_name: str
    service_key: str
    starts_at: dt.datetime
    ends_at: dt.datetime

    def key(self) -> str:
        """Stable id of the slot (the reply button's id)."""
        return f"{self.doctor_id.hex[:8]}-{self.starts_at:%Y%m%d%H%M}"

    def to_json(self) -> dict[str, str]:
        return {
            "doctor_id": str(self.doctor_id),
            "doctor_name": self.doctor_name,
            "service_key": self.service_key,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict) -> Slot:
        return cls(
            doctor_id=uuid.UUID(str(data["doctor_id"])),
            doctor_name=str(data.get("doctor_name") or ""),
            service_key=str(data["service_key"]),
            starts_at=dt.datetime.fromisoformat(str(data["starts_at"])),
            ends_at=dt.datetime.fromisoformat(str(data["ends_at"])),
        )


def blocked(service: ServiceView, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return start - service.buffer_before, start + service.duration + service.buffer_after


def earliest_start(practice: Practice, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=practice.settings.min_notice_minutes)


def last_day(practice: Practice, now: dt.datetime) -> dt.date:
    return practice.local(now).date() + dt.timedelta(days=practice.settings.horizon_days)


def is_free(
    practice: Practice,
    service: ServiceView,
    doctor: DoctorView,
    start: dt.datetime,
    busy: Iterable[Busy],
    *,
    now: dt.datetime,
    ignore: uuid.UUID | None = None,
    check_notice: bool = True,
) -> bool:
    """Whether ``doctor`` can take ``service`` at ``start`` (``ignore``: an appointment being
    moved, whose own time does not count)."""
    if doctor not in practice.doctors_for(service):
        return False
    local = practice.local(start)
    if check_notice and start < earliest_start(practice, now):
        return False
    if start < now or local.date() > last_day(practice, now):
        return False
    step = practice.settings.slot_step_minutes
    if (local.hour * 60 + local.minute) % step or local.second or local.microsecond:
        return False
    return _fits_hours(practice, service, doctor, local) and _no_conflict(
        service, doctor, start, busy, ignore=ignore
    )


def _fits_hours(
    practice: Practice, service: ServiceView, doctor: DoctorView, local: dt.datetime
) -> bool:
    frm, until = blocked(service, local)
    day = local.date()
    for open_at, close_at in practice.hours_on(doctor, day):
        opens, closes = _range_on(day, open_at, close_at, practice)
        if opens <= frm and until <= closes:
            return True
    return False


def _range_on(
    day: dt.date, open_at: dt.time, close_at: dt.time, practice: Practice
) -> tuple[dt.datetime, dt.datetime]:
    opens = dt.datetime.combine(day, open_at, practice.zone)
    if close_at == dt.time.max:  # "24:00": until midnight
        return opens, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), practice.zone)
    return opens, dt.datetime.combine(day, close_at, practice.zone)


def _no_conflict(
    service: ServiceView,
    doctor: DoctorView,
    start: dt.datetime,
    busy: Iterable[Busy],
    *,
    ignore: uuid.UUID | None,
) -> bool:
    frm, until = blocked(service, start)
    same_slot = 0
    for item in busy:
        if item.doctor_id != doctor.id or (ignore and item.appointment_id == ignore):
            continue
        if item.blocked_from >= until or item.blocked_until <= frm:
            continue
        if item.service_id == service.id and item.starts_at == start and service.seats > 1:
            same_slot += 1
            continue
        return False
    return same_slot < service.seats


def candidates(
    practice: Practice,
    service: ServiceView,
    *,
    now: dt.datetime,
    when: When | None = None,
    doctor: DoctorView | None = None,
) -> Iterator[tuple[DoctorView, dt.datetime]]:
    """Start times on the grid within working hours, in time order (doctors by position at
    the same time), before conflicts are checked."""
    first = practice.local(max(earliest_start(practice, now), now))
    day = first.date()
    end = last_day(practice, now)
    if when is not None:
        day = max(day, when.start)
        end = min(end, when.end)
    doctors = (doctor,) if doctor else practice.doctors_for(service)
    step = dt.timedelta(minutes=practice.settings.slot_step_minutes)
    while day <= end:
        if when is None or when.weekdays is None or day.weekday() in when.weekdays:
            starts: list[tuple[dt.datetime, int, DoctorView]] = []
            for doc in doctors:
                for open_at, close_at in practice.hours_on(doc, day):
                    opens, limit = _range_on(day, open_at, close_at, practice)
                    moment = _on_grid(opens + service.buffer_before, step)
                    while moment + service.duration + service.buffer_after <= limit:
                        if _wanted(moment, when):
                            starts.append((moment, doc.position, doc))
                        moment += step
            for moment, _, doc in sorted(starts, key=lambda item: (item[0], item[1])):
                utc = moment.astimezone(dt.UTC)
                if utc >= earliest_start(practice, now):
                    yield doc, utc
        day += dt.timedelta(days=1)


def _on_grid(moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    minutes = moment.hour * 60 + moment.minute
    size = int(step.total_seconds() // 60)
    extra = (-minutes) % size
    return moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=extra)


def _wanted(moment: dt.datetime, when: When | None) -> bool:
    if when is None:
        return True
    clock = moment.time()
    if when.at is not None:
        return True  # an exact time: every slot of the day, nearest first (see find_slots)
    if when.after is not None and clock < when.after:
        return False
    return when.before is None or clock < when.before


def find_slots(
    practice: Practice,
    service: ServiceView,
    busy: Sequence[Busy],
    *,
    now: dt.datetime,
    when: When | None = None,
    doctor: DoctorView | None = None,
    limit: int = 3,
    spread: dt.timedelta = dt.timedelta(hours=1),
) -> list[Slot]:
    """Up to ``limit`` free slots, earliest first, at least ``spread`` apart (a choice, not three
    neighbouring quarter hours). With an exact time asked (``when.at``), that time first when
    free, then the nearest ones of the same days."""
    found: list[Slot] = []
    pool = candidates(practice, service, now=now, when=when, doctor=doctor)
    if when is not None and when.at is not None:
        wanted = when.at
        free = [
            (doc, start)
            for doc, start in pool
            if is_free(practice, service, doc, start, busy, now=now)
        ]

        def distance(item: tuple[DoctorView, dt.datetime]) -> tuple[int, float]:
            local = practice.local(item[1])
            delta = abs((local.hour * 60 + local.minute) - (wanted.hour * 60 + wanted.minute))
            return (local.date().toordinal(), delta)

        ordered = sorted(free, key=distance)
        pool = iter(ordered)
        spread = dt.timedelta(minutes=practice.settings.slot_step_minutes)
    for doc, start in pool:
        if any(abs(start - slot.starts_at) < spread for slot in found):
            continue
        if not is_free(practice, service, doc, start, busy, now=now):
            continue
        found.append(
            Slot(
                doctor_id=doc.id,
                doctor_name=doc.name,
                service_key=service.key,
                starts_at=start,
                ends_at=start + service.duration,
            )
        )
        if len(found) >= limit:
            break
    return found
