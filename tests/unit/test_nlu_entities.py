"""Entities and signals: dates, quantities, sizes, colours, return reasons, B2B and mood."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from invekto.nlu.dates import extract_dates
from invekto.nlu.entities import extract
from invekto.nlu.signals import detect

IST = ZoneInfo("Europe/Istanbul")
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "day", "time"),
    [
        ("yarın gelebilir miyim", dt.date(2026, 11, 26), None),
        ("bugün saat 15:00 uygun mu", dt.date(2026, 11, 25), dt.time(15)),
        ("cuma öğleden sonra", dt.date(2026, 11, 27), dt.time(14)),
        ("haftaya salı sabah", dt.date(2026, 12, 1), dt.time(9)),
        ("çarşambaya randevu", dt.date(2026, 12, 2), None),  # today is Wednesday: next one
        ("bu çarşamba akşam", dt.date(2026, 11, 25), dt.time(18)),
        ("25 Aralık", dt.date(2026, 12, 25), None),
        ("5 ocak", dt.date(2027, 1, 5), None),
        ("30.11 saat 10.30", dt.date(2026, 11, 30), dt.time(10, 30)),
        ("next Monday at 3pm", dt.date(2026, 11, 30), dt.time(15)),
        ("tomorrow morning", dt.date(2026, 11, 26), dt.time(9)),
        ("December 3rd", dt.date(2026, 12, 3), None),
        ("öbür gün", dt.date(2026, 11, 27), None),
    ],
)
def test_dates(text, day, time):
    mentions = extract_dates(text, now=WEDNESDAY)
    assert [(m.date, m.time) for m in mentions] == [(day, time)]


@pytest.mark.parametrize("text", ["150 adet lazım", "fiyatı 199.90 TL", "kargom nerede", "3 tane"])
def test_no_dates_in_quantities_prices_or_plain_questions(text):
    assert extract_dates(text, now=WEDNESDAY) == []


def test_entities_of_a_b2b_message():
    entities = extract(
        "şirketimize 150 adet siyah L beden lazım, mail: satin@firma.com.tr", now=WEDNESDAY
    )
    assert entities.quantities == [150]
    assert entities.colors == ["siyah"]
    assert entities.sizes == ["L"]
    assert entities.emails == ["satin@firma.com.tr"]
    assert detect("şirketimize 150 adet lazım faturalı", entities) == ["bulk_order"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("iade etcem bedeni olmadı", "size"),
        ("küçük geldi değiştirmek istiyorum", "size"),
        ("rengi fotoğraftaki gibi değil", "colour"),
        ("ürün kırık geldi", "damaged"),
        ("kumaşı çok kötü kalitesiz", "quality"),
        ("vazgeçtim iade etmek istiyorum", "changed_mind"),
        ("it is too small", "size"),
        ("arrived broken", "damaged"),
        ("kargom nerede", None),
    ],
)
def test_return_reasons(text, reason):
    assert extract(text).return_reason == reason


def test_sizes_and_colours():
    entities = extract("42 numara lacivert olanı var mı, XL beden de olur")
    assert entities.sizes == ["XL", "42"]
    assert entities.colors == ["lacivert"]


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("toptan fiyat alabilir miyim", ["bulk_order"]),
        ("25 adet lazım", ["bulk_order"]),
        ("3 adet lazım", []),
        ("rezalet bir hizmet!!!", ["negative_sentiment"]),
        ("ACİL dönüş yapın lütfen", ["urgent"]),
        ("this is the worst service, I need it asap", ["negative_sentiment", "urgent"]),
    ],
)
def test_signals(text, signals):
    assert detect(text, extract(text)) == signals
