"""The intent model ships with the package, so a first start loads it instead of training; it
must be exactly what training on the shipped examples produces."""

from __future__ import annotations

import numpy as np

from invekto.nlu.classifier import (
    SHIPPED_DIR,
    load_examples,
    model_name,
    read_model,
    train_and_cache,
)

FIELDS = ("weights", "bias", "centre", "e5_weights", "e5_bias")


def test_the_shipped_model_is_the_one_of_the_shipped_examples():
    name = model_name(load_examples())
    shipped = sorted(p.name for p in SHIPPED_DIR.glob("intents-*.npz"))
    assert shipped == [name], (
        "the examples changed: run `invekto understand --ship` and commit invekto/nlu/model/"
    )


def test_the_shipped_model_is_what_training_produces(tmp_path):
    shipped = read_model(SHIPPED_DIR / model_name(load_examples()))
    trained = train_and_cache(tmp_path)
    assert trained.labels == shipped.labels
    for field in FIELDS:
        np.testing.assert_allclose(getattr(trained, field), getattr(shipped, field), atol=1e-5)
    assert abs(trained.temperature - shipped.temperature) < 1e-5
    assert abs(trained.e5_temperature - shipped.e5_temperature) < 1e-5
