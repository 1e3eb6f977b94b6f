"""Hard held-out messages (``hard.yaml``) and how the understanding layer does on them.

The file is never trained on: training reads only ``examples/<intent>.yaml`` (``taxonomy``),
and nothing in the package globs this folder. Its messages were written from the intent
definitions, without looking at the training examples, in categories of what goes wrong on real
traffic: Arabizi, Arabic dialects, negation, the order's situation, anger with a request,
sarcasm, colloquial wording, things that look like bulk orders and are not, plus a control set.

Each message is read exactly as the conversation graph reads a customer's first message: its
``understand`` node, for a tenant of the message's vertical (a clinic's customers can mean only
the clinic and conversational intents), with the tenant's settings and timezone
(``read_as_graph``). ``hard_report`` scores intents per category and language, the language
detected (Arabizi counts as Arabic) and the signals expected.

    items = load_hard()
    report = await hard_report(items, reader(understander))
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from invekto.nlu.situation import STATES
from invekto.nlu.taxonomy import INTENTS, LANGUAGES

HARD_FILE = "hard.yaml"
FRESH_FILE = "fresh.yaml"
"""A second hard file, written after the model work began by someone who saw neither the
training examples nor ``hard.yaml`` nor the model's misses: the clean measurement."""
FINAL_FILE = "final.yaml"
"""A third, written like ``fresh.yaml`` and kept out of sight until the work was done: measured
once at the end of issue 19, then added here."""
HARD_FILES = (HARD_FILE, FRESH_FILE, FINAL_FILE)
CATEGORIES = (
    "arabizi",
    "arabic_dialect",
    "negation",
    "situation",
    "anger_with_request",
    "sarcasm",
    "colloquial",
    "not_bulk",
    "control",
)
VERTICALS = ("ecommerce", "clinic")
ORDER_STATES = STATES
SIGNALS = ("negative_sentiment", "urgent", "bulk_order")
DIALECTS = ("gulf", "levantine", "egyptian")
DEFAULT_TIMEZONE = "Europe/Istanbul"
_FIELDS = {
    "text",
    "intent",
    "language",
    "category",
    "vertical",
    "order_status",
    "signals",
    "dialect",
}


@dataclass(frozen=True, slots=True)
class HardItem:
    text: str
    intent: str
    language: str
    """tr | en | ar (Arabizi is ar)."""
    category: str
    vertical: str = "ecommerce"
    order_status: str | None = None
    """The order's state when the right reading depends on it: read as the state of the order
    in the conversation's focus (an agent looked it up earlier)."""
    signals: tuple[str, ...] = ()
    dialect: str | None = None


class HardFileError(ValueError):
    """The hard file is malformed; the message names the item and the field."""


def load_hard(text: str | None = None, *, name: str = HARD_FILE) -> list[HardItem]:
    """The items of ``heldout/<name>`` (or of ``text``, a YAML document like it), checked."""
    if text is None:
        text = resources.files("invekto.nlu.heldout").joinpath(name).read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise HardFileError(f"{name}: 'items' must be a list")
    return [_item(number, raw, name) for number, raw in enumerate(data["items"], start=1)]


def _item(number: int, raw: Any, name: str = HARD_FILE) -> HardItem:
    where = f"{name} item {number}"
    if not isinstance(raw, dict):
        raise HardFileError(f"{where}: must be a mapping")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise HardFileError(f"{where}: unknown fields {sorted(unknown)}")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise HardFileError(f"{where}: 'text' must be a non-empty text")
    choices: dict[str, tuple[str, ...]] = {
        "intent": tuple(INTENTS),
        "language": LANGUAGES,
        "category": CATEGORIES,
        "vertical": VERTICALS,
        "order_status": ORDER_STATES,
        "dialect": DIALECTS,
    }
    for key, allowed in choices.items():
        value = raw.get(key)
        required = key in ("intent", "language", "category")
        if (value is not None or required) and value not in allowed:
            raise HardFileError(f"{where} ({text!r}): '{key}' {value!r} is not one of {allowed}")
    signals = raw.get("signals") or []
    if not isinstance(signals, list) or any(s not in SIGNALS for s in signals):
        raise HardFileError(f"{where} ({text!r}): 'signals' must be a list of {SIGNALS}")
    return HardItem(
        text=text,
        intent=raw["intent"],
        language=raw["language"],
        category=raw["category"],
        vertical=raw.get("vertical") or "ecommerce",
        order_status=raw.get("order_status"),
        signals=tuple(signals),
        dialect=raw.get("dialect"),
    )


Reader = Callable[[HardItem], Awaitable[dict[str, Any]]]
"""Reads one item as the graph would (``invekto.evals.understanding.reader``)."""


# --- the report ---------------------------------------------------------------------------------


def _share(hits: int, total: int) -> float:
    return round(hits / total, 3) if total else 0.0


