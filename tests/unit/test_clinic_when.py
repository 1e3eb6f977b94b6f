"""What patients write about when, read as a slot-search window in the clinic's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from invekto.clinic.when import When, parse_when

ISTANBUL = ZoneInfo("Europe/Istanbul")
WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=ISTANBUL)
SATURDAY = dt.datetime(2026, 12, 5, 10, 0, tzinfo=ISTANBUL)
SUNDAY = dt.datetime(2026, 12, 6, 10, 0, tzinfo=ISTANBUL)

T = dt.time
WEEKDAYS = frozenset(range(5))


def d(day: int, month: int = 12) -> dt.date:
    return dt.date(2026, month, day)


OPEN = (d(2), d(15))
"""No day given on Wednesday 2 December: the next fourteen days."""


@pytest.mark.parametrize(
    ("text", "start", "end", "after", "before", "at", "weekdays"),
    [
        # the product examples
        ("yarın öğleden sonra", d(3), d(3), T(13), T(18), None, None),
        ("cumartesi sabah", d(5), d(5), None, T(12), None, None),
        ("next Tuesday after 5", d(8), d(8), T(17), None, None, None),
        ("haftaya", d(7), d(13), None, None, None, None),
        ("randevumu perşembeye alabilir miyim", d(3), d(3), None, None, None, None),
        # day words
        ("bugün", d(2), d(2), None, None, None, None),
        ("today", d(2), d(2), None, None, None, None),
        ("اليوم", d(2), d(2), None, None, None, None),
        ("yarın", d(3), d(3), None, None, None, None),
        ("Tomorrow", d(3), d(3), None, None, None, None),
        ("بكرة", d(3), d(3), None, None, None, None),
        ("بكره الصبح", d(3), d(3), None, T(12), None, None),
        ("غدًا", d(3), d(3), None, None, None, None),
        ("غدا", d(3), d(3), None, None, None, None),
        ("öbür gün", d(4), d(4), None, None, None, None),
        ("the day after tomorrow", d(4), d(4), None, None, None, None),
        ("بعد غد", d(4), d(4), None, None, None, None),
        ("salı günü", d(8), d(8), None, None, None, None),
        ("cumaya olur mu", d(4), d(4), None, None, None, None),
        ("çarşamba", d(9), d(9), None, None, None, None),
        ("bu çarşamba", d(2), d(2), None, None, None, None),
        ("haftaya salı", d(8), d(8), None, None, None, None),
        ("Monday", d(7), d(7), None, None, None, None),
        ("الإثنين", d(7), d(7), None, None, None, None),
        ("يوم الثلاثاء", d(8), d(8), None, None, None, None),
        ("الأربعاء", d(9), d(9), None, None, None, None),
        ("الخميس مساءً", d(3), d(3), T(17), None, None, None),
        ("الجمعة", d(4), d(4), None, None, None, None),
        ("والسبت", d(5), d(5), None, None, None, None),
        ("يوم الأحد", d(6), d(6), None, None, None, None),
        ("25 Aralık", d(25), d(25), None, None, None, None),
        ("12/12", d(12), d(12), None, None, None, None),
        ("١٢/١٢", d(12), d(12), None, None, None, None),
        ("ayın 5'i", d(5), d(5), None, None, None, None),
        ("12 Kasım", d(12, 11), d(12, 11), None, None, None, None),
        ("3 gün sonra", d(5), d(5), None, None, None, None),
        ("bu akşam", d(2), d(2), T(17), None, None, None),
        ("tonight", d(2), d(2), T(17), None, None, None),
        # several days
        ("salı ya da çarşamba", d(8), d(9), None, None, None, frozenset({1, 2})),
        ("Tuesday or Wednesday", d(8), d(9), None, None, None, frozenset({1, 2})),
        ("haftaya salı ya da çarşamba", d(8), d(9), None, None, None, frozenset({1, 2})),
        ("bu hafta cuma", d(4), d(4), None, None, None, None),
        # week and month words
        ("gelecek hafta", d(7), d(13), None, None, None, None),
        ("önümüzdeki hafta sabah", d(7), d(13), None, T(12), None, None),
        ("next week", d(7), d(13), None, None, None, None),
        ("الأسبوع القادم", d(7), d(13), None, None, None, None),
        ("الاسبوع الجاي", d(7), d(13), None, None, None, None),
        ("bu hafta", d(2), d(6), None, None, None, None),
        ("this week", d(2), d(6), None, None, None, None),
        ("هذا الأسبوع", d(2), d(6), None, None, None, None),
        ("hafta sonu", d(5), d(6), None, None, None, None),
        ("weekend", d(5), d(6), None, None, None, None),
        ("نهاية الأسبوع", d(5), d(6), None, None, None, None),
        ("الويكند", d(5), d(6), None, None, None, None),
        ("gelecek hafta sonu", d(12), d(13), None, None, None, None),
        ("hafta içi", *OPEN, None, None, None, WEEKDAYS),
        ("on a weekday", *OPEN, None, None, None, WEEKDAYS),
        ("weekdays after work", *OPEN, T(17), None, None, WEEKDAYS),
        ("gelecek hafta hafta içi", d(7), d(13), None, None, None, WEEKDAYS),
        ("cumartesileri", *OPEN, None, None, None, frozenset({5})),
        ("bu ay", d(2), d(31), None, None, None, None),
        ("this month", d(2), d(31), None, None, None, None),
        # parts of the day
        ("sabah", *OPEN, None, T(12), None, None),
        ("in the morning", *OPEN, None, T(12), None, None),
        ("صباحا", *OPEN, None, T(12), None, None),
        ("öğleden önce", *OPEN, None, T(12), None, None),
        ("öğlen", *OPEN, T(11, 30), T(14), None, None),
        ("lunchtime", *OPEN, T(11, 30), T(14), None, None),
        ("الظهر", *OPEN, T(11, 30), T(14), None, None),
        ("öğleden sonra", *OPEN, T(13), T(18), None, None),
        ("afternoon", *OPEN, T(13), T(18), None, None),
        ("بعد الظهر", *OPEN, T(13), T(18), None, None),
        ("العصر", *OPEN, T(13), T(18), None, None),
        ("akşam", *OPEN, T(17), None, None, None),
        ("akşamüstü", *OPEN, T(17), None, None, None),
        ("iş çıkışı", *OPEN, T(17), None, None, None),
        ("evening", *OPEN, T(17), None, None, None),
        ("بالليل", *OPEN, T(17), None, None, None),
        ("المساء", *OPEN, T(17), None, None, None),
        # clock bounds and times
        ("5'ten sonra", *OPEN, T(17), None, None, None),
        ("saat 5ten sonra", *OPEN, T(17), None, None, None),
        ("17:00 sonrası", *OPEN, T(17), None, None, None),
        ("after 5", *OPEN, T(17), None, None, None),
        ("after 5pm", *OPEN, T(17), None, None, None),
        ("بعد الساعة 5", *OPEN, T(17), None, None, None),
        ("بعد ٥", *OPEN, T(17), None, None, None),
        ("12'den önce", *OPEN, None, T(12), None, None),
        ("before noon", *OPEN, None, T(12), None, None),
        ("before 11", *OPEN, None, T(11), None, None),
        ("قبل الساعة 12", *OPEN, None, T(12), None, None),
        ("5'e kadar", *OPEN, None, T(17), None, None),
        ("sabah 9'dan sonra", *OPEN, T(9), T(12), None, None),
        ("2-5 arası", *OPEN, T(14), T(17), None, None),
        ("between 10 and 12", *OPEN, T(10), T(12), None, None),
        ("saat 15:00", *OPEN, None, None, T(15), None),
        ("at 3pm", *OPEN, None, None, T(15), None),
        ("3'te", *OPEN, None, None, T(15), None),
        ("saat 3 buçukta", *OPEN, None, None, T(15, 30), None),
        ("الساعة 3", *OPEN, None, None, T(15), None),
        ("الساعة ١٠ الصبح", *OPEN, None, None, T(10), None),
        ("yarın öğleden sonra 3'te", d(3), d(3), None, None, T(15), None),
        # WhatsApp spelling
        ("yarin ogleden sonra", d(3), d(3), T(13), T(18), None, None),
        ("ogleden sonra", *OPEN, T(13), T(18), None, None),
        ("persembeye", d(3), d(3), None, None, None, None),
        ("cumartesi sabahi", d(5), d(5), None, T(12), None, None),
        ("aksam 6 gibi", *OPEN, None, None, T(18), None),
        ("YARIN AKŞAM", d(3), d(3), T(17), None, None, None),
    ],
)
def test_when_on_a_wednesday(text, start, end, after, before, at, weekdays):
    when = parse_when(text, now=WEDNESDAY)
    assert when is not None
    assert (when.start, when.end, when.after, when.before, when.at, when.weekdays) == (
        start,
        end,
        after,
        before,
        at,
        weekdays,
    )


@pytest.mark.parametrize(
    ("now", "text", "start", "end"),
    [
        (SATURDAY, "hafta sonu", d(5), d(6)),
        (SATURDAY, "cumartesi", d(12), d(12)),
        (SATURDAY, "bu cumartesi", d(5), d(5)),
        (SATURDAY, "yarın", d(6), d(6)),
        (SATURDAY, "haftaya", d(7), d(13)),
        (SATURDAY, "bu hafta", d(5), d(6)),
        (SATURDAY, "pazartesi", d(7), d(7)),
        (SUNDAY, "hafta sonu", d(12), d(13)),
        (SUNDAY, "bu hafta sonu", d(6), d(6)),
        (SUNDAY, "bu hafta", d(6), d(6)),
        (SUNDAY, "haftaya", d(7), d(13)),
        (SUNDAY, "pazar", d(13), d(13)),
        (SUNDAY, "الأحد", d(13), d(13)),
        (SUNDAY, "next week", d(7), d(13)),
    ],
)
def test_when_on_a_weekend(now, text, start, end):
    when = parse_when(text, now=now)
    assert when is not None
    assert (when.start, when.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    [
        "implant ne kadar",
        "randevu almak istiyorum",
        "en erken ne zaman",
        "en erken randevu",
        "as soon as possible",
        "أقرب موعد",
        "İyi akşamlar, randevu almak istiyorum",
        "Good morning, I'd like an appointment",
        "صباح الخير",
        "2 kişi gelebilir miyiz",
        "dolgu 1500 TL mi",
        "",
    ],
)
def test_nothing_about_when(text):
    assert parse_when(text, now=WEDNESDAY) is None


def test_the_words_read_are_kept_for_logs():
    assert parse_when("Yarın öğleden sonra müsait misiniz?", now=WEDNESDAY).text == (
        "yarin ogleden sonra"
    )


def test_the_day_is_the_clinics_day():
    late = dt.datetime(2026, 12, 2, 23, 30, tzinfo=ISTANBUL)
    assert parse_when("yarın", now=late).start == d(3)


def test_only_the_first_2000_characters_are_read():
    assert parse_when("x " * 1000 + "yarın", now=WEDNESDAY) is None


@pytest.mark.parametrize(
    ("when", "language", "text"),
    [
        (When(d(3), d(3), T(13), T(18)), "tr", "yarın öğleden sonra"),
        (When(d(3), d(3), T(13), T(18)), "en", "tomorrow afternoon"),
        (When(d(3), d(3), T(13), T(18)), "ar", "غدًا بعد الظهر"),
        (When(d(2), d(2), T(17)), "tr", "bugün akşam"),
        (When(d(5), d(5), None, T(12)), "tr", "5 Aralık Cumartesi sabah"),
        (When(d(5), d(5), None, T(12)), "en", "Saturday 5 December, morning"),
        (When(d(5), d(5), None, T(12)), "ar", "السبت 5 ديسمبر صباحًا"),
        (When(d(8), d(8), at=T(15)), "tr", "8 Aralık Salı saat 15:00"),
        (When(d(8), d(8), at=T(15)), "en", "Tuesday 8 December, at 15:00"),
        (When(d(8), d(8), at=T(15)), "ar", "الثلاثاء 8 ديسمبر الساعة 15:00"),
        (When(d(7), d(13)), "tr", "7–13 Aralık"),
        (When(d(2), d(15), weekdays=WEEKDAYS), "en", "2–15 December, weekdays"),
        (When(d(8), d(9), weekdays=frozenset({1, 2})), "tr", "8–9 Aralık, Salı veya Çarşamba"),
        (When(d(28), dt.date(2027, 1, 3)), "en", "28 December – 3 January"),
        (When(d(10), d(10), T(17, 30)), "en", "Thursday 10 December, after 17:30"),
        (When(d(10), d(10), T(14), T(17)), "tr", "10 Aralık Perşembe saat 14:00–17:00 arası"),
        (When(d(10), d(10), None, T(11)), "ar", "الخميس 10 ديسمبر قبل الساعة 11:00"),
    ],
)
def test_describe(when, language, text):
    assert when.describe(language, today=d(2)) == text


def test_describe_without_today_gives_the_date():
    assert When(d(3), d(3)).describe("tr") == "3 Aralık Perşembe"


def test_a_parse_describes_itself():
    when = parse_when("بكرة العصر", now=WEDNESDAY)
    assert when.describe("ar", today=WEDNESDAY.date()) == "غدًا بعد الظهر"


@pytest.mark.parametrize(
    "text",
    [
        "a" * 65536,
        "5" * 65536,
        "yarın " * 10000,
        "ب" * 65536,
        "السبت " * 10000,
        "5:" * 32768,
        "1 " * 32768,
        "5'ten " * 10000,
        "saat " * 10000,
        "ogleden " * 10000,
        "after " * 10000,
    ],
)
def test_hostile_input_is_read_quickly(text):
    parse_when(text, now=WEDNESDAY)
