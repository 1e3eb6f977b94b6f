"""When a patient wants an appointment, as a search window for the slot engine.

"yarın öğleden sonra", "cumartesi sabah", "next Tuesday after 5", "haftaya", "الخميس مساءً" →
``When(start, end, after, before, at, weekdays)``, in Turkish, English and Arabic, resolved
against ``now`` (the message's time in the clinic's zone). Day words are read by
:func:`invekto.nlu.dates.extract_dates` (same rules: a weekday alone is its next occurrence,
"haftaya salı" is next week's Tuesday); this module adds Arabic days, week and month words,
parts of the day, and clock bounds ("5'ten sonra", "before 11", "بعد الساعة 5").

Every pattern is free of nested unbounded repetition and reads at most ``MAX_CHARS`` characters,
so a hostile message cannot make it backtrack for long.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from invekto.core.locale import MONTH_NAMES, WEEKDAY_NAMES
from invekto.core.text import fold
from invekto.nlu.dates import WEEKDAYS, extract_dates

MAX_CHARS = 2000
"""Only the first this many characters of a message are read."""
OPEN_DAYS = 14
"""Days searched when no day is given ("öğleden sonra", "hafta içi", "saat 3'te"): today on."""

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_AR_L = r"(?<![\u0621-\u064a])"
_AR_R = r"(?![\u0621-\u064a])"
"""Arabic word edges (a leading و/ف/ب conjunction or preposition is allowed where it matters)."""

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_AR_WEEKDAYS = {
    "اثنين": 0,
    "اتنين": 0,
    "ثلاثاء": 1,
    "ثلاثا": 1,
    "تلات": 1,
    "اربعاء": 2,
    "اربعا": 2,
    "خميس": 3,
    "جمعة": 4,
    "جمعه": 4,
    "سبت": 5,
    "احد": 6,
}
_AR_WEEKDAY = "|".join(sorted(_AR_WEEKDAYS, key=len, reverse=True))
_AR_SAAT = r"(?:(?:ال)?ساع[ةه]\s?)"

_HABITUAL = re.compile(
    rf"\b(?P<wd>{_WEEKDAY})(?:leri|lari|\sgunleri)\b"
    rf"|\bher\s(?P<wd2>{_WEEKDAY})\b"
    rf"|\bon\s(?P<wd3>{_WEEKDAY})s\b"
)
"""A weekday as a habit: "cumartesileri", "salı günleri", "her cuma", "on Saturdays"."""
_AR_DAY = re.compile(
    rf"{_AR_L}[وفب]?(?:"
    r"(?P<after_tomorrow>بعد\s(?:غدا?|بكر[ةها]))"
    r"|(?P<today>اليوم|النهارد[ةه]|الليلة)"
    r"|(?P<tomorrow>بكر[ةها]|غدا?|الغد)"
    rf"|(?:ال|لل|يوم\s(?:ال)?)(?P<weekday>{_AR_WEEKDAY})"
    rf"){_AR_R}"
)
_TODAY_PART = re.compile(
    r"\b(?:bu|this)\s(?:aksam|sabah|ogleden\ssonra|morning|afternoon|evening)|\btonight\b"
)
"""Today given by its part of the day: "bu akşam", "this morning", "tonight"."""

_NEXT_QUALIFIERS = ("gelecek", "onumuzdeki", "sonraki", "haftaya", "next")
_Q_NEXT = "|".join(_NEXT_QUALIFIERS)
_WEEKEND = re.compile(
    rf"(?:\b(?P<q>bu|this|{_Q_NEXT})\s)?(?:\bhafta\s?son(?:u|lari)\w{{0,3}}\b|\bweekends?\b)"
    rf"|{_AR_L}(?:(?:نهاية|اخر|عطلة)\s(?:ال)?اسبوع(?P<ar_q>\s(?:القادم|الجاي|المقبل))?"
    rf"|(?:ال)?ويكند){_AR_R}"
)
_WORKDAYS = re.compile(
    rf"(?:\b(?P<q>bu|this|{_Q_NEXT})\s)?\bhafta\s?ic(?:i|leri)(?:ne|nde|de)?\b"
    r"|\bweekdays?\b|\bduring\sthe\sweek\b"
    rf"|{_AR_L}ايام\s(?:ال)?اسبوع{_AR_R}"
)
_THIS_WEEK = re.compile(
    r"\b(?:bu|this)\s(?:hafta|week)(?:ya|ki|da|icinde)?\b"
    rf"|{_AR_L}(?:(?:هذا|هاد|هذه)\sالاسبوع|الاسبوع\sهذا|هالاسبوع){_AR_R}"
)
_NEXT_WEEK = re.compile(
    r"\b(?:gelecek|onumuzdeki|sonraki|ertesi)\shafta\w{0,3}\b|\bhaftaya\b|\bnext\sweek\b"
    rf"|{_AR_L}(?:ال)?اسبوع\s(?:ال)?(?:قادم|جاي|مقبل){_AR_R}"
)
_THIS_MONTH = re.compile(
    r"\b(?:bu|this)\s(?:ay|month)(?:da|ki|icinde)?\b"
    rf"|{_AR_L}(?:هذا\sالشهر|الشهر\sهذا|هالشهر){_AR_R}"
)
_NEXT_MONTH = re.compile(
    r"\b(?:gelecek|onumuzdeki|sonraki)\say\w{0,3}\b|\bnext\smonth\b"
    rf"|{_AR_L}الشهر\s(?:القادم|الجاي|المقبل){_AR_R}"
)
_MONTH_END = re.compile(
    r"\bay(?:in)?\ssonu\w{0,3}\b|\bend\sof\s(?:the\s)?month\b"
    rf"|{_AR_L}(?:اخر|نهاية)\sالشهر{_AR_R}"
)

_PARTS = re.compile(
    r"(?P<afternoon>\bog?len?den\ssonra\w{0,3}\b|\bogle\ssonrasi\w{0,2}\b|\bikindi\w{0,3}\b"
    r"|(?<!good\s)\bafter\s?noon\b|\bafter\slunch\b"
    rf"|{_AR_L}[وفب]?(?:بعد\s(?:ال)?(?:ظهر|ضهر|ظهيرة)|(?:ال)?عصر|عصرا){_AR_R})"
    r"|(?P<forenoon>\bog?len?den\sonce\w{0,3}\b|\bogle\soncesi\w{0,2}\b"
    r"|\bbefore\s(?:noon|lunch|midday)\b"
    rf"|{_AR_L}[وف]?قبل\s(?:ال)?(?:ظهر|ضهر|ظهيرة){_AR_R})"
    r"|(?P<evening>\baksam(?!lar\b)\w{0,6}\b|\bis\s?cikis\w{0,3}\b|\bisten\ssonra\b"
    r"|\bmesai\s(?:sonrasi|bitimi)\w{0,3}\b|(?<!good\s)\bevenings?\b|\bafter\swork\b|\btonight\b"
    rf"|{_AR_L}[وفب]?(?:المساء|مساءا|مساء(?!\s(?:الخير|النور))|المسا|مسا(?!\s(?:الخير|النور))"
    rf"|الليل|ليلا|الليلة){_AR_R})"
    r"|(?P<noon>\bog(?:le|len)\w{0,6}\b|\bnoon\b|\bmidday\b|\blunch\w{0,5}\b"
    rf"|{_AR_L}[وفب]?(?:الظهر|ظهرا|الظهيرة|الضهر|وقت\sالغداء){_AR_R})"
    r"|(?P<morning>\bsabah(?:leyin|lari|tan|in|i|a)?\b|(?<!good\s)\bmornings?\b"
    rf"|{_AR_L}[وفب]?(?:الصباح|صباحا|الصبح|صبحا|صباح(?!\s(?:الخير|النور|الورد))){_AR_R})"
)
_PART_HOURS: dict[str, tuple[dt.time | None, dt.time | None]] = {
    "morning": (None, dt.time(12)),
    "forenoon": (None, dt.time(12)),
    "noon": (dt.time(11, 30), dt.time(14)),
    "afternoon": (dt.time(13), dt.time(18)),
    "evening": (dt.time(17), None),
}
_LATER_PARTS = {"afternoon", "evening"}
_PART_NAMES = {
    _PART_HOURS[part]: i for i, part in enumerate(["morning", "noon", "afternoon", "evening"])
}
"""The bounds of a part of the day → its place in a language's ``parts`` names."""


