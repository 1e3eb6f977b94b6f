"""The clinic agent: from "implant ne kadar?" to a kept appointment.

Every turn of a clinic's patient that is not plain small talk comes here (the clinic profile).
In order:

1. An answer to a message the clinic sent first (a reminder, a waitlist offer, a follow-up):
   :mod:`invekto.agents.clinic.outreach`.
2. Urgent triage, whatever else the message says: pain with swelling, fever, bleeding or trauma
   → the on-call doctor is alerted, a person takes over, and the earliest same-day slot is
   offered; plain pain → the earliest slots. Never medical advice.
3. Slots on offer (``clinic_offer``): the patient picks one ("ilki", "14:00", a button) → the
   booking (or the move) is proposed and confirmed with date, time, doctor, address and the .ics
   link; "başka gün" / a new day → new slots; "hayır" → what would suit them.
4. By intent: a price (the service's range and the free first examination, then the earliest
   slots; in EUR/USD/GBP from the clinic's own list for a patient from abroad, with the package
   and an online consultation), booking, moving and cancelling, location and hours, treatment
   information (facts of the price list; anything medical goes to a person).

Policy is code: which slots exist comes from the slot engine, prices from the price list, and
every figure written is also given to the output guard as a ground. Bookings, moves,
cancellations, alerts and leads are proposed actions (``invekto.clinic.actions``).
"""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.clinic import reading
from invekto.agents.clinic.outreach import answer_outreach, referral_in
from invekto.agents.state import ConversationState
from invekto.clinic.actions import (
    OFFER_FLOW,
    BookAppointment,
    CancelAppointment,
    DoctorAlert,
    JoinWaitlist,
    MoveAppointment,
    PatientLeadUpdate,
    offer_flow,
    offer_interactive,
)
from invekto.clinic.calendar import appointment_url
from invekto.clinic.port import AppointmentView, ClinicDesk
from invekto.clinic.practice import Practice, ServiceView, published_names
from invekto.clinic.slots import Slot
from invekto.clinic.texts import (
    day_text,
    hours_text,
    moment_text,
    numbered,
    price_range,
    service_price,
    slot_line,
    week_hours,
)
from invekto.clinic.when import When, parse_when
from invekto.nlu.answers import yes_or_no
from invekto.revenue.payments import format_amount
from invekto.tools.context import TurnContext
from invekto.tools.revenue import PaymentLinkResult, prepare_deposit_link

NAME = "clinic"
EXAMINATION = "examination"
FOREIGN_CURRENCIES = ("EUR", "USD", "GBP")
ONLINE_NOTE = "online"


async def clinic_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    desk = runtime.context.ports.clinic
    turn = AgentTurn(NAME, state, runtime)
    if desk is None:  # a clinic profile without the clinic port: a person answers
        return turn.done(None, handoff_reason="clinic_agent_not_available")
    visit = Visit(turn, desk, await desk.practice())
    return await visit.answer()


