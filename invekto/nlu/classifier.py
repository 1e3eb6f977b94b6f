"""The local intent model: softmax regression over e5 embeddings, with calibrated confidence.

Trained on the shipped examples (``taxonomy.load_examples``), never on their held-out texts.
The trained weights are cached in ``data_dir/nlu/`` under a hash of the examples and the
embedding model, so a changed example retrains on the next start and an unchanged one loads in
milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from invekto.nlu.embeddings import E5Embeddings
from invekto.nlu.taxonomy import IntentExamples, load_examples

log = logging.getLogger(__name__)

MODEL_VERSION = "softmax-e5small-v1"


@dataclass(frozen=True)
class IntentModel:
    labels: list[str]
    weights: np.ndarray  # (dim, classes)
    bias: np.ndarray  # (classes,)
    temperature: float

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return _softmax((vectors @ self.weights + self.bias) / self.temperature)

    def predict(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        probabilities = self.probabilities(vectors)
        best = probabilities.argmax(axis=1)
        return [(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]


def training_set(examples: dict[str, IntentExamples]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for intent, entry in sorted(examples.items()):
        for language in sorted(entry.examples):
            for text in entry.examples[language]:
                texts.append(text)
                labels.append(intent)
    return texts, labels


def fingerprint(examples: dict[str, IntentExamples]) -> str:
    texts, labels = training_set(examples)
    payload = json.dumps([MODEL_VERSION, texts, labels], ensure_ascii=False).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


def train(
    texts: list[str], labels: list[str], embeddings: E5Embeddings, *, seed: int = 7
) -> IntentModel:
    """Fit on 85 % to pick the temperature on the other 15 %, then refit on everything."""
    vectors = embeddings.encode(texts)
    label_names = sorted(set(labels))
    targets = np.array([label_names.index(label) for label in labels])
    order = np.random.default_rng(seed).permutation(len(texts))
    cut = int(len(order) * 0.85)
    fit, calibrate = order[:cut], order[cut:]
    weights, bias = _fit(vectors[fit], targets[fit], len(label_names))
    temperature = _temperature(vectors[calibrate] @ weights + bias, targets[calibrate])
    weights, bias = _fit(vectors, targets, len(label_names))
    return IntentModel(labels=label_names, weights=weights, bias=bias, temperature=temperature)


def load_or_train(cache_dir: Path, embeddings: E5Embeddings | None = None) -> IntentModel:
    examples = load_examples()
    if not examples:
        raise RuntimeError("no intent examples are shipped (invekto/nlu/examples/*.yaml)")
    path = cache_dir / f"intents-{fingerprint(examples)}.npz"
    if path.exists():
        data = np.load(path, allow_pickle=False)
        return IntentModel(
            labels=[str(x) for x in data["labels"]],
            weights=data["weights"],
            bias=data["bias"],
            temperature=float(data["temperature"]),
        )
    log.info("training the intent model (%s)", path.name)
    texts, labels = training_set(examples)
    model = train(texts, labels, embeddings or E5Embeddings())
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(
        temporary,
        labels=np.array(model.labels),
        weights=model.weights,
        bias=model.bias,
        temperature=np.array(model.temperature),
    )
    temporary.replace(path)
    return model


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _fit(
    vectors: np.ndarray,
    targets: np.ndarray,
    classes: int,
    *,
    steps: int = 400,
    rate: float = 0.5,
    l2: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch gradient descent with Adam."""
    count, dim = vectors.shape
    onehot = np.eye(classes)[targets]
    weights = np.zeros((dim, classes))
    bias = np.zeros(classes)
    m_w, v_w, m_b, v_b = (
        np.zeros_like(weights),
        np.zeros_like(weights),
        np.zeros_like(bias),
        np.zeros_like(bias),
    )
    scale = 20.0  # unit vectors with cosine similarities packed near 0.8: spread the logits
    inputs = vectors * scale
    for step in range(1, steps + 1):
        error = _softmax(inputs @ weights + bias) - onehot
        grad_w = inputs.T @ error / count + l2 * weights
        grad_b = error.mean(axis=0)
        for param, grad, m, v in ((weights, grad_w, m_w, v_w), (bias, grad_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return weights * scale, bias


def _temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood on held-back examples."""
    if len(targets) == 0:
        return 1.0
    best, best_loss = 1.0, float("inf")
    for temperature in np.linspace(0.5, 5.0, 46):
        probabilities = _softmax(logits / temperature)
        loss = -np.log(probabilities[np.arange(len(targets)), targets] + 1e-12).mean()
        if loss < best_loss:
            best, best_loss = float(temperature), float(loss)
    return best


def heldout_report(model: IntentModel, embeddings: E5Embeddings) -> dict[str, dict[str, float]]:
    """Accuracy on the held-out texts (never trained on), per language, and time per message."""
    import time

    report: dict[str, dict[str, float]] = {}
    for language in ("tr", "en", "ar"):
        texts, labels = [], []
        for intent, entry in load_examples().items():
            for text in entry.heldout.get(language, []):
                texts.append(text)
                labels.append(intent)
        if not texts:
            continue
        started = time.perf_counter()
        predicted = [label for label, _ in model.predict(embeddings.encode(texts))]
        elapsed_ms = (time.perf_counter() - started) * 1000 / len(texts)
        correct = sum(p == t for p, t in zip(predicted, labels, strict=True))
        report[language] = {
            "messages": len(texts),
            "accuracy": round(correct / len(texts), 3),
            "ms_per_message": round(elapsed_ms, 2),
        }
    return report