def _clock(n: str = "") -> str:
    """An hour with optional minutes ("5", "17:00", "15.30", "3 buçuk") and am/pm, not a date."""
    return (
        rf"(?<![\d:.,/])(?P<h{n}>\d{{1,2}})(?:[:.](?P<m{n}>[0-5]\d))?(?![\d/]|[:.]\d)"
        rf"(?:\s?(?P<half{n}>bucu[kg]))?"
        rf"(?:\s?(?P<ampm{n}>am\b|pm\b|a\.m\.|p\.m\.|ص{_AR_R}|م{_AR_R}))?"
        r"(?!\s?(?:days?|weeks?|months?|years?|hours?|mins?|minutes?|people|persons?|kisi"
        r"|gun|hafta|ay|yil|saat|dakika|ايام|يوم|اسابيع|اسبوع|شهور|اشهر|شهر|ساعات|دقائق"
        r"|دقيقة|اشخاص|شخص)(?!\w))"
    )


_BETWEEN = re.compile(
    rf"\b(?:between|from)\s(?:saat\s)?{_clock('1')}\s?(?:and|to|-|–)\s?{_clock('2')}"
    rf"|(?:\bsaat\s)?{_clock('3')}\s?'?(?:[dt][ae]n)?\s?(?:ile|ve|-|–)?\s?{_clock('4')}"
    r"\s?'?(?:[dt][ae]n|y?[ae])?\s?(?:arasi\w{0,3}|kadar)\b"
    rf"|{_AR_L}(?:بين|من)\s{_AR_SAAT}?{_clock('5')}\s?(?:و|الى|ل|-)\s?{_AR_SAAT}?{_clock('6')}"
)
_AFTER = re.compile(
    rf"(?:\bsaat\s)?{_clock('1')}(?:\s?'?[dt][ae]n\s?(?:sonra\w{{0,4}}|itibar\w{{0,6}})"
    r"|\s?'?\s?sonrasi\w{0,3})\b"
    rf"|\b(?:after|from|later\sthan|past)\s(?:the\s)?{_clock('2')}"
    rf"|{_AR_L}[وف]?(?:بعد\s{_AR_SAAT}?|من\s{_AR_SAAT}){_clock('3')}"
)
_BEFORE = re.compile(
    rf"(?:\bsaat\s)?{_clock('1')}(?:\s?'?[dt][ae]n\s?once\w{{0,3}}|\s?'?y?[ae]\s?kadar"
    r"|\s?'?\s?oncesi\w{0,3})\b"
    rf"|\b(?:before|until|till|til|by|no\slater\sthan)\s(?:the\s)?{_clock('2')}"
    rf"|{_AR_L}[وف]?(?:قبل|لغاية|حتى)\s{_AR_SAAT}?{_clock('3')}"
)
_AT = re.compile(
    rf"(?:(?P<cue>\bsaat|\bat|\baround|{_AR_L}{_AR_SAAT}|{_AR_L}حوالي\s{_AR_SAAT}?)\s?)?"
    rf"{_clock()}"
    r"(?:(?P<attached>'?(?:de|da|te|ta)\b|\s(?:gibi|civari\w{0,4}|sular\w{0,4})\b|ish\b"
    r"|\so'?clock\b)|(?P<spaced>\s(?:de|da|te|ta))\b)?"
)


