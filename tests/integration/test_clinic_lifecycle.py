"""A clinic's reminders, waitlist and follow-ups end to end, with a fake clock for the sends:
booking plans the T-48 h and T-2 h reminders, a move re-plans them, "İptal" cancels and offers the
slot to the waitlist in order, the first to accept books and the next is told it is gone, a
completed treatment plans its follow-ups, "iyiyim" gets the review link and a referral code,
a complaint alerts the doctor and hands over, a no-show cancels what is ahead, and a restart
between scheduling and sending loses and duplicates nothing.

The clinic agent answers the clinic's own messages first (``answer_outreach``); a referral code
is read before it here (``referral_in``), until the agent does so itself."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from invekto.agents.base import AgentTurn
from invekto.agents.clinic.agent import clinic_agent
from invekto.agents.clinic.outreach import referral_in
from invekto.agents.registry import REGISTRY
from invekto.clinic import book
from invekto.clinic.actions import BookAppointment
from invekto.clinic.outreach import outreach_stats, sweep_clinic
from invekto.clinic.practice import Practice, load_practice
from invekto.core.tenant_settings import TenantSettings
from invekto.outbound import clinic_flows as flows
from invekto.outbound.dispatch import dispatch_channel
from invekto.outbound.events import channel_for
from invekto.sandbox.clinic_demo import DEMO_REFERRAL_CODE, PATIENTS
from invekto.sandbox.demo import DEMO_CLINIC
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.sandbox.seed import seed
from invekto.security import CredentialBox
from invekto.stack import Stack, running_stack
from invekto.storage.models import (
    Appointment,
    Conversation,
    Customer,
    LeadAlert,
    OutboundSend,
    ReferralCode,
    Tenant,
    WaitlistEntry,
    WaTemplate,
    utcnow,
)
from invekto.tools.actions import CommitScope
from tests.conftest import TEST_SECRET, make_settings
from tests.support.chat import say, tap
from tests.support.outbound import approve
from tests.support.waiting import wait_for

ZEYNEP, AHMET, FATMA = (phone for phone, _ in PATIENTS)
WAITING = ("905321239001", "905321239002")


async def _clinic_node(state: Any, runtime: Any) -> dict[str, Any]:
    """The clinic agent (which answers the clinic's own messages first), with a friend's
    referral code read before it, as its author is to add."""
    turn = AgentTurn("clinic", state, runtime)
    if turn.flow.get("name") != "clinic_proactive":
        referral = await referral_in(turn)
        if referral is not None:
            return turn.done(referral.text)
    return await clinic_agent(state, runtime)


@pytest.fixture
async def clinic(fresh_db_url, tmp_path):
    """The app with its worker; the clinic's quiet hours off (sends due now go now)."""
    original = REGISTRY.get("clinic")
    assert original is not None
    order = REGISTRY.names()
    REGISTRY.unregister("clinic")
    try:
        with REGISTRY.registered(dataclasses.replace(original, node=_clinic_node)):
            settings = make_settings(tmp_path, database_url=fresh_db_url)
            # The clinic submits its templates before its worker starts sending (the seed's
            # follow-up due today would otherwise find them drafts and be skipped).
            async with running_stack(settings, migrate=False, worker=False) as arranging:
                await _no_quiet_hours(arranging)
                await approve(arranging, flows.FLOWS, tenant=await _tenant(arranging))
            async with running_stack(settings, migrate=False) as running:
                yield running
    finally:
        REGISTRY.register(original)
        for name in order:  # the registry's order is the graph's: as it was
            spec = REGISTRY.get(name)
            REGISTRY.unregister(name)
            REGISTRY.register(spec)


@pytest.fixture
async def quiet(fresh_db_url, tmp_path):
    """The app without a worker: the test runs the dispatcher itself, with its own clock."""
    settings = make_settings(tmp_path, database_url=fresh_db_url)
    async with running_stack(settings, migrate=False, worker=False) as running:
        yield running


# --- arranging ---------------------------------------------------------------------------------


async def _tenant(stack: Stack) -> Tenant:
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_CLINIC.slug))
        assert tenant is not None
        return tenant


