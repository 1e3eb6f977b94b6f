"""Turkish phone number normalisation to the digits-only international form WhatsApp uses."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-./()]")
_NATIONAL_NUMBER = re.compile(r"[2-9]\d{9}")


def normalize_tr_phone(raw: str | None) -> str | None:
    """``"0532 111 22 33"``, ``"+90 532..."``, ``"5321112233"`` → ``"905321112233"``; else None.

    Accepts separators (spaces, dashes, dots, slashes, parentheses) and the ``+90``, ``0090``,
    ``90`` and ``0`` prefixes. Anything that is not a 10-digit Turkish national number after the
    prefix (masked numbers such as ``"0532***2233"``, foreign numbers, too few digits) gives None.
    """
    if not raw:
        return None
    compact = _SEPARATORS.sub("", raw)
    if compact.startswith("+"):
        compact = compact[1:]
    elif compact.startswith("00"):
        compact = compact[2:]
    if not compact.isdigit():
        return None
    national = _national_part(compact)
    if national is None or not _NATIONAL_NUMBER.fullmatch(national):
        return None
    return "90" + national


def _national_part(digits: str) -> str | None:
    """The 10-digit national number inside ``digits`` (with or without a 90 / 0 prefix)."""
    if len(digits) == 12 and digits.startswith("90"):
        return digits[2:]
    if len(digits) == 11 and digits.startswith("0"):
        return digits[1:]
    if len(digits) == 10:
        return digits
    return None
