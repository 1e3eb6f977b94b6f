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


NUMBER_WORDS = {
    "bir": 1,
    "iki": 2,
    "uc": 3,
    "dort": 4,
    "bes": 5,
    "alti": 6,
    "yedi": 7,
    "sekiz": 8,
    "dokuz": 9,
    "on": 10,
    "yirmi": 20,
    "otuz": 30,
    "kirk": 40,
    "elli": 50,
    "altmis": 60,
    "yetmis": 70,
    "seksen": 80,
    "doksan": 90,
    "yuz": 100,
    "bin": 1000,
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
}
"""Number words (folded Turkish and English) for quantities and counts: "yüz elli tane"."""


MAX_UNDERSTOOD_CHARS = 1000
"""Understanding reads at most this much of a message (the rest is kept, not read)."""
MAX_TOKEN_CHARS = 64
"""No word anyone types is longer; a longer run (a pasted blob, an attack) is cut for reading."""
_PIECE = re.compile(r"\S+|\s+")


def bounded(
    text: str, *, max_chars: int = MAX_UNDERSTOOD_CHARS, max_token: int = MAX_TOKEN_CHARS
) -> str:
    """What understanding and the agents read of ``text``: runs of blanks folded to one space
    (or one line break), words cut at ``max_token`` characters, at most ``max_chars`` in all.

    Linear in the input, and it bounds what every later pattern sees, so no extractor can be
    made to backtrack for long by a hostile message (a 100,000-character single word)."""
    pieces: list[str] = []
    size = 0
    for match in _PIECE.finditer(text):
        piece = match.group()
        if piece[0].isspace():
            piece = "\n" if "\n" in piece else " "
        elif len(piece) > max_token:
            piece = piece[:max_token]
        pieces.append(piece)
        size += len(piece)
        if size >= max_chars:
            break
    return "".join(pieces)[:max_chars].strip()
