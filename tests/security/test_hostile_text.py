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


# --- the extractors themselves, on unbounded text ------------------------------------------------

_RAW_PROBE = """
import asyncio, datetime as dt, sys
from tests.security.test_hostile_text import SHAPES
from invekto.clinic.when import parse_when
from invekto.guardrails.output import ReplyContext, tenant_rules_broken, ungrounded
from invekto.guardrails.pii import find_pii
from invekto.nlu.attributes import asked_attributes
from invekto.nlu.classifier import model_text
from invekto.nlu.dates import extract_dates
from invekto.nlu.entities import extract
from invekto.nlu.rules import RuleUnderstander, detect_language
from invekto.nlu.segments import segments
from invekto.nlu.signals import detect

now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
for name, text in SHAPES.items():
    entities = extract(text, timezone="Europe/Istanbul")
    detect(text, entities)
    asyncio.run(RuleUnderstander().understand(text, tenant_slug="demo-shop"))
    segments(text), model_text(text), detect_language(text), asked_attributes(text)
    extract_dates(text, now=now), parse_when(text, now=now)
    find_pii(text)
    ungrounded(text, ReplyContext(language="tr", customer_texts=[text], tool_results=[text]))
    tenant_rules_broken(text, {})
    print(name, flush=True)
"""


def test_every_extractor_is_linear_on_unbounded_text():
    """Each regex-based reader (entities, intent rules, segments, dates, the clinic's "when",
    PII, the output guard) on each 65,536-character shape, unbounded: a few seconds when every
    pattern is linear, hours when one backtracks (the e-mail, company, bare-number, segment
    boundary, phone-run, price and stock patterns did). Run in a child process, so a regression
    fails here instead of hanging the suite; the limit is a hang guard, far above the real cost.
    """
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RAW_PROBE],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired as exc:
        finished = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
        pytest.fail(f"an extractor backtracks; shapes finished: {finished!r}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:-1] == list(SHAPES)
