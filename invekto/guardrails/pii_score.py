"""Score the PII detector on a labelled corpus (``tests/data/pii_corpus.yaml``).

Corpus format: a YAML list of ``{lang, text, pii: [[ENTITY_TYPE, "value"], ...]}``. Spans are not
written by hand: each value is located in the text (longest values first; every occurrence that
does not overlap a span already placed and is not glued to a letter or digit), so offsets cannot
be mistyped; a value that cannot be found is an error naming the snippet.

Matching: a predicted span matches a gold span of the same type when they overlap with
intersection-over-union ≥ 0.5 (one-to-one, best overlap first). Precision, recall and F1 per type
use that overlap match; the ``exact`` column is F1 when only identical (start, end) count.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MIN_IOU = 0.5


@dataclass(frozen=True, slots=True)
class GoldSpan:
    entity_type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Snippet:
    number: int  # 1-based position in the file
    language: str
    text: str
    spans: tuple[GoldSpan, ...]
    split: str = "dev"  # "heldout": written blind, after the detector was developed on "dev"


@dataclass(slots=True)
class TypeScore:
    entity_type: str
    support: int = 0  # gold spans
    predicted: int = 0
    tp: int = 0
    exact_tp: int = 0

    @property
    def fp(self) -> int:
        return self.predicted - self.tp

    @property
    def fn(self) -> int:
        return self.support - self.tp

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_f1(self) -> float:
        denominator = self.predicted + self.support
        return 2 * self.exact_tp / denominator if denominator else 1.0

    def as_dict(self) -> dict:
        return {
            "entity_type": self.entity_type,
            "support": self.support,
            "predicted": self.predicted,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "exact_f1": round(self.exact_f1, 4),
        }


@dataclass(slots=True)
class CorpusScore:
    snippets: int
    by_type: dict[str, TypeScore]
    errors: list[dict] = field(default_factory=list)  # false positives / negatives, for reading

    @property
    def overall(self) -> TypeScore:
        total = TypeScore("ALL")
        for score in self.by_type.values():
            total.support += score.support
            total.predicted += score.predicted
            total.tp += score.tp
            total.exact_tp += score.exact_tp
        return total

    def as_dict(self) -> dict:
        return {
            "snippets": self.snippets,
            "match": f"overlap, IoU >= {MIN_IOU}",
            "types": [s.as_dict() for s in self.by_type.values()],
            "overall": self.overall.as_dict(),
        }


def _locate(text: str, values: list[tuple[str, str]], number: int) -> tuple[GoldSpan, ...]:
    placed: list[GoldSpan] = []
    for entity_type, value in sorted(values, key=lambda item: -len(item[1])):
        found = False
        start = text.find(value)
        while start != -1:
            end = start + len(value)
            glued = (start > 0 and text[start - 1].isalnum() and value[0].isalnum()) or (
                end < len(text) and text[end].isalnum() and value[-1].isalnum()
            )
            free = all(end <= s.start or start >= s.end for s in placed)
            if free and not glued:
                placed.append(GoldSpan(entity_type, start, end))
                found = True
            start = text.find(value, start + 1)
        if not found:
            raise ValueError(f"snippet {number}: {entity_type} value {value!r} not found in text")
    return tuple(sorted(placed, key=lambda s: s.start))


def load_corpus(path: str | Path) -> list[Snippet]:
    """The corpus with computed spans; ValueError names the first bad snippet."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of snippets")
    from invekto.guardrails.pii import ENTITY_TYPES

    snippets = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"snippet {number}: needs a text")
        values = []
        for pair in item.get("pii") or []:
            if not (isinstance(pair, list) and len(pair) == 2 and pair[0] in ENTITY_TYPES):
                raise ValueError(f"snippet {number}: bad pii entry {pair!r}")
            values.append((str(pair[0]), str(pair[1])))
        spans = _locate(item["text"], values, number)
        split = str(item.get("split", "dev"))
        snippets.append(Snippet(number, str(item.get("lang", "tr")), item["text"], spans, split))
    return snippets


