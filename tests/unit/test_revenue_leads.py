"""Lead qualification, pure: budget, timing and need read in three languages, kept once said,
and a score whose reasons a salesperson can read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invekto.revenue.leads import (
    Qualification,
    read_budget,
    read_need,
    read_timing,
    score_lead,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("bütçemiz 50 bin TL civarı", 50_000),
        ("15.000 TL civarı bir bütçemiz var", 15_000),
        ("max 30000 TL harcayabiliriz", 30_000),
        ("our budget is around $5k", 5_000),
        ("budget: 12,500 USD", 12_500),
        ("ميزانيتنا 20000 ليرة", 20_000),
    ],
)
def test_a_budget_is_read_with_its_scale(text, value):
    found = read_budget(text)
    assert found is not None and found[1] == Decimal(value)


@pytest.mark.parametrize(
    "text", ["150 adet gömlek lazım", "100 tane, 250 TL'lik tişörtten", "fiyat ne kadar"]
)
def test_a_price_or_a_quantity_is_no_budget(text):
    assert read_budget(text) is None


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("ay sonuna kadar lazım", "soon"),
        ("acil, bu hafta gerekiyor", "soon"),
        ("we need them next week", "soon"),
        ("نحتاجها هذا الأسبوع", "soon"),
        ("gelecek sezon için düşünüyoruz", "later"),
        ("for christmas", "later"),
    ],
)
def test_timing_says_how_soon(text, when):
    found = read_timing(text)
    assert found is not None and found[1] == when


def test_the_need_is_what_it_is_for():
    assert read_need("200 adet tişört otel personeli için") == "otel personeli"
    assert read_need("we need them for our hotel staff") == "hotel staff"
    assert read_need("fiyat için yazıyorum") is None


def test_what_was_said_stays_said():
    qualification = Qualification().absorb("bütçemiz 50 bin TL, ay sonuna kadar lazım")
    qualification.absorb("aslında bütçe 80 bin TL olabilir, gelecek ay da olur")
    assert qualification.budget_value == Decimal(50_000)
    assert qualification.timing_when == "soon"
    again = Qualification.from_json(qualification.as_json())
    assert again == qualification


def test_the_score_is_the_sum_of_its_reasons():
    qualification = Qualification().absorb("bütçemiz 50 bin TL, ay sonuna kadar")
    score = score_lead(
        quantities=[200, 100],
        company="ABC Tekstil",
        qualification=qualification,
        contact_email="satin@abc.example",
        past_orders=2,
        min_quantity=20,
        estimate=Decimal(45_000),
        catalogue_matches=2,
    )
    assert score.value == 20 + 15 + 15 + 10 + 15 + 5 + 10 + 5
    assert "300 adet (100+)" in score.reasons
    assert "bütçe katalog fiyatlarıyla tahmini tutarı karşılıyor" in score.reasons
    assert "mevcut müşteri (2 sipariş)" in score.reasons


def test_a_lead_below_the_minimum_scores_low_and_says_why():
    score = score_lead(
        quantities=[5],
        company=None,
        qualification=Qualification(),
        contact_email=None,
        past_orders=0,
        min_quantity=20,
    )
    assert score.value == 0
    assert score.reasons == ["5 adet: asgari 20 adedin altında"]


def test_the_score_never_passes_100():
    qualification = Qualification().absorb("bütçemiz 5 milyon TL, acil")
    score = score_lead(
        quantities=[10_000],
        company="X",
        qualification=qualification,
        contact_email="a@b.example",
        past_orders=50,
        min_quantity=20,
        estimate=Decimal(1),
        catalogue_matches=3,
    )
    assert score.value == 100