async def _no_quiet_hours(stack: Stack) -> None:
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_CLINIC.slug))
        settings = TenantSettings.parse(tenant.settings)
        tenant.settings = settings.merged(
            {"outbound": {"quiet_hours": {"start": "00:00", "end": "00:00"}}}
        ).to_json()
        await session.commit()


async def _practice(session, tenant: Tenant) -> Practice:
    return await load_practice(
        session, tenant.id, timezone=tenant.timezone, settings=tenant.settings
    )


async def _customer(stack: Stack, phone: str, name: str = "Hasta") -> Customer:
    tenant = await _tenant(stack)
    async with stack.services.db.session() as session:
        found = await session.scalar(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone == phone)
        )
        if found is None:
            found = Customer(tenant_id=tenant.id, phone=phone, name=name, tags=[])
            session.add(found)
            await session.commit()
        return found


def _weekday_ahead(days: int, hour: int, zone) -> dt.datetime:
    """A Monday–Friday at least ``days`` ahead at ``hour`` (not New Year's Day)."""
    day = utcnow().astimezone(zone).date() + dt.timedelta(days=days)
    while day.weekday() >= 5 or (day.month, day.day) == (1, 1):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), zone).astimezone(dt.UTC)


async def _book(
    stack: Stack, phone: str, service_key: str, starts_at: dt.datetime, doctor_key: str
) -> uuid.UUID:
    tenant = await _tenant(stack)
    patient = await _customer(stack, phone)
    async with stack.services.db.session() as session:
        practice = await _practice(session, tenant)
        doctor = practice.doctor_by_key(doctor_key)
        outcome = await book.book(
            session,
            practice,
            appointment_id=uuid.uuid4(),
            service=practice.service(service_key),
            doctor_id=doctor.id,
            starts_at=starts_at,
            customer_id=patient.id,
            conversation_id=None,
            now=utcnow(),
            by="test",
        )
        assert outcome.appointment is not None, outcome.refused
        await session.commit()
        return outcome.appointment.id


async def _sends(stack: Stack, appointment_id: uuid.UUID | None = None, **where: Any):
    async with stack.services.db.session() as session:
        statement = select(OutboundSend).order_by(OutboundSend.due_at, OutboundSend.created_at)
        if appointment_id is not None:
            statement = statement.where(
                OutboundSend.context["appointment_id"].astext == str(appointment_id)
            )
        for key, value in where.items():
            statement = statement.where(getattr(OutboundSend, key) == value)
        return list(await session.scalars(statement))


async def _channel(stack: Stack) -> uuid.UUID:
    async with stack.services.db.session() as session:
        channel = await channel_for(session, (await _tenant(stack)).id)
        return channel.id


async def _appointment(stack: Stack, appointment_id: uuid.UUID) -> Appointment:
    async with stack.services.db.session() as session:
        return await session.get(Appointment, appointment_id)


async def _seed_appointment(stack: Stack, phone: str) -> Appointment:
    tenant = await _tenant(stack)
    async with stack.services.db.session() as session:
        return await session.scalar(
            select(Appointment)
            .join(Customer, Customer.id == Appointment.customer_id)
            .where(Appointment.tenant_id == tenant.id, Customer.phone == phone)
        )


async def _deliver(stack: Stack, send: OutboundSend, *, now: bool = False) -> None:
    """Run the dispatcher at the send's time (or now, when that has passed). With ``now`` the
    send is made due now first: the demo seed plans the first follow-up in the clinic's quiet
    hours when the suite starts after 21:00 in Istanbul (then it is due tomorrow at 09:00), and
    the patient's answer must come after it, at the real time."""
    if now:
        async with stack.services.db.session() as session:
            row = await session.get(OutboundSend, send.id)
            row.due_at = min(row.due_at, utcnow())
            await session.commit()
            send = row
    await dispatch_channel(stack.services, await _channel(stack), now=max(send.due_at, utcnow()))

    async def sent() -> bool:
        async with stack.services.db.session() as session:
            row = await session.get(OutboundSend, send.id)
            assert row.status in ("scheduled", "sending", "sent"), (row.status, row.reason)
            return row.status == "sent"

    await wait_for(sent, timeout_s=20)


def _templates_to(phone: str) -> list[dict[str, Any]]:
    return [
        entry
        for entry in SANDBOX_GRAPH.outbox(DEMO_CLINIC.phone_number_id, phone)
        if entry.get("type") == "template"
    ]