def _iou(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    inter = min(a_end, b_end) - max(a_start, b_start)
    if inter <= 0:
        return 0.0
    return inter / (max(a_end, b_end) - min(a_start, b_start))


def score_snippets(snippets: list[Snippet], detect: Callable | None = None) -> CorpusScore:
    """Per-type precision / recall / F1 of ``detect(text, language)`` (default: find_pii)."""
    from invekto.guardrails.pii import ENTITY_TYPES, find_pii

    detect = detect or find_pii
    by_type = {t: TypeScore(t) for t in ENTITY_TYPES}
    errors: list[dict] = []
    for snippet in snippets:
        predicted = [
            (e.entity_type, e.start, e.end) for e in detect(snippet.text, snippet.language)
        ]
        for entity_type, score in by_type.items():
            gold = [(s.start, s.end) for s in snippet.spans if s.entity_type == entity_type]
            pred = [(s, e) for t, s, e in predicted if t == entity_type]
            score.support += len(gold)
            score.predicted += len(pred)
            pairs = sorted(
                ((_iou(*g, *p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred)),
                reverse=True,
            )
            used_gold, used_pred = set(), set()
            for iou, gi, pi in pairs:
                if iou < MIN_IOU or gi in used_gold or pi in used_pred:
                    continue
                used_gold.add(gi)
                used_pred.add(pi)
                score.tp += 1
                score.exact_tp += gold[gi] == pred[pi]
            for gi, (s, e) in enumerate(gold):
                if gi not in used_gold:
                    errors.append(_error("missed", snippet, entity_type, s, e))
            for pi, (s, e) in enumerate(pred):
                if pi not in used_pred:
                    errors.append(_error("false", snippet, entity_type, s, e))
    return CorpusScore(len(snippets), by_type, errors)


def _error(kind: str, snippet: Snippet, entity_type: str, start: int, end: int) -> dict:
    return {
        "kind": kind,
        "snippet": snippet.number,
        "lang": snippet.language,
        "entity_type": entity_type,
        "span": snippet.text[start:end],
        "text": snippet.text,
    }


def score_corpus(path: str | Path) -> CorpusScore:
    return score_snippets(load_corpus(path))


def measure_speed(snippets: list[Snippet], rounds: int = 3) -> dict:
    """First-load time of the analyzer (if not loaded yet in this process) and the analysis time
    per snippet after a warm-up pass (bypassing find_pii's cache), in milliseconds."""
    from invekto.guardrails import pii

    first_load_ms = None
    if pii._analyzer is None:
        started = time.perf_counter()
        pii.get_analyzer()
        first_load_ms = round((time.perf_counter() - started) * 1000, 1)
    analyse = pii._find_pii.__wrapped__  # the analysis itself, not the LRU cache in front of it
    for snippet in snippets:  # warm-up
        analyse(snippet.text, pii._language(snippet.language))
    timings = []
    for _ in range(rounds):
        for snippet in snippets:
            started = time.perf_counter()
            analyse(snippet.text, pii._language(snippet.language))
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "first_load_ms": first_load_ms,
        "ms_per_snippet_mean": round(statistics.fmean(timings), 3),
        "ms_per_snippet_p50": round(timings[len(timings) // 2], 3),
        "ms_per_snippet_p95": round(timings[int(len(timings) * 0.95)], 3),
        "calls": len(timings),
    }


def format_table(score: CorpusScore) -> str:
    """A fixed-width table: one row per entity type plus the micro-averaged total."""
    header = (
        f"{'entity_type':<18}{'gold':>6}{'pred':>6}{'tp':>5}{'fp':>5}{'fn':>5}"
        f"{'precision':>11}{'recall':>8}{'f1':>7}{'exact_f1':>10}"
    )
    lines = [
        f"PII corpus: {score.snippets} snippets; match = overlap (IoU >= {MIN_IOU})",
        header,
        "-" * len(header),
    ]
    for s in [*score.by_type.values(), score.overall]:
        if s is score.overall:
            lines.append("-" * len(header))
        lines.append(
            f"{s.entity_type:<18}{s.support:>6}{s.predicted:>6}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}{s.exact_f1:>10.3f}"
        )
    return "\n".join(lines)
