"""The intent taxonomy: names and areas here, each intent's definition and examples in
``examples/<intent>.yaml``, and what each covers and which agent answers it in
``docs/intents.md``. Names in ``INTENTS`` are shared with other people's eval datasets (see
shared/EVALS.md): add intents, never rename these."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

AREAS: dict[str, list[str]] = {
    "orders": [
        "order_status",
        "delivery_time",
        "cancel_order",
        "address_change",
        "invoice_request",
    ],
    "returns": ["return_request", "exchange_request"],
    "products": ["stock_question", "product_question", "price_question", "discount_question"],
    "policy_payment": ["shipping_policy", "payment_problem"],
    "relationship": ["complaint", "bulk_order", "human_request"],
    "small_talk": ["greeting", "thanks", "goodbye", "other"],
    "clinic": [
        "treatment_price",
        "treatment_info",
        "book_appointment",
        "change_appointment",
        "cancel_appointment",
        "urgent_pain",
        "clinic_location_hours",
    ],
}
INTENTS: list[str] = [intent for names in AREAS.values() for intent in names]
LANGUAGES = ("tr", "en", "ar")


@dataclass(frozen=True, slots=True)
class IntentExamples:
    intent: str
    description: str
    examples: dict[str, list[str]]
    """Training texts per language."""
    heldout: dict[str, list[str]]
    """Texts kept out of training, to measure accuracy on unseen messages."""
    arabizi: dict[str, list[str]] = field(default_factory=dict)
    """Training texts of chat Arabic (Arabizi, dialects) for the Arabizi model only: messages in
    Arabic written in Latin letters are read by a model that knows them, the rest by one that
    does not share its character n-grams with Turkish and English (``classifier``)."""


class ExamplesError(ValueError):
    """An examples file is missing or malformed; the message names the file and the field."""


PATTERNS_FOLDER = "patterns"
ARABIZI_MODEL = "arabizi"
"""A pattern file with ``model: arabizi`` trains only the Arabizi model."""
"""``examples/patterns/<pattern>.yaml``: training examples of one way of writing across intents
(Arabizi, negation, sarcasm, ...), kept together so the pattern's coverage is visible."""


@functools.cache
def load_examples() -> dict[str, IntentExamples]:
    """Every intent's shipped examples: ``invekto/nlu/examples/<intent>.yaml``, plus the
    training examples of the pattern files (``examples/patterns/*.yaml``), in file order."""
    folder = resources.files("invekto.nlu").joinpath("examples")
    loaded: dict[str, IntentExamples] = {}
    for intent in INTENTS:
        entry = folder.joinpath(f"{intent}.yaml")
        if not entry.is_file():
            continue
        loaded[intent] = _parse(intent, yaml.safe_load(entry.read_text("utf-8")))
    patterns = folder.joinpath(PATTERNS_FOLDER)
    if patterns.is_dir():
        for entry in sorted(patterns.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                data = yaml.safe_load(entry.read_text("utf-8"))
                for intent, language, text in parse_pattern(entry.name, data):
                    if intent not in loaded:
                        loaded[intent] = IntentExamples(intent, "", {}, {})
                    section = (
                        loaded[intent].arabizi
                        if data.get("model") == ARABIZI_MODEL
                        else loaded[intent].examples
                    )
                    section.setdefault(language, []).append(text)
    return loaded


def parse_pattern(name: str, data: Any) -> list[tuple[str, str, str]]:
    """The ``(intent, language, text)`` of a pattern file: ``{pattern, description?, model?,
    examples: [{text, intent, language}]}`` (``model: arabizi``: for the Arabizi model only)."""
    where = f"examples/{PATTERNS_FOLDER}/{name}"
    if not isinstance(data, dict) or not isinstance(data.get("pattern"), str):
        raise ExamplesError(f"{where}: 'pattern' must name the pattern")
    if data.get("model") not in (None, ARABIZI_MODEL):
        raise ExamplesError(f"{where}: 'model' must be {ARABIZI_MODEL!r} or absent")
    items = data.get("examples")
    if not isinstance(items, list) or not items:
        raise ExamplesError(f"{where}: 'examples' must be a non-empty list")
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) - {"text", "intent", "language", "note"}:
            raise ExamplesError(f"{where} example {number}: fields are text, intent, language")
        text, intent, language = item.get("text"), item.get("intent"), item.get("language")
        if not isinstance(text, str) or not text.strip():
            raise ExamplesError(f"{where} example {number}: 'text' must be a non-empty text")
        if intent not in INTENTS:
            raise ExamplesError(f"{where} example {number} ({text!r}): unknown intent {intent!r}")
        if language not in LANGUAGES:
            raise ExamplesError(
                f"{where} example {number} ({text!r}): 'language' must be one of {LANGUAGES}"
            )
        rows.append((intent, language, text))
    return rows


def _parse(intent: str, data: Any) -> IntentExamples:
    where = f"examples/{intent}.yaml"
    if not isinstance(data, dict) or data.get("intent") != intent:
        raise ExamplesError(f"{where}: 'intent' must be {intent!r}")
    sections = {}
    for key in ("examples", "heldout"):
        section = data.get(key) or {}
        if not isinstance(section, dict):
            raise ExamplesError(f"{where}: '{key}' must map a language to a list of texts")
        for language, texts in section.items():
            if language not in LANGUAGES:
                raise ExamplesError(f"{where}: '{key}.{language}' is not one of {LANGUAGES}")
            if not isinstance(texts, list) or not all(
                isinstance(t, str) and t.strip() for t in texts
            ):
                raise ExamplesError(f"{where}: '{key}.{language}' must be a list of texts")
        sections[key] = {language: list(texts) for language, texts in section.items()}
    return IntentExamples(
        intent=intent,
        description=str(data.get("description", "")),
        examples=sections["examples"],
        heldout=sections["heldout"],
    )
