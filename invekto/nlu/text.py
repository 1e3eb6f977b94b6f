"""Text normalisation for matching: Turkish-aware lower-casing, no diacritics, single spaces."""

from __future__ import annotations

import re
import unicodedata

_TR_FOLD = str.maketrans(
    {
        "ı": "i",
        "İ": "i",
        "I": "i",
        "ş": "s",
        "Ş": "s",
        "ğ": "g",
        "Ğ": "g",
        "ü": "u",
        "Ü": "u",
        "ö": "o",
        "Ö": "o",
        "ç": "c",
        "Ç": "c",
    }
)
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def fold(text: str) -> str:
    """'Kargom NEREDE?' → 'kargom nerede?'; 'Sipariş' → 'siparis' (ASCII-folded, lower-case)."""
    text = text.translate(_TR_FOLD).lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9\u0600-\u06FF]+", fold(text))


def has_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def fold_aligned(text: str) -> str:
    """``fold`` one character at a time, keeping every character's position (spaces are not
    collapsed and nothing is stripped), so a match in the result is a span of ``text``."""
    out = []
    for ch in text:
        folded = ch.translate(_TR_FOLD).lower()
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
        )
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)
