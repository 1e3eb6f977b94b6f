"""How the clinic agent writes days, times, slots and prices in Turkish, English and Arabic.

Every figure the agent puts in a reply is written here, and the same strings are given to the
output guard as the turn's grounds (a time or a price it did not compute is an invented fact).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from invekto.clinic.practice import Practice, Range, ServiceView
from invekto.clinic.slots import Slot
from invekto.core.locale import MONTH_NAMES, WEEKDAY_NAMES

WEEKDAYS = WEEKDAY_NAMES
MONTHS = MONTH_NAMES
SHORT_WEEKDAYS = {
    "tr": ["Pzt", "Sal", "Çar", "Per", "Cum", "Cmt", "Paz"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "ar": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
}
CURRENCY_WORD = {"TRY": {"tr": "TL", "en": "TL", "ar": "ليرة"}}


def _lang(language: str) -> str:
    return language if language in WEEKDAYS else "tr"


def day_text(day: dt.date, language: str) -> str:
    """ "3 Aralık Perşembe", "Thursday 3 December", "الخميس 3 ديسمبر"."""
    lang = _lang(language)
    weekday, month = WEEKDAYS[lang][day.weekday()], MONTHS[lang][day.month - 1]
    if lang == "tr":
        return f"{day.day} {month} {weekday}"
    return f"{weekday} {day.day} {month}"


def clock(moment: dt.datetime | dt.time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def moment_text(moment: dt.datetime, zone: ZoneInfo, language: str) -> str:
    local = moment.astimezone(zone)
    separator = "، " if _lang(language) == "ar" else ", "
    return f"{day_text(local.date(), language)}{separator}{clock(local)}"


def slot_line(slot: Slot, zone: ZoneInfo, language: str) -> str:
    """ "3 Aralık Perşembe, 10:00 — Dt. Selin Arslan"."""
    return f"{moment_text(slot.starts_at, zone, language)} — {slot.doctor_name}"


def slot_button(slot: Slot, zone: ZoneInfo, language: str) -> str:
    """A reply button's title (WhatsApp: 20 characters at most): "Per 3 Ara 10:00"."""
    local = slot.starts_at.astimezone(zone)
    lang = _lang(language)
    month = MONTHS[lang][local.month - 1][:3]
    return f"{SHORT_WEEKDAYS[lang][local.weekday()]} {local.day} {month} {clock(local)}"[:20]


def numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{n}) {line}" for n, line in enumerate(lines, start=1))


def amount(value: Decimal | float | int, language: str) -> str:
    """22000 → "22.000" (tr) / "22,000" (en, ar)."""
    whole = f"{int(Decimal(str(value))):,}"
    return whole.replace(",", ".") if _lang(language) == "tr" else whole


def price_range(
    low: Decimal | float | None, high: Decimal | float | None, currency: str, language: str
) -> str:
    """ "22.000–35.000 TL", "650–1,000 EUR"; one figure when both are the same."""
    word = CURRENCY_WORD.get(currency, {}).get(_lang(language), currency)
    if low is None and high is None:
        return ""
    low = low if low is not None else high
    high = high if high is not None else low
    assert low is not None and high is not None
    figures = (
        amount(low, language)
        if Decimal(str(low)) == Decimal(str(high))
        else f"{amount(low, language)}–{amount(high, language)}"
    )
    return f"{figures} {word}"


def service_price(service: ServiceView, language: str, currency: str = "TRY") -> str:
    """The price of ``service`` in ``currency`` (TRY from the price list; another currency only
    from the clinic's own foreign list, never converted), with its unit ("diş başına")."""
    if currency == "TRY":
        text = price_range(service.price_min, service.price_max, "TRY", language)
    else:
        listed = service.foreign_prices.get(currency)
        if not listed:
            return ""
        text = price_range(listed[0], listed[-1], currency, language)
    unit = service.price_unit.get(_lang(language)) or ""
    return f"{text} ({unit})" if unit and text else text


def hours_text(ranges: Sequence[Range], language: str) -> str:
    """ "09:00–13:00 ve 14:00–19:00"."""
    joiner = {"tr": " ve ", "en": " and ", "ar": " و"}[_lang(language)]
    return joiner.join(f"{clock(a)}–{'24:00' if b == dt.time.max else clock(b)}" for a, b in ranges)


def week_hours(practice: Practice, language: str) -> str:
    """The clinic's weekly hours, consecutive days with the same hours grouped:
    "Pazartesi–Cuma 09:00–19:00 (13:00–14:00 öğle arası); Cumartesi 10:00–15:00; Pazar kapalı"."""
    lang = _lang(language)
    hours = practice.clinic_hours()
    groups: list[tuple[int, int, tuple[Range, ...]]] = []
    for day in range(7):
        ranges = hours.get(day, ())
        if groups and groups[-1][2] == ranges and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, ranges)
        else:
            groups.append((day, day, ranges))
    closed = {"tr": "kapalı", "en": "closed", "ar": "مغلق"}[lang]
    parts = []
    for first, last, ranges in groups:
        days = WEEKDAYS[lang][first] + (f"–{WEEKDAYS[lang][last]}" if last != first else "")
        parts.append(f"{days} {_span(ranges, lang) if ranges else closed}")
    return "; ".join(parts)


def _span(ranges: Sequence[Range], lang: str) -> str:
    """One day's ranges as opening–closing with its breaks: "09:00–19:00 (13:00–14:00 öğle
    arası)"."""
    start, end = ranges[0][0], ranges[-1][1]
    text = f"{clock(start)}–{'24:00' if end == dt.time.max else clock(end)}"
    breaks = [f"{clock(a[1])}–{clock(b[0])}" for a, b in zip(ranges, ranges[1:], strict=False)]
    if breaks:
        word = {"tr": "öğle arası", "en": "break", "ar": "استراحة"}[lang]
        text += f" ({', '.join(breaks)} {word})"
    return text
