"""The clinic agent's side effects, proposed in the turn and committed with its decision
(``invekto.tools.actions``): booking, moving, cancelling and confirming appointments, joining the
waitlist, alerting a doctor, and keeping a patient from abroad as a lead.

A booking proposed in a turn can find its slot taken when it commits (another conversation booked
it a moment before: the doctor's row lock decides). Its commit then returns ``reply`` (the next
free slots, in the patient's language) and ``flow`` (those slots on offer): ``deliver`` sends that
reply instead, so the patient is never told a booking that did not happen.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.clinic import book
from invekto.clinic.practice import Practice, load_practice
from invekto.clinic.slots import Slot
from invekto.clinic.texts import numbered, slot_button, slot_line
from invekto.integrations.alerts import queue_alert
from invekto.prompts import render
from invekto.storage.models import PatientLead, Tenant, WaitlistEntry, utcnow
from invekto.tools.actions import Action, CommitScope, action_type

OFFER_FLOW = "clinic_offer"


async def practice_of(session: AsyncSession, tenant_id: uuid.UUID) -> tuple[Tenant, Practice]:
    tenant = await session.get(Tenant, tenant_id)
    assert tenant is not None
    practice = await load_practice(
        session, tenant_id, timezone=tenant.timezone, settings=tenant.settings
    )
    return tenant, practice


def offer_flow(
    slots: list[Slot], *, service_key: str, language: str, purpose: str = "book", **extra: Any
) -> dict[str, Any]:
    """The flow that keeps slots on offer: the next message picks one ("ilki", "14:00")."""
    return {
        "name": OFFER_FLOW,
        "purpose": purpose,
        "service": service_key,
        "language": language,
        "slots": [slot.to_json() for slot in slots],
        **extra,
    }


def offer_interactive(slots: list[Slot], practice: Practice, language: str) -> dict[str, Any]:
    """Reply buttons for up to three slots (``slot:<key>``)."""
    return {
        "buttons": [
            [f"slot:{slot.key()}", slot_button(slot, practice.zone, language)] for slot in slots[:3]
        ]
    }


def taken_reply(
    scope: CommitScope, practice: Practice, slots: list[Slot], language: str, service_key: str
) -> dict[str, Any]:
    """What the patient is told when the slot went to someone else: the next ones."""
    if slots:
        text = render(
            "clinic_slot_taken",
            language,
            scope.prompts,
            "clinic",
            slots=numbered([slot_line(s, practice.zone, language) for s in slots]),
        )
    else:
        text = render("clinic_slot_taken_none", language, scope.prompts, "clinic")
    return {
        "refused": "slot_taken",
        "reply": text,
        "flow": offer_flow(slots, service_key=service_key, language=language) if slots else None,
        "interactive": offer_interactive(slots, practice, language) if slots else None,
    }


@action_type
class BookAppointment(Action):
    kind: str = "clinic_book"
    appointment_id: str
    service_key: str
    doctor_id: str
    starts_at: dt.datetime
    language: str = "tr"
    urgent: bool = False
    note: str = ""
    source: str = "whatsapp"
    waitlist_entry_id: str | None = None
    calendar_token: str | None = None
    """The token of the .ics link the confirmation already carries."""

    def summary(self) -> str:
        return f"Appointment: {self.service_key} at {self.starts_at.isoformat()}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        _, practice = await practice_of(scope.session, scope.tenant_id)
        service = practice.service(self.service_key)
        if service is None:
            return {"refused": "unknown_service"}
        outcome = await book.book(
            scope.session,
            practice,
            appointment_id=uuid.UUID(self.appointment_id),
            service=service,
            doctor_id=uuid.UUID(self.doctor_id),
            starts_at=self.starts_at,
            customer_id=scope.customer_id,
            conversation_id=scope.conversation_id,
            now=utcnow(),
            source=self.source,
            urgent=self.urgent,
            note=self.note,
            token=self.calendar_token,
        )
        if outcome.refused == "slot_taken":
            return taken_reply(
                scope, practice, outcome.alternatives, self.language, self.service_key
            )
        if outcome.refused:
            return {"refused": outcome.refused}
        assert outcome.appointment is not None
        return {"appointment_id": str(outcome.appointment.id), "already": outcome.already}


@action_type
class MoveAppointment(Action):
    kind: str = "clinic_move"
    appointment_id: str
    doctor_id: str
    starts_at: dt.datetime
    service_key: str
    language: str = "tr"

    def summary(self) -> str:
        return f"Move appointment to {self.starts_at.isoformat()}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        _, practice = await practice_of(scope.session, scope.tenant_id)
        outcome = await book.move(
            scope.session,
            practice,
            appointment_id=uuid.UUID(self.appointment_id),
            doctor_id=uuid.UUID(self.doctor_id),
            starts_at=self.starts_at,
            now=utcnow(),
        )
        if outcome.refused == "slot_taken":
            result = taken_reply(
                scope, practice, outcome.alternatives, self.language, self.service_key
            )
            if result.get("flow"):
                result["flow"] |= {"purpose": "move", "appointment_id": self.appointment_id}
            return result
        if outcome.refused:
            return {"refused": outcome.refused}
        return {"appointment_id": self.appointment_id, "already": outcome.already}


@action_type
class CancelAppointment(Action):
    kind: str = "clinic_cancel"
    appointment_id: str
    reason: str = "patient"

    def summary(self) -> str:
        return "Cancel appointment"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        _, practice = await practice_of(scope.session, scope.tenant_id)
        outcome = await book.cancel(
            scope.session,
            practice,
            appointment_id=uuid.UUID(self.appointment_id),
            reason=self.reason,
        )
        if outcome.refused:
            return {"refused": outcome.refused}
        return {"appointment_id": self.appointment_id, "already": outcome.already}


@action_type
class ConfirmAppointment(Action):
    """The patient said they are coming ("Geliyorum")."""

    kind: str = "clinic_confirm"
    appointment_id: str

    def summary(self) -> str:
        return "Patient confirms the appointment"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        _, practice = await practice_of(scope.session, scope.tenant_id)
        outcome = await book.mark(
            scope.session,
            practice,
            appointment_id=uuid.UUID(self.appointment_id),
            status="confirmed",
            by="patient",
        )
        if outcome.refused:
            return {"refused": outcome.refused}
        return {"appointment_id": self.appointment_id, "already": outcome.already}


@action_type
class JoinWaitlist(Action):
    """Wait for an earlier slot of a service (optionally one doctor, until a day)."""

    kind: str = "clinic_waitlist"
    entry_id: str
    service_key: str
    doctor_id: str | None = None
    appointment_id: str | None = None
    not_after: dt.date | None = None

    def summary(self) -> str:
        return f"Waitlist: {self.service_key}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        _, practice = await practice_of(scope.session, scope.tenant_id)
        service = practice.service(self.service_key)
        if service is None:
            return {"refused": "unknown_service"}
        key = uuid.UUID(self.entry_id)
        entry = await scope.session.get(WaitlistEntry, key)
        if entry is None:
            entry = WaitlistEntry(
                id=key,
                tenant_id=scope.tenant_id,
                customer_id=scope.customer_id,
                conversation_id=scope.conversation_id,
                service_id=service.id,
                doctor_id=uuid.UUID(self.doctor_id) if self.doctor_id else None,
                appointment_id=uuid.UUID(self.appointment_id) if self.appointment_id else None,
                not_after=self.not_after,
                status="waiting",
            )
            scope.session.add(entry)
            await scope.session.flush()
        return {"waitlist_entry_id": str(entry.id)}


@action_type
class DoctorAlert(Action):
    """Alert a doctor (the on-call one for urgent pain) by webhook and/or e-mail."""

    kind: str = "clinic_alert"
    alert_key: str
    event: str = Field(pattern=r"^clinic\.(urgent|complaint)$")
    doctor_id: str | None = None
    subject: str
    text: str
    details: dict[str, Any] = Field(default_factory=dict)

    def summary(self) -> str:
        return f"Alert doctor: {self.subject}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        _, practice = await practice_of(scope.session, scope.tenant_id)
        doctor = practice.doctor(self.doctor_id) if self.doctor_id else practice.on_call()
        if doctor is None or not (doctor.alert_email or doctor.alert_webhook_url):
            return {"refused": "no_alert_target"}
        payload = {
            "event": self.event,
            "subject": self.subject,
            "text": self.text,
            "doctor": {"id": str(doctor.id), "name": doctor.name},
            "conversation_id": str(scope.conversation_id),
            "created_at": utcnow().isoformat(),
            **self.details,
        }
        alerts = await queue_alert(
            scope.session,
            tenant_id=scope.tenant_id,
            payload=payload,
            webhook_url=doctor.alert_webhook_url,
            email_to=doctor.alert_email,
            dedupe_key=self.alert_key,
            settings=scope.app_settings,
        )
        return {
            "doctor": doctor.name,
            "queued": [a.channel for a in alerts if a.status == "pending"],
            "failed": [a.channel for a in alerts if a.status == "failed"],
        }


@action_type
class PatientLeadUpdate(Action):
    """A patient from abroad: what we know so far (a whole snapshot)."""

    kind: str = "clinic_patient_lead"
    language: str
    country: str | None = None
    interest: str | None = None
    currency: str | None = None
    package: bool = False

    def summary(self) -> str:
        bits = [b for b in (self.country, self.interest, self.currency) if b]
        return "Patient from abroad" + (f": {', '.join(bits)}" if bits else "")

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        lead = await scope.session.scalar(
            select(PatientLead).where(
                PatientLead.tenant_id == scope.tenant_id,
                PatientLead.conversation_id == scope.conversation_id,
            )
        )
        if lead is None:
            lead = PatientLead(
                tenant_id=scope.tenant_id,
                customer_id=scope.customer_id,
                conversation_id=scope.conversation_id,
                language=self.language,
            )
            scope.session.add(lead)
        lead.language = self.language
        lead.country = self.country or lead.country
        lead.interest = self.interest or lead.interest
        lead.currency = self.currency or lead.currency
        lead.package = lead.package or self.package
        lead.updated_at = utcnow()
        await scope.session.flush()
        return {"patient_lead_id": str(lead.id)}
