"""Signals beside the intent: a bulk/B2B buyer, negative sentiment, urgency."""

from __future__ import annotations

import re

from invekto.nlu.text import fold
from invekto.nlu.types import Entities

DEFAULT_BULK_THRESHOLD = 20
"""Quantities at or above this mark a bulk order (a tenant may set its own)."""

_BULK = re.compile(
    r"\b(toptan|toptanci|kurumsal|faturali|bayilik|bayi\w*|sirketimiz\w*|"
    r"firmamiz\w*|wholesale|bulk|reseller|dealership|for (our|my) company|"
    r"corporate)\b"
)
_NEGATIVE = re.compile(
    r"\b(rezalet|berbat|sikayet\w*|sacmalik|dolandirici\w*|yeter artik|"
    r"bir daha (asla )?almam|magdur\w*|terrible|worst|awful|disgusting|"
    r"scam|ridiculous|never again|unacceptable)\b|!{3,}"
)
_URGENT = re.compile(
    r"\b(acil\w*|hemen|bir an once|ivedi\w*|bugun lazim|yarin lazim|"
    r"urgent\w*|asap|right now|immediately)\b"
)


def detect(
    text: str, entities: Entities, *, bulk_threshold: int = DEFAULT_BULK_THRESHOLD
) -> list[str]:
    folded = fold(text)
    found: list[str] = []
    if _BULK.search(folded) or any(q >= bulk_threshold for q in entities.quantities):
        found.append("bulk_order")
    if _NEGATIVE.search(folded) or _NEGATIVE.search(text):
        found.append("negative_sentiment")
    if _URGENT.search(folded):
        found.append("urgent")
    return found
