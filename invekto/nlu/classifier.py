"""The local intent model: L2-regularised multinomial logistic regression over two views of a
message, with a calibrated confidence.

- the e5 sentence embedding, centred on the training mean and re-normalised (raw e5 vectors all
  sit within ~0.8 cosine of each other; centring spreads them out);
- hashed character 2–4-grams (and whole words) of the Turkish-folded text, which carry what the
  sentence model blurs: typos, missing diacritics ("siparisim", "iade etcem") and suffixes.

Classes count equally (examples weighted inversely to their class's size); the weights are
fitted with L-BFGS in plain numpy. Trained on the shipped examples (``taxonomy.load_examples``),
never on their held-out texts. The temperature is fitted on a stratified 15 % validation split
of the training examples, then the model is refit on all of them. A second, embedding-only head
is trained beside it for callers that pass vectors without their texts.

The trained weights are cached in ``data_dir/nlu/`` under a hash of the examples, the model
version and its settings, so a changed example retrains on the next start (40–50 s on two
cores, nearly all of it embedding the ~3,200 examples) and an unchanged one loads in
milliseconds. The two views' weights and the L2 strength were chosen by 5-fold
cross-validation on the training examples; ``heldout_report`` measures on the held-out texts.

    model = load_or_train(cache_dir)
    model.classify(["kargom nerde kaldı"], E5Embeddings())      # [("order_status", 0.99)]
    model.predict(vectors, texts, intents=shop_intents)          # vectors of model_text(texts)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from invekto.core.text import fold
from invekto.nlu.taxonomy import IntentExamples, load_examples

log = logging.getLogger(__name__)

MODEL_VERSION = "logreg-e5small-chargrams-v3"
"""Bump when the features or the training change: the cached model is then retrained."""
HASH_DIM = 4096
"""Buckets for the hashed character n-grams."""
NGRAMS = (2, 4)
E5_WEIGHT = 3.0
CHAR_WEIGHT = 4.5
L2 = 3e-4
VALIDATION_SHARE = 0.15
SETTINGS = {
    "hash_dim": HASH_DIM,
    "ngrams": NGRAMS,
    "e5_weight": E5_WEIGHT,
    "char_weight": CHAR_WEIGHT,
    "l2": L2,
    "validation_share": VALIDATION_SHARE,
}


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class _CachedEncoder:
    """Vectors of texts embedded before (by an encoder with the same ``name``) come from
    ``cache_dir``, so editing a few examples re-embeds only those."""

    def __init__(self, inner: Encoder, name: str, cache_dir: Path) -> None:
        self.inner = inner
        self.path = cache_dir / f"embeddings-{hashlib.sha256(name.encode()).hexdigest()[:12]}.npz"
        self.known: dict[str, np.ndarray] = {}
        self.used: dict[str, np.ndarray] = {}
        try:
            with np.load(self.path, allow_pickle=False) as data:
                self.known = dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))
        except (OSError, KeyError, ValueError):
            pass

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = list(
            dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self.known)
        )
        if missing:
            vectors = np.asarray(self.inner.encode(missing), dtype=np.float32)
            for text, vector in zip(missing, vectors, strict=True):
                self.known[hashlib.sha1(text.encode()).hexdigest()] = vector
        rows = [self.known[k] for k in keys]
        self.used.update(zip(keys, rows, strict=True))
        return np.array(rows, dtype=np.float32).reshape(len(texts), -1)

    def save(self) -> None:
        """Keep the vectors of the texts used this time (old examples' vectors go)."""
        if not self.used:
            return
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(
            temporary,
            keys=np.array(list(self.used)),
            vectors=np.array(list(self.used.values()), dtype=np.float32),
        )
        temporary.replace(self.path)


@dataclass(frozen=True)
class IntentModel:
    labels: list[str]
    weights: np.ndarray  # (e5 dim + HASH_DIM, classes), over ``features``
    bias: np.ndarray  # (classes,)
    temperature: float
    centre: np.ndarray  # (e5 dim,): the mean e5 vector of the training texts
    e5_weights: np.ndarray  # (e5 dim, classes): the fallback head, embedding alone
    e5_bias: np.ndarray
    e5_temperature: float

    def centred(self, vectors: np.ndarray) -> np.ndarray:
        """e5 vectors minus the training mean, re-normalised, weighted for the model."""
        centred = np.asarray(vectors, dtype=np.float32) - self.centre
        centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
        return centred * E5_WEIGHT

    def features(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Centred e5 vectors next to the texts' hashed character n-grams."""
        dim = self.weights.shape[0] - self.centre.shape[0]
        return np.hstack([self.centred(vectors), char_features(texts, dim) * CHAR_WEIGHT])

    def logits(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Temperature-scaled logits. Without the texts the vectors were made of, the
        embedding-only head decides (a few points less accurate)."""
        if texts is None:
            _warn_once("IntentModel.predict without texts: the embedding-only head decides")
            return (self.centred(vectors) @ self.e5_weights + self.e5_bias) / self.e5_temperature
        return (self.features(vectors, texts) @ self.weights + self.bias) / self.temperature

    def probabilities(
        self,
        vectors: np.ndarray,
        texts: Sequence[str] | None = None,
        *,
        intents: Collection[str] | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities, one column per ``labels``; with ``intents`` (e.g. a shop's
        or a clinic's), the others get 0 and the rest are renormalised."""
        logits = self.logits(vectors, texts)
        if intents is not None:
            allowed = np.array([label in intents for label in self.labels])
            if allowed.any():
                logits = np.where(allowed, logits, -np.inf)
        return _softmax(logits)

    def predict(
        self,
        vectors: np.ndarray,
        texts: Sequence[str] | None = None,
        *,
        intents: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """(intent, confidence) per row. Pass the texts the vectors were made of (after
        ``model_text``): their character n-grams are half of what the model looks at."""
        probabilities = self.probabilities(vectors, texts, intents=intents)
        best = probabilities.argmax(axis=1)
        return [(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def classify(
        self, texts: Sequence[str], embeddings: Encoder, *, intents: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """Embed and predict in one call (the texts as the customer wrote them)."""
        model_texts = [model_text(text) for text in texts]
        return self.predict(embeddings.encode(model_texts), model_texts, intents=intents)


# --- features -------------------------------------------------------------------------------

_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # from a word's start: linear
_LONG_NUMBER = re.compile(r"\+?\d[\d\s()-]{4,}\d")
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})
_TOKEN = re.compile(r"[a-z\u0600-\u06ff]+|\d+")


def model_text(text: str) -> str:
    """What the model reads: identifiers (order, tracking, phone numbers, e-mail addresses)
    say nothing about the intent, so long numbers go and an address becomes "mail"."""
    text = _EMAIL.sub(" mail ", text)
    text = _LONG_NUMBER.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip() or text


def grams(text: str) -> list[str]:
    """Character 2–4-grams of each folded word (with word boundaries) and the word itself;
    digits count as one symbol, so "42" and "38" look alike."""
    folded = fold(text).translate(_ARABIC_FOLD)
    out: list[str] = []
    low, high = NGRAMS
    for token in _TOKEN.findall(folded):
        if token.isdigit():
            token = "0" * min(len(token), 4)
        padded = f"<{token}>"
        for n in range(low, high + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        out.append("w:" + token)
    return out


def char_features(texts: Sequence[str], dim: int = HASH_DIM) -> np.ndarray:
    """Hashed, log-scaled, unit-length bag of ``grams``: (len(texts), dim)."""
    matrix = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for gram in grams(text):
            matrix[row, zlib.crc32(gram.encode()) % dim] += 1.0
    np.log1p(matrix, out=matrix)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    return matrix


# --- training -------------------------------------------------------------------------------


def training_set(
    examples: dict[str, IntentExamples], *, arabizi: bool = False
) -> tuple[list[str], list[str]]:
    """The texts and labels to train on; ``arabizi``: the Arabizi model's, with the chat-Arabic
    examples too."""
    texts, labels = [], []
    for intent, entry in sorted(examples.items()):
        sections = [entry.examples, entry.arabizi] if arabizi else [entry.examples]
        for section in sections:
            for language in sorted(section):
                for text in section[language]:
                    texts.append(text)
                    labels.append(intent)
    return texts, labels


def fingerprint(examples: dict[str, IntentExamples], *, arabizi: bool = False) -> str:
    texts, labels = training_set(examples, arabizi=arabizi)
    payload = json.dumps([MODEL_VERSION, SETTINGS, texts, labels], ensure_ascii=False).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


def has_arabizi(examples: dict[str, IntentExamples]) -> bool:
    return any(entry.arabizi for entry in examples.values())


def train(
    texts: list[str], labels: list[str], embeddings: Encoder, *, seed: int = 7
) -> IntentModel:
    """Fit on 85 % to pick the temperature on the other 15 %, then refit on everything."""
    model_texts = [model_text(text) for text in texts]
    vectors = np.asarray(embeddings.encode(model_texts), dtype=np.float32)
    label_names = sorted(set(labels))
    classes = len(label_names)
    targets = np.array([label_names.index(label) for label in labels])
    centre = vectors.mean(axis=0)
    shell = IntentModel(
        labels=label_names,
        weights=np.zeros((vectors.shape[1] + HASH_DIM, classes), dtype=np.float32),
        bias=np.zeros(classes),
        temperature=1.0,
        centre=centre,
        e5_weights=np.zeros((vectors.shape[1], classes), dtype=np.float32),
        e5_bias=np.zeros(classes),
        e5_temperature=1.0,
    )
    order = _stratified_order(targets, seed)
    validation = np.sort(order[: int(len(order) * VALIDATION_SHARE)])
    fit = np.setdiff1d(np.arange(len(targets)), validation)
    calibrate = len(validation) > 0 and len(set(targets[fit])) == classes
    heads = []
    for features in (shell.features(vectors, model_texts), shell.centred(vectors)):
        temperature = 1.0
        if calibrate:
            weights, bias = _fit(features[fit], targets[fit], classes)
            temperature = _temperature(features[validation] @ weights + bias, targets[validation])
        weights, bias = _fit(features, targets, classes)
        heads.append((weights.astype(np.float32), bias, temperature))
    (weights, bias, temperature), (e5_weights, e5_bias, e5_temperature) = heads
    return IntentModel(
        labels=label_names,
        weights=weights,
        bias=bias,
        temperature=temperature,
        centre=centre,
        e5_weights=e5_weights,
        e5_bias=e5_bias,
        e5_temperature=e5_temperature,
    )


SHIPPED_DIR = Path(__file__).resolve().parent / "model"
"""The model trained on the shipped examples, part of the package: a first start loads it
instead of training (``invekto understand --ship`` writes it after the examples change; a test
checks it is what training produces)."""


def read_model(path: Path) -> IntentModel:
    with np.load(path, allow_pickle=False) as data:
        return IntentModel(
            labels=[str(x) for x in data["labels"]],
            weights=data["weights"],
            bias=data["bias"],
            temperature=float(data["temperature"]),
            centre=data["centre"],
            e5_weights=data["e5_weights"],
            e5_bias=data["e5_bias"],
            e5_temperature=float(data["e5_temperature"]),
        )


def write_model(model: IntentModel, path: Path) -> None:
    """Write atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(
        temporary,
        labels=np.array(model.labels),
        weights=model.weights,
        bias=model.bias,
        temperature=np.array(model.temperature),
        centre=model.centre,
        e5_weights=model.e5_weights,
        e5_bias=model.e5_bias,
        e5_temperature=np.array(model.e5_temperature),
    )
    temporary.replace(path)


ARABIZI_PREFIX = "intents-arabizi-"


def model_name(examples: dict[str, IntentExamples], *, arabizi: bool = False) -> str:
    prefix = ARABIZI_PREFIX if arabizi else "intents-"
    return f"{prefix}{fingerprint(examples, arabizi=arabizi)}.npz"


def _same_kind(path: Path, arabizi: bool) -> bool:
    return path.name.startswith(ARABIZI_PREFIX) == arabizi


def load_or_train(
    cache_dir: Path, embeddings: Encoder | None = None, *, arabizi: bool = False
) -> IntentModel:
    """The intent model of the shipped examples (``arabizi``: the Arabizi model, trained on the
    chat-Arabic examples too): the packaged one, else the cached one, else trained now (and
    cached)."""
    examples = load_examples()
    if not examples:
        raise RuntimeError("no intent examples are shipped (invekto/nlu/examples/*.yaml)")
    name = model_name(examples, arabizi=arabizi)
    for path in (SHIPPED_DIR / name, cache_dir / name):
        if path.exists():
            try:
                return read_model(path)
            except (OSError, KeyError, ValueError):
                log.warning("the intent model %s is unreadable: retraining", path)
    return train_and_cache(cache_dir, examples, embeddings, arabizi=arabizi)


def ship_model(cache_dir: Path) -> list[Path]:
    """Train on the shipped examples and write the models into the package (old ones
    removed): the main one, and the Arabizi one when there are chat-Arabic examples."""
    examples = load_examples()
    paths = []
    for arabizi in (False, True) if has_arabizi(examples) else (False,):
        model = train_and_cache(cache_dir, examples, arabizi=arabizi)
        path = SHIPPED_DIR / model_name(examples, arabizi=arabizi)
        write_model(model, path)
        paths.append(path)
    for stale in SHIPPED_DIR.glob("intents-*.npz"):
        if stale not in paths:
            stale.unlink()
    return paths


def train_and_cache(
    cache_dir: Path,
    examples: dict[str, IntentExamples] | None = None,
    embeddings: Encoder | None = None,
    *,
    arabizi: bool = False,
) -> IntentModel:
    """Train on the shipped examples (their vectors cached in ``cache_dir``); cache the model."""
    examples = examples or load_examples()
    path = cache_dir / model_name(examples, arabizi=arabizi)
    if embeddings is None:
        from invekto.nlu.embeddings import E5Embeddings

        embeddings = E5Embeddings()
    log.info("training the intent model (%s)", path.name)
    started = time.perf_counter()
    cache_dir.mkdir(parents=True, exist_ok=True)
    name = getattr(embeddings, "name", None)
    encoder = _CachedEncoder(embeddings, name, cache_dir) if isinstance(name, str) else None
    texts, labels = training_set(examples, arabizi=arabizi)
    if encoder is not None and has_arabizi(examples):
        # The cache keeps the vectors of what was encoded: those of both models' texts.
        encoder.encode([model_text(t) for t in training_set(examples, arabizi=True)[0]])
    model = train(texts, labels, encoder or embeddings)
    if encoder is not None:
        encoder.save()
    log.info("trained the intent model in %.1f s", time.perf_counter() - started)
    write_model(model, path)
    for stale in cache_dir.glob("intents-*.npz"):
        if stale != path and _same_kind(stale, arabizi) and not stale.name.endswith(".tmp.npz"):
            stale.unlink(missing_ok=True)
    return model


def _stratified_order(targets: np.ndarray, seed: int) -> np.ndarray:
    """A permutation whose every prefix holds each class in about its share."""
    rng = np.random.default_rng(seed)
    keys = np.empty(len(targets))
    for label in np.unique(targets):
        members = np.flatnonzero(targets == label)
        keys[rng.permutation(members)] = (np.arange(len(members)) + rng.random()) / len(members)
    return np.argsort(keys, kind="stable")


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _fit(
    features: np.ndarray, targets: np.ndarray, classes: int, *, l2: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, classes weighted to count equally, L2 on the weights
    (not the bias), minimised with L-BFGS."""
    l2 = L2 if l2 is None else l2
    inputs = np.ascontiguousarray(features, dtype=np.float32)
    inputs_t = np.ascontiguousarray(inputs.T)
    count, dim = inputs.shape
    onehot = np.eye(classes)[targets]
    counts = np.bincount(targets, minlength=classes).astype(float)
    sample_weight = (1.0 / (classes * np.maximum(counts, 1)))[targets]
    sample_weight /= sample_weight.sum()
    rows = np.arange(count)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[: dim * classes].reshape(dim, classes), theta[dim * classes :]
        logits = (inputs @ weights.astype(np.float32)).astype(np.float64) + bias
        probabilities = _softmax(logits)
        loss = -(sample_weight * np.log(probabilities[rows, targets] + 1e-12)).sum()
        loss += 0.5 * l2 * float((weights * weights).sum())
        error = (probabilities - onehot) * sample_weight[:, None]
        grad_w = (inputs_t @ error.astype(np.float32)).astype(np.float64) + l2 * weights
        return loss, np.concatenate([grad_w.ravel(), error.sum(axis=0)])

    theta = _lbfgs(loss_and_gradient, np.zeros(dim * classes + classes))
    return theta[: dim * classes].reshape(dim, classes), theta[dim * classes :]


def _lbfgs(
    function: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    *,
    iterations: int = 300,
    memory: int = 10,
    tolerance: float = 1e-7,
) -> np.ndarray:
    """Limited-memory BFGS with a backtracking (Armijo) line search; the loss is convex."""
    x = start.copy()
    value, gradient = function(x)
    steps: list[np.ndarray] = []
    changes: list[np.ndarray] = []
    for _ in range(iterations):
        direction = -_two_loop(gradient, steps, changes)
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            steps.clear()
            changes.clear()
            direction = -gradient / max(float(np.linalg.norm(gradient)), 1e-12)
            slope = float(gradient @ direction)
        size = 1.0
        while True:
            candidate = x + size * direction
            new_value, new_gradient = function(candidate)
            if new_value <= value + 1e-4 * size * slope or size < 1e-10:
                break
            size *= 0.5
        step, change = candidate - x, new_gradient - gradient
        if float(step @ change) > 1e-12:
            steps.append(step)
            changes.append(change)
            if len(steps) > memory:
                steps.pop(0)
                changes.pop(0)
        converged = abs(value - new_value) <= tolerance * max(1.0, abs(value))
        x, value, gradient = candidate, new_value, new_gradient
        if converged:
            break
    return x


def _two_loop(
    gradient: np.ndarray, steps: list[np.ndarray], changes: list[np.ndarray]
) -> np.ndarray:
    if not steps:
        return gradient / max(float(np.linalg.norm(gradient)), 1e-12)
    q = gradient.copy()
    alphas = []
    for step, change in zip(reversed(steps), reversed(changes), strict=True):
        alpha = float(step @ q) / float(change @ step)
        alphas.append(alpha)
        q -= alpha * change
    q *= float(steps[-1] @ changes[-1]) / float(changes[-1] @ changes[-1])
    for step, change, alpha in zip(steps, changes, reversed(alphas), strict=True):
        beta = float(change @ q) / float(change @ step)
        q += step * (alpha - beta)
    return q


def _temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood on the validation split."""
    if len(targets) == 0:
        return 1.0

    def loss(log_t: float) -> float:
        probabilities = _softmax(logits / np.exp(log_t))
        return float(-np.log(probabilities[np.arange(len(targets)), targets] + 1e-12).mean())

    grid = np.linspace(np.log(0.05), np.log(20.0), 61)
    best = grid[int(np.argmin([loss(t) for t in grid]))]
    low, high = best - 0.15, best + 0.15
    for _ in range(30):  # golden-section refinement around the best grid point
        a, b = high - 0.618 * (high - low), low + 0.618 * (high - low)
        low, high = (low, b) if loss(a) < loss(b) else (a, high)
    return float(np.exp((low + high) / 2))


# --- measuring ------------------------------------------------------------------------------


def heldout_set(language: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for intent, entry in sorted(load_examples().items()):
        for text in entry.heldout.get(language, []):
            texts.append(text)
            labels.append(intent)
    return texts, labels


def heldout_report(model: IntentModel, embeddings: Encoder) -> dict[str, dict[str, float]]:
    """Accuracy on the held-out texts (never trained on), per language, and time per message."""
    report: dict[str, dict[str, float]] = {}
    for language in ("tr", "en", "ar"):
        texts, labels = heldout_set(language)
        if not texts:
            continue
        started = time.perf_counter()
        predicted = [label for label, _ in model.classify(texts, embeddings)]
        elapsed_ms = (time.perf_counter() - started) * 1000 / len(texts)
        correct = sum(p == t for p, t in zip(predicted, labels, strict=True))
        report[language] = {
            "messages": len(texts),
            "accuracy": round(correct / len(texts), 3),
            "ms_per_message": round(elapsed_ms, 2),
        }
    return report
