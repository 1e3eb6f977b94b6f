"""A hostile text cannot stall understanding (issue 20, item 1): what the graph reads of a
message is bounded (folded blanks, words cut at 64 characters, 1,000 characters in all), and every
extractor runs on that, whatever the shape of the 65,536 characters it came from."""

from __future__ import annotations

import pytest

from invekto.core.text import MAX_TOKEN_CHARS, MAX_UNDERSTOOD_CHARS, bounded
from invekto.nlu.entities import extract
from invekto.nlu.rules import RuleUnderstander

N = 65_536
SHAPES = {
    "one word": "a" * N,
    "digits": "1" * N,
    "dotted": "a." * (N // 2),
    "dashed digits": "1-" * (N // 2),
    "turkish letters": "ğüşıöç" * (N // 6),
    "blanks": " " * N,
    "newlines": "\n" * N,
    "e-mail-ish": "x." * (N // 2) + "@",
    "plus signs": "+90" * (N // 3),
    "words": "ab " * (N // 3),
    "company-ish": "ABC Ltd " * (N // 8),
    "legal form run": "Tekstil " * (N // 8),
    "arabic": "مرحبا " * (N // 6),
    "quantities": "12 adet " * (N // 8),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_what_is_read_is_bounded(shape):
    read = bounded(SHAPES[shape])
    assert len(read) <= MAX_UNDERSTOOD_CHARS
    assert all(len(word) <= MAX_TOKEN_CHARS for word in read.split())


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_extractor_finishes_on_hostile_shapes(shape):
    read = bounded(SHAPES[shape])
    extract(read, timezone="Europe/Istanbul")
    await RuleUnderstander().understand(read, tenant_slug="demo-shop")


def test_ordinary_text_is_read_as_written():
    text = "Merhaba, 10654400001 nolu siparişim nerede?\nTeşekkürler"
    assert bounded(text) == text
    assert bounded("  kargom   nerede  ") == "kargom nerede"
