"""The intent taxonomy, its shipped examples, and the softmax model (with stand-in vectors)."""

from __future__ import annotations

import numpy as np
import pytest

from invekto.nlu import classifier
from invekto.nlu.taxonomy import INTENTS, ExamplesError, _parse, load_examples
from invekto.nlu.text import fold

EVALS_INTENTS = {
    "order_status",
    "delivery_time",
    "cancel_order",
    "address_change",
    "invoice_request",
    "return_request",
    "exchange_request",
    "stock_question",
    "product_question",
    "price_question",
    "discount_question",
    "shipping_policy",
    "payment_problem",
    "complaint",
    "bulk_order",
    "human_request",
    "greeting",
    "thanks",
    "goodbye",
    "other",
    "treatment_price",
    "treatment_info",
    "book_appointment",
    "change_appointment",
    "cancel_appointment",
    "urgent_pain",
    "clinic_location_hours",
}


def test_taxonomy_has_every_name_other_datasets_rely_on():
    assert EVALS_INTENTS <= set(INTENTS)
    assert len(INTENTS) == len(set(INTENTS))


def test_every_intent_ships_enough_varied_examples():
    examples = load_examples()
    assert set(examples) == set(INTENTS)
    for intent, entry in examples.items():
        assert len(entry.examples.get("tr", [])) >= 40, intent
        assert len(entry.examples.get("en", [])) >= 25, intent
        assert entry.heldout.get("tr") and entry.heldout.get("en"), intent


def test_heldout_texts_are_never_trained_on():
    examples = load_examples()
    trained = {fold(t) for e in examples.values() for texts in e.examples.values() for t in texts}
    for entry in examples.values():
        for texts in entry.heldout.values():
            assert not {fold(t) for t in texts} & trained, entry.intent


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"intent": "greeting", "examples": {"tr": ["x"]}}, "'intent' must be 'thanks'"),
        ({"intent": "thanks", "examples": {"de": ["x"]}}, "'examples.de' is not one of"),
        ({"intent": "thanks", "examples": {"tr": "x"}}, "'examples.tr' must be a list"),
        ({"intent": "thanks", "heldout": ["x"]}, "'heldout' must map a language"),
    ],
)
def test_malformed_examples_name_the_file_and_field(data, message):
    with pytest.raises(ExamplesError, match=message):
        _parse("thanks", data)


class ClusterEmbeddings:
    """Stand-in vectors: each label's texts sit around their own direction."""

    def __init__(self, labels: list[str]) -> None:
        rng = np.random.default_rng(0)
        self.centres = {label: rng.normal(size=32) for label in labels}
        self.rng = np.random.default_rng(1)

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [self.centres[t.split(":")[0]] + self.rng.normal(scale=0.4, size=32) for t in texts]
        vectors = np.array(rows)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_softmax_model_learns_the_classes():
    labels = ["a", "b", "c"]
    texts = [f"{label}:{i}" for label in labels for i in range(40)]
    embeddings = ClusterEmbeddings(labels)

    model = classifier.train(texts, [t.split(":")[0] for t in texts], embeddings)

    predictions = model.predict(embeddings.encode([f"{label}:new" for label in labels]))
    assert [label for label, _ in predictions] == labels
    assert all(confidence > 0.6 for _, confidence in predictions)
    probabilities = model.probabilities(embeddings.encode(["a:1", "c:2"]))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert 0.5 <= model.temperature <= 5.0
