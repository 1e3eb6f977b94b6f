"""Entities in a customer's message: order and tracking numbers, phones, e-mails, quantities,
sizes, colours, dates and times, and the reason for a return."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from invekto.integrations.phones import normalize_tr_phone
from invekto.nlu.dates import extract_dates
from invekto.nlu.text import fold
from invekto.nlu.types import Entities, ReturnReason

_PHONE = re.compile(r"(?<!\d)(?:\+?90[\s-]?|0)?5\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")
_DIGITS = re.compile(r"(?<!\d)(?<!\d[.,])\d{6,20}(?!\d)(?![.,]\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_QUANTITY = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,6})\s*(?:adet|tane|parca|koli|paket|pcs|pieces|units|items|x\b)"
    r"|\bx\s*(?P<x>\d{1,4})\b"
)
_SIZE_LETTER = re.compile(r"\b(xxs|xs|s|m|l|xl|xxl|xxxl|2xl|3xl)\b(?=\s*(?:beden|size|$|[,.!?]))")
_SIZE_NUMBER = re.compile(
    r"\b(\d{2})\s*(?:beden|numara|no\b|size)|\b(?:beden|numara|size)\s*(\d{2})\b"
)
_COLORS = {
    "siyah": "siyah",
    "black": "siyah",
    "beyaz": "beyaz",
    "white": "beyaz",
    "kirmizi": "kırmızı",
    "red": "kırmızı",
    "mavi": "mavi",
    "blue": "mavi",
    "lacivert": "lacivert",
    "navy": "lacivert",
    "yesil": "yeşil",
    "green": "yeşil",
    "sari": "sarı",
    "yellow": "sarı",
    "gri": "gri",
    "grey": "gri",
    "gray": "gri",
    "pembe": "pembe",
    "pink": "pembe",
    "mor": "mor",
    "purple": "mor",
    "kahverengi": "kahverengi",
    "brown": "kahverengi",
    "bej": "bej",
    "beige": "bej",
    "turuncu": "turuncu",
    "orange": "turuncu",
    "ekru": "ekru",
}
_COLOR = re.compile(r"\b(" + "|".join(sorted(_COLORS, key=len, reverse=True)) + r")\w*")
_RETURN_REASONS: list[tuple[ReturnReason, re.Pattern[str]]] = [
    (
        "damaged",
        re.compile(
            r"\b(kirik|yirtik|hasarli|bozuk|defolu|lekeli|sokuk|patlak|ezik|"
            r"damaged|broken|torn|defective|cracked)"
        ),
    ),
    (
        "size",
        re.compile(
            r"\b(beden\w*|olmadi|buyuk geldi|kucuk geldi|dar geldi|bol geldi|"
            r"kalibi|numara(si)? (kucuk|buyuk)|too (small|big|large|tight)|size|"
            r"doesn.?t fit|does not fit)"
        ),
    ),
    ("colour", re.compile(r"\b(rengi|renk\w*|colou?r)")),
    (
        "quality",
        re.compile(
            r"\b(kalite\w*|kalitesiz|cok kotu|kumasi kotu|ucuz duruyor|"
            r"poor quality|bad quality|quality)"
        ),
    ),
    (
        "changed_mind",
        re.compile(
            r"\b(vazgectim|fikrimi degistirdim|istemiyorum artik|"
            r"gerek kalmadi|changed my mind|don.?t want it|no longer need)"
        ),
    ),
]
_ORDINALS = {
    "birinci": 1,
    "ilki": 1,
    "ilk": 1,
    "birincisi": 1,
    "first": 1,
    "1.": 1,
    "ikinci": 2,
    "ikincisi": 2,
    "second": 2,
    "2.": 2,
    "ucuncu": 3,
    "ucuncusu": 3,
    "third": 3,
    "3.": 3,
    "dorduncu": 4,
    "dorduncusu": 4,
    "fourth": 4,
    "4.": 4,
    "sonuncu": -1,
    "sonuncusu": -1,
    "son": -1,
    "last": -1,
}
TRACKING_LENGTHS = (13, 20)
DEFAULT_TIMEZONE = "Europe/Istanbul"


def extract(
    text: str, *, now: dt.datetime | None = None, timezone: str = DEFAULT_TIMEZONE
) -> Entities:
    """All entities of ``text``; dates are resolved against ``now`` in ``timezone``."""
    folded = fold(text)
    phone_spans = [m.span() for m in _PHONE.finditer(text)]
    phones = [p for m in _PHONE.finditer(text) if (p := normalize_tr_phone(m.group()))]
    orders, tracking = _numbers(text, phone_spans)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))
    return Entities(
        order_numbers=orders,
        tracking_numbers=tracking,
        phones=phones,
        emails=_EMAIL.findall(text),
        quantities=[int(m["n"] or m["x"]) for m in _QUANTITY.finditer(folded)],
        sizes=_sizes(folded),
        colors=_unique(_COLORS[m.group(1)] for m in _COLOR.finditer(folded)),
        dates=extract_dates(text, now=moment),
        return_reason=next((reason for reason, p in _RETURN_REASONS if p.search(folded)), None),
        ordinal=_ordinal(folded),
    )


def _numbers(text: str, phone_spans: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
    orders: list[str] = []
    tracking: list[str] = []
    for match in _DIGITS.finditer(text):
        if any(start <= match.start() < end for start, end in phone_spans):
            continue
        digits = match.group()
        if len(digits) in TRACKING_LENGTHS:
            tracking.append(digits)
        elif 6 <= len(digits) <= 12:
            orders.append(digits)
    return orders, tracking


def _sizes(folded: str) -> list[str]:
    letters = [m.group(1).upper() for m in _SIZE_LETTER.finditer(folded)]
    numbers = [m.group(1) or m.group(2) for m in _SIZE_NUMBER.finditer(folded)]
    return _unique([*letters, *numbers])


def _unique(values) -> list[str]:  # type: ignore[no-untyped-def]
    return list(dict.fromkeys(values))


def _ordinal(folded: str) -> int | None:
    for token in re.findall(r"[a-z]+|\d\.", folded):
        if token in _ORDINALS:
            return _ORDINALS[token]
    bare = folded.strip(" .)")
    if bare.isdigit() and len(bare) == 1:
        return int(bare)
    return None
