"""Answers to what the clinic wrote first: a reminder, a waitlist offer, a treatment follow-up.

The clinic agent calls :func:`answer_outreach` first while a ``clinic_proactive`` flow is open
(``invekto.graphs.conversation.proactive``). A tapped button (its payload in
``turn.state["turn"]["reply_id"]``) or a typed answer is read against the message:

- reminder: "Geliyorum" → ``ConfirmAppointment``; "İptal" / "gelemeyeceğim" →
  ``CancelAppointment`` and the next free slots of the same service on offer;
- waitlist offer: "Alıyorum" → the slot booked (``BookAppointment`` with ``waitlist_entry_id``,
  or ``MoveAppointment`` for a patient who holds a later one); "Hayır" → ``DeclineWaitlistOffer``;
- follow-up (T+1, T+7): "İyiyim" → glad, the review link and a referral code
  (``ShareReferralCode``); a complaint (pain, swelling, bleeding...) → ``DoctorAlert`` to the
  treating doctor (``clinic.complaint``; urgent words: ``clinic.urgent`` to the on-call doctor) and
  a person takes over (``clinic_followup_complaint``). Never medical advice;
- control offer (T+30): "Evet" → examination slots with the same doctor.

Anything else returns None: the agent answers it as usual.

:func:`referral_in` reads a friend's code from a new patient's message.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from invekto.agents.base import AgentTurn
from invekto.clinic.actions import (
    BookAppointment,
    CancelAppointment,
    ConfirmAppointment,
    DoctorAlert,
    MoveAppointment,
    offer_flow,
    offer_interactive,
)
from invekto.clinic.outreach import find_code, referral_code
from invekto.clinic.outreach_actions import (
    DeclineWaitlistOffer,
    ShareReferralCode,
    UseReferralCode,
)
from invekto.clinic.port import AppointmentView, ClinicDesk
from invekto.clinic.practice import Practice
from invekto.clinic.texts import day_text, moment_text, numbered, slot_line
from invekto.core.text import fold

ANSWER_WINDOW = dt.timedelta(days=7)
"""A message this long after the clinic's one is no answer to it."""
HANDOFF = "clinic_followup_complaint"
CONTROL_SERVICE = "examination"


def _words(pattern: str, arabic: str = "") -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b" + (f"|{arabic}" if arabic else ""))