async def hard_report(items: Iterable[HardItem], read: Reader) -> dict[str, Any]:
    """Intent accuracy overall, per category, per language (and per vertical, per Arabic
    dialect); language-detection accuracy (Arabizi is Arabic); expected-signal recall; time per
    message; and every miss (text, expected, got)."""
    items = list(items)
    rows = []
    split = 0
    if items:
        await read(items[0])  # warm up (first-call costs are no per-message time)
    started = time.perf_counter()
    for item in items:
        update = await read(item)
        understood = update["understanding"]
        rows.append((item, understood, update.get("language", understood["language"])))
        split += bool(update.get("parts"))
    elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(items), 1)

    def table(key: Callable[[HardItem], str | None]) -> dict[str, dict[str, float]]:
        groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
        for item, understood, language in rows:
            name = key(item)
            if name is not None:
                groups[name].append(
                    (understood["intent"] == item.intent, language == item.language)
                )
        return {
            name: {
                "messages": len(marks),
                "accuracy": _share(sum(i for i, _ in marks), len(marks)),
                "language_accuracy": _share(sum(lang for _, lang in marks), len(marks)),
            }
            for name, marks in sorted(groups.items(), key=lambda kv: _order(kv[0]))
        }

    expected_signals = [(i, s, u) for i, u, _ in rows for s in i.signals]
    misses = [
        {
            "text": item.text,
            "category": item.category,
            "language": item.language,
            "expected": item.intent,
            "got": understood["intent"],
            "confidence": understood["confidence"],
            **({"vertical": item.vertical} if item.vertical != "ecommerce" else {}),
            **({"order_status": item.order_status} if item.order_status else {}),
        }
        for item, understood, _ in rows
        if understood["intent"] != item.intent
    ]
    language_misses = [
        {"text": item.text, "category": item.category, "expected": item.language, "got": language}
        for item, _, language in rows
        if language != item.language
    ]
    confusions = Counter((m["expected"], m["got"]) for m in misses)
    return {
        "messages": len(rows),
        "accuracy": _share(len(rows) - len(misses), len(rows)),
        "language_accuracy": _share(len(rows) - len(language_misses), len(rows)),
        "signal_recall": _share(
            sum(s in u["signals"] for _, s, u in expected_signals), len(expected_signals)
        ),
        "ms_per_message": round(elapsed_ms, 2),
        "split_messages": split,
        "per_signal": {
            name: _share(
                sum(name in u["signals"] for _, s, u in expected_signals if s == name),
                sum(s == name for _, s, _ in expected_signals),
            )
            for name in SIGNALS
            if any(s == name for _, s, _ in expected_signals)
        },
        "per_category": table(lambda i: i.category),
        "per_language": table(lambda i: i.language),
        "per_vertical": table(lambda i: i.vertical),
        "per_dialect": table(lambda i: i.dialect if i.language == "ar" else None),
        "confusions": [
            {"expected": e, "got": g, "count": n} for (e, g), n in confusions.most_common()
        ],
        "misses": misses,
        "language_misses": language_misses,
    }


def format_hard(
    report: Mapping[str, Any], *, verbose: bool = False, name: str = HARD_FILE
) -> list[str]:
    """``hard_report`` as text: the totals, a table per category / language / vertical /
    dialect, the commonest confusions; with ``verbose`` every miss."""
    lines = [
        f"hard messages (invekto/nlu/heldout/{name}): {report['messages']}, intent accuracy "
        f"{report['accuracy']:.3f}, language detection {report['language_accuracy']:.3f}, "
        f"expected signals found {report['signal_recall']:.3f} "
        f"({', '.join(f'{k} {v:.3f}' for k, v in report['per_signal'].items())}), "
        f"{report['ms_per_message']} ms per message (the graph's understand node; "
        f"{report['split_messages']} messages read as several requests)",
    ]
    for title in ("per_category", "per_language", "per_vertical", "per_dialect"):
        lines.append(f"{title.replace('_', ' ')}:{'':<12}messages  intent  language")
        for name, row in report[title].items():
            lines.append(
                f"  {name:<26}{row['messages']:>6}   {row['accuracy']:.3f}   "
                f"{row['language_accuracy']:.3f}"
            )
    top = report["confusions"][:10]
    if top:
        lines.append(
            "commonest confusions: "
            + ", ".join(f"{c['expected']}→{c['got']} ×{c['count']}" for c in top)
        )
    if verbose:
        lines.append("intent misses (expected → got):")
        lines.extend(
            f"  [{m['category']}/{m['language']}] {m['text']!r}: {m['expected']} → {m['got']} "
            f"({m['confidence']:.2f})"
            for m in report["misses"]
        )
        lines.append("language misses (expected → got):")
        lines.extend(
            f"  [{m['category']}] {m['text']!r}: {m['expected']} → {m['got']}"
            for m in report["language_misses"]
        )
    return lines


_ORDER = {name: n for n, name in enumerate((*CATEGORIES, *LANGUAGES, *VERTICALS, *DIALECTS))}


def _order(name: str) -> tuple[int, str]:
    return (_ORDER.get(name, len(_ORDER)), name)
