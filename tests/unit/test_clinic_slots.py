"""The slot engine on an in-memory practice: hours and breaks, days off and extra hours, notice
and horizon, buffers, seats, time windows and exact times, all in the clinic's zone."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from invekto.clinic.practice import DoctorView, Practice, ServiceView, parse_ranges, weekly_ranges
from invekto.clinic.slots import Busy, find_slots, is_free
from invekto.clinic.when import When
from invekto.core.tenant_settings import Clinic

ZONE = ZoneInfo("Europe/Istanbul")
HOURS = {
    **{str(day): ["09:00-13:00", "14:00-19:00"] for day in range(5)},
    "5": ["10:00-13:00", "14:00-15:00"],
}
WEDNESDAY = dt.date(2026, 12, 2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE)


def doctor(key: str, position: int = 0, weekly: dict | None = None) -> DoctorView:
    return DoctorView(
        id=uuid.uuid5(uuid.NAMESPACE_URL, key),
        key=key,
        name=f"Dt. {key.title()}",
        specialties=(),
        weekly=weekly_ranges(weekly) if weekly else None,
        on_call=False,
        position=position,
    )


def service(
    key: str = "exam",
    minutes: int = 30,
    *,
    before: int = 0,
    after: int = 0,
    seats: int = 1,
    doctors: tuple[str, ...] = (),
) -> ServiceView:
    return ServiceView(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"service:{key}"),
        key=key,
        names={"tr": key},
        aliases=(),
        duration=dt.timedelta(minutes=minutes),
        buffer_before=dt.timedelta(minutes=before),
        buffer_after=dt.timedelta(minutes=after),
        seats=seats,
        price_min=Decimal(0),
        price_max=Decimal(0),
        price_unit={},
        foreign_prices={},
        doctor_keys=doctors,
        booked_as=None,
        follow_up=False,
        control_questions={},
        position=0,
    )


def practice(
    *services: ServiceView,
    doctors: tuple[DoctorView, ...] | None = None,
    overrides: dict | None = None,
    **settings: object,
) -> Practice:
    return Practice(
        tenant_id=uuid.uuid4(),
        zone=ZONE,
        settings=Clinic(
            **{"hours": HOURS, "min_notice_minutes": 120, "horizon_days": 30, **settings}
        ),
        doctors=doctors or (doctor("aydin"),),
        services=services or (service(),),
        overrides={k: parse_ranges(v) for k, v in (overrides or {}).items()},
    )


def starts(slots) -> list[dt.datetime]:
    return [slot.starts_at.astimezone(ZONE) for slot in slots]


def busy(doc: DoctorView, svc: ServiceView, start: dt.datetime) -> Busy:
    return Busy(
        doctor_id=doc.id,
        service_id=svc.id,
        starts_at=start,
        blocked_from=start - svc.buffer_before,
        blocked_until=start + svc.duration + svc.buffer_after,
        appointment_id=uuid.uuid4(),
    )


def test_notice_and_the_lunch_break_push_the_first_slot_to_the_afternoon():
    p = practice()
    slots = find_slots(p, p.services[0], [], now=at(WEDNESDAY, 11))

    # 11:00 + 2 h notice = 13:00, the lunch break: 14:00; then an hour apart.
    assert starts(slots) == [at(WEDNESDAY, 14), at(WEDNESDAY, 15), at(WEDNESDAY, 16)]


def test_a_treatment_must_end_before_the_break_and_before_closing():
    long = service("root_canal", 60)
    p = practice(long)
    slots = find_slots(p, long, [], now=at(WEDNESDAY, 7), limit=20, spread=dt.timedelta(0))
    local = starts(slots)

    assert at(WEDNESDAY, 12) in local and at(WEDNESDAY, 12, 15) not in local  # ends by 13:00
    assert at(WEDNESDAY, 18) not in local or len(local) == 20
    assert all(not (dt.time(12, 1) <= s.time() < dt.time(14)) for s in local)


def test_saturday_hours_sunday_closed_and_a_holiday():
    p = practice(overrides={(None, dt.date(2026, 12, 7)): []})  # Monday closed for everyone
    saturday = When(start=dt.date(2026, 12, 5), end=dt.date(2026, 12, 7))
    slots = find_slots(p, p.services[0], [], now=at(WEDNESDAY, 11), when=saturday, limit=10)

    days = {s.date() for s in starts(slots)}
    assert days == {dt.date(2026, 12, 5)}  # Sunday closed, the holiday closed
    assert min(starts(slots)).time() == dt.time(10)
    assert max(starts(slots)).time() <= dt.time(14, 30)


def test_a_doctors_day_off_and_extra_hours():
    aydin, koc = doctor("aydin", 0), doctor("koc", 1)
    thursday = dt.date(2026, 12, 3)
    p = practice(
        doctors=(aydin, koc),
        overrides={(aydin.id, thursday): [], (koc.id, thursday): ["18:00-21:00"]},
    )
    when = When(start=thursday, end=thursday)
    slots = find_slots(p, p.services[0], [], now=at(WEDNESDAY, 11), when=when, limit=5)

    assert {s.doctor_id for s in slots} == {koc.id}
    assert starts(slots)[0] == at(thursday, 18) and starts(slots)[-1] <= at(thursday, 20, 30)


def test_the_horizon_ends_the_search():
    p = practice(horizon_days=2)
    far = When(start=dt.date(2026, 12, 10), end=dt.date(2026, 12, 12))

    assert find_slots(p, p.services[0], [], now=at(WEDNESDAY, 11), when=far) == []


def test_buffers_keep_room_around_a_booked_treatment():
    svc = service("surgery", 60, before=15, after=15)
    aydin = doctor("aydin")
    p = practice(svc, doctors=(aydin,))
    taken = busy(aydin, svc, at(dt.date(2026, 12, 3), 10))  # blocks 09:45–11:15

    free = [
        is_free(p, svc, aydin, at(dt.date(2026, 12, 3), h, m), [taken], now=at(WEDNESDAY, 11))
        for h, m in ((9, 15), (11, 15), (11, 30))
    ]
    # 09:15 would block until 10:30; 11:15 would start its buffer at 11:00, inside the other's.
    assert free == [False, False, True]


def test_a_group_consultation_takes_as_many_patients_as_it_has_seats():
    group = service("group", 60, seats=3)
    aydin = doctor("aydin")
    p = practice(group, doctors=(aydin,))
    start = at(dt.date(2026, 12, 3), 10)
    taken = [busy(aydin, group, start) for _ in range(2)]

    assert is_free(p, group, aydin, start, taken, now=at(WEDNESDAY, 11))
    assert not is_free(
        p, group, aydin, start, [*taken, busy(aydin, group, start)], now=at(WEDNESDAY, 11)
    )
    # Another start overlapping the group slot is not free.
    assert not is_free(
        p, group, aydin, start + dt.timedelta(minutes=30), taken, now=at(WEDNESDAY, 11)
    )


def test_a_window_and_an_exact_time():
    p = practice()
    thursday = dt.date(2026, 12, 3)
    afternoon = When(start=thursday, end=thursday, after=dt.time(17))
    exact = When(start=thursday, end=thursday, at=dt.time(15, 0))

    assert starts(find_slots(p, p.services[0], [], now=at(WEDNESDAY, 11), when=afternoon)) == [
        at(thursday, 17),
        at(thursday, 18),
    ]
    aydin = p.doctors[0]
    taken = busy(aydin, p.services[0], at(thursday, 15))
    nearest = starts(find_slots(p, p.services[0], [taken], now=at(WEDNESDAY, 11), when=exact))
    assert nearest[0] in (at(thursday, 14, 30), at(thursday, 15, 30)) and len(nearest) == 3


def test_only_the_doctors_of_a_service_and_in_their_order():
    arslan, aydin = doctor("arslan", 0), doctor("aydin", 1)
    implant = service("implant", doctors=("arslan",))
    p = practice(implant, doctors=(arslan, aydin))

    slots = find_slots(p, implant, [], now=at(WEDNESDAY, 11), limit=5)
    assert {s.doctor_id for s in slots} == {arslan.id}
    assert not is_free(p, implant, aydin, at(dt.date(2026, 12, 3), 10), [], now=at(WEDNESDAY, 11))


def test_off_grid_past_and_short_notice_starts_are_never_free():
    p = practice()
    aydin, svc = p.doctors[0], p.services[0]
    now = at(WEDNESDAY, 11)

    assert not is_free(p, svc, aydin, at(dt.date(2026, 12, 3), 10, 7), [], now=now)
    assert not is_free(p, svc, aydin, at(WEDNESDAY, 9), [], now=now)
    assert not is_free(p, svc, aydin, at(WEDNESDAY, 12), [], now=now)  # inside the notice
    assert is_free(p, svc, aydin, at(WEDNESDAY, 12), [], now=now, check_notice=False)