_CANCEL = _words(
    r"iptal\w*|gelemeyecegim|gelemeyecegiz|gelemiyorum|gelemiyoruz|gelemem|gelmeyecegim|"
    r"vazgectim|cancel\w*|can'?t (?:come|make it)|cannot (?:come|make it)|won'?t (?:come|make it)",
    r"إلغاء|الغاء|الغ|لن أحضر|لن احضر|لا أستطيع الحضور",
)
_CONFIRM = _words(
    r"geliyorum|geliyoruz|gelecegim|gelecegiz|gelicem|gelcem|gelirim|orada olacagim|"
    r"onayliyorum|tamam|evet|olur|i'?ll be there|i will (?:be there|come)|coming|confirm\w*|"
    r"yes|ok|okay",
    r"سأحضر|ساحضر|سآتي|نعم|أؤكد|اكيد|أكيد",
)
_DECLINE = _words(
    r"hayir|istemiyorum|istemem|almiyorum|almayacagim|uygun degil|no|no thanks|pass",
    r"(?:^|\s)لا(?:\s|$|،|\.)|لا أريد",
)
_ACCEPT = _words(
    r"aliyorum|alirim|istiyorum|isterim|evet|olur|tamam|kabul\w*|yes|i'?ll take it|take it|"
    r"sure|ok|okay",
    r"نعم|أريده|اريده|موافق",
)
_NO_COMPLAINT = re.compile(
    r"\b(?:agri\w*|sizi\w*|sislik|kanama\w*|sikayet\w*|sorun\w*)(?: d[ae])? "
    r"(?:yok|olmadi|kalmadi)\b"
    r"|\bno (?:pain|swelling|bleeding|problem\w*|complaints?)\b"
)
_COMPLAINT = _words(
    r"sikayet\w*|agri\w*|agriyor|aci\w*|sizi\w*|sizliyor|sisti|sislik|sismis|sisme|kanama\w*|"
    r"kaniyor|iltihap\w*|ates\w*|rahatsiz\w*|zonkl\w*|iyi degil\w*|kotu\w*|"
    r"pain\w*|hurts?|hurting|swell\w*|bleed\w*|fever|complain\w*|not (?:good|well|fine)|bad",
    r"ألم|الم|يؤلم|تورم|نزيف|شكوى|حمى",
)
_URGENT = _words(
    r"cok (?:agri\w*|kan\w*|sis\w*)|siddetli|dayanilmaz|durmuyor|gecmiyor|ates\w*|nefes\w*|"
    r"acil|severe|unbearable|won'?t stop|not stopping|can'?t breathe|emergency|urgent|fever|"
    r"a lot of (?:pain|swelling|bleeding)",
    r"شديد|لا يتوقف|طارئ|صعوبة في التنفس",
)
_GOOD = _words(
    r"iyiyim|iyi|gayet|harika|super|sorun yok|hicbir sorun|tesekkur\w*|sagol\w*|memnun\w*|"
    r"fine|good|great|well|all good|better|thanks|thank you",
    r"بخير|جيد|الحمد لله|ممتاز|شكرا",
)
_LATER = _words(
    r"hayir|daha sonra|sonra|simdi degil|istemiyorum|no|later|not now", r"لاحقًا|لاحقا|ليس الآن"
)
_YES = _words(
    r"evet|olur|isterim|ayarlayalim|ayarla|tamam|yes|sure|please|ok|okay", r"نعم|أريد|موافق"
)
_BUTTONS = {
    "CONFIRM": "confirm",
    "CANCEL": "cancel",
    "ACCEPT": "accept",
    "DECLINE": "decline",
    "FEEL_GOOD": "good",
    "COMPLAINT": "complaint",
    "CONTROL_YES": "yes",
    "CONTROL_LATER": "later",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """What an answer to the clinic's message says: its kind and the id a button named."""

    kind: str
    target: str | None = None


def read_answer(flow: str, text: str, reply_id: str | None) -> Answer | None:
    """How a patient's message answers the clinic's message of ``flow``; None: it does not."""
    payload = (reply_id or "").strip()
    for prefix, kinds in (("appt:", ("confirm", "cancel")), ("wl:", ("accept", "decline"))):
        if payload.startswith(prefix):
            _, kind, target = (payload.split(":", 2) + ["", ""])[:3]
            return Answer(kind, target or None) if kind in kinds else None
    if payload.upper() in _BUTTONS:
        return Answer(_BUTTONS[payload.upper()])
    folded = fold(text)

    def found(pattern: re.Pattern[str]) -> bool:
        return bool(pattern.search(folded) or pattern.search(text))

    if flow in ("reminder_48h", "reminder_2h"):
        if found(_CANCEL):
            return Answer("cancel")
        return Answer("confirm") if found(_CONFIRM) else None
    if flow == "waitlist_offer":
        if found(_DECLINE):
            return Answer("decline")
        return Answer("accept") if found(_ACCEPT) else None
    if flow in ("followup_1d", "followup_7d"):
        cleared = _NO_COMPLAINT.sub(" ", folded)
        if _COMPLAINT.search(cleared) or _COMPLAINT.search(text):
            return Answer("urgent" if found(_URGENT) else "complaint")
        return Answer("good") if found(_GOOD) or cleared != folded else None
    if flow == "control_30d":
        if found(_LATER):
            return Answer("later")
        return Answer("yes") if found(_YES) else None
    return None


async def answer_outreach(turn: AgentTurn) -> dict[str, Any] | None:
    """The reply to an answer to the clinic's reminder, offer or follow-up; None when the message
    is something else (or the clinic's message is over a week old)."""
    flow = turn.flow
    desk = turn.context.ports.clinic
    if desk is None or flow.get("name") != "clinic_proactive":
        return None
    now = turn.context.ports.clock()
    try:
        sent_at = dt.datetime.fromisoformat(str(flow.get("sent_at")))
        if now - sent_at > ANSWER_WINDOW:
            return None
    except ValueError:
        pass
    kind = str(flow.get("flow"))
    answer = read_answer(kind, turn.text_in, turn.state["turn"].get("reply_id"))
    if answer is None:
        return None
    turn.sure = True  # the message answers the clinic's own question
    practice = await desk.practice()
    # By the answer, not the flow: a button of an older message names what it answers.
    if answer.kind in ("confirm", "cancel"):
        return await _reminder(turn, desk, practice, answer, now)
    if answer.kind in ("accept", "decline"):
        return await _waitlist(turn, desk, practice, answer)
    if answer.kind in ("good", "complaint", "urgent"):
        return await _follow_up(turn, desk, practice, answer, now)
    return await _control(turn, desk, practice, answer, now)


async def _reminder(
    turn: AgentTurn, desk: ClinicDesk, practice: Practice, answer: Answer, now: dt.datetime
) -> dict[str, Any]:
    appointment = await desk.appointment(answer.target or str(turn.flow.get("appointment_id")))
    if appointment is None or appointment.status not in ("booked", "confirmed"):
        return turn.done(turn.text("clinic_outreach_not_active"))
    when = moment_text(appointment.starts_at, practice.zone, turn.language)
    if answer.kind == "confirm":
        turn.actions.append(ConfirmAppointment(appointment_id=str(appointment.id)))
        turn.grounds.append(when)
        return turn.done(turn.text("clinic_outreach_confirmed", when=when))
    turn.actions.append(CancelAppointment(appointment_id=str(appointment.id), reason="reminder"))
    slots = [
        slot
        for slot in await desk.free_slots(appointment.service_key, now=now)
        if slot.starts_at != appointment.starts_at
    ]
    turn.grounds.append(when)
    if not slots:
        return turn.done(turn.text("clinic_outreach_cancelled_no_slots", when=when))
    lines = numbered([slot_line(s, practice.zone, turn.language) for s in slots])
    turn.grounds.append(lines)
    _publish(turn, *(s.doctor_name for s in slots))
    return turn.done(
        turn.text("clinic_outreach_cancelled", when=when, slots=lines),
        flow=offer_flow(slots, service_key=appointment.service_key, language=turn.language),
        interactive=offer_interactive(slots, practice, turn.language),
    )


async def _waitlist(
    turn: AgentTurn, desk: ClinicDesk, practice: Practice, answer: Answer
) -> dict[str, Any]:
    entry_id = answer.target or str(turn.flow.get("entry_id"))
    entry = next(
        (e for e in await desk.waiting(turn.context.customer_id) if str(e.id) == entry_id), None
    )
    if answer.kind == "decline":
        if entry is not None and entry.status == "offered":
            turn.actions.append(DeclineWaitlistOffer(entry_id=entry_id))
        return turn.done(turn.text("clinic_outreach_waitlist_declined"))
    offer = (entry.offer or {}) if entry is not None else {}
    asked = turn.flow.get("offer_id")
    if entry is None or entry.status != "offered" or (asked and offer.get("offer_id") != asked):
        return turn.done(turn.text("clinic_outreach_waitlist_gone"))
    starts_at = dt.datetime.fromisoformat(str(offer["starts_at"]))
    service = practice.service_by_id(entry.service_id)
    service_key = service.key if service else str(offer.get("service_key"))
    held = await desk.appointment(entry.appointment_id) if entry.appointment_id else None
    if held is not None and held.status in ("booked", "confirmed"):
        turn.actions.append(
            MoveAppointment(
                appointment_id=str(held.id),
                doctor_id=str(offer["doctor_id"]),
                starts_at=starts_at,
                service_key=service_key,
                language=turn.language,
            )
        )
    else:
        turn.actions.append(
            BookAppointment(
                appointment_id=str(uuid.uuid5(entry.id, str(offer["offer_id"]))),
                service_key=service_key,
                doctor_id=str(offer["doctor_id"]),
                starts_at=starts_at,
                language=turn.language,
                source="waitlist",
                waitlist_entry_id=entry_id,
            )
        )
    name = (service.names.get(turn.language) or service.key) if service else service_key
    when = moment_text(starts_at, practice.zone, turn.language)
    turn.grounds.append(when)
    return turn.done(turn.text("clinic_outreach_waitlist_booked", when=when, service=name))


async def _follow_up(
    turn: AgentTurn, desk: ClinicDesk, practice: Practice, answer: Answer, now: dt.datetime
) -> dict[str, Any]:
    appointment_id = turn.flow.get("appointment_id")
    appointment = await desk.appointment(appointment_id) if appointment_id else None
    if answer.kind in ("complaint", "urgent"):
        return _complaint(turn, practice, appointment, urgent=answer.kind == "urgent")
    settings = turn.settings.clinic
    parts = [turn.text("clinic_outreach_glad", name=_first_name(turn.context.customer_name))]
    if settings.review_url:
        parts.append(turn.text("clinic_outreach_review", url=settings.review_url))
        turn.grounds.append(settings.review_url)
    if settings.referral_percent > 0:
        code = referral_code(
            turn.context.tenant.name, turn.context.customer_id, str(appointment_id)
        )
        expires = now + dt.timedelta(days=settings.referral_valid_days)
        turn.actions.append(
            ShareReferralCode(code=code, percent=settings.referral_percent, expires_at=expires)
        )
        until = day_text(expires.astimezone(practice.zone).date(), turn.language)
        turn.grounds.extend([code, f"%{settings.referral_percent}", until])
        parts.append(
            turn.text(
                "clinic_outreach_referral",
                code=code,
                percent=settings.referral_percent,
                until=until,
            )
        )
    return turn.done("\n\n".join(parts))


def _complaint(
    turn: AgentTurn, practice: Practice, appointment: AppointmentView | None, *, urgent: bool
) -> dict[str, Any]:
    """Alert the doctor and hand over to a person: never advice from the assistant."""
    treating = practice.doctor(appointment.doctor_id) if appointment else None
    doctor = practice.on_call() if urgent or treating is None else treating
    send_id = turn.flow.get("send_id") or turn.context.inbound_message_id
    turn.actions.append(
        DoctorAlert(
            alert_key=f"clinic-followup:{send_id}:{'urgent' if urgent else 'complaint'}",
            event="clinic.urgent" if urgent else "clinic.complaint",
            doctor_id=str(doctor.id) if doctor else None,
            subject=f"Tedavi sonrası şikayet: {turn.context.customer_name or 'hasta'}",
            text=turn.text_in[:1000],
            details={
                "patient": {
                    "name": turn.context.customer_name,
                    "phone": turn.context.customer_phone,
                },
                "appointment_id": str(appointment.id) if appointment else None,
                "service": appointment.service_key if appointment else None,
                "treating_doctor": treating.name if treating else None,
                "follow_up": turn.flow.get("flow"),
            },
        )
    )
    key = "clinic_outreach_urgent" if urgent else "clinic_outreach_complaint"
    _publish(turn, doctor.name if doctor else "")
    return turn.done(turn.text(key, doctor=doctor.name if doctor else ""), handoff_reason=HANDOFF)


async def _control(
    turn: AgentTurn, desk: ClinicDesk, practice: Practice, answer: Answer, now: dt.datetime
) -> dict[str, Any]:
    if answer.kind == "later":
        return turn.done(turn.text("clinic_outreach_control_later"))
    appointment_id = turn.flow.get("appointment_id")
    appointment = await desk.appointment(appointment_id) if appointment_id else None
    doctor = practice.doctor(appointment.doctor_id) if appointment else None
    slots = await desk.free_slots(CONTROL_SERVICE, now=now, doctor_id=doctor.id if doctor else None)
    name = doctor.name if doctor else ""
    _publish(turn, name, *(s.doctor_name for s in slots))
    if not slots:
        return turn.done(turn.text("clinic_outreach_control_none", doctor=name))
    lines = numbered([slot_line(s, practice.zone, turn.language) for s in slots])
    turn.grounds.append(lines)
    return turn.done(
        turn.text("clinic_outreach_control_slots", doctor=name, slots=lines),
        flow=offer_flow(slots, service_key=CONTROL_SERVICE, language=turn.language, purpose="book"),
        interactive=offer_interactive(slots, practice, turn.language),
    )


def _publish(turn: AgentTurn, *names: str) -> None:
    """The doctors a reply names: the clinic's published details, not PII."""
    for name in dict.fromkeys(n for n in names if n):
        turn.published.extend((name, name.split(".", 1)[-1].strip()))


def _first_name(name: str | None) -> str:
    return (name or "").split(" ")[0]


@dataclass(frozen=True, slots=True)
class ReferralIn:
    """A friend's code in a patient's message: ``valid`` proposes ``UseReferralCode`` (on the
    turn), ``text`` says so to the patient."""

    code: str
    valid: bool
    text: str


async def referral_in(turn: AgentTurn) -> ReferralIn | None:
    """A referral code in the message ("arkadaşımın kodu DK-7F3A2B"): when valid (shared or
    generated, not expired, not the patient's own), ``UseReferralCode`` is proposed on ``turn``
    (used + used_by at commit). None when the message holds no code."""
    code = find_code(turn.text_in)
    desk = turn.context.ports.clinic
    if code is None or desk is None:
        return None
    row = await desk.referral(code)
    now = turn.context.ports.clock()
    valid = (
        row is not None
        and row.status in ("generated", "shared")
        and row.expires_at > now
        and row.customer_id != turn.context.customer_id
    )
    if not valid or row is None:
        return ReferralIn(code, False, turn.text("clinic_outreach_referral_invalid", code=code))
    turn.actions.append(UseReferralCode(code=code))
    turn.grounds.extend([code, f"%{row.percent}"])
    return ReferralIn(
        code, True, turn.text("clinic_outreach_referral_used", code=code, percent=row.percent)
    )
