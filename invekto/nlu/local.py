"""The local understander: e5 embeddings + the trained intent model, plus language detection,
entities and signals. No network, no model download.

The model decides the intent. A few high-precision keyword rules (``rules.classify``) back it
up where a statistical model is the wrong tool:

- "insanla konuşmak istiyorum" / "temsilci" is a hand-over request whatever else the message
  says (a customer who asks for a person gets one at once);
- a message that is only an order or tracking number is a status question;
- when the model is unsure and a rule matched, the rule's intent is used;
- a return reason plus the word "iade"/"değişim" is a return or an exchange;
- "bulk" is the tenant's call: a quantity below its ``nlu.bulk_threshold`` with no other bulk
  word is a stock question, not a B2B lead;
- an amount of money or a percentage is no bulk order: "400 TL'lik sipariş kargo bedava mı" or
  "en az %25 indirim" read as ``bulk_order`` by the model, with no bulk word, quantity or
  company, gets the model's best other intent.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from invekto.core.tenant_settings import Nlu, TenantSettings
from invekto.core.text import fold, words
from invekto.nlu.classifier import IntentModel, load_or_train, model_text
from invekto.nlu.embeddings import E5Embeddings
from invekto.nlu.entities import DEFAULT_TIMEZONE, extract, mentions_amount
from invekto.nlu.rules import classify, detect_language
from invekto.nlu.signals import detect
from invekto.nlu.taxonomy import AREAS, INTENTS
from invekto.nlu.types import Understanding

RULE_OVERRIDES_BELOW = 0.5
"""A matched keyword rule wins when the model's confidence is below this."""
RETURN_INTENTS = set(AREAS["returns"])
_RETURN_WORDS = re.compile(
    r"\b(iade\w*|geri (gonder|yolla|ver)\w*|return\w*|refund\w*|degis\w*|exchange\w*|swap)"
)


CLINIC_INTENTS = set(AREAS["clinic"])
ALWAYS = {"greeting", "thanks", "goodbye", "other", "human_request", "complaint"}


def tenant_intents(vertical: str | None) -> set[str] | None:
    """The intents a tenant's customers can mean: a shop's never the clinic ones, a clinic's only
    the clinic ones and the conversational ones. Unknown vertical → all."""
    if vertical == "clinic":
        return CLINIC_INTENTS | ALWAYS
    if vertical == "ecommerce":
        return set(INTENTS) - CLINIC_INTENTS
    return None


def _possible(settings: dict[str, Any]) -> set[str] | None:
    """The intents the caller says this tenant's customers can mean (``settings["intents"]``,
    from the agent registry), else those of its vertical."""
    given = settings.get("intents")
    return set(given) if given is not None else tenant_intents(settings.get("vertical"))


def nlu_settings(settings: TenantSettings | Mapping[str, Any] | None) -> Nlu:
    """The tenant's ``settings.nlu`` block (thresholds), with defaults. ``settings`` may be the
    dict the graph passes: the stored settings plus the tenant's ``vertical`` and ``timezone``
    (only its ``nlu`` block is read here)."""
    return TenantSettings.parse(settings, blocks=("nlu",)).nlu


class LocalUnderstander:
    def __init__(self, model: IntentModel, embeddings: E5Embeddings | None = None) -> None:
        self.model = model
        self.embeddings = embeddings or E5Embeddings()

    @classmethod
    def load(cls, cache_dir: Path) -> LocalUnderstander:
        embeddings = E5Embeddings()
        return cls(load_or_train(cache_dir, embeddings), embeddings)

    async def understand(
        self,
        text: str,
        *,
        tenant_slug: str,
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Understanding:
        settings = settings or {}
        prediction, instead_of_bulk = await asyncio.to_thread(
            self._predict, text, _possible(settings)
        )
        return self.combine(
            text, prediction, previous_language, settings, instead_of_bulk=instead_of_bulk
        )

    def _predict(
        self, text: str, intents: set[str] | None
    ) -> tuple[tuple[str, float], tuple[str, float] | None]:
        """The model's (intent, confidence), and its best reading other than ``bulk_order``
        (renormalised) for when the bulk reading has nothing to stand on."""
        texts = [model_text(text)]
        vectors = self.embeddings.encode(texts)
        [prediction] = self.model.predict(vectors, texts, intents=intents)
        if prediction[0] != "bulk_order":
            return prediction, None
        allowed = (intents if intents is not None else set(self.model.labels)) - {"bulk_order"}
        [other] = self.model.predict(vectors, texts, intents=allowed)
        return prediction, other

    def combine(
        self,
        text: str,
        prediction: tuple[str, float],
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
        *,
        instead_of_bulk: tuple[str, float] | None = None,
    ) -> Understanding:
        """``instead_of_bulk``: the model's best intent other than ``bulk_order``."""
        intent, confidence = prediction
        settings = settings or {}
        entities = extract(text, timezone=settings.get("timezone") or DEFAULT_TIMEZONE)
        rule_intent, rule_confidence = classify(text)
        if rule_intent == "human_request":
            intent, confidence = rule_intent, max(confidence, rule_confidence)
        elif rule_intent == intent:
            confidence = max(confidence, rule_confidence)
        elif rule_intent != "other" and confidence < RULE_OVERRIDES_BELOW:
            intent, confidence = rule_intent, rule_confidence
        if (entities.order_numbers or entities.tracking_numbers) and len(words(text)) <= 2:
            intent, confidence = "order_status", max(confidence, 0.8)
        said_return = _RETURN_WORDS.search(fold(text))
        if entities.return_reason and said_return and intent not in RETURN_INTENTS:
            # "elbiseyi iade edicem vazgeçtim": a reason plus the word itself is a return.
            exchange = said_return.group(0).startswith(("degis", "exchange", "swap"))
            intent = "exchange_request" if exchange else "return_request"
            confidence = max(confidence, 0.7)
        signals = detect(text, entities, bulk_threshold=nlu_settings(settings).bulk_threshold)
        if intent == "bulk_order" and "bulk_order" not in signals and entities.quantities:
            # "30 adet gömlek lazım" to a tenant whose bulk threshold is 200: a stock question.
            intent = "stock_question"
        elif (
            intent == "bulk_order"
            and instead_of_bulk is not None
            and "bulk_order" not in signals
            and not entities.company
            and mentions_amount(text)
        ):
            # "is delivery free for a 400 TL order?": a price is no wholesale request.
            intent, confidence = instead_of_bulk
        return Understanding(
            language=detect_language(text, previous_language),
            intent=intent,
            confidence=round(confidence, 4),
            entities=entities,
            signals=signals,
            source="local",
        )


_loaded: dict[Path, LocalUnderstander] = {}
_loading = threading.Lock()


def shared_local(cache_dir: Path) -> LocalUnderstander:
    """One loaded model per process and cache directory (training, if needed, happens once)."""
    key = cache_dir.resolve()
    with _loading:
        if key not in _loaded:
            _loaded[key] = LocalUnderstander.load(key)
        return _loaded[key]