async def _tap(stack: Stack, phone: str, title: str, payload: str) -> dict[str, Any]:
    """The patient taps a template's quick-reply button; the turn's result."""
    return await tap(stack, payload, title, phone=phone, tenant=DEMO_CLINIC, template=True)


async def _say(stack: Stack, phone: str, text: str) -> dict[str, Any]:
    return await say(stack, text, phone=phone, tenant=DEMO_CLINIC)


async def _flow_open(stack: Stack, phone: str, kind: str) -> dict[str, Any]:
    """Wait until the sent message opened its ``clinic_proactive`` flow in the conversation."""
    patient = await _customer(stack, phone)

    async def opened() -> dict[str, Any] | None:
        async with stack.services.db.session() as session:
            conversation = await session.scalar(
                select(Conversation)
                .where(Conversation.customer_id == patient.id)
                .order_by(Conversation.created_at.desc())
            )
        if conversation is None:
            return None
        config = {"configurable": {"thread_id": str(conversation.id)}}
        flow = ((await stack.services.graph.aget_state(config)).values or {}).get("flow") or {}
        return flow if flow.get("flow") == kind else None

    return await wait_for(opened, timeout_s=20)


# --- planning with a fake clock ----------------------------------------------------------------


async def test_booking_plans_both_reminders_and_a_move_replans_them(quiet):
    tenant = await _tenant(quiet)
    zone = ZoneInfo(tenant.timezone)
    starts = _weekday_ahead(6, 10, zone)
    appointment_id = await _book(quiet, "905321239100", "cleaning", starts, "burak-aydin")

    sends = await _sends(quiet, appointment_id)
    assert [(s.template_name, s.due_at) for s in sends] == [
        (flows.REMINDER_48H, starts - dt.timedelta(hours=48)),
        # 08:00 is in the quiet hours: 09:00, still an hour before the appointment.
        (flows.REMINDER_2H, starts - dt.timedelta(hours=1)),
    ]
    assert sends[0].context["payloads"] == [
        f"appt:confirm:{appointment_id}",
        f"appt:cancel:{appointment_id}",
    ]
    assert "Dt. Burak Aydın" in sends[0].parameters["doctor"]

    later = _weekday_ahead(8, 15, zone)
    async with quiet.services.db.session() as session:
        practice = await _practice(session, tenant)
        moved = await book.move(
            session,
            practice,
            appointment_id=appointment_id,
            doctor_id=practice.doctor_by_key("burak-aydin").id,
            starts_at=later,
            now=utcnow(),
        )
        assert moved.refused is None
        await session.commit()
    sends = await _sends(quiet, appointment_id)
    assert sorted(s.status for s in sends) == ["cancelled", "cancelled", "scheduled", "scheduled"]
    assert sorted(s.due_at for s in sends if s.status == "scheduled") == [
        later - dt.timedelta(hours=48),
        later - dt.timedelta(hours=2),
    ]


async def test_a_restart_between_scheduling_and_sending_loses_and_duplicates_nothing(
    fresh_db_url, tmp_path
):
    phone = "905321239200"
    settings = make_settings(tmp_path, database_url=fresh_db_url)
    async with running_stack(settings, migrate=False, worker=False) as first:
        tenant = await _tenant(first)
        await approve(first, [flows.REMINDER_48H, flows.REMINDER_2H], tenant=tenant)
        zone = ZoneInfo(tenant.timezone)
        starts = _weekday_ahead(6, 11, zone)
        appointment_id = await _book(first, phone, "cleaning", starts, "burak-aydin")
    # The process is gone; a new one starts on the same database.
    async with running_stack(
        make_settings(tmp_path, database_url=fresh_db_url), migrate=False, worker=False
    ) as second:
        channel = await _channel(second)
        at_48 = starts - dt.timedelta(hours=48)
        at_2 = starts - dt.timedelta(hours=2)
        for now in (at_48, at_48, at_2, at_2):
            await dispatch_channel(second.services, channel, now=now)
        sent = [t["body"]["template"]["name"] for t in _templates_to(phone)]
        assert sent == [flows.REMINDER_48H, flows.REMINDER_2H]
        [first_send, second_send] = await _sends(second, appointment_id)
        assert first_send.status == second_send.status == "sent"
        buttons = [
            c
            for c in _templates_to(phone)[0]["body"]["template"]["components"]
            if c.get("type") == "button"
        ]
        assert [b["parameters"][0]["payload"] for b in buttons] == [
            f"appt:confirm:{appointment_id}",
            f"appt:cancel:{appointment_id}",
        ]