@dataclass(frozen=True, slots=True)
class When:
    """A window to search for slots: days ``start``..``end`` (inclusive), optionally only on
    ``weekdays`` (0 = Monday), starting at or after ``after`` and before ``before``, or at
    exactly ``at``."""

    start: dt.date
    end: dt.date
    after: dt.time | None = None
    before: dt.time | None = None
    at: dt.time | None = None
    weekdays: frozenset[int] | None = None
    text: str = ""

    def describe(self, language: str, *, today: dt.date | None = None) -> str:
        """Short text of the window in ``language`` ("tr", "en", "ar"; others get English):
        "3 Aralık Perşembe öğleden sonra", with ``today`` "yarın öğleden sonra"."""
        lang = language[:2].lower() if language[:2].lower() in _NAMES else "en"
        names = _NAMES[lang]
        relative = (
            today is not None and self.start == self.end and 0 <= (self.start - today).days < 3
        )
        if relative:
            days = names["relative"][(self.start - today).days]
        elif self.start == self.end:
            days = _day(self.start, lang)
        else:
            days = _range(self.start, self.end, lang)
        if self.weekdays and self.start != self.end:
            days = f"{days}, {_weekdays(self.weekdays, lang)}"
        hours = _hours(self, lang)
        if not hours:
            return days
        return f"{days}{' ' if lang != 'en' or relative else ', '}{hours}"


