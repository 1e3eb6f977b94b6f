"""The pure parts of the clinic's outreach: when reminders and follow-ups go, how an answer to
them reads, and referral codes."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from invekto.agents.clinic.outreach import Answer, read_answer
from invekto.clinic.lifecycle import follow_up_times, reminder_times
from invekto.clinic.outreach import code_prefix, find_code, referral_code
from invekto.outbound import clinic_flows as flows
from invekto.storage.models import Tenant

IST = ZoneInfo("Europe/Istanbul")


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=IST)


TENANT = Tenant(timezone="Europe/Istanbul", settings={})


def test_reminders_go_48_and_2_hours_before_out_of_the_quiet_hours():
    times = reminder_times(_at(10, 10), TENANT, _at(1, 12))
    assert times == {flows.REMINDER_48H: _at(8, 10), flows.REMINDER_2H: _at(10, 9)}


def test_an_early_appointments_last_reminder_goes_the_evening_before():
    # 07:00 is quiet until 09:00, the appointment's own time: it goes at 20:30 the day before.
    times = reminder_times(_at(10, 9), TENANT, _at(1, 12))
    assert times[flows.REMINDER_2H] == _at(9, 20, 30)
    assert times[flows.REMINDER_48H] == _at(8, 9)


def test_an_appointment_booked_a_day_ahead_gets_only_what_is_still_ahead():
    times = reminder_times(_at(10, 15), TENANT, _at(9, 14))
    assert times == {flows.REMINDER_2H: _at(10, 13)}
    assert reminder_times(_at(10, 15), TENANT, _at(10, 14)) == {}


def test_follow_ups_go_at_eleven_a_late_one_now_a_stale_one_never():
    now = _at(3, 15)
    times = follow_up_times(dt.date(2026, 12, 2), IST, now)
    assert times == {
        flows.FOLLOWUP_1D: now,  # 11:00 today has passed: now
        flows.FOLLOWUP_7D: _at(9, 11),
        flows.CONTROL_30D: dt.datetime(2027, 1, 1, 11, tzinfo=IST),
    }
    assert flows.FOLLOWUP_1D not in follow_up_times(dt.date(2026, 11, 20), IST, now)


@pytest.mark.parametrize(
    ("flow", "text", "reply_id", "expected"),
    [
        ("reminder_48h", "Geliyorum", None, Answer("confirm")),
        ("reminder_48h", "tamam gelicem", None, Answer("confirm")),
        ("reminder_48h", "I'll be there", None, Answer("confirm")),
        ("reminder_48h", "سأحضر", None, Answer("confirm")),
        ("reminder_48h", "maalesef gelemeyeceğim", None, Answer("cancel")),
        ("reminder_48h", "tamam iptal edin", None, Answer("cancel")),
        ("reminder_2h", "cancel please", None, Answer("cancel")),
        ("reminder_48h", "إلغاء", None, Answer("cancel")),
        ("reminder_48h", "Geliyorum", "appt:confirm:abc", Answer("confirm", "abc")),
        ("reminder_48h", "İptal", "appt:cancel:abc", Answer("cancel", "abc")),
        ("reminder_48h", "fiyatınız ne kadar?", None, None),
        ("waitlist_offer", "Alıyorum", "wl:accept:e1", Answer("accept", "e1")),
        ("waitlist_offer", "evet isterim", None, Answer("accept")),
        ("waitlist_offer", "hayır istemiyorum", None, Answer("decline")),
        ("followup_1d", "teşekkürler iyiyim", None, Answer("good")),
        ("followup_1d", "İyiyim", "FEEL_GOOD", Answer("good")),
        ("followup_1d", "ağrım yok, şişlik de yok", None, Answer("good")),
        ("followup_1d", "şikayetim var", None, Answer("complaint")),
        ("followup_7d", "biraz ağrı var", None, Answer("complaint")),
        ("followup_1d", "çok ağrıyor, kanama durmuyor", None, Answer("urgent")),
        ("followup_1d", "I have a lot of swelling and fever", None, Answer("urgent")),
        ("followup_1d", "randevumu değiştirebilir miyim", None, None),
        ("control_30d", "evet", None, Answer("yes")),
        ("control_30d", "daha sonra", None, Answer("later")),
    ],
)
def test_answers_to_the_clinics_messages(flow, text, reply_id, expected):
    assert read_answer(flow, text, reply_id) == expected


def test_referral_codes_are_the_clinics_initials_and_the_same_every_time():
    customer = uuid.UUID(int=7)
    assert code_prefix("Demo Diş Kliniği") == "DK"
    code = referral_code("Demo Diş Kliniği", customer, "a1")
    assert code == referral_code("Demo Diş Kliniği", customer, "a1")
    assert code != referral_code("Demo Diş Kliniği", customer, "a2")
    assert code.startswith("DK-") and len(code) == 9
    assert find_code(f"arkadaşımın kodu {code.lower()} indirim var mı") == code
    assert find_code("kodum yok") is None
