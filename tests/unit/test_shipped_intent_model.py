"""The intent models ship with the package (the main one and the Arabizi one), so a first start
loads them instead of training; each must be exactly what training on the shipped examples
produces."""

from __future__ import annotations

import numpy as np
import pytest

from invekto.nlu.classifier import (
    SHIPPED_DIR,
    load_examples,
    model_name,
    read_model,
    train_and_cache,
)

FIELDS = ("weights", "bias", "centre", "e5_weights", "e5_bias")


def test_the_shipped_models_are_those_of_the_shipped_examples():
    examples = load_examples()
    names = sorted(model_name(examples, arabizi=arabizi) for arabizi in (False, True))
    shipped = sorted(p.name for p in SHIPPED_DIR.glob("intents-*.npz"))
    assert shipped == names, (
        "the examples changed: run `invekto understand --ship` and commit invekto/nlu/model/"
    )


@pytest.mark.parametrize("arabizi", [False, True])
def test_the_shipped_model_is_what_training_produces(tmp_path, arabizi):
    shipped = read_model(SHIPPED_DIR / model_name(load_examples(), arabizi=arabizi))
    trained = train_and_cache(tmp_path, arabizi=arabizi)
    assert trained.labels == shipped.labels
    for field in FIELDS:
        np.testing.assert_allclose(getattr(trained, field), getattr(shipped, field), atol=1e-5)
    assert abs(trained.temperature - shipped.temperature) < 1e-5
    assert abs(trained.e5_temperature - shipped.e5_temperature) < 1e-5
