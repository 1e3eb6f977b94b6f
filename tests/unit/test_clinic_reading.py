"""What the clinic agent reads besides the intent: red flags, the service, a patient from abroad,
the offered slot picked."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from invekto.agents.clinic import reading
from invekto.clinic.slots import Slot
from invekto.guardrails.output import reply_language

ZONE = ZoneInfo("Europe/Istanbul")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dişim çok ağrıyor yüzüm şişti", "urgent"),
        ("dis agrisi var ates de var", "urgent"),
        ("düştüm ön dişim kırıldı kanıyor", "urgent"),
        ("my tooth hurts and my cheek is swollen", "urgent"),
        ("I knocked out a tooth playing football", "urgent"),
        ("عندي ألم شديد في ضرسي وتورم في وجهي", "urgent"),
        ("dişim ağrıyor", "pain"),
        ("bad toothache since yesterday", "pain"),
        ("عندي وجع في سني", "pain"),
        ("implant ne kadar", None),
        ("randevumu perşembeye alabilir miyim", None),
    ],
)
def test_triage(text, expected):
    assert reading.triage(text) == expected


@pytest.mark.parametrize(
    ("text", "country", "currency", "abroad"),
    [
        ("I'm coming from London, how much is an implant?", "United Kingdom", None, True),
        ("price in euros please", None, "EUR", True),
        ("أنا من السعودية، كم سعر الزراعة؟", "Saudi Arabia", None, True),
        ("do you have a package with hotel and airport transfer", None, None, True),
        ("implant ne kadar", None, None, False),
    ],
)
def test_a_patient_from_abroad(text, country, currency, abroad):
    found = reading.country_in(text)
    assert (found[0] if found else None) == country
    assert reading.currency_in(text) == currency
    assert reading.from_abroad(text) is abroad


def _slots() -> list[Slot]:
    doctor = uuid.uuid4()
    day = dt.datetime(2026, 12, 3, tzinfo=ZONE)
    return [
        Slot(
            doctor_id=doctor,
            doctor_name="Dt. A",
            service_key="examination",
            starts_at=(day + dt.timedelta(hours=h)).astimezone(dt.UTC),
            ends_at=(day + dt.timedelta(hours=h, minutes=30)).astimezone(dt.UTC),
        )
        for h in (14, 15, 16)
    ]


@pytest.mark.parametrize(
    ("text", "reply_id", "ordinal", "yes", "index"),
    [
        ("ikincisi", None, 2, False, 1),
        ("الثاني", None, None, False, 1),
        ("saat 4 olsun", None, None, False, 2),
        ("16:00 uygun", None, None, False, 2),
        ("Per 3 Ara 15:00", "BUTTON", None, False, 1),
        ("cuma olur mu", None, None, False, None),
    ],
)
def test_the_slot_picked(text, reply_id, ordinal, yes, index):
    slots = _slots()
    if reply_id == "BUTTON":
        reply_id = f"slot:{slots[1].key()}"
    picked = reading.picked_slot(
        slots, text=text, reply_id=reply_id, ordinal=ordinal, yes=yes, zone=ZONE
    )
    assert picked == (slots[index] if index is not None else None)


def test_yes_picks_a_single_offer_only():
    slots = _slots()
    assert reading.picked_slot(
        slots[:1], text="evet", reply_id=None, ordinal=None, yes=True, zone=ZONE
    )
    assert not reading.picked_slot(
        slots, text="evet", reply_id=None, ordinal=None, yes=True, zone=ZONE
    )


def test_facts_questions_and_medical_questions():
    assert reading.asks_duration("kanal tedavisi ne kadar sürüyor")
    assert reading.asks_facts("seans kaç dakika sürüyor")
    assert reading.asks_facts("which doctor does the whitening")
    assert not reading.asks_facts("implant sonrası ne yemeliyim")


def test_a_dotted_capital_i_is_no_english_word():
    # "İmplant".casefold() is "i" + a combining dot: it must not read as the English "I".
    assert reply_language("İmplant ücretimiz 22.000 TL. İlk muayenemiz ücretsizdir.") != "en"


def test_hostile_input_is_read_in_bounded_time():
    for text in ("a" * 65536, "ağrı " * 13000, "ش" * 65536, "1:" * 32768):
        reading.triage(text)
        reading.from_abroad(text)
        reading.declines(text)


def test_typed_bleeding_and_fee_questions():
    assert reading.triage("implant yaptirdim dikislerden kan geliyo hala durmadi") == "urgent"
    assert reading.for_staff("son dakika iptal edersem sizden ücret alınıyor mu")
    assert not reading.for_staff("implant ücreti ne kadar")


def test_an_appointment_of_ones_own():
    assert reading.own_appointment("salı günkü randevumu perşembeye kaydırmak istiyorum")
    assert reading.own_appointment("can I move my appointment")
    assert not reading.own_appointment("başka gün olsun, salı olur mu")
