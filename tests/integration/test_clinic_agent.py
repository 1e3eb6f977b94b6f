"""The clinic agent end to end: the webhook, the worker, the local intent model, the slot engine
and the demo clinic (Demo Diş Kliniği). Patients write on a Wednesday at 11:00 (Istanbul) in the
coming week, like the eval cases, so "yarın" and the free slots come out the same on every run."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select

from invekto.clinic.texts import day_text
from invekto.sandbox.demo import DEMO_CLINIC
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.storage.models import Appointment, LeadAlert, Message, PatientLead, Tenant
from tests.support.chat import say, tap
from tests.support.rows import rows

ISTANBUL = ZoneInfo("Europe/Istanbul")


def wednesday_11() -> dt.datetime:
    now = dt.datetime.now(ISTANBUL)
    moment = now.replace(hour=11, minute=0, second=0, microsecond=0)
    moment += dt.timedelta(days=(2 - now.weekday()) % 7)
    if moment <= now:
        moment += dt.timedelta(days=7)
    return moment


async def chat(stack, phone: str, *texts: str, start: dt.datetime | None = None) -> list[dict]:
    start = start or wednesday_11()
    turns = []
    for n, text in enumerate(texts):
        turns.append(
            await say(
                stack,
                text,
                phone=phone,
                tenant=DEMO_CLINIC,
                timestamp=start + dt.timedelta(seconds=30 * n),
            )
        )
    return turns


async def appointments(session, phone: str) -> list[Appointment]:
    from invekto.storage.models import Customer

    session.expire_all()
    customer = await session.scalar(select(Customer).where(Customer.phone == phone))
    if customer is None:
        return []
    found = await session.scalars(
        select(Appointment)
        .where(Appointment.customer_id == customer.id)
        .order_by(Appointment.starts_at)
    )
    return list(found)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ISTANBUL)


async def test_price_question_gets_the_range_the_free_examination_and_three_slots(stack, session):
    start = wednesday_11()
    [turn] = await chat(stack, "905550000101", "implant fiyatlarınız ne kadar acaba", start=start)

    assert (turn["agent"], turn["intent"], turn["outcome"]) == (
        "clinic",
        "treatment_price",
        "auto_reply",
    )
    reply = turn["reply"]
    assert "22.000–35.000 TL (diş başına)" in reply and "ücretsiz" in reply
    # 2 hours' notice from 11:00 is 13:00, the lunch break: the first slot is 14:00.
    assert "14:00 — Dt. Selin Arslan" in reply and reply.count("Dt. Selin Arslan") == 3
    sent = SANDBOX_GRAPH.outbox(DEMO_CLINIC.phone_number_id, "905550000101")[-1]
    buttons = sent["body"]["interactive"]["action"]["buttons"]
    assert len(buttons) == 3 and all(len(b["reply"]["title"]) <= 20 for b in buttons)
    assert buttons[0]["reply"]["id"].startswith("slot:")


async def test_a_tapped_slot_is_booked_and_confirmed_with_a_calendar_link(stack, session):
    start = wednesday_11()
    phone = "905550000102"
    await chat(stack, phone, "implant için randevu almak istiyorum", start=start)
    sent = SANDBOX_GRAPH.outbox(DEMO_CLINIC.phone_number_id, phone)[-1]
    second = sent["body"]["interactive"]["action"]["buttons"][1]["reply"]

    turn = await tap(
        stack,
        second["id"],
        second["title"],
        phone=phone,
        tenant=DEMO_CLINIC,
        timestamp=start + dt.timedelta(seconds=30),
    )

    assert turn["outcome"] == "auto_reply", turn
    [booked] = await appointments(session, phone)
    assert booked.status == "booked" and local(booked.starts_at).hour == 15
    reply = turn["reply"]
    assert "Randevunuz oluşturuldu" in reply and "15:00" in reply and "Dt. Selin Arslan" in reply
    assert "Bağdat Caddesi No: 210" in reply
    assert f"/calendar/appointment/{booked.calendar_token}.ics" in reply


async def test_tomorrow_afternoon_offers_tomorrows_afternoon_and_an_ordinal_books(stack, session):
    start = wednesday_11()
    phone = "905550000103"
    first, second = await chat(
        stack, phone, "yarın öğleden sonra dolgu için randevu var mı", "ikincisi olsun", start=start
    )

    assert first["intent"] in ("book_appointment", "treatment_price"), first
    tomorrow = day_text((start + dt.timedelta(days=1)).date(), "tr")  # "3 Aralık Perşembe"
    assert "Dt. Burak Aydın" in first["reply"] and tomorrow in first["reply"], first
    [booked] = await appointments(session, phone)
    starts = local(booked.starts_at)
    assert starts.date() == (start + dt.timedelta(days=1)).date() and starts.hour >= 13
    assert "Randevunuz oluşturuldu" in second["reply"]


async def test_moving_and_cancelling_an_appointment(stack, session):
    start = wednesday_11()
    phone = "905550000104"
    await chat(stack, phone, "diş taşı temizliği için randevu istiyorum", "ilki", start=start)
    [booked] = await appointments(session, phone)
    first_start = booked.starts_at

    later = start + dt.timedelta(minutes=5)
    move, pick = await chat(
        stack, phone, "randevumu perşembeye alabilir miyim", "ilki olsun", start=later
    )
    assert move["agent"] == "clinic" and "Perşembe" in move["reply"], move
    [moved] = await appointments(session, phone)
    assert moved.id == booked.id and moved.starts_at != first_start
    assert local(moved.starts_at).weekday() == 3
    assert "güncellendi" in pick["reply"]

    [cancel] = await chat(stack, phone, "iptal etmem lazım", start=later + dt.timedelta(minutes=5))
    assert cancel["intent"] == "cancel_appointment" and "iptal edildi" in cancel["reply"], cancel
    [cancelled] = await appointments(session, phone)
    assert cancelled.status == "cancelled"


async def test_urgent_pain_alerts_the_on_call_doctor_and_hands_over(stack, session):
    start = wednesday_11()
    [turn] = await chat(
        stack, "905550000105", "dişim çok ağrıyor, yüzüm de şişti, ne yapmalıyım", start=start
    )

    assert (turn["agent"], turn["outcome"], turn["reason"]) == (
        "clinic",
        "handoff",
        "clinic_urgent",
    )
    assert "Dt. Burak Aydın" in turn["reply"] and "112" in turn["reply"]
    assert "Bugün en erken" in turn["reply"]
    alerts = await rows(session, LeadAlert)
    urgent = [a for a in alerts if a.event == "clinic.urgent"]
    assert {a.channel for a in urgent} >= {"webhook"}
    assert all(a.lead_id is None for a in urgent)


async def test_plain_pain_gets_the_earliest_slots_without_a_hand_over(stack):
    [turn] = await chat(stack, "905550000106", "dişim ağrıyor, en erken ne zaman gelebilirim")

    assert (turn["agent"], turn["outcome"]) == ("clinic", "auto_reply"), turn
    assert "En yakın uygun saatler" in turn["reply"]


async def test_location_and_hours(stack):
    [turn] = await chat(stack, "905550000107", "adresiniz nerede, cumartesi açık mısınız")

    assert turn["intent"] == "clinic_location_hours", turn
    reply = turn["reply"]
    assert "Bağdat Caddesi No: 210, Kadıköy" in reply
    assert "Pazartesi–Cuma 09:00–19:00 (13:00–14:00 öğle arası)" in reply
    assert "Cumartesi 10:00–15:00" in reply and "Pazar kapalı" in reply


async def test_a_patient_from_abroad_gets_the_clinics_own_foreign_prices_and_the_package(
    stack, session
):
    phone = "447700900123"
    [turn] = await chat(
        stack,
        phone,
        "Hi, I'm coming from London. How much is a dental implant? Do you have a package with "
        "a hotel?",
    )

    assert (turn["agent"], turn["language"]) == ("clinic", "en"), turn
    reply = turn["reply"]
    assert "560–860 GBP" in reply and "400 EUR" in reply and "partner hotel" in reply
    assert "online consultation" in reply
    [lead] = await rows(session, PatientLead)
    assert (lead.country, lead.currency, lead.interest, lead.package) == (
        "United Kingdom",
        "GBP",
        "implant",
        True,
    )


async def test_arabic_price_question(stack):
    [turn] = await chat(stack, "966500000001", "كم سعر تبييض الأسنان عندكم؟")

    assert (turn["agent"], turn["language"]) == ("clinic", "ar"), turn
    assert "6,000" in turn["reply"]


async def test_two_patients_taking_the_same_slot_at_once_one_wins(stack, session):
    start = wednesday_11()
    phones = ("905550000108", "905550000109")
    for phone in phones:
        await chat(stack, phone, "kanal tedavisi için randevu alabilir miyim", start=start)
    offered = [
        SANDBOX_GRAPH.outbox(DEMO_CLINIC.phone_number_id, p)[-1]["body"]["interactive"]
        for p in phones
    ]
    first = [o["action"]["buttons"][0]["reply"] for o in offered]
    assert first[0]["id"] == first[1]["id"]  # the same slot offered to both

    turns = await asyncio.gather(
        *(
            tap(
                stack,
                button["id"],
                button["title"],
                phone=phone,
                tenant=DEMO_CLINIC,
                timestamp=start + dt.timedelta(seconds=30),
            )
            for phone, button in zip(phones, first, strict=True)
        )
    )

    held = {p: await appointments(session, p) for p in phones}
    assert sum(len(a) for a in held.values()) == 1
    won = [t for t in turns if "Randevunuz oluşturuldu" in t["reply"]]
    lost = [t for t in turns if "az önce doldu" in t["reply"]]
    assert len(won) == 1 and len(lost) == 1, [t["reply"] for t in turns]
    # The other is offered the next slots (as buttons), and picking one books it.
    loser = next(p for p in phones if not held[p])
    message = await session.scalar(
        select(Message)
        .where(Message.text == lost[0]["reply"])
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    assert message.payload["interactive"]["buttons"]
    assert first[0]["title"] not in lost[0]["reply"].split("\n")[1]
    again = await chat(stack, loser, "ilki", start=start + dt.timedelta(minutes=1))
    assert "Randevunuz oluşturuldu" in again[0]["reply"]
    assert len(await appointments(session, loser)) == 1


async def _customer_id(session, phone: str) -> uuid.UUID:
    from invekto.storage.models import Customer

    customer = await session.scalar(select(Customer).where(Customer.phone == phone))
    return customer.id


async def test_another_tenant_never_sees_the_clinics_appointments(stack, session):
    shop = await session.scalar(select(Tenant).where(Tenant.slug == "demo-shop"))
    async with stack.services.db.tenant_session(shop.id) as theirs:
        assert list(await theirs.scalars(select(Appointment))) == []
