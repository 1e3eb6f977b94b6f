"""The local intent model on the shipped examples: trained once, cached, and measured on the
held-out texts it never saw."""

from __future__ import annotations

import pytest

from invekto.nlu.classifier import heldout_report, load_or_train
from invekto.nlu.embeddings import E5Embeddings
from invekto.nlu.local import LocalUnderstander

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("nlu")


@pytest.fixture(scope="module")
def local(cache_dir) -> LocalUnderstander:
    return LocalUnderstander.load(cache_dir)


def test_heldout_accuracy_per_language(local):
    report = heldout_report(local.model, local.embeddings)

    assert report["tr"]["accuracy"] >= 0.75, report
    assert report["en"]["accuracy"] >= 0.75, report
    assert report["ar"]["accuracy"] >= 0.6, report


async def test_understands_typical_messages(local):
    for text, intent in [
        ("kargom nerde kaldı ya", "order_status"),
        ("iade etmek istiyorum", "return_request"),
        ("şirketimize 150 adet lazım faturalı", "bulk_order"),
        ("yarın randevu var mı", "book_appointment"),
    ]:
        result = await local.understand(text, tenant_slug="demo-shop")
        assert (result.intent, result.source) == (intent, "local"), text
        assert 0 < result.confidence <= 1


def test_the_trained_model_is_cached(local, cache_dir):
    files = list(cache_dir.iterdir())
    again = load_or_train(cache_dir, E5Embeddings())

    assert len(files) == 1 and files[0].suffix == ".npz"
    assert again.labels == local.model.labels
    assert (again.weights == local.model.weights).all()
