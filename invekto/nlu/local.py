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
from invekto.nlu.classifier import IntentModel, has_arabizi, load_or_train, model_text
from invekto.nlu.embeddings import E5Embeddings
from invekto.nlu.entities import DEFAULT_TIMEZONE, extract, mentions_amount
from invekto.nlu.negation import without_denied
from invekto.nlu.rules import classify, detect_language, written_in_arabizi
from invekto.nlu.segments import asks
from invekto.nlu.signals import detect, genuine_thanks, sarcastic
from invekto.nlu.situation import situate
from invekto.nlu.taxonomy import AREAS, INTENTS, load_examples
from invekto.nlu.types import Understanding

RULE_OVERRIDES_BELOW = 0.5
"""A matched keyword rule wins when the model's confidence is below this."""
RETURN_INTENTS = set(AREAS["returns"])
_RETURN_WORDS = re.compile(
    r"\b(iade\w*|geri (gonder|yolla|ver)\w*|return\w*|refund\w*|degis\w*|exchange\w*|swap)"
)


NOT_A_REQUEST = {"complaint", "thanks", "greeting", "goodbye", "other"}
"""Readings that ask for nothing: a concrete request found beside them wins."""
CONCRETE_RULES = {"order_status", "delivery_time"}
STATED_REQUESTS = {"return_request", "exchange_request", "human_request"}
"""Requests a customer states rather than asks ("I'll be sending it back"): sarcasm around them
keeps them."""
SMALL_TALK = {"greeting", "thanks", "goodbye"}
SMALL_TALK_MAX_WORDS = 3
"""A greeting or thanks rule yields to the model's request in a message of this many words or
more."""
UNFOUNDED_BULK_BELOW = 0.7
"""A bulk reading below this confidence needs a bulk word, a quantity or a company."""
GENUINE_THANKS_BELOW = 0.8
"""A complaint reading below this confidence of a message of thanks with nothing gone wrong
is thanks."""
"""Keyword rules precise enough to name the request inside a complaint."""
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
    def __init__(
        self,
        model: IntentModel,
        embeddings: E5Embeddings | None = None,
        arabizi_model: IntentModel | None = None,
    ) -> None:
        self.model = model
        self.embeddings = embeddings or E5Embeddings()
        self.arabizi_model = arabizi_model
        """Reads messages in Arabizi (trained on the chat-Arabic examples too); the main model
        reads everything else, its Turkish and English n-grams undisturbed by them."""

    @classmethod
    def load(cls, cache_dir: Path) -> LocalUnderstander:
        embeddings = E5Embeddings()
        arabizi = (
            load_or_train(cache_dir, embeddings, arabizi=True)
            if has_arabizi(load_examples())
            else None
        )
        return cls(load_or_train(cache_dir, embeddings), embeddings, arabizi)

    def model_for(self, text: str) -> IntentModel:
        """The Arabizi model for Arabic in Latin letters, else the main model."""
        if self.arabizi_model is not None and written_in_arabizi(text):
            return self.arabizi_model
        return self.model

    async def understand(
        self,
        text: str,
        *,
        tenant_slug: str,
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Understanding:
        settings = settings or {}
        asked = without_denied(text)
        prediction, instead_of_bulk = await asyncio.to_thread(
            self._predict, asked or text, _possible(settings)
        )
        return self.combine(
            text,
            prediction,
            previous_language,
            settings,
            instead_of_bulk=instead_of_bulk,
            asked=asked,
        )

    def _predict(
        self, text: str, intents: set[str] | None
    ) -> tuple[tuple[str, float], tuple[str, float] | None]:
        """The model's (intent, confidence), and its best reading other than ``bulk_order``
        (renormalised) for when the bulk reading has nothing to stand on."""
        model = self.model_for(text)
        texts = [model_text(text)]
        vectors = self.embeddings.encode(texts)
        [prediction] = model.predict(vectors, texts, intents=intents)
        if prediction[0] != "bulk_order":
            return prediction, None
        allowed = (intents if intents is not None else set(model.labels)) - {"bulk_order"}
        [other] = model.predict(vectors, texts, intents=allowed)
        return prediction, other

    def combine(
        self,
        text: str,
        prediction: tuple[str, float],
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
        *,
        instead_of_bulk: tuple[str, float] | None = None,
        asked: str | None = None,
    ) -> Understanding:
        """``prediction``: the model's reading of ``asked`` (the text without what it denies,
        ``negation.without_denied``) or of the whole text; ``instead_of_bulk``: the model's best
        intent other than ``bulk_order``."""
        intent, confidence = prediction
        settings = settings or {}
        entities = extract(text, timezone=settings.get("timezone") or DEFAULT_TIMEZONE)
        rule_intent, rule_confidence = classify(asked or text)
        if (
            rule_intent in SMALL_TALK
            and intent not in NOT_A_REQUEST
            and len(words(asked or text)) >= SMALL_TALK_MAX_WORDS
        ):
            # "cancel 10654400555 thanks": the thanks go with a request.
            rule_intent = "other"
        if rule_intent == "human_request":
            intent, confidence = rule_intent, max(confidence, rule_confidence)
        elif rule_intent == intent:
            confidence = max(confidence, rule_confidence)
        elif rule_intent != "other" and (
            confidence < RULE_OVERRIDES_BELOW
            or (intent in NOT_A_REQUEST and rule_intent in CONCRETE_RULES and asks(asked or text))
        ):
            # "KARGOM NEDE 3 GÜNDÜR BEKLİYORUM 😡": angry, and still a question about the order.
            intent, confidence = rule_intent, rule_confidence
        if (entities.order_numbers or entities.tracking_numbers) and len(words(text)) <= 2:
            intent, confidence = "order_status", max(confidence, 0.8)
        said_return = _RETURN_WORDS.search(fold(text))
        if entities.return_reason and said_return and intent not in RETURN_INTENTS:
            # "elbiseyi iade edicem vazgeçtim": a reason plus the word itself is a return.
            exchange = said_return.group(0).startswith(("degis", "exchange", "swap"))
            intent = "exchange_request" if exchange else "return_request"
            confidence = max(confidence, 0.7)
        situated = situate(intent, text, settings.get("order_state"))
        if situated != intent:
            # "teslim aldım, iptal etmek istiyorum": nothing is left to cancel, it is a return.
            intent, confidence = situated, max(confidence, 0.7)
        if intent == "complaint" and confidence < GENUINE_THANKS_BELOW and genuine_thanks(text):
            # "kargo bir günde geldi, çok teşekkür ederim": praise with nothing gone wrong.
            intent = "thanks"
        if sarcastic(text) and (
            intent in NOT_A_REQUEST or not (asks(text) or intent in STATED_REQUESTS)
        ):
            # "ne hızlı kargo, tebrikler, 2 haftadır yolda": no thanks; "thank you SO much for
            # cancelling my order": no cancellation asked. (With a question, the question.)
            intent, confidence = "complaint", max(confidence, 0.7)
        threshold = nlu_settings(settings).bulk_threshold
        signals = detect(text, entities, bulk_threshold=threshold)
        if (
            asked
            and "bulk_order" in signals
            and "bulk_order" not in detect(asked, entities, bulk_threshold=threshold)
        ):
            # "bayiniz olmak istemiyorum, 1 tane alacağım": a denied wholesale word.
            signals.remove("bulk_order")
        if intent == "other" and "bulk_order" in signals:
            # "bayilik veriyor musunuz, 2 mağazamız var": no small talk, a dealer asking.
            intent, confidence = "bulk_order", max(confidence, 0.6)
        elif intent == "bulk_order" and "bulk_order" not in signals and entities.quantities:
            # "30 adet gömlek lazım" to a tenant whose bulk threshold is 200: a stock question.
            intent = "stock_question"
        elif (
            intent == "bulk_order"
            and instead_of_bulk is not None
            and "bulk_order" not in signals
            and not entities.company
            and (mentions_amount(text) or confidence < UNFOUNDED_BULK_BELOW)
        ):
            # "is delivery free for a 400 TL order?": a price is no wholesale request; nor is a
            # hesitant bulk reading with no bulk word, quantity or company ("... satıyor musunuz").
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
