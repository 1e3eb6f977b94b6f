"""The intent taxonomy: names and areas here, each intent's definition and examples in
``examples/<intent>.yaml``, and what each covers and which agent answers it in
``docs/intents.md``. Names in ``INTENTS`` are shared with other people's eval datasets (see
shared/EVALS.md): add intents, never rename these."""

from __future__ import annotations

import functools
from dataclasses import dataclass
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


class ExamplesError(ValueError):
    """An examples file is missing or malformed; the message names the file and the field."""


@functools.cache
def load_examples() -> dict[str, IntentExamples]:
    """Every intent's shipped examples (``invekto/nlu/examples/<intent>.yaml``)."""
    folder = resources.files("invekto.nlu").joinpath("examples")
    loaded: dict[str, IntentExamples] = {}
    for intent in INTENTS:
        entry = folder.joinpath(f"{intent}.yaml")
        if not entry.is_file():
            continue
        loaded[intent] = _parse(intent, yaml.safe_load(entry.read_text("utf-8")))
    return loaded


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