async def test_completed_plans_follow_ups_and_no_show_cancels_what_is_ahead(quiet):
    tenant = await _tenant(quiet)
    zone = ZoneInfo(tenant.timezone)
    # Fatma's implant (completed yesterday by the seed): T+1, T+7 (control questions), T+30.
    fatma = await _seed_appointment(quiet, FATMA)
    follow_ups = await _sends(quiet, fatma.id)
    assert [s.template_name for s in follow_ups] == [
        flows.FOLLOWUP_1D,
        flows.FOLLOWUP_7D,
        flows.CONTROL_30D,
    ]
    treated = fatma.starts_at.astimezone(zone).date()
    assert follow_ups[1].due_at == dt.datetime.combine(
        treated + dt.timedelta(days=7), dt.time(11), zone
    )
    assert "şişlik" in follow_ups[1].parameters["questions"]

    starts = _weekday_ahead(6, 14, zone)
    appointment_id = await _book(quiet, "905321239300", "filling", starts, "burak-aydin")
    async with quiet.services.db.session() as session:
        practice = await _practice(session, tenant)
        await book.mark(
            session, practice, appointment_id=appointment_id, status="no_show", by="test"
        )
        await session.commit()
    assert {s.status for s in await _sends(quiet, appointment_id)} == {"cancelled"}
    assert (await _appointment(quiet, appointment_id)).status == "no_show"


async def test_concurrent_accepts_book_the_slot_once(quiet):
    tenant = await _tenant(quiet)
    zone = ZoneInfo(tenant.timezone)
    starts = _weekday_ahead(5, 15, zone)
    holder = await _book(quiet, "905321239400", "cleaning", starts, "burak-aydin")
    entries = await _wait(quiet, WAITING)
    async with quiet.services.db.session() as session:
        practice = await _practice(session, tenant)
        await book.cancel(session, practice, appointment_id=holder)
        await session.commit()
    offers = await _sends(quiet, template_name=flows.WAITLIST_OFFER)
    assert [s.context["entry_id"] for s in offers] == [str(e) for e in entries]
    settings = TenantSettings.parse(tenant.settings)

    channel = await _channel(quiet)

    async def accept(entry_id: uuid.UUID, phone: str) -> dict[str, Any]:
        patient = await _customer(quiet, phone)
        async with quiet.services.db.session() as session:
            conversation = Conversation(
                tenant_id=tenant.id, customer_id=patient.id, channel_id=channel
            )
            session.add(conversation)
            await session.commit()
        async with quiet.services.db.session() as session:
            entry = await session.get(WaitlistEntry, entry_id)
            action = BookAppointment(
                appointment_id=str(uuid.uuid5(entry.id, entry.offer["offer_id"])),
                service_key="cleaning",
                doctor_id=entry.offer["doctor_id"],
                starts_at=dt.datetime.fromisoformat(entry.offer["starts_at"]),
                source="waitlist",
                waitlist_entry_id=str(entry.id),
            )
            result = await action.commit(
                CommitScope(
                    session=session,
                    tenant_id=tenant.id,
                    conversation_id=conversation.id,
                    customer_id=patient.id,
                    tenant_settings=settings,
                    app_settings=quiet.settings,
                )
            )
            await session.commit()
            return result

    results = await asyncio.gather(*(accept(e, p) for e, p in zip(entries, WAITING, strict=True)))
    assert sorted("appointment_id" in r for r in results) == [False, True], results
    async with quiet.services.db.session() as session:
        booked = (
            await session.scalars(
                select(Appointment).where(
                    Appointment.starts_at == starts, Appointment.status == "booked"
                )
            )
        ).all()
        statuses = sorted([(await session.get(WaitlistEntry, e)).status for e in entries])
    assert len(booked) == 1
    assert statuses == ["booked", "gone"]


