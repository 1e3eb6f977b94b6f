"""How the local understander combines the model's reading with entities, rules and signals
(``LocalUnderstander.combine``), without loading the model."""

from __future__ import annotations

import pytest

from invekto.nlu.local import LocalUnderstander

SHOP = {"vertical": "ecommerce", "nlu": {"bulk_threshold": 20}}


@pytest.fixture
def local() -> LocalUnderstander:
    return LocalUnderstander(model=None, embeddings=object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "runner_up"),
    [
        ("is delivery free for a 400 TL order?", ("shipping_policy", 0.7)),
        ("400 TL'lik sipariş kargo bedava mı", ("shipping_policy", 0.8)),
        ("%10 çok az ya, en az %25 yapın tutayım ürünü", ("discount_question", 0.6)),
        ("yüzde 30 yapın hemen alayım", ("discount_question", 0.6)),
    ],
)
def test_an_amount_of_money_or_a_percentage_is_no_bulk_order(local, text, runner_up):
    understood = local.combine(text, ("bulk_order", 0.82), settings=SHOP, instead_of_bulk=runner_up)

    assert "bulk_order" not in understood.signals
    assert understood.entities.quantities == []
    assert (understood.intent, understood.confidence) == runner_up


@pytest.mark.parametrize(
    "text",
    [
        "toptan 400 TL'den tişört alabilir miyiz",  # a bulk word
        "100 adet tişörtün tanesi 150 TL olur mu",  # a quantity over the threshold
        "ABC Tekstil Ltd. Şti. olarak birim fiyatı 150 TL olursa alırız",  # a company
    ],
)
def test_a_real_bulk_order_with_a_price_stays_one(local, text):
    understood = local.combine(
        text, ("bulk_order", 0.9), settings=SHOP, instead_of_bulk=("price_question", 0.5)
    )

    assert understood.intent == "bulk_order"


def test_without_an_amount_the_models_bulk_reading_stays(local):
    understood = local.combine(
        "we want to sell your products in our store",
        ("bulk_order", 0.9),
        settings=SHOP,
        instead_of_bulk=("other", 0.4),
    )

    assert understood.intent == "bulk_order"
