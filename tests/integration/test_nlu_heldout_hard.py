"""The local model on the hard held-out messages (``invekto/nlu/heldout/*.yaml``), read as the
conversation graph reads them, gated at issue 19's goal: ≥ 0.95 overall and ≥ 0.90 in every
category of ``hard.yaml``, language detection ≥ 0.98 (Arabizi is Arabic), and the intents' own
held-out texts no worse than before the work. The files written later by people who saw none of
the work (``fresh.yaml``, ``final.yaml``) are gated a little under what they measure."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from invekto.evals.understanding import easy_report, reader
from invekto.nlu.heldout import CATEGORIES, HARD_FILES, format_hard, hard_report, load_hard
from invekto.nlu.local import shared_local

pytestmark = pytest.mark.slow

BASELINE = {
    "accuracy": 0.743,
    "language_accuracy": 0.861,
    "per_category": {
        "arabizi": 0.400,
        "arabic_dialect": 0.925,
        "negation": 0.727,
        "situation": 0.526,
        "anger_with_request": 0.927,
        "sarcasm": 0.500,
        "colloquial": 0.938,
        "not_bulk": 0.733,
        "control": 1.000,
    },
    "per_language": {"tr": 0.769, "en": 0.786, "ar": 0.670},
    "language_detection": {"tr": 1.000, "en": 0.964, "ar": 0.575, "arabizi": 0.000},
}
"""Measured on 2026-12-01, before the model work (packaged model logreg-e5small-chargrams-v3,
346 messages, ~60 ms per message through the understand node)."""
GOAL = {"accuracy": 0.95, "per_category": 0.90, "language_accuracy": 0.98}
FLOORS = {"fresh.yaml": 0.90, "final.yaml": 0.83}
"""Overall accuracy floors of the later files: fresh.yaml measured 0.877 when it arrived and
0.927 after the fixes its misses showed; final.yaml 0.854, measured once (0.671 before)."""
EASY_BEFORE = 0.8925
"""The intents' held-out texts read as the graph, before the work (515 of 577)."""


@pytest.fixture(scope="module")
def local():
    cache = Path(
        os.environ.get(
            "INVEKTO_NLU_CACHE_DIR", Path(__file__).resolve().parents[2] / ".invekto" / "nlu"
        )
    )
    return shared_local(cache)


def test_the_hard_messages_reach_the_goal(local):
    report = asyncio.run(hard_report(load_hard(), reader(local)))

    print("\n" + "\n".join(format_hard(report, verbose=True)))
    assert report["messages"] >= 300
    assert set(report["per_category"]) == set(CATEGORIES)
    assert report["accuracy"] >= GOAL["accuracy"]
    assert report["language_accuracy"] >= GOAL["language_accuracy"]
    for category, row in report["per_category"].items():
        assert row["accuracy"] >= GOAL["per_category"], category
    assert report["per_category"]["arabizi"]["language_accuracy"] == 1.0
    assert len(report["misses"]) == round((1 - report["accuracy"]) * report["messages"])


@pytest.mark.parametrize("name", [n for n in HARD_FILES if n in FLOORS])
def test_the_later_hard_files_hold(local, name):
    report = asyncio.run(hard_report(load_hard(name=name), reader(local)))

    print("\n" + "\n".join(format_hard(report, name=name)))
    assert report["accuracy"] >= FLOORS[name]
    assert report["language_accuracy"] >= GOAL["language_accuracy"]


def test_the_easy_held_out_texts_are_no_worse(local):
    report = asyncio.run(easy_report(local))

    assert report["accuracy"] >= EASY_BEFORE, report