async def _wait(stack: Stack, phones: tuple[str, ...]) -> list[uuid.UUID]:
    """The patients join the cleaning waitlist, in this order."""
    tenant = await _tenant(stack)
    ids = []
    async with stack.services.db.session() as session:
        practice = await _practice(session, tenant)
        for position, phone in enumerate(phones):
            patient = await _customer(stack, phone, f"Bekleyen {position + 1}")
            entry = WaitlistEntry(
                tenant_id=tenant.id,
                customer_id=patient.id,
                service_id=practice.service("cleaning").id,
                status="waiting",
                created_at=utcnow() - dt.timedelta(hours=10 - position),
            )
            session.add(entry)
            await session.flush()
            ids.append(entry.id)
        await session.commit()
    return ids


async def test_sweep_lapses_old_offers_and_expires_codes(quiet):
    tenant = await _tenant(quiet)
    patient = await _customer(quiet, "905321239500")
    [entry_id] = await _wait(quiet, ("905321239501",))
    async with quiet.services.db.session() as session:
        entry = await session.get(WaitlistEntry, entry_id)
        entry.status, entry.offered_at = "offered", utcnow() - dt.timedelta(hours=13)
        entry.offer = {"offer_id": "x", "starts_at": (utcnow() + dt.timedelta(days=2)).isoformat()}
        session.add(
            ReferralCode(
                tenant_id=tenant.id,
                code="DK-000001",
                customer_id=patient.id,
                percent=10,
                status="shared",
                expires_at=utcnow() - dt.timedelta(minutes=1),
            )
        )
        await session.commit()
        report = await sweep_clinic(session, utcnow())
        await session.commit()
    assert report["offers_lapsed"] == 1 and report["codes_expired"] == 1
    async with quiet.services.db.session() as session:
        assert (await session.get(WaitlistEntry, entry_id)).status == "waiting"


# --- the conversations -------------------------------------------------------------------------


async def test_cancel_at_the_reminder_offers_the_slot_to_the_waitlist_in_order(clinic):
    zeynep = await _seed_appointment(clinic, ZEYNEP)
    entries = await _wait(clinic, WAITING)
    # The first reminder still ahead (the T-48 h one, or the T-2 h one when that has passed).
    reminder = (await _sends(clinic, zeynep.id))[0]
    await _deliver(clinic, reminder)
    await _flow_open(clinic, ZEYNEP, flows.FLOWS[reminder.template_name])

    turn = await _tap(clinic, ZEYNEP, "İptal", f"appt:cancel:{zeynep.id}")
    assert turn["outcome"] == "auto_reply", (turn["reason"], turn["language"], turn["reply"])
    assert "iptal ettim" in turn["reply"] and "1)" in turn["reply"], turn
    assert (await _appointment(clinic, zeynep.id)).status == "cancelled"
    assert "scheduled" not in {s.status for s in await _sends(clinic, zeynep.id)}

    # The slot goes to both waiting patients, the first to join first.
    offers = await wait_for(lambda: _sent_offers(clinic), timeout_s=20)
    assert [s.context["entry_id"] for s in offers] == [str(e) for e in entries]
    await _flow_open(clinic, WAITING[0], "waitlist_offer")
    await _flow_open(clinic, WAITING[1], "waitlist_offer")

    first = await _tap(clinic, WAITING[0], "Alıyorum", f"wl:accept:{entries[0]}")
    assert first["outcome"] == "auto_reply", first
    assert "ayrıldı" in first["reply"], first
    second = await _say(clinic, WAITING[1], "evet alıyorum")
    assert "başka bir hastamız" in second["reply"], second

    async with clinic.services.db.session() as session:
        winner = await session.get(WaitlistEntry, entries[0])
        loser = await session.get(WaitlistEntry, entries[1])
        booked = await session.scalar(
            select(Appointment).where(
                Appointment.starts_at == zeynep.starts_at, Appointment.status == "booked"
            )
        )
    assert (winner.status, loser.status) == ("booked", "gone")
    assert booked is not None and booked.customer_id == winner.customer_id
    assert booked.source == "waitlist"


async def _sent_offers(stack: Stack) -> list[OutboundSend] | None:
    offers = await _sends(stack, template_name=flows.WAITLIST_OFFER)
    return offers if len(offers) == 2 and all(s.status == "sent" for s in offers) else None


