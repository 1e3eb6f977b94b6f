"""``/api/clinic`` and the public calendar feeds on the seeded Demo Diş Kliniği: doctors and
services (with validation), the calendar, today's list, booking (409 on a taken slot), marking,
the figures, days off, roles, another tenant's ids (404) and the .ics feeds."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.security import hash_password
from invekto.storage.models import (
    Appointment,
    AutoReplyLog,
    Channel,
    Conversation,
    Customer,
    Doctor,
    Message,
    Tenant,
    User,
)

PASSWORD = "parola-2026!"
API = "/api/clinic"
ZONE = ZoneInfo("Europe/Istanbul")


async def call(stack, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


async def login(stack, email: str, password: str) -> str:
    response = await call(
        stack, "POST", "/api/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def owner(stack, demo=DEMO_CLINIC) -> str:
    return await login(stack, demo.owner_email, demo.owner_password)


async def clinic_tenant(session) -> Tenant:
    return await session.scalar(select(Tenant).where(Tenant.slug == DEMO_CLINIC.slug))


async def agent(stack, session) -> str:
    tenant = await clinic_tenant(session)
    email = f"agent-{uuid.uuid4().hex[:6]}@demo-clinic.test"
    session.add(
        User(
            tenant_id=tenant.id,
            email=email,
            name="Agent",
            role="agent",
            active=True,
            password_hash=hash_password(PASSWORD),
        )
    )
    await session.commit()
    return await login(stack, email, PASSWORD)


def today() -> dt.date:
    return dt.datetime.now(ZONE).date()


async def doctors_by_key(stack, token: str) -> dict[str, dict]:
    response = await call(stack, "GET", f"{API}/doctors", token)
    assert response.status_code == 200, response.text
    return {d["key"]: d for d in response.json()}


async def test_doctors_and_services_of_the_seed_and_their_validation(stack):
    token = await owner(stack)
    doctors = await doctors_by_key(stack, token)
    assert [d["name"] for d in doctors.values()] == [
        "Dt. Selin Arslan",
        "Dt. Burak Aydın",
        "Dt. Elif Koç",
    ]
    aydin = doctors["burak-aydin"]
    assert aydin["on_call"] is True
    assert aydin["calendar_url"].endswith(".ics") and "/calendar/doctor/" in aydin["calendar_url"]
    assert "calendar_token" not in aydin

    services = (await call(stack, "GET", f"{API}/services", token)).json()
    assert len(services) == 9
    implant = next(s for s in services if s["key"] == "implant")
    assert implant["foreign_prices"]["EUR"] == [650, 1000]
    assert implant["booked_as"] == "implant_consultation"

    weekly = {"0": ["09:00-12:00", "13:00-17:00"]}
    made = await call(
        stack,
        "POST",
        f"{API}/doctors",
        token,
        json={"key": "deniz", "name": "Dt. Deniz", "weekly": weekly},
    )
    assert made.status_code == 201, made.text
    assert made.json()["weekly"] == weekly
    again = await call(stack, "POST", f"{API}/doctors", token, json={"key": "deniz", "name": "X"})
    assert again.status_code == 409 and "key" in again.json()["detail"]
    bad_hours = await call(
        stack,
        "PATCH",
        f"{API}/doctors/{made.json()['id']}",
        token,
        json={"weekly": {"0": ["14:00-12:00"]}},
    )
    assert bad_hours.status_code == 422 and "weekly" in str(bad_hours.json())
    patched = await call(
        stack, "PATCH", f"{API}/doctors/{made.json()['id']}", token, json={"active": False}
    )
    assert patched.status_code == 200 and patched.json()["active"] is False

    bad = {
        "price_order": {"price_min": 500, "price_max": 100},
        "foreign_prices": {"foreign_prices": {"eur": [1, 2]}},
        "doctor_keys": {"doctor_keys": ["nobody"]},
        "seats": {"seats": 0},
    }
    for field, change in bad.items():
        response = await call(stack, "PATCH", f"{API}/services/{implant['id']}", token, json=change)
        assert response.status_code == 422, (field, response.text)
        assert field.split("_order")[0] in str(response.json()), (field, response.text)
    created = await call(
        stack,
        "POST",
        f"{API}/services",
        token,
        json={
            "key": "veneer",
            "names": {"tr": "Lamina", "en": "Veneer"},
            "duration_minutes": 60,
            "price_min": 8000,
            "price_max": 12000,
            "foreign_prices": {"EUR": [250, 400]},
            "doctor_keys": ["selin-arslan"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["price_max"] == 12000


async def test_calendar_and_today_list(stack):
    token = await owner(stack)
    doctors = await doctors_by_key(stack, token)
    aydin = doctors["burak-aydin"]
    response = await call(stack, "GET", f"{API}/calendar", token, params={"days": 14})
    assert response.status_code == 200, response.text
    calendar = response.json()
    assert calendar["timezone"] == "Europe/Istanbul" and len(calendar["days"]) == 14
    first = calendar["days"][0]
    assert first["day"] == today().isoformat()
    assert [d["doctor_name"] for d in first["doctors"]] == [
        "Dt. Selin Arslan",
        "Dt. Burak Aydın",
        "Dt. Elif Koç",
    ]
    blocks = [
        (day["day"], a)
        for day in calendar["days"]
        for d in day["doctors"]
        if d["doctor_id"] == aydin["id"]
        for a in d["appointments"]
    ]
    assert len(blocks) == 1
    day, zeynep = blocks[0]
    assert zeynep["patient"]["name"] == "Zeynep Kaya"
    assert zeynep["patient"]["phone"] == "+90 532 *** ** 01"
    assert zeynep["service_name"] == "Diş taşı temizliği" and zeynep["status"] == "booked"
    assert dt.datetime.fromisoformat(zeynep["starts_at"]).astimezone(ZONE).hour == 10
    by_day = {d["day"]: d["doctors"][1]["hours"] for d in calendar["days"]}
    for iso, hours in by_day.items():
        weekday = dt.date.fromisoformat(iso).weekday()
        expected = (
            []
            if weekday == 6 or iso.endswith("-01-01")
            else ["10:00-13:00", "14:00-15:00"]
            if weekday == 5
            else ["09:00-13:00", "14:00-19:00"]
        )
        assert hours == expected, iso
    only = await call(
        stack, "GET", f"{API}/calendar", token, params={"doctor_id": aydin["id"], "from": day}
    )
    assert [d["doctor_id"] for d in only.json()["days"][0]["doctors"]] == [aydin["id"]]
    too_long = await call(stack, "GET", f"{API}/calendar", token, params={"days": 40})
    assert too_long.status_code == 422 and "days" in too_long.text

    listed = await call(stack, "GET", f"{API}/appointments", token)
    assert listed.status_code == 200
    same = await call(
        stack, "GET", f"{API}/appointments", token, params={"day": today().isoformat()}
    )
    assert listed.json() == same.json()
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    done = await call(stack, "GET", f"{API}/appointments", token, params={"day": yesterday})
    assert [(a["patient"]["name"], a["status"]) for a in done.json()] == [
        ("Fatma Şahin", "completed")
    ]
    no_service = await call(stack, "GET", f"{API}/slots", token)
    assert no_service.status_code == 422 and "service" in no_service.text
    bad_day = await call(stack, "GET", f"{API}/appointments", token, params={"day": "dün"})
    assert bad_day.status_code == 422 and "day" in bad_day.text


async def test_book_conflict_move_mark_cancel_and_stats(stack, session):
    token = await owner(stack)
    free = await call(stack, "GET", f"{API}/slots", token, params={"service": "filling"})
    assert free.status_code == 200, free.text
    slots = free.json()
    assert slots and all(s["doctor_name"] == "Dt. Burak Aydın" for s in slots)
    slot = slots[0]
    body = {
        "service": "filling",
        "doctor_id": slot["doctor_id"],
        "starts_at": slot["starts_at"],
        "phone": "0532 999 88 77",
        "name": "Deniz Yıldız",
    }
    booked = await call(stack, "POST", f"{API}/appointments", token, json=body)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["status"] == "booked" and appointment["source"] == "inbox"
    assert appointment["patient"]["phone"] == "+90 532 *** ** 77"
    customer = await session.scalar(select(Customer).where(Customer.phone == "905329998877"))
    assert customer is not None and customer.name == "Deniz Yıldız"

    taken = await call(
        stack,
        "POST",
        f"{API}/appointments",
        token,
        json={**body, "phone": None, "name": None, "customer_id": str(customer.id)},
    )
    assert taken.status_code == 409, taken.text
    assert taken.json()["detail"] == "slot_taken"
    assert taken.json()["alternatives"] and slot["starts_at"] not in [
        a["starts_at"] for a in taken.json()["alternatives"]
    ]
    no_patient = await call(
        stack, "POST", f"{API}/appointments", token, json={**body, "phone": None}
    )
    assert no_patient.status_code == 422 and "customer_id" in no_patient.text
    naive = await call(
        stack, "POST", f"{API}/appointments", token, json={**body, "starts_at": "2027-01-05T10:00"}
    )
    assert naive.status_code == 422 and "starts_at" in naive.text

    later = slots[1]
    moved = await call(
        stack,
        "POST",
        f"{API}/appointments/{appointment['id']}/move",
        token,
        json={"doctor_id": later["doctor_id"], "starts_at": later["starts_at"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == later["starts_at"]

    marked = await call(
        stack,
        "POST",
        f"{API}/appointments/{appointment['id']}/mark",
        token,
        json={"status": "confirmed"},
    )
    assert marked.status_code == 200 and marked.json()["status"] == "confirmed"
    cancelled = await call(stack, "POST", f"{API}/appointments/{appointment['id']}/cancel", token)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused = await call(
        stack,
        "POST",
        f"{API}/appointments/{appointment['id']}/mark",
        token,
        json={"status": "completed"},
    )
    assert refused.status_code == 409 and "cancelled" in refused.json()["detail"]
    bad = await call(
        stack,
        "POST",
        f"{API}/appointments/{appointment['id']}/mark",
        token,
        json={"status": "gone"},
    )
    assert bad.status_code == 422 and "status" in bad.text

    # Two past appointments of yesterday: one completed (the seed), one marked no-show here.
    tenant = await clinic_tenant(session)
    koc = await session.scalar(
        select(Doctor).where(Doctor.tenant_id == tenant.id, Doctor.key == "elif-koc")
    )
    seeded = await session.scalar(
        select(Appointment).where(
            Appointment.tenant_id == tenant.id, Appointment.status == "completed"
        )
    )
    start = dt.datetime.combine(today() - dt.timedelta(days=1), dt.time(15), ZONE)
    missed = Appointment(
        tenant_id=tenant.id,
        doctor_id=koc.id,
        service_id=seeded.service_id,
        customer_id=customer.id,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        blocked_from=start,
        blocked_until=start + dt.timedelta(minutes=30),
        status="booked",
        source="inbox",
        calendar_token=uuid.uuid4().hex,
    )
    session.add(missed)
    await session.commit()
    no_show = await call(
        stack, "POST", f"{API}/appointments/{missed.id}/mark", token, json={"status": "no_show"}
    )
    assert no_show.status_code == 200, no_show.text
    figures = await call(stack, "GET", f"{API}/stats", token, params={"days": 30})
    assert figures.status_code == 200, figures.text
    stats = figures.json()
    assert (stats["completed"], stats["no_show"], stats["no_show_rate"]) == (1, 1, 0.5)
    assert stats["upcoming"] == 2 and stats["price_questions"] == 0
    assert stats["conversion_rate"] is None


async def test_a_clinic_wide_day_off_removes_the_days_slots(stack):
    token = await owner(stack)
    day = today() + dt.timedelta(days=3)
    while day.weekday() >= 5 or (day.month, day.day) == (1, 1):
        day += dt.timedelta(days=1)
    params = {"service": "examination", "day": day.isoformat()}
    before = await call(stack, "GET", f"{API}/slots", token, params=params)
    assert before.status_code == 200 and before.json(), before.text
    closed = await call(
        stack, "POST", f"{API}/overrides", token, json={"day": day.isoformat(), "note": "Tadilat"}
    )
    assert closed.status_code == 201, closed.text
    assert (await call(stack, "GET", f"{API}/slots", token, params=params)).json() == []
    calendar = await call(
        stack, "GET", f"{API}/calendar", token, params={"from": day.isoformat(), "days": 1}
    )
    assert all(d["hours"] == [] for d in calendar.json()["days"][0]["doctors"])
    bad = await call(
        stack, "POST", f"{API}/overrides", token, json={"day": day.isoformat(), "hours": ["9-12"]}
    )
    assert bad.status_code == 422 and "hours" in bad.text
    removed = await call(stack, "DELETE", f"{API}/overrides/{closed.json()['id']}", token)
    assert removed.status_code == 204
    assert (await call(stack, "GET", f"{API}/slots", token, params=params)).json() == before.json()


async def test_agents_book_and_mark_but_do_not_edit_the_practice(stack, session):
    token = await agent(stack, session)
    services = (await call(stack, "GET", f"{API}/services", token)).json()
    response = await call(
        stack, "PATCH", f"{API}/services/{services[0]['id']}", token, json={"seats": 2}
    )
    assert response.status_code == 403
    doctors = await call(stack, "POST", f"{API}/doctors", token, json={"key": "x", "name": "X"})
    assert doctors.status_code == 403
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    done = (
        await call(stack, "GET", f"{API}/appointments", token, params={"day": yesterday})
    ).json()
    marked = await call(
        stack, "POST", f"{API}/appointments/{done[0]['id']}/mark", token, json={"status": "no_show"}
    )
    assert marked.status_code == 200 and marked.json()["status"] == "no_show"
    assert (await call(stack, "GET", f"{API}/doctors")).status_code == 401


async def test_another_tenant_sees_nothing_of_the_clinic(stack):
    clinic = await owner(stack)
    shop = await owner(stack, DEMO_SHOP)
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    done = (
        await call(stack, "GET", f"{API}/appointments", clinic, params={"day": yesterday})
    ).json()
    appointment_id = done[0]["id"]
    for method, path, body in [
        ("POST", f"{API}/appointments/{appointment_id}/mark", {"status": "no_show"}),
        ("POST", f"{API}/appointments/{appointment_id}/cancel", None),
        ("PATCH", f"{API}/doctors/{done[0]['doctor_id']}", {"name": "X"}),
        ("DELETE", f"{API}/waitlist/{uuid.uuid4()}", None),
    ]:
        response = await call(stack, method, path, shop, json=body)
        assert response.status_code == 404, (path, response.text)
    for path in ("doctors", "services", "waitlist", "overrides"):
        assert (await call(stack, "GET", f"{API}/{path}", shop)).json() == [], path
    assert (
        await call(stack, "GET", f"{API}/appointments", shop, params={"day": yesterday})
    ).json() == []
    calendar = (await call(stack, "GET", f"{API}/calendar", shop)).json()
    assert all(day["doctors"] == [] for day in calendar["days"])
    again = (
        await call(stack, "GET", f"{API}/appointments", clinic, params={"day": yesterday})
    ).json()
    assert again[0]["status"] == "completed"


async def test_calendar_feeds_parse_and_unknown_tokens_404(stack):
    token = await owner(stack)
    doctors = await doctors_by_key(stack, token)
    calendar = (await call(stack, "GET", f"{API}/calendar", token, params={"days": 14})).json()
    zeynep = next(
        a
        for day in calendar["days"]
        for d in day["doctors"]
        for a in d["appointments"]
        if a["patient"]["name"] == "Zeynep Kaya"
    )
    base = str(stack.base_url).rstrip("/")
    response = await call(stack, "GET", zeynep["calendar_url"].removeprefix(base))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["uid"]) == f"{zeynep['id']}@invekto"
    assert str(event["summary"]) == "Diş taşı temizliği — Demo Diş Kliniği"
    assert "Bağdat Caddesi" in str(event["location"])
    assert "Dt. Burak Aydın" in str(event["description"])
    start = event.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(0)
    assert start == dt.datetime.fromisoformat(zeynep["starts_at"])

    feed = await call(stack, "GET", doctors["burak-aydin"]["calendar_url"].removeprefix(base))
    assert feed.status_code == 200, feed.text
    summaries = [str(e["summary"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert summaries == ["Diş taşı temizliği — Zeynep"]
    arslan = await call(stack, "GET", doctors["selin-arslan"]["calendar_url"].removeprefix(base))
    names = sorted(str(e["summary"]) for e in Calendar.from_ical(arslan.content).walk("VEVENT"))
    assert names == ["İmplant muayenesi — Ahmet", "İmplant — Fatma"]

    for kind in ("appointment", "doctor"):
        for token in ("x" * 32, "x", "%27%20or%201%3D1"):
            missing = await call(stack, "GET", f"/calendar/{kind}/{token}.ics")
            assert missing.status_code == 404, missing.text


async def price_question(session, tenant: Tenant, phone: str, name: str, at: dt.datetime):
    """A patient's conversation with one price question (an ``auto_reply_log`` row) at ``at``."""
    channel = await session.scalar(select(Channel).where(Channel.tenant_id == tenant.id))
    customer = Customer(tenant_id=tenant.id, phone=phone, name=name, tags=[])
    session.add(customer)
    await session.flush()
    conversation = Conversation(tenant_id=tenant.id, customer_id=customer.id, channel_id=channel.id)
    session.add(conversation)
    await session.flush()
    message = Message(
        tenant_id=tenant.id,
        conversation_id=conversation.id,
        direction="in",
        status="received",
        text="İmplant ne kadar?",
    )
    session.add(message)
    await session.flush()
    session.add(
        AutoReplyLog(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            inbound_message_id=message.id,
            intent="treatment_price",
            agent="clinic",
            outcome="auto_reply",
            inbound_at=at,
            created_at=at,
        )
    )
    await session.commit()
    return customer


async def test_price_questions_that_became_appointments(stack, session):
    token = await owner(stack)
    tenant = await clinic_tenant(session)
    now = dt.datetime.now(dt.UTC)
    booker = await price_question(session, tenant, "905551110001", "Can Demir", now)
    await price_question(session, tenant, "905551110002", "Ece Tan", now - dt.timedelta(days=2))
    await price_question(session, tenant, "905551110003", "Eski Soru", now - dt.timedelta(days=40))
    slot = (
        await call(stack, "GET", f"{API}/slots", token, params={"service": "whitening"})
    ).json()[0]
    booked = await call(
        stack,
        "POST",
        f"{API}/appointments",
        token,
        json={
            "service": "whitening",
            "doctor_id": slot["doctor_id"],
            "starts_at": slot["starts_at"],
            "customer_id": str(booker.id),
        },
    )
    assert booked.status_code == 201, booked.text
    stats = (await call(stack, "GET", f"{API}/stats", token)).json()
    assert (stats["price_questions"], stats["converted"], stats["conversion_rate"]) == (2, 1, 0.5)
    week = (await call(stack, "GET", f"{API}/stats", token, params={"days": 1})).json()
    assert (week["price_questions"], week["converted"]) == (1, 1)
