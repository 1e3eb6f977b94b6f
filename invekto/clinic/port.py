"""The clinic port: what the clinic agent and its tools may read (the practice, free slots, a
patient's appointments). Reads only; changes are proposed actions (``invekto.clinic.actions``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from invekto.clinic import book
from invekto.clinic.practice import Practice, load_practice
from invekto.clinic.slots import Slot
from invekto.storage.db import Database
from invekto.storage.models import Appointment, ReferralCode, WaitlistEntry


@dataclass(frozen=True, slots=True)
class AppointmentView:
    id: uuid.UUID
    service_key: str
    doctor_id: uuid.UUID
    doctor_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    calendar_token: str


class ClinicDesk:
    """The clinic port, bound to one tenant (the practice is read once per turn)."""

    def __init__(
        self,
        db: Database,
        tenant_id: uuid.UUID,
        *,
        timezone: str,
        settings: Any,
        base_url: str = "",
    ) -> None:
        self.base_url = base_url
        """Where this app is reachable (the calendar links in confirmations)."""
        self._db = db
        self._tenant_id = tenant_id
        self._timezone = timezone
        self._settings = settings
        self._practice: Practice | None = None

    async def practice(self) -> Practice:
        if self._practice is None:
            async with self._db.tenant_session(self._tenant_id) as session:
                self._practice = await load_practice(
                    session, self._tenant_id, timezone=self._timezone, settings=self._settings
                )
        return self._practice

    async def free_slots(
        self,
        service_key: str,
        *,
        now: dt.datetime,
        when: Any = None,
        doctor_id: uuid.UUID | None = None,
        limit: int = 3,
    ) -> list[Slot]:
        practice = await self.practice()
        service = practice.service(service_key)
        if service is None:
            return []
        async with self._db.tenant_session(self._tenant_id) as session:
            return await book.free_slots(
                session, practice, service, now=now, when=when, doctor_id=doctor_id, limit=limit
            )

    async def upcoming(self, customer_id: uuid.UUID, now: dt.datetime) -> list[AppointmentView]:
        practice = await self.practice()
        async with self._db.tenant_session(self._tenant_id) as session:
            rows = await book.upcoming(session, self._tenant_id, customer_id, now)
        return [self._view(row, practice) for row in rows]

    async def appointment(self, appointment_id: uuid.UUID | str) -> AppointmentView | None:
        practice = await self.practice()
        async with self._db.tenant_session(self._tenant_id) as session:
            row = await session.get(Appointment, uuid.UUID(str(appointment_id)))
        if row is None or row.tenant_id != self._tenant_id:
            return None
        return self._view(row, practice)

    async def last_completed(self, customer_id: uuid.UUID) -> AppointmentView | None:
        """The patient's latest completed appointment (what a follow-up is about)."""
        practice = await self.practice()
        async with self._db.tenant_session(self._tenant_id) as session:
            row = await session.scalar(
                select(Appointment)
                .where(
                    Appointment.tenant_id == self._tenant_id,
                    Appointment.customer_id == customer_id,
                    Appointment.status == "completed",
                )
                .order_by(Appointment.starts_at.desc())
                .limit(1)
            )
        return self._view(row, practice) if row is not None else None

    async def waiting(self, customer_id: uuid.UUID) -> list[WaitlistEntry]:
        async with self._db.tenant_session(self._tenant_id) as session:
            rows = await session.scalars(
                select(WaitlistEntry).where(
                    WaitlistEntry.tenant_id == self._tenant_id,
                    WaitlistEntry.customer_id == customer_id,
                    WaitlistEntry.status.in_(("waiting", "offered")),
                )
            )
            return list(rows)

    async def referral(self, code: str) -> ReferralCode | None:
        """A referral code of this clinic (any status)."""
        async with self._db.tenant_session(self._tenant_id) as session:
            return await session.scalar(
                select(ReferralCode).where(
                    ReferralCode.tenant_id == self._tenant_id, ReferralCode.code == code
                )
            )

    def _view(self, row: Appointment, practice: Practice) -> AppointmentView:
        service = practice.service_by_id(row.service_id)
        doctor = practice.doctor(row.doctor_id)
        return AppointmentView(
            id=row.id,
            service_key=service.key if service else "",
            doctor_id=row.doctor_id,
            doctor_name=doctor.name if doctor else "",
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            calendar_token=row.calendar_token,
        )