async def test_geliyorum_confirms_and_keeps_only_the_last_reminder(clinic):
    ahmet = await _seed_appointment(clinic, AHMET)
    first = (await _sends(clinic, ahmet.id))[0]
    await _deliver(clinic, first)
    await _flow_open(clinic, AHMET, flows.FLOWS[first.template_name])
    turn = await _say(clinic, AHMET, "tamam gelicem")
    assert turn["outcome"] == "auto_reply", turn
    assert "onayladık" in turn["reply"], turn
    assert (await _appointment(clinic, ahmet.id)).status == "confirmed"
    remaining = [s for s in await _sends(clinic, ahmet.id) if s.status == "scheduled"]
    assert [s.template_name for s in remaining] in ([flows.REMINDER_2H], [])


async def test_follow_up_answers_get_the_review_link_a_code_or_the_doctor(clinic):
    fatma = await _seed_appointment(clinic, FATMA)
    one_day, seven_days, _ = await _sends(clinic, fatma.id)
    await _deliver(clinic, one_day, now=True)
    await _flow_open(clinic, FATMA, "followup_1d")

    happy = await _say(clinic, FATMA, "teşekkürler iyiyim")
    assert happy["outcome"] == "auto_reply", happy
    assert "https://g.page/r/demo-dis-klinigi/review" in happy["reply"], happy
    async with clinic.services.db.session() as session:
        [code] = (
            await session.scalars(
                select(ReferralCode).where(ReferralCode.code != DEMO_REFERRAL_CODE)
            )
        ).all()
    assert code.status == "shared" and code.code in happy["reply"]
    assert code.customer_id == fatma.customer_id and code.percent == 10

    # A friend brings the code: used, and who brought whom is kept.
    friend = await _say(
        clinic, "905321239600", f"Merhaba, randevu almak istiyorum, arkadaşımın kodu {code.code}"
    )
    assert code.code in friend["reply"] and "%10" in friend["reply"], friend
    async with clinic.services.db.session() as session:
        used = await session.get(ReferralCode, code.id)
        newcomer = await session.scalar(select(Customer).where(Customer.phone == "905321239600"))
    assert used.status == "used" and used.used_by == newcomer.id

    async with clinic.services.db.session() as session:
        stats = await outreach_stats(
            session, (await _tenant(clinic)).id, utcnow() - dt.timedelta(days=1)
        )
    assert stats["follow_ups_sent"] == 1 and stats["follow_ups_answered"] == 1
    assert stats["compliance_rate"] == 1.0
    assert stats["referral_codes"]["used"] == 1 and stats["referred_patients"] == 1

    await _deliver(clinic, seven_days)
    await _flow_open(clinic, FATMA, "followup_7d")
    unhappy = await _tap(clinic, FATMA, "Şikayetim var", "COMPLAINT")
    assert unhappy["reason"] == "clinic_followup_complaint", unhappy
    assert "Dt. Selin Arslan" in (unhappy["reply"] or ""), unhappy
    async with clinic.services.db.session() as session:
        alerts = (
            await session.scalars(select(LeadAlert).where(LeadAlert.event == "clinic.complaint"))
        ).all()
    assert alerts and alerts[0].payload["doctor"]["name"] == "Dt. Selin Arslan"


async def test_the_seed_installs_the_clinic_templates(quiet):
    tenant = await _tenant(quiet)
    async with quiet.services.db.session() as session:
        rows = (
            await session.execute(
                select(WaTemplate.name, WaTemplate.status).where(WaTemplate.tenant_id == tenant.id)
            )
        ).all()
    assert {(name, "DRAFT") for name in flows.FLOWS} <= set(rows)


async def test_a_reseed_plans_each_demo_reminder_once_again(quiet):
    before = await _sends(quiet, (await _seed_appointment(quiet, ZEYNEP)).id, status="scheduled")
    await seed(quiet.services.db, CredentialBox(TEST_SECRET))
    await seed(quiet.services.db, CredentialBox(TEST_SECRET))
    zeynep = await _seed_appointment(quiet, ZEYNEP)
    after = await _sends(quiet, zeynep.id, status="scheduled")
    assert before and sorted(s.template_name for s in after) == sorted(
        s.template_name for s in before
    )
    assert {s.due_at for s in after} == {s.due_at for s in before}