class Visit:
    """One turn of the clinic agent."""

    def __init__(self, turn: AgentTurn, desk: ClinicDesk, practice: Practice) -> None:
        self.turn = turn
        self.desk = desk
        self.practice = practice
        for doctor in practice.doctors:
            turn.published.extend(published_names(doctor.name))
        self.language = turn.language
        self.now = turn.context.received_at
        self.local_now = self.now.astimezone(practice.zone)
        self.text = turn.text_in
        self.when: When | None = parse_when(self.text, now=self.local_now)
        self.reply_id: str | None = turn.state["turn"].get("reply_id")

    # --- the turn ------------------------------------------------------------------------------

    async def answer(self) -> dict[str, Any]:
        turn = self.turn
        flow = turn.flow
        if flow.get("name") == "clinic_proactive":
            update = await answer_outreach(turn)
            if update is not None:
                return update
            flow = turn.flow = {}
        severity = reading.triage(self.text)
        if severity == "urgent":
            return await self.urgent()
        referral = await referral_in(turn)
        if referral is not None:
            # "Arkadaşımın kodu DK-7F3A2B": the code is taken (or refused), then the request.
            update = await self.request(severity, referral=True)
            if update.get("handoff_reason") == "clinic_unclear":
                return turn.done(referral.text)  # the code alone: nothing else to serve
            draft = update.get("draft")
            return {**update, "draft": f"{referral.text}\n{draft}" if draft else referral.text}
        offered = flow if flow.get("name") == OFFER_FLOW else None
        if offered is not None:
            update = await self.offer_answer(offered)
            if update is not None:
                return update
        update = await self.request(severity)
        if offered is not None and update.get("flow") is None and not update.get("handoff_reason"):
            # A question in the middle of an offer ("adresiniz neresi?"): answered, and the
            # slots stay on offer ("1" still books).
            update = {**update, "flow": offered, "active_agent": NAME}
        return update

    async def deposit(self) -> dict[str, Any]:
        """ "Kapora için link atar mısınız": the clinic's deposit for the next appointment, by
        payment link (made after the decision; over the auto limit a person accepts it)."""
        turn = self.turn
        result: PaymentLinkResult = await turn.call(prepare_deposit_link)
        if result.reason == "ready":
            amount = format_amount(Decimal(str(result.amount)), turn.language)
            turn.grounds += [amount, str(result.valid_hours)]
            if result.needs_review:
                turn.review = "payment_link_review"
            turn.sure = True
            return turn.done(
                turn.text(
                    "revenue_link_coming",
                    description=turn.text("clinic_deposit_name", shop=turn.context.tenant.name),
                    amount=amount,
                    valid_hours=result.valid_hours,
                )
            )
        if result.reason == "no_appointment":
            return turn.done(turn.text("clinic_deposit_no_appointment"))
        # No deposit set, no provider connected, over the provider's cap: a person helps.
        return turn.done(None, handoff_reason="clinic_question_for_staff")

    async def request(
        self, severity: reading.Triage | None, *, referral: bool = False
    ) -> dict[str, Any]:
        turn, intent = self.turn, self.turn.intent
        if severity == "pain" or intent == "urgent_pain":
            return await self.pain()
        if "wants_payment_link" in (turn.understanding.get("signals") or []):
            return await self.deposit()
        if intent in ("complaint", "human_request"):
            return turn.done(None, handoff_reason="clinic_complaint")
        if reading.for_staff(self.text, referral=referral):
            return turn.done(None, handoff_reason="clinic_question_for_staff")
        if reading.wants_package(self.text) and (
            turn.slots.get("clinic_abroad") or reading.from_abroad(self.text)
        ):
            return await self.tourism(self._service())
        if intent == "clinic_location_hours":
            return self.location_hours()
        if intent == "cancel_appointment":
            return await self.cancel()
        if intent == "change_appointment":
            return await self.change()
        if intent == "treatment_info":
            return await self.info()
        if intent == "treatment_price" or reading.from_abroad(self.text):
            return await self.price()
        if intent == "book_appointment" or self.when is not None:
            return await self.book_request()
        if intent in ("thanks", "goodbye", "greeting") or reading.no_thanks(self.text):
            # Small talk the open flow took ("tamamdır, sağ olun" to the offered slots).
            turn.sure = True
            key = {"greeting": "greeting_clinic"}.get(intent, "clinic_no_thanks")
            return turn.done(turn.text(key, name_part="", shop=turn.context.tenant.name))
        return turn.done(None, handoff_reason="clinic_unclear")

    # --- urgent triage ------------------------------------------------------------------------

    async def urgent(self) -> dict[str, Any]:
        turn = self.turn
        on_call = self.practice.on_call()
        today = When(start=self.local_now.date(), end=self.local_now.date())
        slots = []
        if on_call is not None:
            slots = await self.desk.free_slots(
                EXAMINATION, now=self.now, when=today, doctor_id=on_call.id, limit=1
            )
        slots = slots or await self.desk.free_slots(EXAMINATION, now=self.now, when=today, limit=1)
        summary = self.text[:500]
        turn.actions.append(
            DoctorAlert(
                alert_key=f"urgent:{turn.context.inbound_message_id}",
                event="clinic.urgent",
                doctor_id=str(on_call.id) if on_call else None,
                subject=f"ACİL: {turn.context.customer_name or turn.context.customer_phone}",
                text=self._alert_text("Acil ağrı / şişlik / kanama bildiren hasta", summary),
                details={
                    "customer": {
                        "phone": turn.context.customer_phone,
                        "name": turn.context.customer_name,
                    },
                    "message": summary,
                },
            )
        )
        doctor = on_call.name if on_call else ""
        if slots:
            slot_text = turn.text("clinic_urgent_slot", slot=self._line(slots[0]))
        else:
            slot_text = turn.text("clinic_urgent_no_slot")
        reply = turn.text("clinic_urgent", doctor=doctor, slot_text=slot_text)
        self._ground(doctor, *(self._line(s) for s in slots))
        flow = self._offer(slots, EXAMINATION, urgent=True) if slots else None
        return turn.done(
            reply,
            flow=flow,
            handoff_reason="clinic_urgent",
            interactive=self._buttons(slots),
        )

    def _alert_text(self, headline: str, message: str) -> str:
        context = self.turn.context
        who = context.customer_name or "(adı bilinmiyor)"
        return (
            f"{headline}.\nHasta: {who}, +{context.customer_phone}\nMesajı: “{message}”\n"
            f"Zaman: {moment_text(self.now, self.practice.zone, 'tr')}\n"
            f"WhatsApp: https://wa.me/{context.customer_phone}"
        )

    async def pain(self) -> dict[str, Any]:
        slots = await self.desk.free_slots(EXAMINATION, now=self.now, when=self.when)
        if not slots:
            return self.turn.done(None, handoff_reason="clinic_no_slots")
        reply = self.turn.text("clinic_pain", slots=self._lines(slots))
        return self.turn.done(
            reply, flow=self._offer(slots, EXAMINATION), interactive=self._buttons(slots)
        )

    # --- prices, information ------------------------------------------------------------------

    def _service(self) -> ServiceView | None:
        """The service this message names, else the one the conversation is about."""
        found = reading.service_in(self.text, self.practice)
        if found is not None:
            self.turn.slots["clinic_service"] = found.key
            return found
        return self.practice.service(self.turn.slots.get("clinic_service"))

    async def price(self) -> dict[str, Any]:
        turn = self.turn
        service = self._service()
        if reading.from_abroad(self.text) or turn.slots.get("clinic_abroad"):
            return await self.tourism(service)
        if service is None:
            lines = [
                f"{s.name(self.language)}: {service_price(s, self.language)}"
                for s in self.practice.services
                if not s.free and s.price_max is not None
            ]
            self._ground(*lines)
            reply = turn.text("clinic_price_list", lines="\n".join(lines), free=self._free_exam())
            return turn.done(reply)
        price = service_price(service, self.language)
        self._ground(price)
        head = (
            turn.text("clinic_price_free", service=service.name(self.language))
            if service.free
            else turn.text("clinic_price", service=service.name(self.language), price=price)
        )
        bookable = self.practice.bookable(service)
        slots = await self.desk.free_slots(bookable.key, now=self.now, when=self.when)
        if not slots:
            return turn.done(f"{head} {self._free_exam()}".strip())
        offer = turn.text(
            "clinic_offer", service=bookable.name(self.language), slots=self._lines(slots)
        )
        return turn.done(
            "\n".join(p for p in (f"{head} {self._free_exam()}".strip(), offer) if p),
            flow=self._offer(slots, bookable.key),
            interactive=self._buttons(slots),
        )

    def _free_exam(self) -> str:
        return self.turn.text("clinic_free_exam") if self.practice.settings.free_examination else ""

    async def tourism(self, service: ServiceView | None) -> dict[str, Any]:
        turn = self.turn
        turn.slots["clinic_abroad"] = True
        country = reading.country_in(self.text)
        currency = reading.currency_in(self.text) or (country[1] if country else None)
        currency = currency or turn.slots.get("clinic_currency")
        if currency:
            turn.slots["clinic_currency"] = currency
        if country:
            turn.slots["clinic_country"] = country[0]
        service = service or self.practice.service("implant")
        prices = []
        if service is not None:
            for code in [currency] if currency in FOREIGN_CURRENCIES else FOREIGN_CURRENCIES:
                text = service_price(service, self.language, code)
                if text:
                    prices.append(text)
        package = ""
        settings = self.practice.settings
        if settings.package_price:
            code = (
                currency
                if currency in settings.package_price
                else next(iter(settings.package_price))
            )
            amount = settings.package_price[code]
            price = price_range(amount, amount, code, self.language)
            includes = settings.package_includes.get(
                self.language
            ) or settings.package_includes.get("en", "")
            package = turn.text("clinic_package", includes=includes, price=price)
            self._ground(price)
        consult = self.practice.bookable(service) if service else self.practice.service(EXAMINATION)
        slots = (
            await self.desk.free_slots(consult.key, now=self.now, when=self.when) if consult else []
        )
        self._ground(*prices)
        turn.actions.append(
            PatientLeadUpdate(
                language=self.language,
                country=turn.slots.get("clinic_country"),
                interest=service.key if service else None,
                currency=currency,
                package=reading.wants_package(self.text) or bool(turn.slots.get("clinic_package")),
            )
        )
        if reading.wants_package(self.text):
            turn.slots["clinic_package"] = True
        reply = turn.text(
            "clinic_tourism",
            service=service.name(self.language) if service else "",
            prices=" / ".join(prices),
            package=package,
            slots=self._lines(slots),
        )
        return turn.done(
            reply,
            flow=self._offer(slots, consult.key, online=True) if slots and consult else None,
            interactive=self._buttons(slots),
        )

    async def info(self) -> dict[str, Any]:
        service = self._service()
        one_visit = service is not None and service.booked_as is None
        if service is None or not (
            reading.asks_facts(self.text) or (one_visit and reading.asks_duration(self.text))
        ):
            # A medical question (after-care, risks, what to eat): a person, never advice.
            return self.turn.done(None, handoff_reason="clinic_medical_question")
        doctors = [d.name for d in self.practice.doctors_for(service)]
        minutes = int(service.duration.total_seconds() // 60)
        price = service_price(service, self.language)
        self._ground(price, str(minutes), *doctors)
        reply = self.turn.text(
            "clinic_treatment_info",
            service=service.name(self.language),
            minutes=minutes,
            doctors=", ".join(doctors),
            price=price,
            free=self._free_exam(),
        )
        return self.turn.done(reply)

    def location_hours(self) -> dict[str, Any]:
        settings = self.practice.settings
        hours = week_hours(self.practice, self.language)
        day = self.local_now.date()
        if self.when is not None and self.when.start == self.when.end:
            day = self.when.start  # "cumartesi açık mısınız"
        hours_that_day = self.practice.open_on(day)
        named = day_text(day, self.language)
        today_text = (
            self.turn.text(
                "clinic_open_on", day=named, hours=hours_text(hours_that_day, self.language)
            )
            if hours_that_day
            else self.turn.text("clinic_closed_on", day=named)
        )
        self._ground(named, hours_text(hours_that_day, self.language))
        self._ground(hours, settings.address, settings.maps_url or "")
        reply = self.turn.text(
            "clinic_location",
            address=settings.address,
            maps=settings.maps_url or "",
            hours=hours,
            today=today_text,
        )
        self.turn.sure = True
        return self.turn.done(reply)

    # --- booking ------------------------------------------------------------------------------

    async def book_request(self) -> dict[str, Any]:
        turn = self.turn
        service = self._service()
        target = self.practice.bookable(service) if service else self.practice.service(EXAMINATION)
        if target is None:
            return turn.done(None, handoff_reason="clinic_no_services")
        return await self.offer(target)

    async def offer(
        self,
        service: ServiceView,
        *,
        purpose: str = "book",
        doctor_id: uuid.UUID | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The earliest slots (within what the patient asked, else the earliest at all)."""
        turn = self.turn
        slots = await self.desk.free_slots(
            service.key, now=self.now, when=self.when, doctor_id=doctor_id
        )
        if self.when is not None and self.when.at is not None and slots:
            first = slots[0]
            if first.starts_at.astimezone(self.practice.zone).time() == self.when.at:
                reply = turn.text("clinic_exact_free", slot=self._line(first))
                flow = self._offer([first], service.key, purpose=purpose, **extra)
                return turn.done(reply, flow=flow, interactive=self._buttons([first]))
        asked = self.when.describe(self.language) if self.when else ""
        self._ground(asked)
        if slots and self.when is not None:
            reply = turn.text(
                "clinic_offer_when",
                when=asked,
                service=service.name(self.language),
                slots=self._lines(slots),
            )
        elif slots:
            reply = turn.text(
                "clinic_offer", service=service.name(self.language), slots=self._lines(slots)
            )
        else:
            slots = await self.desk.free_slots(service.key, now=self.now, doctor_id=doctor_id)
            if not slots:
                turn.actions.append(
                    JoinWaitlist(
                        entry_id=str(
                            uuid.uuid5(uuid.NAMESPACE_URL, f"wl:{turn.context.inbound_message_id}")
                        ),
                        service_key=service.key,
                        doctor_id=str(doctor_id) if doctor_id else None,
                        appointment_id=extra.get("appointment_id"),
                    )
                )
                reply = turn.text(
                    "clinic_offer_none",
                    service=service.name(self.language),
                    days=self.practice.settings.horizon_days,
                )
                return turn.done(reply)
            reply = turn.text(
                "clinic_offer_none_when",
                when=asked,
                service=service.name(self.language),
                slots=self._lines(slots),
            )
        return turn.done(
            reply,
            flow=self._offer(slots, service.key, purpose=purpose, **extra),
            interactive=self._buttons(slots),
        )

    async def offer_answer(self, flow: dict[str, Any]) -> dict[str, Any] | None:
        """The patient's answer to slots on offer; None when the message is about something
        else (the flow is dropped and the message served as usual)."""
        turn = self.turn
        slots = [Slot.from_json(s) for s in flow.get("slots") or []]
        yes = yes_or_no(self.text)
        chosen = reading.picked_slot(
            slots,
            text=self.text,
            reply_id=self.reply_id,
            ordinal=turn.entities.get("ordinal"),
            yes=yes is True,
            zone=self.practice.zone,
        )
        service = self.practice.service(str(flow.get("service")))
        if (
            turn.intent in ("change_appointment", "cancel_appointment")
            and flow.get("purpose") != "move"
            and (
                reading.own_appointment(self.text)
                or (self.when is None and not reading.declines(self.text))
            )
        ):
            return None  # "randevumu iptal edin": about an appointment, not these slots
        if chosen is not None and service is not None:
            turn.sure = True
            if flow.get("purpose") == "move" and flow.get("appointment_id"):
                return self.moved(chosen, service, str(flow["appointment_id"]))
            return self.booked(chosen, service, flow)
        if service is None:
            return None
        if self.when is not None or reading.declines(self.text):
            turn.sure = True
            extra = {k: flow[k] for k in ("appointment_id",) if flow.get(k)}
            if self.when is None:
                return turn.done(turn.text("clinic_ask_when"), flow={**flow, "slots": []})
            doctor = flow.get("doctor_id")
            return await self.offer(
                service,
                purpose=str(flow.get("purpose") or "book"),
                doctor_id=uuid.UUID(doctor) if doctor else None,
                **extra,
            )
        if reading.no_thanks(self.text):
            turn.sure = True
            return turn.done(turn.text("clinic_no_thanks"))
        if yes is False:
            turn.sure = True
            return turn.done(turn.text("clinic_ask_when"), flow={**flow, "slots": []})
        if turn.intent in ("book_appointment", "other") and slots:
            turn.sure = True
            return turn.done(
                turn.text("clinic_pick_again", slots=self._lines(slots)),
                flow=flow,
                interactive=self._buttons(slots),
            )
        return None

    def booked(self, slot: Slot, service: ServiceView, flow: dict[str, Any]) -> dict[str, Any]:
        turn = self.turn
        token = secrets.token_urlsafe(24)
        online = bool(flow.get("online"))
        turn.actions.append(
            BookAppointment(
                appointment_id=str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"appt:{turn.context.inbound_message_id}")
                ),
                service_key=service.key,
                doctor_id=str(slot.doctor_id),
                starts_at=slot.starts_at,
                language=self.language,
                urgent=bool(flow.get("urgent")),
                note=ONLINE_NOTE if online else "",
                calendar_token=token,
            )
        )
        return turn.done(self._confirmation("clinic_booked", slot, service, token, online=online))

    def moved(self, slot: Slot, service: ServiceView, appointment_id: str) -> dict[str, Any]:
        turn = self.turn
        turn.actions.append(
            MoveAppointment(
                appointment_id=appointment_id,
                doctor_id=str(slot.doctor_id),
                starts_at=slot.starts_at,
                service_key=service.key,
                language=self.language,
            )
        )
        token = str(self.turn.flow.get("calendar_token") or "")
        return turn.done(self._confirmation("clinic_moved", slot, service, token))

    def _confirmation(
        self, key: str, slot: Slot, service: ServiceView, token: str, *, online: bool = False
    ) -> str:
        settings = self.practice.settings
        when = moment_text(slot.starts_at, self.practice.zone, self.language)
        ics = appointment_url(self.desk.base_url, token) if token else ""
        self._ground(when, slot.doctor_name, settings.address, ics)
        text = self.turn.text(
            key,
            service=service.name(self.language),
            when=when,
            doctor=slot.doctor_name,
            address=settings.address,
            ics=ics,
        )
        if online:
            text += "\n" + self.turn.text("clinic_online_note")
        return text

    # --- changing and cancelling --------------------------------------------------------------

    async def _appointment(self) -> tuple[AppointmentView | None, list[AppointmentView]]:
        """The appointment the patient means: their only one, or the one on the day named."""
        upcoming = await self.desk.upcoming(self.turn.context.customer_id, self.now)
        if len(upcoming) <= 1:
            return (upcoming[0] if upcoming else None), upcoming
        if self.when is not None:
            on_day = [
                a
                for a in upcoming
                if self.when.start
                <= a.starts_at.astimezone(self.practice.zone).date()
                <= self.when.end
            ]
            if len(on_day) == 1:
                return on_day[0], upcoming
        return None, upcoming

    async def change(self) -> dict[str, Any]:
        turn = self.turn
        appointment, upcoming = await self._appointment()
        if upcoming and self.when is None and reading.asks_when_it_is(self.text):
            return self.show(upcoming)
        if appointment is None:
            return await self._no_or_which(upcoming)
        service = self.practice.service(appointment.service_key)
        if service is None:
            return turn.done(None, handoff_reason="clinic_unknown_service")
        current = moment_text(appointment.starts_at, self.practice.zone, self.language)
        self._ground(current)
        if self.when is None:
            slots = await self.desk.free_slots(
                service.key, now=self.now, doctor_id=appointment.doctor_id
            )
            reply = turn.text("clinic_ask_when_move", current=current, slots=self._lines(slots))
            flow = self._offer(
                slots,
                service.key,
                purpose="move",
                appointment_id=str(appointment.id),
                doctor_id=str(appointment.doctor_id),
                calendar_token=appointment.calendar_token,
            )
            return turn.done(reply, flow=flow, interactive=self._buttons(slots))
        return await self.offer(
            service,
            purpose="move",
            doctor_id=appointment.doctor_id,
            appointment_id=str(appointment.id),
            calendar_token=appointment.calendar_token,
        )

    async def cancel(self) -> dict[str, Any]:
        turn = self.turn
        appointment, upcoming = await self._appointment()
        if appointment is None:
            return await self._no_or_which(upcoming)
        service = self.practice.service(appointment.service_key)
        when = moment_text(appointment.starts_at, self.practice.zone, self.language)
        self._ground(when)
        turn.actions.append(CancelAppointment(appointment_id=str(appointment.id)))
        turn.sure = True
        reply = turn.text(
            "clinic_cancelled",
            when=when,
            service=service.name(self.language) if service else "",
        )
        return turn.done(reply)

    def show(self, upcoming: list[AppointmentView]) -> dict[str, Any]:
        """ "Randevum ne zaman?": the patient's upcoming appointments."""
        lines = []
        for appointment in upcoming:
            service = self.practice.service(appointment.service_key)
            name = service.name(self.language) if service else ""
            when = moment_text(appointment.starts_at, self.practice.zone, self.language)
            lines.append(f"{when} — {appointment.doctor_name} ({name})")
        self._ground(*lines, self.practice.settings.address)
        self.turn.sure = True
        return self.turn.done(
            self.turn.text(
                "clinic_your_appointments",
                lines=numbered(lines),
                address=self.practice.settings.address,
            )
        )

    async def _no_or_which(self, upcoming: list[AppointmentView]) -> dict[str, Any]:
        turn = self.turn
        if upcoming:
            lines = [
                f"{moment_text(a.starts_at, self.practice.zone, self.language)} — {a.doctor_name}"
                for a in upcoming
            ]
            self._ground(*lines)
            return turn.done(turn.text("clinic_which_appointment", lines=numbered(lines)))
        exam = self.practice.service(EXAMINATION)
        slots = await self.desk.free_slots(EXAMINATION, now=self.now) if exam else []
        reply = turn.text("clinic_no_appointment", slots=self._lines(slots))
        flow = self._offer(slots, EXAMINATION) if slots else None
        return turn.done(reply, flow=flow, interactive=self._buttons(slots))

    # --- shared -------------------------------------------------------------------------------

    def _line(self, slot: Slot) -> str:
        return slot_line(slot, self.practice.zone, self.language)

    def _lines(self, slots: list[Slot]) -> str:
        lines = [self._line(slot) for slot in slots]
        self._ground(*lines)
        return numbered(lines)

    def _offer(self, slots: list[Slot], service_key: str, **extra: Any) -> dict[str, Any]:
        purpose = str(extra.pop("purpose", "book"))
        return offer_flow(
            slots, service_key=service_key, language=self.language, purpose=purpose, **extra
        )

    def _buttons(self, slots: list[Slot]) -> dict[str, Any] | None:
        return offer_interactive(slots, self.practice, self.language) if slots else None

    def _ground(self, *texts: str) -> None:
        self.turn.grounds.extend(t for t in texts if t)
