"""The intent taxonomy, its shipped examples, and the softmax model (with stand-in vectors)."""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import pytest

from invekto.core.text import fold
from invekto.nlu import classifier
from invekto.nlu.taxonomy import INTENTS, ExamplesError, _parse, load_examples

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
    trained = {
        fold(t)
        for e in examples.values()
        for section in (e.examples, e.arabizi)
        for texts in section.values()
        for t in texts
    }
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


class HashEmbeddings:
    """Stand-in for e5 on real texts: a fixed random unit vector per text; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = [np.random.default_rng(zlib.crc32(t.encode())).normal(size=384) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), 384)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_model_learns_the_classes_and_is_calibrated():
    labels = ["a", "b", "c"]
    texts = [f"{label}:{i}" for label in labels for i in range(40)]
    embeddings = ClusterEmbeddings(labels)

    model = classifier.train(texts, [t.split(":")[0] for t in texts], embeddings)

    new = [f"{label}:new" for label in labels]
    predictions = model.predict(embeddings.encode(new), new)
    assert [label for label, _ in predictions] == labels
    assert all(confidence > 0.6 for _, confidence in predictions)
    probabilities = model.probabilities(embeddings.encode(["a:1", "c:2"]), ["a:1", "c:2"])
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert 0.05 <= model.temperature <= 20.0


def test_the_character_ngrams_carry_what_the_embedding_blurs():
    """Two classes whose embeddings are noise: only the words tell them apart."""
    rng = np.random.default_rng(3)
    texts = [f"iade {w}" for w in ("etmek", "edicem", "istiyorum", "lazim")] * 6
    texts += [f"kargo {w}" for w in ("nerede", "nerde", "gelmedi", "takip")] * 6
    labels = ["return"] * 24 + ["status"] * 24

    class Noise:
        def encode(self, batch: list[str]) -> np.ndarray:
            vectors = rng.normal(size=(len(batch), 16))
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    model = classifier.train(texts, labels, Noise())

    unseen = ["İADE edecem", "kargom nerde kaldi"]
    assert [label for label, _ in model.predict(Noise().encode(unseen), unseen)] == [
        "return",
        "status",
    ]


def test_without_texts_the_embedding_head_decides():
    labels = ["a", "b", "c"]
    texts = [f"{label}:{i}" for label in labels for i in range(40)]
    embeddings = ClusterEmbeddings(labels)
    model = classifier.train(texts, [t.split(":")[0] for t in texts], embeddings)

    new = [f"{label}:new" for label in labels]
    predictions = model.predict(embeddings.encode(new))

    assert [label for label, _ in predictions] == labels
    assert model.e5_weights.shape == (32, 3) and model.e5_temperature > 0


def test_intents_restrict_the_answer():
    labels = ["a", "b", "c"]
    texts = [f"{label}:{i}" for label in labels for i in range(30)]
    embeddings = ClusterEmbeddings(labels)
    model = classifier.train(texts, [t.split(":")[0] for t in texts], embeddings)

    vectors = embeddings.encode(["a:x"])
    ((label, confidence),) = model.predict(vectors, ["a:x"], intents={"b", "c"})
    probabilities = model.probabilities(vectors, ["a:x"], intents={"b", "c"})

    assert label in {"b", "c"} and 0 < confidence <= 1
    assert probabilities[0, model.labels.index("a")] == 0
    assert np.isclose(probabilities.sum(), 1.0)
    assert model.predict(vectors, ["a:x"], intents={"unknown"})[0][0] == "a"  # none known: all


def test_features_fold_turkish_and_mask_identifiers():
    assert classifier.grams("Siparişim") == classifier.grams("siparisim")
    assert classifier.grams("42 beden") == classifier.grams("38 beden")
    rows = classifier.char_features(["Kargom NEREDE", "kargom nerede", ""])
    assert np.allclose(rows[0], rows[1])
    assert np.isclose(np.linalg.norm(rows[0]), 1.0) and not rows[2].any()
    assert classifier.model_text("10654400001 nolu siparis, ayse@x.com") == "nolu siparis, mail"
    assert classifier.model_text("beni 0532 111 22 33 arayin") == "beni arayin"
    assert classifier.model_text("150 adet") == "150 adet"


def test_the_fingerprint_follows_the_examples_and_the_model_settings(monkeypatch):
    examples = load_examples()
    first = classifier.fingerprint(examples)
    assert classifier.fingerprint(examples) == first

    monkeypatch.setattr(classifier, "SETTINGS", {**classifier.SETTINGS, "l2": 1.0})
    assert classifier.fingerprint(examples) != first
    monkeypatch.undo()
    monkeypatch.setattr(classifier, "MODEL_VERSION", "another")
    assert classifier.fingerprint(examples) != first


@pytest.fixture
def few_examples(monkeypatch):
    """Four intents' first ten examples: a model that trains in a blink."""
    examples = {
        intent: replace(entry, examples={"tr": entry.examples["tr"][:10]})
        for intent, entry in list(load_examples().items())[:4]
    }
    monkeypatch.setattr(classifier, "load_examples", lambda: examples)
    monkeypatch.setattr(classifier, "HASH_DIM", 256)
    return examples


def test_the_trained_model_is_cached_and_retrained_when_stale(tmp_path, few_examples):
    embeddings = HashEmbeddings()
    (tmp_path / "intents-0000000000000000.npz").write_bytes(b"an older model")

    model = classifier.load_or_train(tmp_path, embeddings)
    trained_calls = embeddings.calls
    again = classifier.load_or_train(tmp_path, embeddings)

    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"intents-{classifier.fingerprint(few_examples)}.npz"]
    assert embeddings.calls == trained_calls  # loaded, not retrained
    assert again.labels == model.labels == sorted(few_examples)
    assert np.array_equal(again.weights, model.weights)
    assert again.temperature == model.temperature

    (tmp_path / files[0]).write_bytes(b"corrupt")
    classifier.load_or_train(tmp_path, embeddings)
    assert embeddings.calls > trained_calls


def test_embeddings_of_unchanged_examples_are_reused(tmp_path, monkeypatch, few_examples):

    class Named(HashEmbeddings):
        name = "stand-in-v1"

        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def encode(self, texts: list[str]) -> np.ndarray:
            self.texts.extend(texts)
            return super().encode(texts)

    first = Named()
    classifier.load_or_train(tmp_path, first)
    texts = classifier.training_set(few_examples, arabizi=True)[0]  # both models' texts
    assert sorted(first.texts) == sorted({classifier.model_text(t) for t in texts})
    assert len(list(tmp_path.glob("embeddings-*.npz"))) == 1

    monkeypatch.setattr(classifier, "MODEL_VERSION", "retrain-me")
    again = Named()
    classifier.load_or_train(tmp_path, again)
    assert again.texts == []  # every example's vector came from the cache
