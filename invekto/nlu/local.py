"""The local understander: e5 embeddings + the trained intent model, plus language detection,
entities and signals. No network, no model download."""

from __future__ import annotations

import asyncio
from pathlib import Path

from invekto.nlu.classifier import IntentModel, load_or_train
from invekto.nlu.embeddings import E5Embeddings
from invekto.nlu.entities import extract
from invekto.nlu.rules import detect_language
from invekto.nlu.signals import detect
from invekto.nlu.types import Understanding


class LocalUnderstander:
    def __init__(self, model: IntentModel, embeddings: E5Embeddings | None = None) -> None:
        self.model = model
        self.embeddings = embeddings or E5Embeddings()

    @classmethod
    def load(cls, cache_dir: Path) -> LocalUnderstander:
        embeddings = E5Embeddings()
        return cls(load_or_train(cache_dir, embeddings), embeddings)

    async def understand(
        self, text: str, *, tenant_slug: str, previous_language: str | None = None
    ) -> Understanding:
        vectors = await asyncio.to_thread(self.embeddings.encode, [text])
        intent, confidence = self.model.predict(vectors)[0]
        entities = extract(text)
        return Understanding(
            language=detect_language(text, previous_language),
            intent=intent,
            confidence=round(confidence, 4),
            entities=entities,
            signals=detect(text, entities),
            source="local",
        )
