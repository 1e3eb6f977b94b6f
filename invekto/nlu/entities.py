"""Entity extraction the phase-1 understanding needs: order and tracking numbers, phones."""

from __future__ import annotations

import re

from invekto.integrations.phones import normalize_tr_phone
from invekto.nlu.text import fold
from invekto.nlu.types import Entities

_PHONE = re.compile(r"(?<!\d)(?:\+?90[\s-]?|0)?5\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")
_DIGITS = re.compile(r"(?<!\d)(?<!\d[.,])\d{6,20}(?!\d)(?![.,]\d)")
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


def extract(text: str) -> Entities:
    phones = [p for m in _PHONE.finditer(text) if (p := normalize_tr_phone(m.group()))]
    phone_spans = [m.span() for m in _PHONE.finditer(text)]
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
    return Entities(
        order_numbers=orders, tracking_numbers=tracking, phones=phones, ordinal=_ordinal(text)
    )


def _ordinal(text: str) -> int | None:
    folded = fold(text)
    for token in re.findall(r"[a-z]+|\d\.", folded):
        if token in _ORDINALS:
            return _ORDINALS[token]
    bare = folded.strip(" .)")
    if bare.isdigit() and len(bare) == 1:
        return int(bare)
    return None
