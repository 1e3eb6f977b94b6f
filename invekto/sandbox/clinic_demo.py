"""Demo Diş Kliniği (``demo-clinic``): its practice, doctors, services, price lists and patients.

Eval cases, tests and the README rely on these facts (issue 14 lists them); change them only with
care. :func:`seed_clinic` writes them (idempotent): doctors and services by key, the days off,
and the demo patients' appointments relative to the day of the seed (two upcoming, one implant
completed yesterday, so its follow-up is due).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.clinic import book, lifecycle
from invekto.clinic.practice import load_practice
from invekto.sandbox.demo import CLINIC_SETTINGS
from invekto.storage.models import (
    Appointment,
    ClinicService,
    Customer,
    Doctor,
    ReferralCode,
    ScheduleOverride,
    Tenant,
    utcnow,
)

DOCTORS: list[dict[str, Any]] = [
    {
        "key": "selin-arslan",
        "name": "Dt. Selin Arslan",
        "specialties": ["implant", "cerrahi"],
        "alert_email": "selin.arslan@demo-clinic.test",
    },
    {
        "key": "burak-aydin",
        "name": "Dt. Burak Aydın",
        "specialties": ["genel diş hekimliği"],
        "on_call": True,
        "alert_email": "burak.aydin@demo-clinic.test",
        "alert_webhook_url": "/sandbox/sales-inbox",
    },
    {
        "key": "elif-koc",
        "name": "Dt. Elif Koç",
        "specialties": ["ortodonti"],
        "alert_email": "elif.koc@demo-clinic.test",
    },
]
ARSLAN, AYDIN, KOC = (d["key"] for d in DOCTORS)

_IMPLANT_CONTROL = {
    "tr": "Dikiş bölgesinde şişlik, kanama ya da artan bir ağrı var mı? Yumuşak gıdalarla "
    "beslenebiliyor musunuz?",
    "en": "Any swelling, bleeding or growing pain around the stitches? Can you eat soft food?",
    "ar": "هل يوجد تورم أو نزيف أو ألم متزايد حول الغرز؟ هل تستطيع تناول الطعام اللين؟",
}
_TOOTH_CONTROL = {
    "tr": "Dişinizde hassasiyet ya da çiğnerken ağrı var mı?",
    "en": "Any sensitivity or pain when chewing on the tooth?",
    "ar": "هل يوجد حساسية أو ألم عند المضغ على السن؟",
}

SERVICES: list[dict[str, Any]] = [
    {
        "key": "examination",
        "names": {"tr": "Muayene", "en": "Examination", "ar": "الفحص"},
        "aliases": ["muayene", "kontrol", "check up", "checkup", "examination", "فحص", "كشف"],
        "duration_minutes": 30,
        "price_min": 0,
        "price_max": 0,
    },
    {
        "key": "cleaning",
        "names": {"tr": "Diş taşı temizliği", "en": "Scaling and cleaning", "ar": "تنظيف الجير"},
        "aliases": [
            "dis tasi",
            "tas temizligi",
            "temizlik",
            "detartraj",
            "scaling",
            "cleaning",
            "تنظيف",
            "جير",
            "tan6eef",
            "tanzeef",
            "tandeef",
            "tanthif",
        ],
        "duration_minutes": 30,
        "price_min": 1500,
        "price_max": 1500,
        "doctor_keys": [AYDIN],
    },
    {
        "key": "filling",
        "names": {"tr": "Dolgu", "en": "Filling", "ar": "الحشوة"},
        "aliases": [
            "dolgu",
            "filling",
            "cavity",
            "curuk",
            "حشو",
            "حشوة",
            "7ashwe",
            "hashwe",
            "7ashwa",
        ],
        "duration_minutes": 45,
        "price_min": 2000,
        "price_max": 3500,
        "doctor_keys": [AYDIN],
        "follow_up": True,
        "control_questions": _TOOTH_CONTROL,
    },
    {
        "key": "root_canal",
        "names": {"tr": "Kanal tedavisi", "en": "Root canal treatment", "ar": "علاج العصب"},
        "aliases": ["kanal", "root canal", "عصب", "علاج العصب", "سحب العصب"],
        "duration_minutes": 60,
        "price_min": 4500,
        "price_max": 7000,
        "doctor_keys": [AYDIN],
        "follow_up": True,
        "control_questions": _TOOTH_CONTROL,
    },
    {
        "key": "implant",
        "names": {"tr": "İmplant", "en": "Dental implant", "ar": "زراعة الأسنان"},
        "aliases": [
            "implant",
            "implat",
            "emplant",
            "زراعة",
            "زرعة",
            "زراعة الأسنان",
            "zira3a",
            "zera3a",
            "zar3",
            "zar3et",
            "zer3a",
        ],
        "duration_minutes": 90,
        "price_min": 22000,
        "price_max": 35000,
        "price_unit": {"tr": "diş başına", "en": "per tooth", "ar": "للسن الواحد"},
        "foreign_prices": {"EUR": [650, 1000], "USD": [700, 1100], "GBP": [560, 860]},
        "doctor_keys": [ARSLAN],
        "booked_as": "implant_consultation",
        "follow_up": True,
        "control_questions": _IMPLANT_CONTROL,
    },
    {
        "key": "implant_consultation",
        "names": {
            "tr": "İmplant muayenesi",
            "en": "Implant consultation",
            "ar": "استشارة زراعة الأسنان",
        },
        "aliases": [],
        "duration_minutes": 30,
        "price_min": 0,
        "price_max": 0,
        "doctor_keys": [ARSLAN],
    },
    {
        "key": "whitening",
        "names": {"tr": "Diş beyazlatma", "en": "Teeth whitening", "ar": "تبييض الأسنان"},
        "aliases": [
            "beyazlatma",
            "beyazlat",
            "bleaching",
            "whitening",
            "تبييض",
            "tabyeed",
            "tabyid",
        ],
        "duration_minutes": 60,
        "price_min": 6000,
        "price_max": 6000,
        "doctor_keys": [AYDIN],
        "follow_up": True,
        "control_questions": _TOOTH_CONTROL,
    },
    {
        "key": "aligners",
        "names": {"tr": "Şeffaf plak", "en": "Clear aligners", "ar": "التقويم الشفاف"},
        "aliases": [
            "seffaf plak",
            "invisalign",
            "plak tedavisi",
            "tel tedavisi",
            "dis tel",
            "ortodonti",
            "aligner",
            "aligners",
            "braces",
            "تقويم",
        ],
        "duration_minutes": 30,
        "price_min": 60000,
        "price_max": 90000,
        "doctor_keys": [KOC],
        "booked_as": "aligner_consultation",
    },
    {
        "key": "aligner_consultation",
        "names": {
            "tr": "Ortodonti muayenesi",
            "en": "Orthodontic consultation",
            "ar": "استشارة التقويم",
        },
        "aliases": [],
        "duration_minutes": 30,
        "price_min": 0,
        "price_max": 0,
        "doctor_keys": [KOC],
    },
]

PATIENTS = [
    ("905321230001", "Zeynep Kaya"),
    ("905321230002", "Ahmet Çelik"),
    ("905321230003", "Fatma Şahin"),
]
"""Zeynep: scaling with Dt. Aydın in 2 working days at 10:00; Ahmet: implant consultation with
Dt. Arslan in 4 working days at 11:00; Fatma: an implant completed yesterday (follow-up due), and
her referral code for a friend, ``DEMO_REFERRAL_CODE``."""
DEMO_REFERRAL_CODE = "DK-2A7F10"


def _working_day(start: dt.date, ahead: int) -> dt.date:
    """The ``ahead``-th Monday–Friday after ``start``."""
    day = start
    while ahead:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            ahead -= 1
    return day


def _next_new_year(today: dt.date) -> dt.date:
    return dt.date(today.year + 1, 1, 1)


async def seed_clinic(session: AsyncSession, tenant: Tenant, *, now: dt.datetime | None = None):
    """Write the demo practice and patients (idempotent: a re-seed resets the demo patients'
    appointments to the same places relative to today)."""
    zone = ZoneInfo(tenant.timezone)
    now = now or utcnow()
    today = now.astimezone(zone).date()
    for position, data in enumerate(DOCTORS):
        row = await session.scalar(
            select(Doctor).where(Doctor.tenant_id == tenant.id, Doctor.key == data["key"])
        )
        if row is None:
            row = Doctor(tenant_id=tenant.id, key=data["key"], calendar_token=book.calendar_token())
            session.add(row)
        row.name, row.specialties = data["name"], list(data["specialties"])
        row.on_call, row.weekly, row.active, row.position = (
            bool(data.get("on_call")),
            {},
            True,
            position,
        )
        row.alert_email = data.get("alert_email")
        row.alert_webhook_url = data.get("alert_webhook_url")
    for position, data in enumerate(SERVICES):
        row = await session.scalar(
            select(ClinicService).where(
                ClinicService.tenant_id == tenant.id, ClinicService.key == data["key"]
            )
        )
        if row is None:
            row = ClinicService(tenant_id=tenant.id, key=data["key"])
            session.add(row)
        row.names, row.aliases = dict(data["names"]), list(data["aliases"])
        row.duration_minutes = data["duration_minutes"]
        row.buffer_before_minutes, row.buffer_after_minutes, row.seats = 0, 0, 1
        row.price_min, row.price_max = Decimal(data["price_min"]), Decimal(data["price_max"])
        row.price_unit = dict(data.get("price_unit", {}))
        row.foreign_prices = dict(data.get("foreign_prices", {}))
        row.doctor_keys = list(data.get("doctor_keys", []))
        row.booked_as = data.get("booked_as")
        row.follow_up = bool(data.get("follow_up"))
        row.control_questions = dict(data.get("control_questions", {}))
        row.active, row.position = True, position
    new_year = _next_new_year(today)
    closed = await session.scalar(
        select(ScheduleOverride).where(
            ScheduleOverride.tenant_id == tenant.id,
            ScheduleOverride.doctor_id.is_(None),
            ScheduleOverride.day == new_year,
        )
    )
    if closed is None:
        session.add(ScheduleOverride(tenant_id=tenant.id, day=new_year, hours=[], note="Yılbaşı"))
    await session.flush()
    await _patients(session, tenant, today, zone, now)


async def _patients(
    session: AsyncSession, tenant: Tenant, today: dt.date, zone: ZoneInfo, now: dt.datetime
) -> None:
    customers = {}
    for phone, name in PATIENTS:
        customer = await session.scalar(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone == phone)
        )
        if customer is None:
            customer = Customer(tenant_id=tenant.id, phone=phone, name=name, tags=[])
            session.add(customer)
        customer.name = name
        customers[phone] = customer
    await session.flush()
    ids = [c.id for c in customers.values()]
    old = await session.scalars(
        select(Appointment).where(
            Appointment.tenant_id == tenant.id,
            Appointment.customer_id.in_(ids),
            Appointment.source == "seed",
        )
    )
    for appointment in old:
        await lifecycle.removed(session, appointment)
        await session.delete(appointment)
    await session.flush()
    practice = await load_practice(
        session, tenant.id, timezone=tenant.timezone, settings=tenant.settings
    )
    plan = [
        (PATIENTS[0][0], "cleaning", AYDIN, _working_day(today, 2), dt.time(10)),
        (PATIENTS[1][0], "implant_consultation", ARSLAN, _working_day(today, 4), dt.time(11)),
    ]
    for phone, service_key, doctor_key, day, clock in plan:
        service = practice.service(service_key)
        doctor = practice.doctor_by_key(doctor_key)
        assert service is not None and doctor is not None
        await book.book(
            session,
            practice,
            appointment_id=_seed_id(phone, service_key),
            service=service,
            doctor_id=doctor.id,
            starts_at=dt.datetime.combine(day, clock, zone).astimezone(dt.UTC),
            customer_id=customers[phone].id,
            conversation_id=None,
            now=now,
            source="seed",
            by="seed",
        )
    # Yesterday's implant is history (whatever day yesterday was): written as it happened, then
    # completed, which plans its follow-ups (the first is due today).
    implant = practice.service("implant")
    arslan = practice.doctor_by_key(ARSLAN)
    assert implant is not None and arslan is not None
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(10), zone).astimezone(dt.UTC)
    done = Appointment(
        id=_seed_id(PATIENTS[2][0], "implant"),
        tenant_id=tenant.id,
        doctor_id=arslan.id,
        service_id=implant.id,
        customer_id=customers[PATIENTS[2][0]].id,
        starts_at=start,
        ends_at=start + implant.duration,
        blocked_from=start,
        blocked_until=start + implant.duration,
        status="booked",
        source="seed",
        calendar_token=book.calendar_token(),
        history=[{"at": start.isoformat(), "status": "booked", "by": "seed"}],
    )
    session.add(done)
    await session.flush()
    await book.mark(session, practice, appointment_id=done.id, status="completed", by="seed")
    await _referral(session, tenant, customers[PATIENTS[2][0]], now)


async def _referral(
    session: AsyncSession, tenant: Tenant, customer: Customer, now: dt.datetime
) -> None:
    """Fatma's code for a friend, shared after her implant (``DEMO_REFERRAL_CODE``): the same
    on every seed, unused, valid for the clinic's ``referral_valid_days``."""
    code = await session.scalar(
        select(ReferralCode).where(
            ReferralCode.tenant_id == tenant.id, ReferralCode.code == DEMO_REFERRAL_CODE
        )
    )
    if code is None:
        code = ReferralCode(tenant_id=tenant.id, code=DEMO_REFERRAL_CODE)
        session.add(code)
    settings = CLINIC_SETTINGS
    code.customer_id, code.percent, code.status = (
        customer.id,
        settings["referral_percent"],
        "shared",
    )
    code.shared_at, code.used_by, code.used_at = now, None, None
    code.expires_at = now + dt.timedelta(days=settings["referral_valid_days"])


def _seed_id(phone: str, service_key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"demo-clinic:{phone}:{service_key}")