_SINCE = re.compile(
    r"\b[a-z0-9']{1,20}\s{1,3}beri\b"
    r"|\bsince\s{1,3}(?:the\s{1,3}|last\s{1,3}|this\s{1,3})?[a-z0-9']{1,20}\b"
    r"|منذ\s{1,3}\S{1,20}(?:\s{1,3}\S{1,20})?"
)
"""When the trouble began ("akşamdan beri", "since the weekend", "منذ الأمس"): no wish for a
time, and not read as one."""


def parse_when(text: str, *, now: dt.datetime) -> When | None:
    """The window ``text`` asks for, or None when it says nothing about when ("implant ne kadar",
    "en erken ne zaman": the caller offers the earliest slots). Without a day, the window is the
    next ``OPEN_DAYS`` days; with several days, it spans them and keeps only their weekdays."""
    folded = _SINCE.sub(" ", fold(text[:MAX_CHARS].translate(_DIGITS)))
    today = now.date()
    pieces: list[tuple[int, str]] = []
    days_taken: list[tuple[int, int]] = []

    habits: set[int] = set()
    for match in _HABITUAL.finditer(folded):
        habits.add(WEEKDAYS[match["wd"] or match["wd2"] or match["wd3"]])
        days_taken.append(match.span())
        pieces.append((match.start(), match.group()))

    days = _dates(folded, now, days_taken, pieces)
    for match in _AR_DAY.finditer(folded):
        days.append(_ar_day(match, today))
        days_taken.append(match.span())
        pieces.append((match.start(), match.group()))
    days.extend(today for _ in _TODAY_PART.finditer(folded))

    span, restrict = _range_words(folded, today, days_taken, pieces)
    weekdays = frozenset(habits | restrict) or None
    if days:
        start, end = min(days), max(days)
        weekdays = frozenset(day.weekday() for day in days) if len(set(days)) > 1 else None
    elif span is not None:
        start, end = span
    else:
        start, end = today, today + dt.timedelta(days=OPEN_DAYS - 1)

    after, before, at = _clock_words(
        folded, days_taken, pieces, has_context=bool(days or span or weekdays)
    )
    if not pieces:
        return None
    words = " ".join(piece for _, piece in sorted(pieces))
    return When(start, max(start, end), after, before, at, weekdays, words)


def _dates(
    folded: str,
    now: dt.datetime,
    taken: list[tuple[int, int]],
    pieces: list[tuple[int, str]],
) -> list[dt.date]:
    """Days :func:`extract_dates` finds, but not those read as a habit ("cumartesi günleri");
    a bare weekday next to "haftaya"/"bu hafta" falls in that week ("haftaya salı ya da
    çarşamba")."""
    week = "next" if _NEXT_WEEK.search(folded) else "this" if _THIS_WEEK.search(folded) else None
    today = now.date()
    habits = list(taken)
    days: list[dt.date] = []
    for mention in extract_dates(folded, now=now):
        if not mention.text:
            continue  # a clock time without a day: read below
        spans = [m.span() for m in re.finditer(rf"(?<!\w){re.escape(mention.text)}(?!\w)", folded)]
        free = [s for s in spans if not any(a < s[1] and s[0] < b for a, b in habits)]
        if spans and not free:
            continue
        taken.extend(free)
        pieces.extend((s[0], mention.text) for s in free[:1])
        day = mention.date
        bare = re.fullmatch(rf"(?P<wd>{_WEEKDAY})\w*", mention.text)
        if bare and week:
            monday = today - dt.timedelta(days=today.weekday())
            if week == "next":
                monday += dt.timedelta(days=7)
            in_week = monday + dt.timedelta(days=WEEKDAYS[bare["wd"]])
            day = in_week if in_week >= today else day
        days.append(day)
    return days


def _ar_day(match: re.Match[str], today: dt.date) -> dt.date:
    if match["after_tomorrow"]:
        return today + dt.timedelta(days=2)
    if match["tomorrow"]:
        return today + dt.timedelta(days=1)
    if match["today"]:
        return today
    return _next_weekday(_AR_WEEKDAYS[match["weekday"]], today)


def _next_weekday(target: int, today: dt.date) -> dt.date:
    """As :mod:`invekto.nlu.dates`: the next occurrence after today (today's weekday: next week)."""
    return today + dt.timedelta(days=(target - today.weekday()) % 7 or 7)


