"""Referral codes, the clinic's outreach figures and the minute's clinic bookkeeping.

- :func:`referral_code` — a patient's code for a treatment ("DK-7F3A2B"), the same every time it
  is computed (the turn puts it in the reply; ``ShareReferralCode`` stores it at commit).
- :func:`find_code` — a code a patient wrote, read from the text ("arkadaşımın kodu DK-7F3A2B").
- :func:`outreach_stats` — follow-ups sent and answered (an inbound message in the conversation
  within ``ANSWER_WINDOW`` of the send), referral codes by status, referred patients, waitlist
  offers and acceptances.
- :func:`sweep_clinic` — lapses waitlist offers not answered in ``OFFER_HOURS`` (the patient
  stays in line), closes waits past their ``not_after``, expires referral codes, and cancels
  reminders whose appointment has begun (a dispatcher that was down does not send them late).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from typing import Any

from sqlalchemy import DateTime, Uuid, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.text import fold
from invekto.outbound import clinic_flows as flows
from invekto.storage.models import (
    Appointment,
    Message,
    OutboundSend,
    ReferralCode,
    WaitlistEntry,
)

ANSWER_WINDOW = dt.timedelta(hours=48)
OFFER_HOURS = 12
_CODE = re.compile(r"\b([A-Z]{2,3}-[0-9A-F]{6})\b")


def code_prefix(clinic_name: str) -> str:
    """The initials of the last two words of the clinic's name ("Demo Diş Kliniği" → "DK")."""
    words = [w for w in re.split(r"\W+", fold(clinic_name)) if w]
    letters = "".join(w[0] for w in words[-2:]).upper()
    return letters if re.fullmatch(r"[A-Z]{2}", letters) else "RF"


def referral_code(clinic_name: str, customer_id: uuid.UUID, appointment_id: str | None) -> str:
    """The patient's code for this treatment: deterministic, so a re-run turn says the same."""
    digest = hashlib.sha256(f"{customer_id}:{appointment_id}".encode()).hexdigest()
    return f"{code_prefix(clinic_name)}-{digest[:6].upper()}"


def find_code(text: str) -> str | None:
    """A referral code in a message, whatever its case ("dk-7f3a2b")."""
    match = _CODE.search(text.upper())
    return match.group(1) if match else None


async def outreach_stats(
    session: AsyncSession, tenant_id: uuid.UUID, since: dt.datetime
) -> dict[str, Any]:
    """The clinic's outreach since ``since``: follow-up compliance, referrals, the waitlist."""
    answered = exists(
        select(1).where(
            Message.conversation_id == OutboundSend.conversation_id,
            Message.direction == "in",
            Message.created_at > OutboundSend.sent_at,
            Message.created_at <= OutboundSend.sent_at + ANSWER_WINDOW,
        )
    )
    sent_follow_ups = and_(
        OutboundSend.tenant_id == tenant_id,
        OutboundSend.flow.in_(flows.FOLLOW_UPS),
        OutboundSend.status == "sent",
        OutboundSend.sent_at >= since,
    )
    sent = await session.scalar(select(func.count()).where(sent_follow_ups)) or 0
    replied = await session.scalar(select(func.count()).where(sent_follow_ups, answered)) or 0
    codes = dict(
        (
            await session.execute(
                select(ReferralCode.status, func.count())
                .where(ReferralCode.tenant_id == tenant_id, ReferralCode.created_at >= since)
                .group_by(ReferralCode.status)
            )
        ).all()
    )
    referred = (
        await session.scalar(
            select(func.count(func.distinct(ReferralCode.used_by))).where(
                ReferralCode.tenant_id == tenant_id,
                ReferralCode.status == "used",
                ReferralCode.used_at >= since,
            )
        )
        or 0
    )
    offers = (
        await session.scalar(
            select(func.count()).where(
                OutboundSend.tenant_id == tenant_id,
                OutboundSend.flow == flows.WAITLIST_OFFER,
                OutboundSend.status == "sent",
                OutboundSend.sent_at >= since,
            )
        )
        or 0
    )
    accepted = (
        await session.scalar(
            select(func.count()).where(
                WaitlistEntry.tenant_id == tenant_id,
                WaitlistEntry.status == "booked",
                WaitlistEntry.decided_at >= since,
            )
        )
        or 0
    )
    return {
        "follow_ups_sent": sent,
        "follow_ups_answered": replied,
        "compliance_rate": round(replied / sent, 3) if sent else None,
        "referral_codes": {
            status: int(codes.get(status, 0))
            for status in ("generated", "shared", "used", "expired")
        },
        "referred_patients": referred,
        "waitlist_offers": offers,
        "waitlist_accepted": accepted,
    }


async def sweep_clinic(session: AsyncSession, now: dt.datetime) -> dict[str, int]:
    """Lapse unanswered or past offers, close waits past their day, expire codes, cancel
    reminders of appointments that began. Set-based: a few statements, whatever the size."""
    lapsed = await session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.status == "offered",
            (WaitlistEntry.offered_at < now - dt.timedelta(hours=OFFER_HOURS))
            | (WaitlistEntry.offer["starts_at"].astext.cast(DateTime(timezone=True)) <= now),
        )
        .values(status="waiting", offer=None, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    closed = await session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.status.in_(("waiting", "gone")),
            WaitlistEntry.not_after.is_not(None),
            WaitlistEntry.not_after < func.date(now),
        )
        .values(status="expired", decided_at=now)
        .execution_options(synchronize_session=False)
    )
    expired = await session.execute(
        update(ReferralCode)
        .where(ReferralCode.status.in_(("generated", "shared")), ReferralCode.expires_at <= now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    begun = select(Appointment.id).where(
        Appointment.starts_at <= now,
        Appointment.id == OutboundSend.context["appointment_id"].astext.cast(Uuid()),
    )
    late = await session.execute(
        update(OutboundSend)
        .where(
            OutboundSend.status == "scheduled",
            OutboundSend.flow.in_(flows.REMINDERS),
            exists(begun),
        )
        .values(status="cancelled", reason="appointment_begun")
        .execution_options(synchronize_session=False)
    )
    return {
        "offers_lapsed": int(lapsed.rowcount or 0),
        "waits_expired": int(closed.rowcount or 0),
        "codes_expired": int(expired.rowcount or 0),
        "reminders_too_late": int(late.rowcount or 0),
    }
