"""Dates and times customers write, in Turkish and English, resolved in the tenant's time zone.

"yarın", "cuma öğleden sonra", "haftaya salı saat 15:00", "25 Kasım", "next Monday at 3pm" →
``DateMention(text, date, time)``. Relative words are resolved against ``now`` (the message's
time in the tenant's zone); a weekday alone means its next occurrence after today.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel

from invekto.core.text import NUMBER_WORDS, fold

WEEKDAYS = {
    "pazartesi": 0,
    "sali": 1,
    "carsamba": 2,
    "persembe": 3,
    "cuma": 4,
    "cumartesi": 5,
    "pazar": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
MONTHS = {
    "ocak": 1,
    "subat": 2,
    "mart": 3,
    "nisan": 4,
    "mayis": 5,
    "haziran": 6,
    "temmuz": 7,
    "agustos": 8,
    "eylul": 9,
    "ekim": 10,
    "kasim": 11,
    "aralik": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
RELATIVE_DAYS = {
    "bugun": 0,
    "today": 0,
    "yarin": 1,
    "tomorrow": 1,
    "obur gun": 2,
    "ertesi gun": 2,
    "day after tomorrow": 2,
}
PARTS_OF_DAY = {
    "sabah": dt.time(9),
    "sabahleyin": dt.time(9),
    "sabah erken": dt.time(8),
    "ogleden once": dt.time(10),
    "oglenden once": dt.time(10),
    "oglen": dt.time(12),
    "ogle": dt.time(12),
    "ogle arasi": dt.time(12),
    "ogleden sonra": dt.time(14),
    "oglenden sonra": dt.time(14),
    "ogle sonrasi": dt.time(14),
    "ikindi": dt.time(16),
    "aksamustu": dt.time(17),
    "aksam ustu": dt.time(17),
    "aksam": dt.time(18),
    "aksamleyin": dt.time(18),
    "is cikisi": dt.time(18),
    "morning": dt.time(9),
    "noon": dt.time(12),
    "lunchtime": dt.time(12),
    "afternoon": dt.time(14),
    "evening": dt.time(18),
    "after work": dt.time(18),
    "tonight": dt.time(20),
}
LATER_PARTS = {
    "ogleden sonra",
    "oglenden sonra",
    "ogle sonrasi",
    "ikindi",
    "aksamustu",
    "aksam ustu",
    "aksam",
    "aksamleyin",
    "is cikisi",
    "afternoon",
    "evening",
    "after work",
    "tonight",
}
"""Parts of the day after noon: "öğleden sonra 3'te" is 15:00."""
COUNT_WORDS = {word: n for word, n in NUMBER_WORDS.items() if n <= 10}

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_RELATIVE = "|".join(sorted(RELATIVE_DAYS, key=len, reverse=True))
_PART = "|".join(sorted(PARTS_OF_DAY, key=len, reverse=True))

_COUNT = "|".join(sorted(COUNT_WORDS, key=len, reverse=True))
_TR_CASE = r"(?:'?(?:ki|ku|ya|ye|a|e|da|de|ta|te|dan|den|tan|ten|ndan|nden|nda|nde|i|u|si|su))?"
"""Turkish endings of a day word: "yarına", "yarınki", "cumaya", "salıdan", "5 kasımda"."""

_DAY_PATTERNS = [
    (
        "in_days",
        re.compile(
            rf"\b(?P<count>\d{{1,2}}|{_COUNT})\s*(?P<unit>gun|hafta|days?|weeks?)\s*"
            r"(?:sonra|later|sonraya|sonrasi\w*)\b"
            rf"|\bin\s+(?P<count2>\d{{1,2}}|{_COUNT})\s+(?P<unit2>days?|weeks?)\b"
            r"|\b(?P<weekly>haftaya bugun|a week from today)\b"
        ),
    ),
    ("relative", re.compile(rf"\b(?P<rel>{_RELATIVE}){_TR_CASE}\b")),
    (
        "weekday",
        re.compile(
            rf"\b(?P<next>haftaya|gelecek hafta|onumuzdeki hafta|next week|next|bu|this)?\s*"
            rf"(?P<weekday>{_WEEKDAY})(?:'?(?:ya|ye|a|e|gunu|gunune|gunleri|ndan|nden|dan|den"
            r"|da|de|ki|si|s))?\b"
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH}){_TR_CASE}(?:\s+(?P<year>\d{{4}}))?\b"
        ),
    ),
    (
        "of_month",
        re.compile(r"\bayin\s+(?P<day>\d{1,2})\s*'?(?:[a-z]{1,5})?\b"),
    ),
    ("month_day", re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b")),
    (
        "numeric",
        re.compile(
            r"(?<![\d.,/])(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./](?P<year>\d{2,4}))?(?![\d.,/])"
        ),
    ),
]
_TIME = re.compile(
    r"(?:\bsaat\s*|\bat\s*)?(?<![\d.,/])(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*"
    r"(?P<ampm>am|pm)?(?![\d/])"
    r"(?P<suffix>\s*'?(?:de|da|te|ta|gibi|civari\w*|sular\w*|itibari\w*|ish|o'?clock)\b)?"
)
_CLOCK_CONTEXT = re.compile(r"\bsaat\b|\bat\b|:|am\b|pm\b|\b\d{1,2}\.\d{2}\b")
_PART_OF_DAY = re.compile(rf"\b(?P<part>{_PART})\b")


class DateMention(BaseModel):
    text: str
    date: dt.date
    time: dt.time | None = None


def extract_dates(text: str, *, now: dt.datetime) -> list[DateMention]:
    """Every day mentioned in ``text``, with a time when one is given near it."""
    folded = fold(text)
    today = now.date()
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DAY_PATTERNS:
        for match in pattern.finditer(folded):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            day = _resolve(kind, match, today)
            if day is None:
                continue
            taken.append(match.span())
            mentions.append(DateMention(text=match.group().strip(), date=day))
    clock = _time_of_day(folded, taken, has_day=bool(mentions))
    if clock is not None:
        if mentions:
            mentions = [m.model_copy(update={"time": clock}) for m in mentions]
        else:
            mentions = [DateMention(text="", date=today, time=clock)]
    return sorted(mentions, key=lambda m: m.date)


def _resolve(kind: str, match: re.Match[str], today: dt.date) -> dt.date | None:
    if kind == "relative":
        return today + dt.timedelta(days=RELATIVE_DAYS[match["rel"]])
    if kind == "weekday":
        return _weekday(WEEKDAYS[match["weekday"]], match["next"], today)
    if kind == "in_days":
        if match["weekly"]:
            return today + dt.timedelta(days=7)
        written = match["count"] or match["count2"]
        count = int(written) if written.isdigit() else COUNT_WORDS[written]
        unit = match["unit"] or match["unit2"]
        return today + dt.timedelta(days=count * (7 if unit.startswith(("hafta", "week")) else 1))
    if kind == "of_month":
        return _day_of_month(int(match["day"]), today)
    month = MONTHS[match["month"]] if not match["month"].isdigit() else int(match["month"])
    year = match.groupdict().get("year")
    try:
        day = dt.date(_year(year, today), month, int(match["day"]))
    except ValueError:
        return None
    if year is None and day < today - dt.timedelta(days=31):
        day = day.replace(year=day.year + 1)  # "5 Ocak" written in December means next year
    return day


def _weekday(target: int, qualifier: str | None, today: dt.date) -> dt.date:
    ahead = (target - today.weekday()) % 7
    if qualifier in ("bu", "this"):
        return today + dt.timedelta(days=ahead)
    ahead = ahead or 7  # "cuma" on a Friday: next Friday
    if qualifier in ("haftaya", "gelecek hafta", "onumuzdeki hafta", "next week"):
        monday_next_week = today + dt.timedelta(days=7 - today.weekday())
        return monday_next_week + dt.timedelta(days=target)
    return today + dt.timedelta(days=ahead)


def _day_of_month(day: int, today: dt.date) -> dt.date | None:
    """'ayın 5'inde': this month's 5th, or next month's when this month's has passed."""
    year, month = today.year, today.month
    for _ in range(2):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _year(written: str | None, today: dt.date) -> int:
    if not written:
        return today.year
    year = int(written)
    return year + 2000 if year < 100 else year


def _time_of_day(folded: str, taken: list[tuple[int, int]], *, has_day: bool) -> dt.time | None:
    """The clock time written ("saat 15:00", "3pm", "10.30"; "3'te", "10 gibi" next to a day or
    a part of the day), read in the part of the day given ("öğleden sonra 3'te" → 15:00); a bare
    1–6 o'clock is afternoon (nobody books 3 a.m.). Without a clock time, the part of the day."""
    part_match = _PART_OF_DAY.search(folded)
    part = part_match["part"] if part_match else None
    for match in _TIME.finditer(folded):
        if any(start <= match.start() < end for start, end in taken):
            continue
        if not _CLOCK_CONTEXT.search(match.group()) and not (match["suffix"] and (has_day or part)):
            continue
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if match["ampm"] == "pm" and hour < 12:
            hour += 12
        elif match["ampm"] == "am" and hour == 12:
            hour = 0
        elif match["ampm"] is None and hour < 12:
            if part in LATER_PARTS or (
                part is None and 1 <= hour <= 6 and not match["hour"].startswith("0")
            ):
                hour += 12
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    return PARTS_OF_DAY[part] if part else None