def _range_words(
    folded: str, today: dt.date, days: list[tuple[int, int]], pieces: list[tuple[int, str]]
) -> tuple[tuple[dt.date, dt.date] | None, set[int]]:
    """The days of a week or month word ("haftaya", "bu hafta", "hafta sonu", "bu ay") and the
    weekdays it keeps ("hafta içi": Monday–Friday); the first word found wins the range. Words
    inside a day already read ("haftaya salı") are skipped."""
    monday = today - dt.timedelta(days=today.weekday())
    this_week = (today, monday + dt.timedelta(days=6))
    next_week = (monday + dt.timedelta(days=7), monday + dt.timedelta(days=13))
    month_end = _month_end(today)
    span: tuple[dt.date, dt.date] | None = None
    restrict: set[int] = set()
    taken = list(days)

    def found(pattern: re.Pattern[str]) -> list[re.Match[str]]:
        matches = []
        for match in pattern.finditer(folded):
            if not any(a < match.end() and match.start() < b for a, b in taken):
                taken.append(match.span())
                pieces.append((match.start(), match.group()))
                matches.append(match)
        return matches

    for match in found(_WEEKEND):
        qualifier = match["q"] or ("next" if match["ar_q"] else None)
        saturday = monday + dt.timedelta(days=5)
        if qualifier in _NEXT_QUALIFIERS or (qualifier is None and today.weekday() == 6):
            saturday += dt.timedelta(days=7)
        span = span or (max(today, saturday), saturday + dt.timedelta(days=1))
    for match in found(_WORKDAYS):
        restrict |= {0, 1, 2, 3, 4}
        if match["q"] in ("bu", "this"):
            span = span or this_week
        elif match["q"]:
            span = span or next_week
    for pattern, days in (
        (_THIS_WEEK, this_week),
        (_NEXT_WEEK, next_week),
        (_THIS_MONTH, (today, month_end)),
        (_NEXT_MONTH, (month_end + dt.timedelta(days=1), _month_end(month_end + dt.timedelta(1)))),
        (_MONTH_END, (max(today, month_end - dt.timedelta(days=6)), month_end)),
    ):
        if found(pattern):
            span = span or days
    return span, restrict


def _month_end(day: dt.date) -> dt.date:
    first_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def _clock_words(
    folded: str,
    taken: list[tuple[int, int]],
    pieces: list[tuple[int, str]],
    *,
    has_context: bool,
) -> tuple[dt.time | None, dt.time | None, dt.time | None]:
    """``(after, before, at)``: an exact time wins; otherwise explicit bounds ("5'ten sonra",
    "before 11", "2-5 arası") narrow the part of the day ("sabah 9'dan sonra": 9:00–12:00)."""
    taken = list(taken)
    parts: list[tuple[str, tuple[int, int]]] = []
    for match in _PARTS.finditer(folded):
        parts.append((match.lastgroup or "", match.span()))
        pieces.append((match.start(), match.group()))
    names = {name for name, _ in parts}
    later = bool(names & _LATER_PARTS)
    morning = bool(names & {"morning", "forenoon"})

    def hour(match: re.Match[str], n: str, pm_below: int) -> dt.time | None:
        return _hour(match, n, pm_below=pm_below, later=later, morning=morning)

    def free(match: re.Match[str]) -> bool:
        if any(a < match.end() and match.start() < b for a, b in taken):
            return False
        taken.append(match.span())
        pieces.append((match.start(), match.group()))
        return True

    after = before = None
    for match in _BETWEEN.finditer(folded):
        if free(match):
            n = next(k for k in "135" if match[f"h{k}"])
            after = after or hour(match, n, 8)
            before = before or hour(match, str(int(n) + 1), 8)
    for match in _AFTER.finditer(folded):
        if free(match):
            after = after or hour(match, next(k for k in "123" if match[f"h{k}"]), 8)
    for match in _BEFORE.finditer(folded):
        if free(match):
            before = before or hour(match, next(k for k in "123" if match[f"h{k}"]), 8)
    if after and before and before <= after:
        before = None

    part_ends = {end for _, (_, end) in parts}
    for match in _AT.finditer(folded):
        strong = match["cue"] or match["m"] or match["half"] or match["ampm"] or match["attached"]
        weak = match["spaced"] or match.start() - 1 in part_ends
        if (strong or (weak and (has_context or parts))) and free(match):
            at = hour(match, "", 7)
            if at is not None:
                return None, None, at

    if parts:
        part_after = [_PART_HOURS[name][0] for name, _ in parts]
        part_before = [_PART_HOURS[name][1] for name, _ in parts]
        hull_after = None if None in part_after else min(part_after)
        hull_before = None if None in part_before else max(part_before)
        if after is None and not (before and hull_after and hull_after >= before):
            after = hull_after
        if before is None and not (after and hull_before and hull_before <= after):
            before = hull_before
    return after, before, None


