"""Where one message asks several things: "3 tane alsam ne kadar tutar, kargo ücretli mi?" →
["3 tane alsam ne kadar tutar", "kargo ücretli mi?"].

Splitting is cheap and generous (question marks, sentence ends, new lines, commas and the words
that join a second request: "bir de", "ayrıca", "also", "وأيضا"); whether the pieces are really
separate requests is decided by what the intent model makes of each (``graphs`` keeps only
confident pieces that different answers serve). Linear time: one regex pass over a bounded text.
"""

from __future__ import annotations

import re

MAX_SEGMENTS = 4
"""More pieces than this are read as one message (a list, a pasted text)."""
MIN_WORDS = 2

_JOINERS = (
    r"bir de|bi de|bide|ayrica|ayrıca|ayrıyeten|ayriyeten|hem de|birde|"
    r"also|as well as|plus|another question|"
    r"وأيضا|وايضا|وأيضاً|كذلك|وكمان"
)
_QUESTION_WORDS = (
    r"ne|nasil|nasıl|kac|kaç|hangi|nerede|nerde|neden|niye|"
    r"when|where|how|what|which|why|is|are|do|does|can|could|will"
)
_BOUNDARY = re.compile(
    rf"[?؟!]+\s*|[.;]\s+|\n+|,\s*|،\s*|(?<!\s)\s+(?=(?:{_JOINERS})\b)"
    rf"|(?<!\s)\s+(?:ve|and|و)\s+(?=(?:{_JOINERS}|{_QUESTION_WORDS})\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_TRAILING_AND = re.compile(r"\s+(?:ve|and|و)$", re.IGNORECASE)


_ASKS = re.compile(
    r"[?؟]|\b(?:mi|mı|mu|mü|misiniz|mısınız|musunuz|müsünüz|miyim|mıyım|muyum|müyüm|midir|"
    r"var ?mi|var ?mı|ne kadar|ne tutar|kaç|kac|nasıl|nasil|nerede|nerde|neredeler|nerdeler|"
    r"ne zaman|neden|niye|hangi|"
    r"istiyorum|isterim|istiyoruz|rica|lütfen|lutfen|edin|edermisiniz|yapın|yapin|gönderin|"
    r"gonderin|please|can|could|would|do|does|is|are|will|what|whats|when|where|how|why|"
    r"which|want|need)\b|هل|كم|متى|أين|وين|كيف|لماذا|أريد|اريد|ممكن|بكم",
    re.IGNORECASE,
)


def asks(piece: str) -> bool:
    """Whether a piece is a question or a request of its own ("kargo ücretli mi", "faturamı
    gönderin", "can I ..."), not a statement that goes with the next one ("ayakkabı yırtık
    geldi", "40 tane alacağız")."""
    return _ASKS.search(piece) is not None


def segments(text: str) -> list[str]:
    """The pieces of ``text`` that could each be a request (at least two words each; shorter
    pieces join the one before). One piece when there is nothing to split."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        mark = "?" if "?" in match.group(0) or "؟" in match.group(0) else ""
        _add(pieces, text[start : match.start()] + mark)
        start = match.end()
    _add(pieces, text[start:])
    if len(pieces) > MAX_SEGMENTS:
        return [text.strip()]
    return pieces or [text.strip()]


def _add(pieces: list[str], piece: str) -> None:
    piece = _TRAILING_AND.sub("", piece.strip(" ,،;.\n\t"))
    if not piece:
        return
    if len(_WORD.findall(piece)) < MIN_WORDS and pieces:
        pieces[-1] = f"{pieces[-1]} {piece}"
        return
    pieces.append(piece)
