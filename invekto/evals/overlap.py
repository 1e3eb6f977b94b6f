"""Eval cases are kept apart from the NLU training data.

An eval that quotes the training examples measures memory, not understanding. ``near_copies``
finds customer texts of the eval datasets that are copies or close paraphrases of the intent
examples (training and held-out) by the Jaccard similarity of their character trigrams, after
the same folding the model applies (case, Turkish diacritics, punctuation). A test runs it over the
shipped datasets; texts of one or two words ("merhaba", "teşekkürler") are exempt: there are only
so many ways to say them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from invekto.core.text import words
from invekto.evals.dataset import Case
from invekto.nlu.taxonomy import load_examples

THRESHOLD = 0.7
MIN_WORDS = 3


@dataclass(frozen=True, slots=True)
class NearCopy:
    case: str
    text: str
    example: str
    intent: str
    similarity: float


def trigrams(text: str) -> frozenset[str]:
    folded = " ".join(words(text))
    padded = f"  {folded} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def near_copies(
    cases: Iterable[Case], *, threshold: float = THRESHOLD, min_words: int = MIN_WORDS
) -> list[NearCopy]:
    examples = sorted(
        (
            (len(grams), grams, text, intent)
            for intent, entry in load_examples().items()
            for section in (entry.examples, entry.arabizi, entry.heldout)
            for texts in section.values()
            for text in texts
            if (grams := trigrams(text))
        ),
        key=lambda row: row[0],
    )
    sizes = [row[0] for row in examples]
    found = []
    for case in cases:
        for turn in case.turns:
            if len(turn.customer.split()) < min_words:
                continue
            grams = trigrams(turn.customer)
            # Jaccard ≥ t needs the smaller set to be at least t times the larger one.
            low = bisect.bisect_left(sizes, threshold * len(grams))
            high = bisect.bisect_right(sizes, len(grams) / threshold)
            best = max(
                (
                    (len(grams & other) / len(grams | other), text, intent)
                    for _, other, text, intent in examples[low:high]
                ),
                default=None,
            )
            if best is not None and best[0] >= threshold:
                found.append(NearCopy(case.id, turn.customer, best[1], best[2], round(best[0], 3)))
    return found