def _hour(
    match: re.Match[str], n: str, *, pm_below: int, later: bool, morning: bool
) -> dt.time | None:
    """The clock time of group set ``n``; without am/pm a bare hour under ``pm_below`` is in the
    afternoon ("after 5" → 17:00, "3'te" → 15:00), as is any hour said with an afternoon or
    evening word ("akşam 6 gibi" → 18:00), but not with a morning word."""
    written = match[f"h{n}"]
    hour, minute = int(written), int(match[f"m{n}"] or 0)
    if match[f"half{n}"]:
        minute = 30
    ampm = match[f"ampm{n}"]
    if ampm in ("pm", "p.m.", "م") and hour < 12:
        hour += 12
    elif ampm in ("am", "a.m.", "ص") and hour == 12:
        hour = 0
    elif ampm is None and hour < 12 and not morning and not written.startswith("0"):
        if later or 1 <= hour < pm_below:
            hour += 12
    if hour > 23:
        return None
    return dt.time(hour, minute)


_NAMES: dict[str, dict[str, list[str]]] = {
    "tr": {
        "relative": ["bugün", "yarın", "öbür gün"],
        "weekdays": list(WEEKDAY_NAMES["tr"]),
        "months": list(MONTH_NAMES["tr"]),
        "sets": ["hafta içi", "hafta sonu", " veya "],
        "parts": ["sabah", "öğlen", "öğleden sonra", "akşam"],
        "bounds": ["saat {}", "saat {} sonrası", "saat {} öncesi", "saat {}–{} arası"],
    },
    "en": {
        "relative": ["today", "tomorrow", "the day after tomorrow"],
        "weekdays": list(WEEKDAY_NAMES["en"]),
        "months": list(MONTH_NAMES["en"]),
        "sets": ["weekdays", "weekend", " or "],
        "parts": ["morning", "noon", "afternoon", "evening"],
        "bounds": ["at {}", "after {}", "before {}", "between {} and {}"],
    },
    "ar": {
        "relative": ["اليوم", "غدًا", "بعد غد"],
        "weekdays": list(WEEKDAY_NAMES["ar"]),
        "months": list(MONTH_NAMES["ar"]),
        "sets": ["أيام الأسبوع", "نهاية الأسبوع", " أو "],
        "parts": ["صباحًا", "الظهر", "بعد الظهر", "مساءً"],
        "bounds": ["الساعة {}", "بعد الساعة {}", "قبل الساعة {}", "بين الساعة {} و{}"],
    },
}


def _day(day: dt.date, lang: str) -> str:
    names = _NAMES[lang]
    weekday, month = names["weekdays"][day.weekday()], names["months"][day.month - 1]
    if lang == "tr":
        return f"{day.day} {month} {weekday}"
    return f"{weekday} {day.day} {month}"


def _range(start: dt.date, end: dt.date, lang: str) -> str:
    months = _NAMES[lang]["months"]
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {months[end.month - 1]}"
    return f"{start.day} {months[start.month - 1]} – {end.day} {months[end.month - 1]}"


def _weekdays(weekdays: frozenset[int], lang: str) -> str:
    names = _NAMES[lang]
    if weekdays == {0, 1, 2, 3, 4}:
        return names["sets"][0]
    if weekdays == {5, 6}:
        return names["sets"][1]
    return names["sets"][2].join(names["weekdays"][d] for d in sorted(weekdays))


def _hours(when: When, lang: str) -> str:
    at, after, before, between = _NAMES[lang]["bounds"]
    if when.at:
        return at.format(f"{when.at:%H:%M}")
    part = _PART_NAMES.get((when.after, when.before))
    if part is not None:
        return _NAMES[lang]["parts"][part]
    if when.after and when.before:
        return between.format(f"{when.after:%H:%M}", f"{when.before:%H:%M}")
    if when.after:
        return after.format(f"{when.after:%H:%M}")
    if when.before:
        return before.format(f"{when.before:%H:%M}")
    return ""
