"""English and Arabic product questions in the catalogue's Turkish words, and follow-ups that
name no product (``integrations.glossary``, ``integrations.catalog``)."""

from __future__ import annotations

import pytest

from invekto.integrations.catalog import _query_words, names_a_product
from invekto.integrations.glossary import arabic_stems, turkish_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Do you have the black linen shirt in size S?", ["keten", "gomlek"]),
        ("is the black men's sneaker available in 43?", ["erkek", "spor", "ayakkabi"]),
        ("navy leather wallet in stock?", ["deri", "cuzdan"]),
        ("price of the kids puffer jacket?", ["price", "cocuk", "sisme", "mont", "ceket"]),
        ("How much is the floral summer dress?", ["how", "much", "cicekli", "yazlik", "elbise"]),
        ("100 t-shirts", ["tisort"]),
        ("هل يتوفر قميص الكتان الأبيض بمقاس XL؟", ["gomlek", "keten"]),
        ("السماعة اللاسلكية باللون الأبيض موجودة عندكم؟", ["kulaklik", "kablosuz"]),
        ("كم سعر المحفظة الجلد؟", ["cuzdan", "deri"]),
        ("عندكم حذاء رياضي أسود مقاس 42؟", ["spor", "ayakkabi"]),
        # Turkish stays as it is
        ("keten gömleğin beyazı var mı", ["keten", "gomlegin"]),
    ],
)
def test_foreign_product_words_come_in_turkish(text, words):
    found = _query_words(text)
    assert all(word in found for word in words), found


def test_phrases_win_over_their_words():
    assert turkish_words("genuine leather sport shoes") == ["hakiki", "deri", "spor", "ayakkabi"]
    assert turkish_words("حذاء رياضي") == ["spor", "ayakkabi"]


def test_arabic_prefixes_are_looked_through():
    assert "كتان" in arabic_stems("بالكتان")
    assert "قميص" in arabic_stems("والقميص")
    assert arabic_stems("قميص")[0] == "قميص"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("L de var mı peki?", False),
        ("siyahı kaldı mı", False),
        ("S bedeni kaldı mı", False),
        ("0-3 ay olanı ne kadar o zaman", False),
        ("fiyatı ne kadar", False),
        ("is size 44 in stock?", False),
        ("and are they true to size?", False),
        ("وكم سعره؟", False),
        ("şemsiye var mı", True),
        ("keten gömlek M", True),
        ("black linen shirt?", True),
        ("قميص الكتان", True),
    ],
)
def test_a_follow_up_names_no_product(text, names):
    assert names_a_product(text) is names
